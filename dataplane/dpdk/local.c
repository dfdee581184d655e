/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * local.c - the duties of a host on each port: answer ARP and ping for our addresses, learn
 * neighbours, ask for unknown next hops, and send ICMP "too big" errors for packets that would
 * not fit once encapsulated. ICMP errors are rate-limited per lcore. On a port with a kernel
 * interface, what is ours but not handled here goes to the kernel (excp.c).
 */
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/core/arp.h"
#include "dataplane/core/egress.h"
#include "dataplane/core/geneve.h"
#include "dataplane/core/gwlb.h"
#include "dataplane/core/icmp.h"
#include "dataplane/core/nd.h"
#include "dataplane/dpdk/neigh.h"
#include "dataplane/dpdk/nlb.h"
#include "dataplane/dpdk/route.h"
#include "dataplane/dpdk/worker.h"

static int local_in_subnet(unsigned int port, uint8_t family, const uint8_t *a)
{
	const struct cfg_port *pc = &dp.cfg->ports[port];
	unsigned int i;

	for (i = 0; i < pc->n_addrs; i++) {
		const struct cfg_addr *pa = &pc->addrs[i];
		unsigned int full = pa->plen / 8, rest = pa->plen % 8;

		if (pa->family != family || memcmp(pa->addr, a, full))
			continue;
		if (rest && ((pa->addr[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest))))
			continue;
		return 1;
	}
	return 0;
}

static int local_is_port_addr(unsigned int port, uint8_t family, const uint8_t *a)
{
	const struct cfg_port *pc = &dp.cfg->ports[port];
	unsigned int i;

	if (nlb_zone_port() == (int)port && nlb_is_zone_ip(family, a))
		return 1; /* the zone IP lives on the port whose subnet holds it */
	for (i = 0; i < pc->n_addrs; i++)
		if (pc->addrs[i].family == family &&
		    !memcmp(pc->addrs[i].addr, a, family == 4 ? 4 : 16))
			return 1;
	return 0;
}

/*
 * m is for this node (or link-local, multicast) and sluice-dp has no use for it: the kernel's
 * when the port has a kernel interface, else dropped for `why`.
 */
static void local_unhandled(struct wctx *w, unsigned int port, struct rte_mbuf *m, enum sl_drop why)
{
	if (dp.ports[port].has_kif)
		excp_to_kernel(w, port, m);
	else
		wk_drop(w, m, why);
}

/*
 * Requests for the port's addresses are answered here. An ARP from a sender on the port's
 * subnet teaches its MAC only to an entry that exists (neigh.h: the node asked for it, uses it,
 * or it is a configured next hop); a reply unicast to us confirms it (REACHABLE), any other a new
 * MAC only (STALE). With a kernel interface every other valid ARP (replies, gratuitous ARP,
 * requests for others) is also handed to the kernel, whose own neighbour table then resolves its
 * peers (a BGP neighbour). Without one, an ARP that taught a neighbour is consumed
 * (arp_consumed), one from a sender the node has no entry for dropped neigh_unsolicited, the
 * rest arp_invalid. A sender MAC no neighbour can have (multicast, broadcast, zero) is refused
 * whole: neither learned, answered nor handed on.
 */
void local_arp(struct wctx *w, unsigned int port, struct rte_mbuf *m, const struct pkt_info *pi)
{
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
	struct arp_info a;
	int handled = 0, ret;
	uint8_t *out;

	if (arp_parse(data + pi->l3_off, data + m->data_len, &a)) {
		wk_drop(w, m, SL_DROP_ARP_INVALID);
		return;
	}
	if (!arp_macs_learnable(&a, data + RTE_ETHER_ADDR_LEN)) {
		wk_drop(w, m, SL_DROP_NEIGH_BAD_MAC);
		return;
	}
	if (local_in_subnet(port, 4, (const uint8_t *)&a.spa_be) &&
	    !local_is_port_addr(port, 4, (const uint8_t *)&a.spa_be)) {
		/* an answer to us: a reply to our MAC (a broadcast reply confirms nothing) */
		int confirm = a.op == ARP_OP_REPLY && !(data[0] & 1);

		ret = neigh_learn(4, (const uint8_t *)&a.spa_be, a.sha, confirm, w->now);
		if (ret >= 0) {
			DP_EVENT(w->st, ARP_LEARNED);
			handled = 1;
		} else {
			handled = -1; /* unsolicited: not learned */
		}
	}
	if (a.op == 1 && local_is_port_addr(port, 4, (const uint8_t *)&a.tpa_be)) {
		rte_pktmbuf_reset(m);
		out = (uint8_t *)rte_pktmbuf_append(m, 42);
		if (!out || arp_reply_build(out, 42, dp.ports[port].mac.addr_bytes, &a) != 42) {
			wk_drop(w, m, SL_DROP_NO_MBUF);
			return;
		}
		DP_EVENT(w->st, ARP_REPLY);
		wk_tx(w, port, m);
		return;
	}
	if (dp.ports[port].has_kif) {
		excp_to_kernel(w, port, m);
	} else if (handled > 0) {
		DP_EVENT(w->st, ARP_CONSUMED);
		rte_pktmbuf_free(m);
	} else if (handled < 0) {
		wk_drop(w, m, SL_DROP_NEIGH_UNSOLICITED);
	} else {
		wk_drop(w, m, SL_DROP_ARP_INVALID);
	}
}

void local_arp_request(struct wctx *w, unsigned int port, const uint8_t *target)
{
	struct rte_mbuf *m;
	uint32_t tip;
	uint8_t *out;

	if (!dp.ports[port].addr4)
		return;
	m = rte_pktmbuf_alloc(dp.pool);
	if (!m) {
		w->st->drops[SL_DROP_OWN_UNSENT]++;
		return;
	}
	memcpy(&tip, target, 4);
	out = (uint8_t *)rte_pktmbuf_append(m, 42);
	if (!out || arp_request_build(out, 42, dp.ports[port].mac.addr_bytes, dp.ports[port].addr4,
				      tip) != 42) {
		wk_drop(w, m, SL_DROP_OWN_UNSENT);
		return;
	}
	DP_EVENT(w->st, ARP_REQUEST);
	wk_tx(w, port, m);
}

static void local_nd_solicit(struct wctx *w, unsigned int port, const uint8_t *target)
{
	struct rte_mbuf *m;
	uint8_t *out;

	if (!dp.ports[port].has6)
		return;
	m = rte_pktmbuf_alloc(dp.pool);
	if (!m) {
		w->st->drops[SL_DROP_OWN_UNSENT]++;
		return;
	}
	out = (uint8_t *)rte_pktmbuf_append(m, ND_FRAME_LEN);
	if (!out || nd_ns_build(out, ND_FRAME_LEN, dp.ports[port].mac.addr_bytes,
				dp.ports[port].addr6, target) != ND_FRAME_LEN) {
		wk_drop(w, m, SL_DROP_OWN_UNSENT);
		return;
	}
	DP_EVENT(w->st, ND_SOLICIT);
	wk_tx(w, port, m);
}

int local_resolve(struct wctx *w, unsigned int port, uint8_t family, const uint8_t *addr,
		  struct rte_ether_addr *mac)
{
	uint32_t gen = neigh_gen(), a4 = 0;
	unsigned int slot = 0;
	int res, pos;

	if (family == 4) { /* the appliances' and routers' MACs, without a hash lookup */
		memcpy(&a4, addr, 4);
		slot = (a4 * 2654435761u) >> 24 & (WK_NCACHE - 1);
		if (w->ncache[slot].addr == a4 && w->ncache[slot].gen == gen + 1 &&
		    w->now < w->ncache[slot].until) {
			*mac = w->ncache[slot].mac;
			return 0;
		}
	}
	res = neigh_resolve(family, addr, w->now, mac, &pos);
	if (res & NEIGH_RES_REQUEST) {
		if (family == 4)
			local_arp_request(w, port, addr);
		else
			local_nd_solicit(w, port, addr);
	}
	if (res & NEIGH_RES_FULL)
		return -ENOSPC;
	if (!(res & NEIGH_RES_FORWARD))
		return -ENOENT;
	if (family == 4 && !(res & NEIGH_RES_REQUEST)) {
		/* the table sees this lcore's use of the entry at least every WK_NCACHE_US */
		w->ncache[slot].addr = a4;
		w->ncache[slot].gen = gen + 1; /* 0 never matches: zeroed entries */
		w->ncache[slot].mac = *mac;
		w->ncache[slot].until = w->now + WK_NCACHE_US;
	}
	return 0;
}

/*
 * Neighbour solicitations for our addresses get an advertisement. Both kinds teach a MAC, but
 * only to an entry that exists (neigh.h, as ARP); a solicited advertisement confirms it. With a
 * kernel interface the rest (advertisements, solicitations for others: the kernel's link-local
 * address) goes on to the kernel, as ARP does. Without one, a message that taught a neighbour is
 * consumed (nd_consumed); one that would teach a neighbour the node has no entry for is dropped
 * neigh_unsolicited; one that teaches nothing (no link-layer option, a DAD probe from ::, a
 * neighbour off our subnets) is dropped nd_ignored. A link-layer address no neighbour can have
 * (multicast, broadcast, zero; option or Ethernet source) is refused whole.
 */
static void local_nd(struct wctx *w, unsigned int port, struct rte_mbuf *m,
		     const struct pkt_info *pi)
{
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip6 = data + pi->l3_off;
	static const uint8_t unspec[16];
	uint8_t src[16], smac[6];
	struct nd_info nd;
	int learned = 0;
	uint8_t *out;

	if (pi->l3_off != RTE_ETHER_HDR_LEN || nd_parse(ip6, ip6 + pi->l3_len, &nd)) {
		wk_drop(w, m, SL_DROP_ND_INVALID);
		return;
	}
	memcpy(src, ip6 + 8, 16);
	memcpy(smac, data + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	if (!nd_macs_learnable(&nd, smac)) {
		wk_drop(w, m, SL_DROP_NEIGH_BAD_MAC);
		return;
	}
	if (nd.has_ll && local_in_subnet(port, 6, nd.type == ND_NS ? src : nd.target) &&
	    memcmp(src, unspec, 16)) {
		int confirm = nd.type == ND_NA && (nd.flags & ND_NA_SOLICITED);

		if (neigh_learn(6, nd.type == ND_NS ? src : nd.target, nd.ll, confirm, w->now) >=
		    0) {
			DP_EVENT(w->st, ND_LEARNED);
			learned = 1;
		} else {
			learned = -1; /* unsolicited: not learned */
		}
	}
	if (nd.type != ND_NS || !local_is_port_addr(port, 6, nd.target)) {
		if (dp.ports[port].has_kif) {
			excp_to_kernel(w, port, m);
		} else if (learned > 0) { /* an advertisement, or a solicitation for another */
			DP_EVENT(w->st, ND_CONSUMED);
			rte_pktmbuf_free(m);
		} else if (learned < 0) {
			wk_drop(w, m, SL_DROP_NEIGH_UNSOLICITED);
		} else {
			wk_drop(w, m, SL_DROP_ND_IGNORED);
		}
		return;
	}
	rte_pktmbuf_reset(m);
	out = (uint8_t *)rte_pktmbuf_append(m, ND_FRAME_LEN);
	if (!out || nd_na_build(out, ND_FRAME_LEN, dp.ports[port].mac.addr_bytes, &nd, src, smac) !=
			    ND_FRAME_LEN) {
		wk_drop(w, m, SL_DROP_NO_MBUF);
		return;
	}
	DP_EVENT(w->st, ND_ADVERT);
	wk_tx(w, port, m);
}

static void local_echo(struct wctx *w, unsigned int port, struct rte_mbuf *m,
		       const struct pkt_info *pi)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint8_t *l3 = (uint8_t *)eth + pi->l3_off;
	struct rte_ether_addr tmp;

	if (icmp_echo_reply(l3, pi->l3_len, pi->family) < 0) {
		local_unhandled(w, port, m, SL_DROP_LOCAL_UNHANDLED);
		return;
	}
	if (m->pkt_len > (uint32_t)pi->l3_off + pi->l3_len)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - pi->l3_off - pi->l3_len));
	tmp = eth->src_addr;
	eth->src_addr = dp.ports[port].mac;
	eth->dst_addr = tmp;
	DP_EVENT(w->st, ICMP_ECHO_REPLY);
	wk_tx(w, port, m);
}

/*
 * An ICMP error about our own GENEVE to an appliance (gwlb_icmp_is_geneve): from the address
 * gw.c sends it from, assuming the error comes back by the port facing the appliance.
 */
static int local_icmp_is_geneve(unsigned int port, const struct rte_mbuf *m,
				const struct pkt_info *pi)
{
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);

	return gwlb_icmp_is_geneve(data, data + m->data_len, pi, gw_geneve_src(port));
}

/* Classified by sl_classify_local (core/classify.h); this shell answers ND and ping itself. */
void local_ip(struct wctx *w, unsigned int port, struct rte_mbuf *m, const struct pkt_info *pi,
	      unsigned int kind)
{
	const struct sl_node_view nv = wk_node_view();
	uint16_t drop;
	enum sl_class c = sl_classify_local(&nv, pi, kind, &drop);

	switch (c) {
	case SL_CLASS_ND:
		local_nd(w, port, m, pi);
		return;
	case SL_CLASS_ECHO:
		local_echo(w, port, m, pi);
		return;
	case SL_CLASS_GW_RETURN:
		gw_return(w, port, m, pi);
		return;
	case SL_CLASS_NLB_ZONE:
		nlb_to_zone_ip(w, (int)port, m, pi, 0); /* one session lookup, either direction */
		return;
	case SL_CLASS_NLB_LOCAL: /* source-NAT replies, errors about flows */
		if (nlb_try_session(w, (int)port, m, pi))
			return;
		c = sl_classify_unclaimed(&nv, pi, &drop);
		break;
	default:
		break;
	}
	if (c == SL_CLASS_ICMP_ERR && local_icmp_is_geneve(port, m, pi)) {
		wk_drop(w, m, SL_DROP_GENEVE_ICMP);
		return;
	}
	local_unhandled(w, port, m, (enum sl_drop)drop); /* BGP, BFD, SSH, multicast, ... */
}

void local_too_big(struct wctx *w, int reply_port, struct rte_mbuf *m, const struct pkt_info *pi,
		   uint16_t mtu, int verdict)
{
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
	struct rte_ether_addr dst;
	struct rte_ether_hdr *eth;
	struct rte_mbuf *r;
	uint8_t nh[16], *out;
	unsigned int port = 0;
	uint16_t why;
	int len;

	why = egress_too_big_first(verdict);
	if (!why && reply_port >= 0) { /* straight back to the sender of the frame */
		port = (unsigned int)reply_port;
		memcpy(&dst, data + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	} else if (!why && (route_lookup(dp.routes, pi->family, pi->saddr, &port, nh) ||
			    neigh_lookup(pi->family, nh, &dst))) {
		why = SL_DROP_MTU_EXCEEDED;
	}
	if (!why)
		why = egress_too_big_answer(pi->family,
					    pi->family == 4 ? (const uint8_t *)&dp.ports[port].addr4
							    : dp.ports[port].addr6,
					    &w->icmp, w->now);
	if (why) {
		wk_drop(w, m, (enum sl_drop)why);
		return;
	}
	r = rte_pktmbuf_alloc(dp.pool);
	if (!r) {
		wk_drop(w, m, SL_DROP_NO_MBUF);
		return;
	}
	out = rte_pktmbuf_mtod(r, uint8_t *);
	if (pi->family == 4)
		len = icmp4_frag_needed(out + RTE_ETHER_HDR_LEN,
					rte_pktmbuf_tailroom(r) - RTE_ETHER_HDR_LEN,
					data + pi->l3_off, pi->l3_len, dp.ports[port].addr4, mtu);
	else
		len = icmp6_too_big(out + RTE_ETHER_HDR_LEN,
				    rte_pktmbuf_tailroom(r) - RTE_ETHER_HDR_LEN, data + pi->l3_off,
				    pi->l3_len, dp.ports[port].addr6, mtu);
	if (len < 0) { /* an ICMP error about an ICMP error, and the like: no reply */
		rte_pktmbuf_free(r);
		wk_drop(w, m, SL_DROP_MTU_EXCEEDED);
		return;
	}
	rte_pktmbuf_append(r, (uint16_t)(RTE_ETHER_HDR_LEN + len));
	eth = (struct rte_ether_hdr *)out;
	eth->dst_addr = dst;
	eth->src_addr = dp.ports[port].mac;
	eth->ether_type =
		rte_cpu_to_be_16(pi->family == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
	if (pi->family == 4)
		DP_EVENT(w->st, ICMP_FRAG_NEEDED);
	else
		DP_EVENT(w->st, ICMP6_TOO_BIG);
	wk_drop(w, m, SL_DROP_MTU_EXCEEDED);
	wk_tx(w, port, r);
}
