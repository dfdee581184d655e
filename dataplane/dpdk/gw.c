/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gw.c - the inspection path on DPDK: choose an appliance for a flow, wrap the packet in
 * GENEVE for it, validate what appliances send back, and pass the inner packet on to the next
 * group of the chain or to its destination. The decisions are core/gwlb.h's; this file moves
 * bytes between mbufs.
 */
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dataplane/core/cookie.h"
#include "dataplane/core/csum.h"
#include "dataplane/core/geneve.h"
#include "dataplane/core/gwlb.h"
#include "dataplane/core/maglev.h"
#include "dataplane/core/nat.h"
#include "dataplane/dpdk/flowtab.h"
#include "dataplane/dpdk/fragtab.h"
#include "dataplane/dpdk/nlb.h"
#include "dataplane/dpdk/route.h"
#include "dataplane/dpdk/rt.h"
#include "dataplane/dpdk/worker.h"

/* Keep only the IP packet described by pi in m (drop L2 header, VLAN tags, padding). */
static void gw_strip_to_l3(struct rte_mbuf *m, const struct pkt_info *pi)
{
	rte_pktmbuf_adj(m, pi->l3_off);
	if (m->pkt_len > pi->l3_len)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - pi->l3_len));
}

/*
 * The target slot for a flow of group gi, or a negative drop reason (-(reason + 1)), or
 * RT_PICK_BYPASS. A pin whose target is gone (removed, or its slot reused) is not kept.
 */
static int gw_choose(struct wctx *w, unsigned int gi, const struct rt_group *g,
		     const struct flow_key *fk, uint32_t hash, uint8_t proto)
{
	struct gwlb_pin_key k;
	uint32_t sig = flowtab_sig(hash, gi);
	uint64_t val;
	uint32_t slot;
	int pos, ret;

	memset(&k, 0, sizeof(k));
	k.fk = *fk;
	k.group = (uint16_t)gi;
	pos = flowtab_lookup(&k, sig, &val);
	if (pos >= 0) {
		const struct rt_target *t = rt_pin_target(g, FLOWTAB_TAG(val));
		uint64_t idle = proto == IPPROTO_TCP_ ? g->idle_tcp : g->idle_other;

		switch (rt_pin_verdict(g, t, w->now, FLOWTAB_SEEN_US(val), idle)) {
		case GWLB_KEEP:
			flowtab_touch(pos, val, w->now);
			return (int)RT_TAG_SLOT(FLOWTAB_TAG(val));
		case GWLB_EXPIRED:
			DP_EVENT(w->st, FLOW_EXPIRED);
			break;
		default:
			DP_EVENT(w->st, FLOW_REBALANCED);
			break;
		}
	}
	/* An entry neither kept nor replaced below goes: it is counted once, not per packet. */
	if (pos >= 0 && g->mode != RT_GROUP_NORMAL && g->mode != RT_GROUP_FAIL_OPEN)
		flowtab_del(&k, sig);
	ret = rt_group_pick(g, hash, w->st);
	if (ret < 0)
		return ret;
	slot = (uint32_t)ret;
	if (flowtab_set(&k, sig, FLOWTAB_VAL(g->targets[slot].tag, w->now)) < 0)
		DP_EVENT(w->st, FLOW_UNPINNED);
	DP_EVENT(w->st, FLOW_NEW);
	w->st->t_flows[g->targets[slot].gidx]++;
	return (int)slot;
}

/*
 * Why m could not be forwarded: `r`, or own_frame_unsent when m is a frame of our own (an RST,
 * counted by its event when sent), so that every drop reason but that one is a received frame's.
 */
static inline enum sl_drop gw_lost(enum sl_event ev, enum sl_drop r)
{
	return ev == SL_EV_NLB_RST ? SL_DROP_OWN_UNSENT : r;
}

/*
 * pi in m is too big for its egress port (pkt_egress_mtu's verdict; mtu: what fits): the ICMP
 * error (local_too_big; reply_port as there) quotes the packet as it arrived, translated back
 * by `undo` when it was translated.
 */
static void gw_too_big(struct wctx *w, int reply_port, struct rte_mbuf *m,
		       const struct pkt_info *pi, uint16_t mtu, int verdict,
		       const struct nat_rewrite *undo)
{
	uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);
	struct pkt_info orig;

	if (undo && verdict == PKT_MTU_ICMP) {
		if (nat_rewrite(data, data + m->data_len, pi, undo) ||
		    pkt_parse_ip(data, pi->l3_off, data + m->data_len, pi->family, &orig)) {
			wk_drop(w, m, SL_DROP_MTU_EXCEEDED);
			return;
		}
		pi = &orig;
	}
	local_too_big(w, reply_port, m, pi, mtu, verdict);
}

void gw_forward_nat(struct wctx *w, struct rte_mbuf *m, const struct pkt_info *pi, enum sl_event ev,
		    const struct nat_rewrite *undo)
{
	struct rte_ether_addr mac;
	struct rte_ether_hdr *eth;
	uint8_t nh[16];
	unsigned int port;
	int ret, verdict;

	if (route_lookup(dp.routes, pi->family, pi->daddr, &port, nh)) {
		wk_drop(w, m, gw_lost(ev, SL_DROP_NO_ROUTE));
		return;
	}
	ret = local_resolve(w, port, pi->family, nh, &mac);
	if (ret) {
		wk_drop(w, m, gw_lost(ev, local_resolve_drop(ret)));
		return;
	}
	verdict = pkt_egress_mtu(pi, 0, dp.ports[port].mtu);
	if (unlikely(verdict != PKT_MTU_FITS)) {
		if (ev == SL_EV_NLB_RST) /* our own reset: 40 bytes, never; counted if it were */
			wk_drop(w, m, SL_DROP_OWN_UNSENT);
		else
			gw_too_big(w, -1, m, pi, dp.ports[port].mtu, verdict, undo);
		return;
	}
	gw_strip_to_l3(m, pi);
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);
	if (!eth) {
		wk_drop(w, m, gw_lost(ev, SL_DROP_NO_MBUF));
		return;
	}
	eth->dst_addr = mac;
	eth->src_addr = dp.ports[port].mac;
	eth->ether_type =
		rte_cpu_to_be_16(pi->family == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
	w->st->events[ev]++;
	wk_tx(w, port, m);
}

void gw_forward(struct wctx *w, struct rte_mbuf *m, const struct pkt_info *pi, enum sl_event ev)
{
	gw_forward_nat(w, m, pi, ev, NULL);
}

uint32_t gw_geneve_src(unsigned int port)
{
	uint32_t src = dp.ports[port].addr4;

	if (dp.cfg->node.has_geneve_address)
		memcpy(&src, dp.cfg->node.geneve_address.addr, 4);
	return src;
}

void gw_encap_nat(struct wctx *w, int reply_port, struct rte_mbuf *m, const struct pkt_info *pi,
		  unsigned int attach, unsigned int pos, const struct nat_rewrite *undo)
{
	const struct cfg_inspection *att = &dp.cfg->inspections[attach];
	unsigned int gi = att->chain[pos], port;
	const struct rt_group *g = &w->s->groups[gi];
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rt_target *t;
	struct gwlb_meta meta;
	struct rte_ether_addr mac;
	struct rte_ether_hdr *eth;
	struct flow_key fk, ck;
	struct pkt_info sp, own;
	uint8_t nh[16], *hdr;
	uint32_t hash, src;
	int slot, ret, verdict;

	/*
	 * Steered (flow key, pin, GENEVE source port) as its datagram's first fragment decides
	 * (core/frag.h); the cookie is made from what the packet itself reads, so that the
	 * appliance's return validates with no state.
	 */
	if (unlikely(pi->flags & PKT_F_FRAG)) {
		sp = *pi;
		fragtab_apply(w, &sp, FRAG_MODE_STEER);
		frag_own_view(pi, &own);
		gwlb_flow_key(data, data + m->data_len, &sp, g->cfg->stickiness, &fk);
		gwlb_flow_key(data, data + m->data_len, &own, g->cfg->stickiness, &ck);
	} else {
		gwlb_flow_key(data, data + m->data_len, pi, g->cfg->stickiness, &fk);
		ck = fk;
	}
	hash = flow_key_hash(&fk);
	slot = gw_choose(w, gi, g, &fk, hash, pi->proto);
	if (slot == RT_PICK_BYPASS) {
		gw_forward_nat(w, m, pi, SL_EV_BYPASS, undo);
		return;
	}
	if (slot < 0) {
		wk_drop(w, m, (enum sl_drop)(-slot - 1));
		return;
	}
	t = &g->targets[slot];
	if (route_lookup(dp.routes, 4, (const uint8_t *)&t->addr, &port, nh)) {
		wk_drop(w, m, SL_DROP_NO_ROUTE);
		return;
	}
	ret = local_resolve(w, port, 4, nh, &mac);
	if (ret) {
		wk_drop(w, m, local_resolve_drop(ret));
		return;
	}
	verdict = pkt_egress_mtu(pi, GWLB_ENCAP_OVERHEAD, dp.ports[port].mtu);
	if (unlikely(verdict != PKT_MTU_FITS)) {
		gw_too_big(w, reply_port, m, pi, dp.ports[port].mtu - GWLB_ENCAP_OVERHEAD, verdict,
			   undo);
		return;
	}
	src = gw_geneve_src(port);
	meta.endpoint_id = att->endpoint_id;
	meta.attachment_id = att->attachment_id;
	meta.cookie = cookie_make(dp.secret, &ck, t->addr, att->endpoint_id);
	meta.proto = pi->family == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;

	gw_strip_to_l3(m, pi);
	hdr = (uint8_t *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN + GWLB_ENCAP_OVERHEAD);
	if (!hdr) {
		wk_drop(w, m, SL_DROP_NO_MBUF);
		return;
	}
	eth = (struct rte_ether_hdr *)hdr;
	eth->dst_addr = mac;
	eth->src_addr = dp.ports[port].mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	geneve_outer_write(hdr + RTE_ETHER_HDR_LEN, src, t->addr, dp.cfg->node.ttl,
			   geneve_sport(hash), (uint16_t)(GWLB_GENEVE_LEN + pi->l3_len));
	geneve_gwlb_write(hdr + RTE_ETHER_HDR_LEN + GWLB_OUTER_LEN, &meta);
	DP_EVENT(w->st, ENCAP);
	w->st->t_pkts[t->gidx]++;
	w->st->t_bytes[t->gidx] += pi->l3_len;
	wk_tx(w, port, m);
}

void gw_encap(struct wctx *w, int reply_port, struct rte_mbuf *m, const struct pkt_info *pi,
	      unsigned int attach, unsigned int pos)
{
	gw_encap_nat(w, reply_port, m, pi, attach, pos, NULL);
}

/*
 * Which group of the attachment's chain has the appliance `addr`: its position, or -1; *gidx
 * gets the counter slot its returns count in. A removed appliance still counts until its slot
 * is reused (its returns may be in flight); a present target with the address (one that
 * reused the address in another slot) wins over a removed one.
 */
static int gw_chain_pos(const struct rt_state *s, const struct cfg_inspection *att, uint32_t addr,
			uint32_t *gidx)
{
	unsigned int p, t;
	int pos = -1;

	for (p = 0; p < att->n_chain; p++) {
		const struct rt_group *g = &s->groups[att->chain[p]];

		for (t = 0; t < g->n_targets; t++) {
			if (g->targets[t].addr != addr)
				continue;
			if (pos < 0 || g->targets[t].present) {
				pos = (int)p;
				*gidx = g->targets[t].gidx;
			}
			if (g->targets[t].present)
				return pos;
		}
		if (pos >= 0)
			return pos;
	}
	return pos;
}

void gw_return(struct wctx *w, unsigned int port, struct rte_mbuf *m, const struct pkt_info *pi)
{
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *udp = data + pi->l4_off, *end = data + pi->l3_off + pi->l3_len;
	const struct cfg_inspection *att = NULL;
	const struct cfg_group *g;
	struct gwlb_meta meta;
	struct pkt_info in;
	struct flow_key fk;
	uint16_t udp_len, hlen;
	uint32_t appliance, gidx = 0;
	unsigned int a;
	int ret, pos, last, zone;

	(void)port;
	udp_len = sl_get_be16(udp + 4);
	if (pi->family != 4 || udp_len < 8 || udp + udp_len > end) {
		wk_drop(w, m, pi->family != 4 ? SL_DROP_LOCAL_UNHANDLED : SL_DROP_GENEVE_TRUNCATED);
		return;
	}
	end = udp + udp_len;
	ret = geneve_gwlb_parse(udp + 8, end, &meta, &hlen);
	if (ret) {
		wk_drop(w, m, (enum sl_drop)gwlb_geneve_drop((unsigned int)-ret));
		return;
	}
	for (a = 0; a < dp.cfg->n_inspections; a++)
		if (dp.cfg->inspections[a].endpoint_id == meta.endpoint_id) {
			att = &dp.cfg->inspections[a];
			break;
		}
	if (!att) {
		wk_drop(w, m, SL_DROP_GENEVE_UNKNOWN_ENDPOINT);
		return;
	}
	memcpy(&appliance, pi->saddr, 4);
	pos = gw_chain_pos(w->s, att, appliance, &gidx);
	if (pos < 0) {
		wk_drop(w, m, SL_DROP_GENEVE_UNKNOWN_APPLIANCE);
		return;
	}
	g = w->s->groups[att->chain[pos]].cfg;
	if (gwlb_udp_csum_verify(sl_get_be16(udp + 6), g->geneve_udp_checksum) &&
	    !csum_l4_ok(4, pi->saddr, pi->daddr, IPPROTO_UDP_, udp, udp_len)) {
		wk_drop(w, m, SL_DROP_GENEVE_UDP_CHECKSUM);
		return;
	}
	ret = pkt_parse_ip(data, (uint16_t)(pi->l4_off + 8 + hlen), end,
			   meta.proto == ETHERTYPE_IPV4 ? 4 : 6, &in);
	if (ret) {
		wk_drop(w, m, SL_DROP_GENEVE_BAD_INNER);
		return;
	}
	/* the packet sluice forwards: its header checksum as the entry checks every frame's */
	if (in.family == 4 &&
	    !csum_ipv4_hdr_ok(data + in.l3_off, (uint32_t)(data[in.l3_off] & 0x0f) * 4)) {
		wk_drop(w, m, SL_DROP_IPV4_CHECKSUM);
		return;
	}
	gwlb_flow_key(data, end, &in, g->stickiness, &fk);
	if (cookie_make(dp.secret, &fk, appliance, meta.endpoint_id) != meta.cookie) {
		wk_drop(w, m, SL_DROP_GENEVE_BAD_COOKIE);
		return;
	}
	DP_EVENT(w->st, DECAP);
	w->st->t_returns[gidx]++;
	last = (unsigned int)pos + 1 >= att->n_chain;
	zone = nlb_is_zone_ip(in.family, in.daddr);
	if (gwlb_inner_martian(&in, wk_dst_kind(in.family, in.daddr), zone)) {
		wk_drop(w, m, SL_DROP_MARTIAN_DST);
		return;
	}
	if (!last)
		gw_encap(w, -1, m, &in, a, (unsigned int)pos + 1);
	else if (zone) /* inspected, now balance it */
		nlb_to_zone_ip(w, -1, m, &in, 1);
	else
		gw_forward(w, m, &in, SL_EV_FORWARD);
}
