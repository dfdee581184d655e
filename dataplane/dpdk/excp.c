/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * excp.c - the exception path (docs/dataplane.md "Exception path"). A port with a
 * `kernel_interface` gets a DPDK net_tap vdev of that name: the kernel interface carries the
 * port's MAC (net_tap's mac= devarg sets both sides), MTU and addresses (rtnetlink; IPv6 without
 * DAD, the port owns them already), and is up. Worker w uses TAP queue w both ways, as it uses
 * TX queue w of every port: no locks.
 *
 * Per packet: excp_to_kernel() hands a frame the caller did not handle to the kernel, limited
 * by a per-worker token bucket of node.exception_rate frames/s (over it: `kernel_ratelimit`);
 * frames are buffered per port and written at the end of the round (`kernel_in`, or
 * `kernel_tx_full` when the TAP queue refuses them). excp_poll() reads one burst per TAP queue
 * per round (`kernel_out`) and sends it out of the port unchanged: a flood from either side
 * costs each round at most a burst and cannot starve the packet loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <rte_dev.h>
#include <rte_ethdev.h>

#include "dataplane/dpdk/excp.h"
#include "dataplane/dpdk/worker.h"

#define EXCP_DESC	  512
#define EXCP_BURST_DIV	  10	   /* bucket depth: a tenth of a second of exception_rate ... */
#define EXCP_BURST_MIN	  DP_BURST /* ... and at least one burst */
#define EXCP_NL_BUF	  512
#define EXCP_VDEV_NAME	  "net_tap_sl%u" /* net_tap's driver name, then the port index */
#define EXCP_VDEV_NAMELEN 32

/* ---- setup: rtnetlink ---- */

struct excp_nlreq {
	struct nlmsghdr h;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
	};
	char attrs[64];
};

static void excp_nl_attr(struct excp_nlreq *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* Send r on the rtnetlink socket fd and wait for its acknowledgement: 0 or a negative errno. */
static int excp_nl_call(int fd, struct excp_nlreq *r)
{
	char buf[EXCP_NL_BUF];
	struct nlmsghdr *h;
	ssize_t n;

	r->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (send(fd, r, r->h.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned int)n); h = NLMSG_NEXT(h, n))
			if (h->nlmsg_seq == r->h.nlmsg_seq && h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	}
}

/* Bring interface ifindex up and give it the port's addresses. */
static int excp_nl_setup(int ifindex, const struct cfg_port *pc, char *err, size_t errlen)
{
	struct excp_nlreq r;
	char abuf[INET6_ADDRSTRLEN];
	unsigned int i, seq = 1;
	int fd, ret;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "kernel interface %s: rtnetlink socket: %s",
			 pc->kernel_interface, strerror(-ret));
		return ret;
	}
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifi));
	r.h.nlmsg_type = RTM_NEWLINK;
	r.h.nlmsg_seq = seq++;
	r.ifi.ifi_family = AF_UNSPEC;
	r.ifi.ifi_index = ifindex;
	r.ifi.ifi_flags = IFF_UP;
	r.ifi.ifi_change = IFF_UP;
	ret = excp_nl_call(fd, &r);
	if (ret) {
		snprintf(err, errlen, "kernel interface %s: setting it up: %s",
			 pc->kernel_interface, strerror(-ret));
		goto out;
	}
	for (i = 0; i < pc->n_addrs; i++) {
		const struct cfg_addr *a = &pc->addrs[i];
		size_t alen = a->family == 4 ? 4 : 16;

		memset(&r, 0, sizeof(r));
		r.h.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifa));
		r.h.nlmsg_type = RTM_NEWADDR;
		r.h.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
		r.h.nlmsg_seq = seq++;
		r.ifa.ifa_family = a->family == 4 ? AF_INET : AF_INET6;
		r.ifa.ifa_prefixlen = a->plen;
		r.ifa.ifa_index = (unsigned int)ifindex;
		/* sluice-dp answers ND for the address already: duplicate detection is moot */
		r.ifa.ifa_flags = a->family == 6 ? IFA_F_NODAD : 0;
		excp_nl_attr(&r, IFA_LOCAL, a->addr, alen);
		excp_nl_attr(&r, IFA_ADDRESS, a->addr, alen);
		ret = excp_nl_call(fd, &r);
		if (ret) {
			inet_ntop(r.ifa.ifa_family, a->addr, abuf, sizeof(abuf));
			snprintf(err, errlen, "kernel interface %s: adding %s/%u: %s%s",
				 pc->kernel_interface, abuf, a->plen, strerror(-ret),
				 a->family == 6 && ret == -EACCES
					 ? " (IPv6 disabled: net.ipv6.conf.default.disable_ipv6)"
					 : "");
			goto out;
		}
	}
out:
	close(fd);
	return ret;
}

/* ---- setup: the net_tap ethdev ---- */

int excp_open(unsigned int i, const struct cfg_port *pc, char *err, size_t errlen)
{
	struct dp_port *p = &dp.ports[i];
	char name[EXCP_VDEV_NAMELEN], dev[EXCP_VDEV_NAMELEN + CFG_IFNAME_MAX + 48];
	uint16_t q, nb_rxd = EXCP_DESC, nb_txd = EXCP_DESC;
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	const char *step;
	int ret, ifindex;

	/* TUNSETIFF would attach to an existing TAP of that name: never take over another's */
	if (if_nametoindex(pc->kernel_interface)) {
		snprintf(err, errlen,
			 "port %s: kernel_interface %s: an interface of that name exists already",
			 pc->name, pc->kernel_interface);
		return -EEXIST;
	}
	snprintf(name, sizeof(name), EXCP_VDEV_NAME, i);
	snprintf(dev, sizeof(dev), "%s,iface=%s,mac=" RTE_ETHER_ADDR_PRT_FMT, name,
		 pc->kernel_interface, RTE_ETHER_ADDR_BYTES(&p->mac));
	ret = rte_dev_probe(dev);
	if (ret) {
		snprintf(err, errlen, "port %s: creating kernel interface %s (net_tap): %s",
			 pc->name, pc->kernel_interface, rte_strerror(-ret));
		return ret;
	}
	step = "no ethdev";
	ret = rte_eth_dev_get_port_by_name(name, &p->kif_id);
	if (ret)
		goto fail;
	p->has_kif = 1;
	step = "device info";
	ret = rte_eth_dev_info_get(p->kif_id, &info);
	if (ret)
		goto fail;
	if (info.max_rx_queues < dp.n_workers || info.max_tx_queues < dp.n_workers) {
		snprintf(err, errlen,
			 "port %s: kernel interface %s: %u workers need as many queues, net_tap "
			 "has %u (use fewer lcores)",
			 pc->name, pc->kernel_interface, dp.n_workers, info.max_rx_queues);
		return -EINVAL;
	}
	step = "configure";
	ret = rte_eth_dev_configure(p->kif_id, (uint16_t)dp.n_workers, (uint16_t)dp.n_workers,
				    &conf);
	if (!ret)
		ret = rte_eth_dev_adjust_nb_rx_tx_desc(p->kif_id, &nb_rxd, &nb_txd);
	if (ret)
		goto fail;
	step = "queue setup";
	for (q = 0; q < dp.n_workers && !ret; q++)
		ret = rte_eth_rx_queue_setup(p->kif_id, q, nb_rxd, rte_eth_dev_socket_id(p->kif_id),
					     NULL, dp.pool);
	for (q = 0; q < dp.n_workers && !ret; q++)
		ret = rte_eth_tx_queue_setup(p->kif_id, q, nb_txd, rte_eth_dev_socket_id(p->kif_id),
					     NULL);
	if (ret)
		goto fail;
	step = "setting the MTU"; /* net_tap sets the kernel interface's (SIOCSIFMTU) */
	ret = rte_eth_dev_set_mtu(p->kif_id, pc->mtu);
	if (ret)
		goto fail;
	step = "start";
	ret = rte_eth_dev_start(p->kif_id);
	if (ret)
		goto fail;
	ifindex = (int)if_nametoindex(pc->kernel_interface);
	if (!ifindex) {
		ret = -errno;
		step = "no such interface after start";
		goto fail;
	}
	return excp_nl_setup(ifindex, pc, err, errlen);
fail:
	snprintf(err, errlen, "port %s: kernel interface %s: %s: %s", pc->name,
		 pc->kernel_interface, step, rte_strerror(-ret));
	return ret;
}

void excp_close_all(void)
{
	struct rte_eth_dev_info info;
	unsigned int i;

	for (i = 0; i < DP_MAX_PORTS; i++) {
		if (!dp.ports[i].has_kif)
			continue;
		info.device = NULL;
		rte_eth_dev_info_get(dp.ports[i].kif_id, &info);
		rte_eth_dev_stop(dp.ports[i].kif_id);
		/* closing the TAP's last file descriptor makes the kernel delete the interface */
		rte_eth_dev_close(dp.ports[i].kif_id);
		if (info.device)
			rte_dev_remove(info.device);
		dp.ports[i].has_kif = 0;
	}
}

/* ---- per packet ---- */

void excp_to_kernel(struct wctx *w, unsigned int port, struct rte_mbuf *m)
{
	uint64_t rate = dp.excp_rate;

	if (!bucket_take(&w->excp, w->now, rate,
			 RTE_MAX(rate / EXCP_BURST_DIV, (uint64_t)EXCP_BURST_MIN))) {
		wk_drop(w, m, SL_DROP_KERNEL_RATELIMIT);
		return;
	}
	w->ktx[port][w->n_ktx[port]++] = m;
	if (w->n_ktx[port] == DP_BURST)
		excp_flush(w, port);
}

void excp_flush(struct wctx *w, unsigned int port)
{
	uint16_t n = w->n_ktx[port], sent, i;

	if (!n)
		return;
	sent = rte_eth_tx_burst(dp.ports[port].kif_id, w->txq, w->ktx[port], n);
	w->st->events[SL_EV_KERNEL_IN] += sent;
	for (i = sent; i < n; i++)
		wk_drop(w, w->ktx[port][i], SL_DROP_KERNEL_TX_FULL);
	w->n_ktx[port] = 0;
}

unsigned int excp_poll(struct wctx *w)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int p, got = 0;
	uint16_t n, i;

	for (p = 0; p < dp.n_ports; p++) {
		if (!dp.ports[p].has_kif)
			continue;
		n = rte_eth_rx_burst(dp.ports[p].kif_id, w->txq, pkts, DP_BURST);
		w->st->events[SL_EV_KERNEL_OUT] += n;
		for (i = 0; i < n; i++)
			wk_tx(w, p, pkts[i]);
		got += n;
	}
	return got;
}
