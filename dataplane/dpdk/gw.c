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
#include "dataplane/core/gwlb_table.h"
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
 * The target slot for a flow of group gi (core/gwlb_table.h gwlb_choose over the flow table
 * entry), or GWLB_PICK_DROP(reason), or GWLB_PICK_BYPASS. This only looks up, writes and
 * counts.
 */
static int gw_choose(struct wctx *w, unsigned int gi, const struct rt_group *g,
		     const struct flow_key *fk, uint32_t hash, uint8_t proto)
{
	struct gwlb_pin_key k;
	struct gwlb_choice c;
	uint32_t sig = flowtab_sig(hash, gi), b;
	uint64_t val = 0;
	int pos;

	memset(&k, 0, sizeof(k));
	k.fk = *fk;
	k.group = (uint16_t)gi;
	pos = flowtab_lookup(&k, sig, &val);
	gwlb_choose(&g->gw, g->tgt, g->maglev, dp.maglev_size, pos >= 0, val, w->now, proto, hash,
		    &c);
	switch (c.action) {
	case GWLB_PIN_TOUCH:
		flowtab_touch(pos, val, c.pin);
		break;
	case GWLB_PIN_DELETE:
		flowtab_del(&k, sig);
		break;
	case GWLB_PIN_NEW:
		if (flowtab_set(&k, sig, c.pin) < 0)
			DP_EVENT(w->st, FLOW_UNPINNED);
		w->st->t_flows[RT_GIDX(gi, c.slot)]++;
		break;
	default:
		break;
	}
	for (b = 0; c.ev >> b; b++)
		if (c.ev >> b & 1)
			w->st->events[gwlb_event(b)]++;
	return c.slot;
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

/* node.geneve_address (the same in every generation), else the port's first IPv4 address */
static inline uint32_t gw_src(const struct rt_state *s, unsigned int port)
{
	return s->geneve_src ? s->geneve_src : dp.ports[port].addr4;
}

uint32_t gw_geneve_src(unsigned int port)
{
	return gw_src(__atomic_load_n(&dp.state, __ATOMIC_ACQUIRE), port);
}

void gw_encap_nat(struct wctx *w, int reply_port, struct rte_mbuf *m, const struct pkt_info *pi,
		  unsigned int attach, unsigned int pos, const struct nat_rewrite *undo)
{
	const struct gwlb_attach *att = &w->s->attach[attach];
	unsigned int gi = att->chain[pos], port;
	const struct rt_group *g = &w->s->groups[gi];
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct gwlb_target *t;
	struct gwlb_encap e;
	struct rte_ether_addr mac;
	struct rte_ether_hdr *eth;
	struct flow_key fk, ck;
	struct pkt_info sp, own;
	uint8_t nh[16], *hdr;
	uint32_t hash;
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
		gwlb_flow_key(data, data + m->data_len, &sp, g->gw.stickiness, &fk);
		gwlb_flow_key(data, data + m->data_len, &own, g->gw.stickiness, &ck);
	} else {
		gwlb_flow_key(data, data + m->data_len, pi, g->gw.stickiness, &fk);
		ck = fk;
	}
	hash = flow_key_hash(&fk);
	slot = gw_choose(w, gi, g, &fk, hash, pi->proto);
	if (slot == GWLB_PICK_BYPASS) {
		gw_forward_nat(w, m, pi, SL_EV_BYPASS, undo);
		return;
	}
	if (slot < 0) {
		wk_drop(w, m, (enum sl_drop)(-slot - 1));
		return;
	}
	t = &g->tgt[slot];
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
	gwlb_encap_plan(dp.secret, att, t, &ck, hash, pi->family, gw_src(w->s, port), w->s->ttl,
			&e);

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
	gwlb_encap_write(hdr + RTE_ETHER_HDR_LEN, &e, pi->l3_len);
	DP_EVENT(w->st, ENCAP);
	w->st->t_pkts[RT_GIDX(gi, slot)]++;
	w->st->t_bytes[RT_GIDX(gi, slot)] += pi->l3_len;
	wk_tx(w, port, m);
}

void gw_encap(struct wctx *w, int reply_port, struct rte_mbuf *m, const struct pkt_info *pi,
	      unsigned int attach, unsigned int pos)
{
	gw_encap_nat(w, reply_port, m, pi, attach, pos, NULL);
}

void gw_return(struct wctx *w, unsigned int port, struct rte_mbuf *m, const struct pkt_info *pi)
{
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *udp = data + pi->l4_off, *end = data + pi->l3_off + pi->l3_len;
	const struct gwlb_attach *att;
	const struct gwlb_group *g;
	const uint32_t *a, *ret_pos;
	struct gwlb_meta meta;
	struct pkt_info in;
	struct flow_key fk;
	uint16_t udp_len, hlen;
	uint32_t appliance, pos, gi;
	int ret, zone;

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
	a = rt_map_find(&w->s->by_endpoint, meta.endpoint_id);
	if (!a) {
		wk_drop(w, m, SL_DROP_GENEVE_UNKNOWN_ENDPOINT);
		return;
	}
	att = &w->s->attach[*a];
	memcpy(&appliance, pi->saddr, 4);
	ret_pos = rt_map_find(&w->s->by_appliance, gwlb_ret_key(*a, appliance));
	if (!ret_pos) {
		wk_drop(w, m, SL_DROP_GENEVE_UNKNOWN_APPLIANCE);
		return;
	}
	pos = gwlb_ret_pos(*ret_pos);
	gi = att->chain[pos];
	g = &w->s->groups[gi].gw;
	if (gwlb_udp_csum_verify(sl_get_be16(udp + 6), g->udp_csum) &&
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
	w->st->t_returns[RT_GIDX(gi, gwlb_ret_slot(*ret_pos))]++;
	zone = nlb_is_zone_ip(in.family, in.daddr);
	switch (gwlb_return_verdict(pos, att->n_chain, &in, zone,
				    zone ? PKT_DST_OWN : wk_dst_kind(in.family, in.daddr))) {
	case GWLB_RET_MARTIAN:
		wk_drop(w, m, SL_DROP_MARTIAN_DST);
		break;
	case GWLB_RET_NEXT:
		gw_encap(w, -1, m, &in, *a, pos + 1);
		break;
	case GWLB_RET_NLB: /* inspected, now balance it */
		nlb_to_zone_ip(w, -1, m, &in, 1);
		break;
	default:
		gw_forward(w, m, &in, SL_EV_FORWARD);
		break;
	}
}
