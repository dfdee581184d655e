/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * local.c - the duties of a host on each port: answer ARP and ping for our addresses, learn
 * neighbours, and sort what is ours (the stages SL_ST_ARP, SL_ST_LOCAL, SL_ST_UNCLAIMED: a
 * GENEVE return, the zone IP or a source-NAT reply go on to their stage). On a port with a
 * kernel interface, what is ours but not handled here goes to the kernel (excp.c). Asking for
 * unknown next hops and the too-big errors are egress.c's. local_compile compiles what the
 * per-packet lookups read (the ports' addresses, the zone IP) once at start.
 */
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/core/arp.h"
#include "dataplane/core/geneve.h"
#include "dataplane/core/gwlb.h"
#include "dataplane/core/icmp.h"
#include "dataplane/core/nd.h"
#include "dataplane/dpdk/neigh.h"
#include "dataplane/dpdk/worker.h"

static int local_addr_in(const struct dp_addr *net, uint8_t family, const uint8_t *a)
{
	unsigned int full = net->plen / 8, rest = net->plen % 8;

	if (net->family != family || memcmp(net->addr, a, full))
		return 0;
	return !rest || !((net->addr[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest)));
}

/* Is a in one of the port's subnets? */
static int local_in_subnet(unsigned int port, uint8_t family, const uint8_t *a)
{
	const struct dp_port *p = &dp.ports[port];
	unsigned int i;

	for (i = 0; i < p->n_addrs; i++)
		if (local_addr_in(&p->addrs[i], family, a))
			return 1;
	return 0;
}

/* Is a an address the port answers ARP/ND for: its own, or the zone IP on its port? */
static int local_is_port_addr(unsigned int port, uint8_t family, const uint8_t *a)
{
	const struct dp_port *p = &dp.ports[port];
	unsigned int i;

	if (p->zone_here && wk_is_zone_ip(family, a))
		return 1; /* the zone IP lives on the port whose subnet holds it */
	for (i = 0; i < p->n_addrs; i++)
		if (p->addrs[i].family == family &&
		    !memcmp(p->addrs[i].addr, a, family == 4 ? 4 : 16))
			return 1;
	return 0;
}

void local_compile(const struct config *cfg)
{
	unsigned int i, j;
	int zone_port = -1;

	memset(&dp.zone, 0, sizeof(dp.zone));
	for (i = 0; i < cfg->n_zones; i++)
		if (!strcmp(cfg->zones[i].name, cfg->node.zone)) {
			dp.zone.family = cfg->zones[i].address.family;
			memcpy(dp.zone.addr, cfg->zones[i].address.addr, 16);
		}
	for (i = 0; i < cfg->n_ports && i < DP_MAX_PORTS; i++) {
		struct dp_port *p = &dp.ports[i];

		p->n_addrs = (uint8_t)cfg->ports[i].n_addrs;
		for (j = 0; j < p->n_addrs; j++) {
			p->addrs[j].family = cfg->ports[i].addrs[j].family;
			p->addrs[j].plen = cfg->ports[i].addrs[j].plen;
			memcpy(p->addrs[j].addr, cfg->ports[i].addrs[j].addr, 16);
		}
		/* the zone IP lives on the first port whose subnet holds it (as nlb.c finds it) */
		if (dp.zone.family && zone_port < 0 &&
		    local_in_subnet(i, dp.zone.family, dp.zone.addr))
			zone_port = (int)i;
		p->zone_here = zone_port == (int)i;
	}
	dp.node_view = (struct sl_node_view){.has_listeners = !!cfg->n_listeners, .nlb_v6 = 1};
	dp.excp_rate = cfg->node.exception_rate;
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
static void local_arp_do(struct wctx *w, unsigned int port, struct rte_mbuf *m,
			 const struct pkt_info *pi)
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

enum sl_stage local_arp(struct wctx *w)
{
	local_arp_do(w, w->pkt.c.port, w->pkt.m, &w->pkt.c.pi);
	return SL_ST_DONE;
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
 * gw.c sends it from (wk_geneve_src), assuming the error comes back by the port facing the
 * appliance.
 */
static int local_icmp_is_geneve(const struct wctx *w, unsigned int port, const struct rte_mbuf *m,
				const struct pkt_info *pi)
{
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);

	return gwlb_icmp_is_geneve(data, data + m->data_len, pi, wk_geneve_src(w->s, port));
}

/* What is ours and no module handles: an ICMP error about our GENEVE, or local_unhandled. */
static enum sl_stage local_rest(struct wctx *w, const struct wk_pkt *p, enum sl_class c,
				uint16_t drop)
{
	if (c == SL_CLASS_ICMP_ERR && local_icmp_is_geneve(w, p->c.port, p->m, &p->c.pi))
		wk_drop(w, p->m, SL_DROP_GENEVE_ICMP);
	else /* BGP, BFD, SSH, multicast, ... */
		local_unhandled(w, p->c.port, p->m, (enum sl_drop)drop);
	return SL_ST_DONE;
}

/*
 * Classified by sl_classify_local (core/classify.h); this shell answers ND and ping itself. A
 * GENEVE return goes on to SL_ST_GW_RETURN, the zone IP and source-NAT replies to SL_ST_NLB.
 */
enum sl_stage local_ip(struct wctx *w)
{
	struct wk_pkt *p = &w->pkt;
	const struct sl_node_view nv = wk_node_view();
	uint16_t drop;
	enum sl_class c = sl_classify_local(&nv, &p->c.pi, p->kind, &drop);

	switch (c) {
	case SL_CLASS_ND:
		local_nd(w, p->c.port, p->m, &p->c.pi);
		return SL_ST_DONE;
	case SL_CLASS_ECHO:
		local_echo(w, p->c.port, p->m, &p->c.pi);
		return SL_ST_DONE;
	case SL_CLASS_GW_RETURN:
		return SL_ST_GW_RETURN;
	case SL_CLASS_NLB_ZONE:
		p->c.nlb_mode = SL_NLB_ZONE; /* one session lookup, either direction */
		return SL_ST_NLB;
	case SL_CLASS_NLB_LOCAL: /* source-NAT replies, errors about flows */
		p->c.nlb_mode = SL_NLB_LOCAL;
		return SL_ST_NLB;
	default:
		return local_rest(w, p, c, drop);
	}
}

/* Ours (SL_NLB_LOCAL), and no session took it: sl_classify_unclaimed's class. */
enum sl_stage local_unclaimed(struct wctx *w)
{
	const struct sl_node_view nv = wk_node_view();
	uint16_t drop;
	enum sl_class c = sl_classify_unclaimed(&nv, &w->pkt.c.pi, &drop);

	return local_rest(w, &w->pkt, c, drop);
}
