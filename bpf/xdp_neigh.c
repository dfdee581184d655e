/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_neigh.c - next hops in sl_resolve handed to the kernel to resolve, those in sl_nh_used to
 * re-validate (xdp_neigh.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "bpf/xdp_neigh.h"

int xdp_neigh_open(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

void xdp_neigh_close(int nl)
{
	if (nl >= 0)
		close(nl);
}

/* RTM_NEWNEIGH, NTF_USE: "use" the entry (creating it if need be), which starts resolution. */
static int xdp_neigh_use(int nl, const struct xdp_nh_key *k)
{
	struct {
		struct nlmsghdr nh;
		struct ndmsg nd;
		char attrs[RTA_SPACE(16)];
	} req;
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};
	unsigned int alen = k->family == 4 ? 4 : 16;
	struct rtattr *rta;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.nd)) + RTA_SPACE(alen);
	req.nh.nlmsg_type = RTM_NEWNEIGH;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE;
	req.nd.ndm_family = k->family == 4 ? AF_INET : AF_INET6;
	req.nd.ndm_ifindex = (int)k->ifindex;
	req.nd.ndm_state = NUD_NONE;
	req.nd.ndm_flags = NTF_USE;
	rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(NLMSG_LENGTH(sizeof(req.nd))));
	rta->rta_type = NDA_DST;
	rta->rta_len = RTA_LENGTH(alen);
	memcpy(RTA_DATA(rta), k->addr, alen);
	if (sendto(nl, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

int xdp_neigh_resolve(struct xdp_dp *x, int nl)
{
	static struct xdp_nh_key keys[XDP_RESOLVE_MAX]; /* main thread only */
	unsigned int n = 0, i;
	char buf[4096];
	int ret;

	/* Errors (none expected without NLM_F_ACK) would queue up: drop them unread. */
	while (recv(nl, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	while (n < XDP_RESOLVE_MAX &&
	       !bpf_map_get_next_key(x->maps.resolve, n ? &keys[n - 1] : NULL, &keys[n]))
		n++;
	for (i = 0; i < n; i++) {
		if (keys[i].family == 4 || keys[i].family == 6) {
			ret = xdp_neigh_use(nl, &keys[i]);
			if (ret)
				return ret;
		}
		bpf_map_delete_elem(x->maps.resolve, &keys[i]);
	}
	return (int)n;
}

int xdp_neigh_refresh(struct xdp_dp *x, int nl)
{
	static struct xdp_nh_key keys[XDP_NH_USED_MAX]; /* main thread only */
	struct timespec ts;
	unsigned int n = 0, i, used = 0;
	uint64_t now, seen;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* bpf_ktime_get_ns's clock */
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	while (n < XDP_NH_USED_MAX &&
	       !bpf_map_get_next_key(x->maps.nh_used, n ? &keys[n - 1] : NULL, &keys[n]))
		n++;
	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(x->maps.nh_used, &keys[i], &seen))
			continue;
		if (now > seen + XDP_NEIGH_IDLE_NS) {
			bpf_map_delete_elem(x->maps.nh_used, &keys[i]);
			continue;
		}
		if (now > seen + XDP_NEIGH_USED_NS || (keys[i].family != 4 && keys[i].family != 6))
			continue;
		ret = xdp_neigh_use(nl, &keys[i]);
		if (ret)
			return ret;
		used++;
	}
	return (int)used;
}
