/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice.bpf.c - the XDP dataplane: the inspection (GWLB) path of sluice-dp as XDP programs.
 *
 * sl_xdp (entry): parse, count, classify. Not sluice's (unknown interface, ARP, ND, ping and
 * anything else to our addresses that is not a GENEVE return) -> XDP_PASS: the kernel answers.
 * Transit traffic on a port with an attachment -> tail call sl_gw_encap; UDP 6081 to one of
 * our addresses -> tail call sl_gw_return. The stages are separate programs (sl_progs) so that
 * each stays under the verifier's limits; they hand the parsed packet over in sl_scratch.
 *
 * The decisions are dataplane/core's (parsers, flow keys, hash, cookie, GENEVE, verdicts);
 * the program only moves bytes, as dataplane/dpdk/gw.c and local.c do for DPDK (docs/dataplane.md).
 *
 * One program in one object, split by stage into bpf/prog/: maps.h (the maps), env.h, route.h,
 * pin.h, too_big.h, nlb.h (helpers the stages share) and st_<stage>.h (one per tail-called
 * stage). This file is the entry, sl_xdp.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "dataplane/core/arp.h"
#include "dataplane/core/classify.h"
#include "dataplane/core/cookie.h"
#include "dataplane/core/csum.h"
#include "dataplane/core/egress.h"
#include "dataplane/core/flow.h"
#include "dataplane/core/geneve.h"
#include "dataplane/core/gwlb.h"
#include "dataplane/core/icmp.h"
#include "dataplane/core/nat.h"
#include "dataplane/core/nd.h"
#include "dataplane/core/nlb.h"
#include "dataplane/core/pkt.h"
#include "dataplane/core/stage.h"
#include "dataplane/core/stats.h"
#include "bpf/sluice.bpf.h"

#include "bpf/prog/maps.h"
#include "bpf/prog/env.h"
#include "bpf/prog/route.h"
#include "bpf/prog/pin.h"
#include "bpf/prog/too_big.h"
#include "bpf/prog/st_gw_encap.h"
#include "bpf/prog/st_too_big.h"
#include "bpf/prog/st_gw_return.h"
#include "bpf/prog/nlb.h"
#include "bpf/prog/st_nlb.h"
#include "bpf/prog/st_icmp.h"
#include "bpf/prog/st_nlb_term.h"
#include "bpf/prog/st_nlb_reply.h"

/* The tail-call indices are core/stage.h's stages: one list of stages for both shells. */
_Static_assert(XDP_STAGE_GW_ENCAP == SL_ST_GW_ENCAP && XDP_STAGE_GW_RETURN == SL_ST_GW_RETURN &&
		       XDP_STAGE_NLB == SL_ST_NLB && XDP_STAGE_ICMP == SL_ST_ICMP &&
		       XDP_STAGE_NLB_TERM == SL_ST_NLB_TERM &&
		       XDP_STAGE_NLB_REPLY == SL_ST_NLB_REPLY &&
		       XDP_STAGE_TOO_BIG == SL_ST_TOO_BIG && XDP_STAGE_MAX == SL_ST_N_PROGS,
	       "XDP_STAGE_* (bpf/xdp_shared.h) in core/stage.h's order");

/* ---- entry ---- */

/*
 * ARP (at l3) or an IPv6 NS/NA (ICMPv6 at l4, the IPv6 payload ending at end_off) on its way
 * to the kernel: 1 when sluice-dp would refuse it for a sender MAC no neighbour can have
 * (arp_macs_learnable, nd_macs_learnable), which the kernel would learn. ARP is parsed as
 * sluice-dp parses it; ND only as far as its link-layer option (walked as nd_parse walks it,
 * the last one counts), without the checksum the verifier cannot follow over a copy: an ND
 * message with a bad checksum and a bad MAC is neigh_bad_mac here, nd_invalid on sluice-dp
 * (dropped either way). Anything that does not parse is the kernel's to judge.
 */
__noinline int sl_neigh_mac_refused(struct xdp_md *ctx, __u32 l3, __u32 l4, __u32 end_off,
				    __u32 type)
{
	__u8 eth_src[SL_ETH_ALEN], hdr[ARP_HDR_LEN], opt[8], ll[SL_ETH_ALEN];
	__u32 off = l4 + 24, i, olen, has_ll = 0;
	struct arp_info a;

	if (bpf_xdp_load_bytes(ctx, 6, eth_src, SL_ETH_ALEN))
		return 0;
	if (!type) {
		if (bpf_xdp_load_bytes(ctx, l3, hdr, ARP_HDR_LEN) ||
		    arp_parse(hdr, hdr + ARP_HDR_LEN, &a))
			return 0;
		return !arp_macs_learnable(&a, eth_src);
	}
	for (i = 0; i < 8 && off + 2 <= end_off; i++) {
		if (bpf_xdp_load_bytes(ctx, off, opt, 2))
			return 0;
		olen = (__u32)opt[1] * 8;
		if (!olen || off + olen > end_off)
			return 0;
		if (opt[0] == (type == ND_NS ? ND_OPT_SRC_LL : ND_OPT_TGT_LL)) {
			if (bpf_xdp_load_bytes(ctx, off, opt, 8))
				return 0;
			__builtin_memcpy(ll, opt + 2, SL_ETH_ALEN);
			has_ll = 1;
		}
		off += olen;
	}
	return !pkt_mac_learnable(eth_src) || (has_ll && !pkt_mac_learnable(ll));
}

/*
 * pkt_parse_eth as a global function: checked once on its own, its many paths do not
 * multiply with the classification after it (inlined, the entry took 700K instructions).
 */
__noinline int sl_parse_frame(struct xdp_md *ctx, struct pkt_info *pi)
{
	const __u8 *data = (const __u8 *)(long)ctx->data, *end = (const __u8 *)(long)ctx->data_end;

	if (!pi)
		return -PKT_ERR_L2;
	return pkt_parse_eth(data, end, pi);
}

/*
 * Entry: docs/dataplane.md "Per packet", with the kernel's duties left to the kernel. The
 * classification is core/classify.h's (as sluice-dp's worker.c and local.c); this shell's
 * actions: ARP, ND and ping to the kernel (XDP_PASS, after the MAC check), the rest to stages.
 */
SEC("xdp")
int sl_xdp(struct xdp_md *ctx)
{
	const __u8 *data = (const __u8 *)(long)ctx->data, *end = (const __u8 *)(long)ctx->data_end;
	__u32 ifi = ctx->ingress_ifindex, len = sl_frame_len(ctx);
	struct sl_port_view pv = {0};
	struct sl_node_view nv = {0};
	struct xdp_nlbcfg *nlb;
	struct xdp_port *p;
	struct pkt_info pi;
	struct sl_env e;
	__u32 zero = 0, kind;
	enum sl_class c;
	__u16 drop = SL_DROP_PARSE_L2;
	int ret;

	p = bpf_map_lookup_elem(&sl_ports, &ifi);
	if (!p || sl_env_get(&e))
		return XDP_PASS; /* not one of sluice's interfaces */
	if (p->index < XDP_MAX_PORTS) {
		e.st->rx_pkts[p->index]++;
		e.st->rx_bytes[p->index] += len;
	}
	if (e.node->replay) { /* what the program sees linearly: sluice-xdp refuses a shorter view
			       */
		struct xdp_out *o = bpf_map_lookup_elem(&sl_out, &zero);

		if (o)
			o->seen = len;
	}
	if (pkt_rx_oversize(len, PKT_MAX_L2_LEN, p->mtu))
		return sl_drop(&e, SL_DROP_RX_OVERSIZE);
	ret = sl_parse_frame(ctx, &pi);
	if (data + ETH_HLEN_ > end) /* a frame that parsed has one: for the verifier */
		return sl_drop(&e, pkt_parse_drop(ret));
	pv.mac = p->mac;
	pv.mtu = p->mtu;
	pv.has_attach = p->attach >= 0;
	c = sl_classify_frame(&pv, len, ret, &pi, data, &drop);
	if (c == SL_CLASS_DROP)
		return sl_drop(&e, drop);
	if (c == SL_CLASS_ARP) { /* the kernel answers and learns */
		if (sl_neigh_mac_refused(ctx, pi.l3_off, 0, 0, 0))
			return sl_drop(&e, SL_DROP_NEIGH_BAD_MAC);
		return sl_pass(&e);
	}
	nlb = bpf_map_lookup_elem(&sl_nlbcfg, &zero);
	nv.has_listeners = nlb && nlb->n_listeners;
	nv.nlb_v6 = 1; /* the NLB stages take both families */
	kind = sl_dst_class(pi.family, pi.daddr);
	c = sl_classify_ip(&pv, &nv, &pi, pi.family != 4 || sl_ipv4_csum_ok(ctx, pi.l3_off), kind,
			   &drop);
	if (c == SL_CLASS_DROP)
		return sl_drop(&e, drop);

	__builtin_memcpy(&e.s->pi, &pi, sizeof(pi));
	e.s->port = p->index;
	e.s->ifindex = ifi;
	e.s->reply_port = (__s32)p->index;
	e.s->nat_undo = 0; /* until sl_nlb translates it */
	e.s->attach = p->attach < 0 ? 0 : (__u32)p->attach;
	e.s->pos = 0;
	e.s->has_attach = p->attach >= 0;
	if (c == SL_CLASS_LOCAL) {
		c = sl_classify_local(&nv, &pi, kind, &drop);
		if (c == SL_CLASS_GW_RETURN) {
			/* no clock: sl_gw_return reads it only when it hands the packet on */
			bpf_tail_call(ctx, &sl_progs, XDP_STAGE_GW_RETURN);
			return sl_drop(&e, SL_DROP_LOCAL_UNHANDLED);
		}
	}
	e.s->now = sl_now(e.node); /* ~25 ns live (bpf_ktime_get_ns): once, where it is used */
	if (c == SL_CLASS_NLB_ZONE) {
		e.s->nlb_mode = SL_NLB_ZONE;
		bpf_tail_call(ctx, &sl_progs, XDP_STAGE_NLB);
		return sl_drop(&e, SL_DROP_NLB_NO_LISTENER);
	}
	if (c == SL_CLASS_NLB_LOCAL) {
		e.s->nlb_mode = SL_NLB_LOCAL;
		bpf_tail_call(ctx, &sl_progs, XDP_STAGE_NLB);
		c = sl_classify_unclaimed(&nv, &pi, &drop);
	}
	/* an ICMP error about our GENEVE is counted (e.s->pi is pi); only IPv4 carries GENEVE */
	if (c == SL_CLASS_ICMP_ERR && pi.family == 4)
		return sl_icmp_unclaimed(ctx, &e);
	if (c == SL_CLASS_ND && sl_neigh_mac_refused(ctx, pi.l3_off, pi.l4_off,
						     (__u32)pi.l3_off + pi.l3_len, pi.icmp_type))
		return sl_drop(&e, SL_DROP_NEIGH_BAD_MAC);
	if (c == SL_CLASS_ND || c == SL_CLASS_ECHO || c == SL_CLASS_KERNEL ||
	    c == SL_CLASS_ICMP_ERR)
		return sl_pass(&e); /* ND, ping, the host's own traffic */
	/* a target's reply, or an ICMP error about a flow; else on to inspection */
	if (c == SL_CLASS_NLB_TRANSIT) {
		e.s->nlb_mode = SL_NLB_TRANSIT;
		bpf_tail_call(ctx, &sl_progs, XDP_STAGE_NLB);
		c = sl_classify_encap(&pv, &drop);
	}
	if (c == SL_CLASS_DROP)
		return sl_drop(&e, drop);
	bpf_tail_call(ctx, &sl_progs, XDP_STAGE_GW_ENCAP);
	return sl_drop(&e, SL_DROP_NO_TARGET);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
