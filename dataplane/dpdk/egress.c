/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * egress.c - where a packet leaves sluice-dp: route (route.c), the next hop's MAC (neigh.c, with
 * a per-lcore cache; ARP requests and neighbour solicitations when one is due), the egress
 * port's MTU, the Ethernet header. The stages SL_ST_FORWARD and SL_ST_TOO_BIG (the ICMP error
 * for a packet over the MTU, rate-limited per lcore). The decisions are core/egress.h's and
 * core/pkt.h's pkt_egress_mtu.
 */
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/core/arp.h"
#include "dataplane/core/egress.h"
#include "dataplane/core/icmp.h"
#include "dataplane/core/nat.h"
#include "dataplane/core/nd.h"
#include "dataplane/dpdk/neigh.h"
#include "dataplane/dpdk/route.h"
#include "dataplane/dpdk/worker.h"

static void eg_arp_request(struct wctx *w, unsigned int port, const uint8_t *target)
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

static void eg_nd_solicit(struct wctx *w, unsigned int port, const uint8_t *target)
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

unsigned int eg_resolve(struct wctx *w, unsigned int port, uint8_t family, const uint8_t *addr,
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
			return EGRESS_HOP_OK;
		}
	}
	res = neigh_resolve(family, addr, w->now, mac, &pos);
	if (res & NEIGH_RES_REQUEST) {
		if (family == 4)
			eg_arp_request(w, port, addr);
		else
			eg_nd_solicit(w, port, addr);
	}
	if (res & NEIGH_RES_FULL)
		return EGRESS_NEIGH_FULL;
	if (!(res & NEIGH_RES_FORWARD))
		return EGRESS_NEIGH_UNRESOLVED;
	if (family == 4 && !(res & NEIGH_RES_REQUEST)) {
		/* the table sees this lcore's use of the entry at least every WK_NCACHE_US */
		w->ncache[slot].addr = a4;
		w->ncache[slot].gen = gen + 1; /* 0 never matches: zeroed entries */
		w->ncache[slot].mac = *mac;
		w->ncache[slot].until = w->now + WK_NCACHE_US;
	}
	return EGRESS_HOP_OK;
}

/*
 * Route pi (inside m) to its destination unchanged and send it, counting ev: 0 sent or dropped
 * (a frame of our own, ev SL_EV_NLB_RST, counts own_unsent for any failure), else
 * pkt_egress_mtu's verdict (m untouched, *mtu the egress port's).
 */
static int eg_send(struct wctx *w, struct rte_mbuf *m, const struct pkt_info *pi, enum sl_event ev,
		   uint16_t *mtu)
{
	int own = ev == SL_EV_NLB_RST;
	struct rte_ether_addr mac;
	struct rte_ether_hdr *eth;
	unsigned int port, hop;
	uint8_t nh[16];
	int verdict;

	hop = route_lookup(dp.routes, pi->family, pi->daddr, &port, nh)
		      ? EGRESS_NO_ROUTE
		      : eg_resolve(w, port, pi->family, nh, &mac);
	if (hop != EGRESS_HOP_OK) {
		wk_drop(w, m, (enum sl_drop)egress_hop_drop(hop, own));
		return 0;
	}
	verdict = pkt_egress_mtu(pi, 0, dp.ports[port].mtu);
	if (unlikely(verdict != PKT_MTU_FITS)) {
		if (!own) {
			*mtu = dp.ports[port].mtu;
			return verdict;
		}
		wk_drop(w, m, SL_DROP_OWN_UNSENT); /* our own reset: 40 bytes, never */
		return 0;
	}
	wk_strip_to_l3(m, pi);
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);
	if (!eth) {
		wk_drop(w, m, own ? SL_DROP_OWN_UNSENT : SL_DROP_NO_MBUF);
		return 0;
	}
	eth->dst_addr = mac;
	eth->src_addr = dp.ports[port].mac;
	eth->ether_type =
		rte_cpu_to_be_16(pi->family == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
	w->st->events[ev]++;
	wk_tx(w, port, m);
	return 0;
}

enum sl_stage eg_forward(struct wctx *w)
{
	struct wk_pkt *p = &w->pkt;
	uint16_t mtu = 0;
	int verdict = eg_send(w, p->m, &p->c.pi, p->ev, &mtu);

	if (!verdict)
		return SL_ST_DONE;
	p->verdict = verdict; /* docs/dataplane.md "MTU": the error routed to pi's source */
	p->c.mtu = mtu;
	p->c.reply_port = -1;
	return SL_ST_TOO_BIG;
}

void eg_send_own(struct wctx *w, struct rte_mbuf *r, const struct pkt_info *pi, enum sl_event ev)
{
	uint16_t mtu;

	eg_send(w, r, pi, ev, &mtu); /* ev SL_EV_NLB_RST: never too big (dropped own_unsent) */
}

/*
 * The ICMP error about pi in m (too big, verdict PKT_MTU_ICMP or _NO_DF; mtu: what fits), or
 * the drop reason (core/egress.h); m is dropped mtu_exceeded either way.
 */
static void eg_too_big_send(struct wctx *w, int reply_port, struct rte_mbuf *m,
			    const struct pkt_info *pi, uint16_t mtu, int verdict)
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

enum sl_stage eg_too_big(struct wctx *w)
{
	struct wk_pkt *p = &w->pkt;
	struct rte_mbuf *m = p->m;
	uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);
	const struct pkt_info *pi = &p->c.pi;
	struct pkt_info orig;

	/* the error quotes the packet as it arrived: translated back when it was translated */
	if (p->c.nat_undo && p->verdict == PKT_MTU_ICMP) {
		if (nat_rewrite(data, data + m->data_len, pi, &p->undo) ||
		    pkt_parse_ip(data, pi->l3_off, data + m->data_len, pi->family, &orig)) {
			wk_drop(w, m, SL_DROP_MTU_EXCEEDED);
			return SL_ST_DONE;
		}
		pi = &orig;
	}
	eg_too_big_send(w, p->c.reply_port, m, pi, (uint16_t)p->c.mtu, p->verdict);
	return SL_ST_DONE;
}
