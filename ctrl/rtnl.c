/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtnl.c - sluiced's host routes over rtnetlink (rtnl.h). One request at a time on a blocking
 * socket with a receive timeout: route changes are rare and the kernel answers at once.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "ctrl/rtnl.h"

#define RTNL_BUF 32768

struct rtnl_req {
	struct nlmsghdr nh;
	struct rtmsg rt;
	char attrs[64];
};

int rtnl_open(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct timeval tv = {2, 0};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

_Static_assert(offsetof(struct rtnl_req, attrs) == NLMSG_LENGTH(sizeof(struct rtmsg)),
	       "the attributes follow the rtmsg");

/* Append attribute type to req (attrs has room for the two a route request carries). */
static void rtnl_attr(struct rtnl_req *req, unsigned short type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(req->nh.nlmsg_len) - offsetof(struct rtnl_req, attrs);
	struct rtattr ra = {.rta_type = type, .rta_len = (unsigned short)RTA_LENGTH(len)};

	memcpy(req->attrs + off, &ra, sizeof(ra));
	memcpy(req->attrs + off + RTA_LENGTH(0), data, len);
	req->nh.nlmsg_len = (uint32_t)(NLMSG_ALIGN(req->nh.nlmsg_len) + RTA_ALIGN(ra.rta_len));
}

/* A route dump's filter and output (rtnl_take). */
struct rtnl_dump {
	uint32_t table;
	struct cfg_addr *out;
	unsigned int max, *n;
};

static void rtnl_take(struct nlmsghdr *nh, struct rtnl_dump *d);

/*
 * Send req and read the answers to it: until its ack (NLMSG_ERROR: 0 or the kernel's negative
 * errno) or, for a dump (d), until NLMSG_DONE, each route going to rtnl_take.
 */
static int rtnl_talk(int fd, struct nlmsghdr *req, struct rtnl_dump *d)
{
	static uint32_t seq;
	char buf[RTNL_BUF] __attribute__((aligned(8)));
	ssize_t len;

	req->nlmsg_seq = ++seq;
	if (send(fd, req, req->nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		struct nlmsghdr *nh;

		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (unsigned int)len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_seq != req->nlmsg_seq)
				continue; /* a late answer to an earlier request */
			if (nh->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
			if (d && nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (d && nh->nlmsg_type == RTM_NEWROUTE)
				rtnl_take(nh, d);
		}
	}
}

static int rtnl_route(int fd, int add, uint32_t table, const struct cfg_addr *a)
{
	struct rtnl_req req;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	req.nh.nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	req.rt.rtm_family = a->family == 4 ? AF_INET : AF_INET6;
	req.rt.rtm_dst_len = a->plen;
	req.rt.rtm_table = table < 256 ? (unsigned char)table : RT_TABLE_UNSPEC;
	req.rt.rtm_protocol = RTNL_PROTO_SLUICE; /* a delete matches only ours */
	req.rt.rtm_scope = RT_SCOPE_UNIVERSE;
	req.rt.rtm_type = RTN_BLACKHOLE;
	rtnl_attr(&req, RTA_DST, a->addr, a->family == 4 ? 4 : 16);
	rtnl_attr(&req, RTA_TABLE, &table, sizeof(table));
	return rtnl_talk(fd, &req.nh, NULL);
}

int rtnl_route_add(int fd, uint32_t table, const struct cfg_addr *a)
{
	return rtnl_route(fd, 1, table, a);
}

int rtnl_route_del(int fd, uint32_t table, const struct cfg_addr *a)
{
	return rtnl_route(fd, 0, table, a);
}

/* One route of a dump: appended to d->out when it is ours and in d->table. */
static void rtnl_take(struct nlmsghdr *nh, struct rtnl_dump *d)
{
	struct rtmsg *rt = NLMSG_DATA(nh);
	int len = (int)RTM_PAYLOAD(nh);
	uint32_t tab = rt->rtm_table;
	struct cfg_addr a = {0};
	struct rtattr *ra;

	if (rt->rtm_protocol != RTNL_PROTO_SLUICE ||
	    (rt->rtm_family != AF_INET && rt->rtm_family != AF_INET6))
		return;
	a.family = rt->rtm_family == AF_INET ? 4 : 6;
	a.plen = rt->rtm_dst_len;
	for (ra = RTM_RTA(rt); RTA_OK(ra, len); ra = RTA_NEXT(ra, len)) {
		if (ra->rta_type == RTA_TABLE && RTA_PAYLOAD(ra) == 4)
			memcpy(&tab, RTA_DATA(ra), 4);
		else if (ra->rta_type == RTA_DST && RTA_PAYLOAD(ra) == (a.family == 4 ? 4u : 16u))
			memcpy(a.addr, RTA_DATA(ra), RTA_PAYLOAD(ra));
	}
	if (tab == d->table && *d->n < d->max)
		d->out[(*d->n)++] = a;
}

int rtnl_route_list(int fd, uint32_t table, struct cfg_addr *out, unsigned int max, unsigned int *n)
{
	struct rtnl_dump d = {table, out, max, n};
	struct rtnl_req req;

	*n = 0;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	req.nh.nlmsg_type = RTM_GETROUTE;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.rt.rtm_family = AF_UNSPEC;
	return rtnl_talk(fd, &req.nh, &d);
}
