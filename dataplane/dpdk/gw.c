/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gw.c - the inspection path on DPDK, the stages SL_ST_GW_ENCAP (choose an appliance for a
 * flow, wrap the packet in GENEVE for it) and SL_ST_GW_RETURN (validate what appliances send
 * back, and name the inner packet's next stage: the next group of the chain, the load balancer
 * or its destination). The decisions are core/gwlb.h's; this file moves bytes between mbufs.
 */
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dataplane/core/cookie.h"
#include "dataplane/core/csum.h"
#include "dataplane/core/egress.h"
#include "dataplane/core/geneve.h"
#include "dataplane/core/gwlb.h"
#include "dataplane/core/gwlb_table.h"
#include "dataplane/core/nat.h"
#include "dataplane/dpdk/flowtab.h"
#include "dataplane/dpdk/fragtab.h"
#include "dataplane/dpdk/route.h"
#include "dataplane/dpdk/rt.h"
#include "dataplane/dpdk/worker.h"

/*
 * The target slot for a flow of group gi (core/gwlb_table.h gwlb_choose over the flow table
 * entry), or GWLB_PICK_DROP(reason), or GWLB_PICK_BYPASS; *hash: the flow's flow_key_hash,
 * carried by its entry if it has one (a known flow runs no SipHash), else computed. This only
 * looks up, writes and counts.
 */
static int gw_choose(struct wctx *w, unsigned int gi, const struct rt_group *g,
		     const struct flow_key *fk, uint32_t *hash, uint8_t proto)
{
	struct gwlb_pin_key k;
	struct gwlb_choice c;
	uint32_t sig, b;
	uint64_t val = 0;
	int pos;

	memset(&k, 0, sizeof(k));
	k.fk = *fk;
	k.group = (uint16_t)gi;
	sig = flowtab_sig(&k);
	pos = flowtab_lookup(&k, sig, &val, hash);
	if (pos < 0)
		*hash = flow_key_hash(fk);
	gwlb_choose(&g->gw, g->tgt, g->maglev, dp.maglev_size, pos >= 0, val, w->now, proto, *hash,
		    &c);
	switch (c.action) {
	case GWLB_PIN_TOUCH:
		flowtab_touch(pos, val, c.pin);
		break;
	case GWLB_PIN_DELETE:
		flowtab_del(&k, sig);
		break;
	case GWLB_PIN_NEW:
		if (flowtab_set(&k, sig, *hash, c.pin) < 0)
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

enum sl_stage gw_encap(struct wctx *w)
{
	struct wk_pkt *p = &w->pkt;
	const struct pkt_info *pi = &p->c.pi;
	struct rte_mbuf *m = p->m;
	const struct gwlb_attach *att = &w->s->attach[p->c.attach];
	unsigned int gi = att->chain[p->c.pos], port, hop;
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
	int slot, verdict;

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
	slot = gw_choose(w, gi, g, &fk, &hash, pi->proto);
	if (slot == GWLB_PICK_BYPASS) {
		p->ev = SL_EV_BYPASS; /* translated or not, as it came */
		return SL_ST_FORWARD;
	}
	if (slot < 0) {
		wk_drop(w, m, (enum sl_drop)(-slot - 1));
		return SL_ST_DONE;
	}
	t = &g->tgt[slot];
	hop = route_lookup(dp.routes, 4, (const uint8_t *)&t->addr, &port, nh)
		      ? EGRESS_NO_ROUTE
		      : eg_resolve(w, port, 4, nh, &mac);
	if (hop != EGRESS_HOP_OK) {
		wk_drop(w, m, (enum sl_drop)egress_hop_drop(hop, 0));
		return SL_ST_DONE;
	}
	verdict = pkt_egress_mtu(pi, GWLB_ENCAP_OVERHEAD, dp.ports[port].mtu);
	if (unlikely(verdict != PKT_MTU_FITS)) { /* the error out of c.reply_port, if set */
		p->verdict = verdict;
		p->c.mtu = dp.ports[port].mtu - GWLB_ENCAP_OVERHEAD;
		return SL_ST_TOO_BIG;
	}
	gwlb_encap_plan(dp.secret, att, t, &ck, hash, pi->family, wk_geneve_src(w->s, port),
			w->s->ttl, &e);

	wk_strip_to_l3(m, pi);
	hdr = (uint8_t *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN + GWLB_ENCAP_OVERHEAD);
	if (!hdr) {
		wk_drop(w, m, SL_DROP_NO_MBUF);
		return SL_ST_DONE;
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
	return SL_ST_DONE;
}

/*
 * A GENEVE return (UDP to 6081, to one of our addresses) validated; its inner packet goes on
 * to the next group of the chain (SL_ST_GW_ENCAP), the load balancer (SL_ST_NLB) or its
 * destination (SL_ST_FORWARD).
 */
enum sl_stage gw_return(struct wctx *w)
{
	struct wk_pkt *p = &w->pkt;
	struct rte_mbuf *m = p->m;
	const struct pkt_info *pi = &p->c.pi;
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

	udp_len = sl_get_be16(udp + 4);
	if (pi->family != 4 || udp_len < 8 || udp + udp_len > end) {
		wk_drop(w, m, pi->family != 4 ? SL_DROP_LOCAL_UNHANDLED : SL_DROP_GENEVE_TRUNCATED);
		return SL_ST_DONE;
	}
	end = udp + udp_len;
	ret = geneve_gwlb_parse(udp + 8, end, &meta, &hlen);
	if (ret) {
		wk_drop(w, m, (enum sl_drop)gwlb_geneve_drop((unsigned int)-ret));
		return SL_ST_DONE;
	}
	a = rt_map_find(&w->s->by_endpoint, meta.endpoint_id);
	if (!a) {
		wk_drop(w, m, SL_DROP_GENEVE_UNKNOWN_ENDPOINT);
		return SL_ST_DONE;
	}
	att = &w->s->attach[*a];
	memcpy(&appliance, pi->saddr, 4);
	ret_pos = rt_map_find(&w->s->by_appliance, gwlb_ret_key(*a, appliance));
	if (!ret_pos) {
		wk_drop(w, m, SL_DROP_GENEVE_UNKNOWN_APPLIANCE);
		return SL_ST_DONE;
	}
	pos = gwlb_ret_pos(*ret_pos);
	gi = att->chain[pos];
	g = &w->s->groups[gi].gw;
	if (gwlb_udp_csum_verify(sl_get_be16(udp + 6), g->udp_csum) &&
	    !csum_l4_ok(4, pi->saddr, pi->daddr, IPPROTO_UDP_, udp, udp_len)) {
		wk_drop(w, m, SL_DROP_GENEVE_UDP_CHECKSUM);
		return SL_ST_DONE;
	}
	ret = pkt_parse_ip(data, (uint16_t)(pi->l4_off + 8 + hlen), end,
			   meta.proto == ETHERTYPE_IPV4 ? 4 : 6, &in);
	if (ret) {
		wk_drop(w, m, SL_DROP_GENEVE_BAD_INNER);
		return SL_ST_DONE;
	}
	/* the packet sluice forwards: its header checksum as the entry checks every frame's */
	if (in.family == 4 &&
	    !csum_ipv4_hdr_ok(data + in.l3_off, (uint32_t)(data[in.l3_off] & 0x0f) * 4)) {
		wk_drop(w, m, SL_DROP_IPV4_CHECKSUM);
		return SL_ST_DONE;
	}
	gwlb_flow_key(data, end, &in, g->stickiness, &fk);
	if (cookie_make(dp.secret, &fk, appliance, meta.endpoint_id) != meta.cookie) {
		wk_drop(w, m, SL_DROP_GENEVE_BAD_COOKIE);
		return SL_ST_DONE;
	}
	DP_EVENT(w->st, DECAP);
	w->st->t_returns[RT_GIDX(gi, gwlb_ret_slot(*ret_pos))]++;
	zone = wk_is_zone_ip(in.family, in.daddr);
	switch (gwlb_return_verdict(pos, att->n_chain, &in, zone,
				    zone ? PKT_DST_OWN : wk_dst_kind(in.family, in.daddr))) {
	case GWLB_RET_MARTIAN:
		wk_drop(w, m, SL_DROP_MARTIAN_DST);
		return SL_ST_DONE;
	case GWLB_RET_NEXT:
		p->c.pi = in;
		p->c.reply_port = -1;
		p->c.attach = *a;
		p->c.pos = pos + 1;
		return SL_ST_GW_ENCAP;
	case GWLB_RET_NLB: /* inspected, now balance it */
		p->c.pi = in;
		p->c.reply_port = -1;
		p->c.nlb_mode = SL_NLB_INSPECTED;
		return SL_ST_NLB;
	default:
		p->c.pi = in;
		p->ev = SL_EV_FORWARD;
		return SL_ST_FORWARD;
	}
}
