/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bpf/prog/st_icmp.h - stage sl_icmp: the NLB's TCP answers (RST).
 * Part of the XDP program: included once, in order, by bpf/sluice.bpf.c (not a library).
 */
#ifndef SL_BPF_PROG_ST_ICMP_H
#define SL_BPF_PROG_ST_ICMP_H

/*
 * The NLB's TCP answers (tcp_unknown_flow: reset, connection termination): the RST answering
 * scratch.pi replaces the frame, which counts scratch.nlb_why for listener scratch.nlb_li.
 * (ICMP errors follow their flow inside sl_gw_encap, sl_flow_key; the stage keeps its name.)
 */
SEC("xdp")
int sl_icmp(struct xdp_md *ctx)
{
	struct sl_env e;
	int len;

	if (sl_env_get(&e))
		return XDP_ABORTED;
	len = sl_nlb_rst(ctx, e.s);
	sl_ldrop(&e, e.s->nlb_li, e.s->nlb_why);
	if (len < 0)
		return sl_drop(&e, SL_DROP_OWN_UNSENT);
	return sl_send_built(ctx, &e, (__u32)len, SL_EV_NLB_RST);
}

#endif /* SL_BPF_PROG_ST_ICMP_H */
