/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bpf/prog/st_too_big.h - stage sl_too_big_fwd: a forwarded packet over its egress MTU.
 * Part of the XDP program: included once, in order, by bpf/sluice.bpf.c (not a library).
 */
#ifndef SL_BPF_PROG_ST_TOO_BIG_H
#define SL_BPF_PROG_ST_TOO_BIG_H

/*
 * The too-big answer of a packet that went through sl_forward_too_big, or of a translated
 * reply too big to encapsulate (sl_gw_encap): scratch.pi (at l3_off <= SL_MAX_L3_OFF) leaves
 * scratch.mtu bytes on its egress port; translated back first when scratch.nat_undo; the
 * error goes as scratch.reply_port says (-1 from both: routed to the source).
 */
SEC("xdp")
int sl_too_big_fwd(struct xdp_md *ctx)
{
	struct sl_env e;

	if (sl_env_get(&e))
		return XDP_ABORTED;
	if (e.s->nat_undo && sl_nat_undo(ctx, e.s))
		return sl_drop(&e, SL_DROP_MTU_EXCEEDED);
	return sl_too_big(ctx, &e, &e.s->pi, PKT_MTU_ICMP, (__u16)e.s->mtu);
}

#endif /* SL_BPF_PROG_ST_TOO_BIG_H */
