/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bpf/prog/env.h - helpers every stage uses: the maps a stage needs, drops, events, sending,
 * addresses. Part of the XDP program: included once, in order, by bpf/sluice.bpf.c (not a library).
 */
#ifndef SL_BPF_PROG_ENV_H
#define SL_BPF_PROG_ENV_H

/* Everything a stage needs from the maps; a miss means the loader has not set up yet. */
struct sl_env {
	struct xdp_node *node;
	struct xdp_stats *st;
	struct sl_scratch *s;
};

static __always_inline int sl_env_get(struct sl_env *e)
{
	__u32 zero = 0;

	e->node = bpf_map_lookup_elem(&sl_node, &zero);
	e->st = bpf_map_lookup_elem(&sl_stats, &zero);
	e->s = bpf_map_lookup_elem(&sl_scratch, &zero);
	return e->node && e->st && e->s ? 0 : -1;
}

static __always_inline int sl_drop(struct sl_env *e, __u32 why)
{
	/* clang drops the test when why comes from a constant table; the verifier needs it */
	asm volatile("" : "+r"(why));
	if (why < SL_DROP_MAX)
		e->st->drops[why]++;
	return XDP_DROP;
}

static __always_inline void sl_event(struct sl_env *e, __u32 ev)
{
	if (ev < SL_EV_MAX)
		e->st->events[ev]++;
}

/* To the kernel (XDP_PASS): counted kernel_in, as sluice-dp's hand-over to its TAP. */
static __always_inline int sl_pass(struct sl_env *e)
{
	e->st->events[SL_EV_KERNEL_IN]++;
	return XDP_PASS;
}

static __always_inline __u32 sl_frame_len(struct xdp_md *ctx)
{
	return (__u32)(ctx->data_end - ctx->data);
}

/*
 * Send the frame out of port index `port` (ifindex). A replay records the port in sl_out and
 * returns XDP_TX for the loader to read; live, XDP_TX back out of the ingress interface or a
 * redirect to another one.
 */
static __always_inline int sl_send(struct xdp_md *ctx, struct sl_env *e, __u32 port, __u32 ifindex)
{
	__u32 zero = 0, len = sl_frame_len(ctx);
	int act = ifindex == ctx->ingress_ifindex ? XDP_TX : XDP_REDIRECT;
	struct xdp_out *o;

	if (port < XDP_MAX_PORTS) {
		e->st->tx_pkts[port]++;
		e->st->tx_bytes[port] += len;
	}
	if (e->node->replay) {
		o = bpf_map_lookup_elem(&sl_out, &zero);
		if (o) {
			o->port = port;
			o->action = (__u32)act;
		}
		return XDP_TX;
	}
	if (act == XDP_TX)
		return XDP_TX;
	return (int)bpf_redirect(ifindex, 0);
}

static __always_inline int sl_addr_zero(const __u8 *a, __u32 n)
{
	__u8 any = 0;
	__u32 i;

	for (i = 0; i < 16; i++) {
		if (i >= n)
			break;
		any |= a[i];
	}
	return !any;
}

static __always_inline int sl_addr_eq(const __u8 *a, const __u8 *b, __u32 n)
{
	__u8 diff = 0;
	__u32 i;

	for (i = 0; i < 16; i++) {
		if (i >= n)
			break;
		diff |= a[i] ^ b[i];
	}
	return !diff;
}

/* What sl_local (lib/localtab.h) says of daddr: its kind, SL_DST_* (core/classify.h). */
static __always_inline __u32 sl_dst_class(__u8 family, const __u8 *daddr)
{
	struct xdp_local_key k = {.family = family};
	__u32 *v;

	if (family == 4)
		__builtin_memcpy(k.addr, daddr, 4);
	else
		__builtin_memcpy(k.addr, daddr, 16);
	v = bpf_map_lookup_elem(&sl_local, &k);
	return v ? *v >> XDP_LOCAL_KIND_SHIFT : SL_DST_OTHER;
}

/* The same as PKT_DST_OWN, _EDGE or _OTHER (sl_dst_pkt_kind), for pkt_dst_martian and the like. */
static __always_inline __u32 sl_dst_kind(__u8 family, const __u8 *daddr)
{
	return sl_dst_pkt_kind(sl_dst_class(family, daddr));
}

/*
 * csum_ipv4_hdr_ok of the IPv4 header at off (RFC 1812 5.2.2), over a copy (one load without
 * options): a global function, checked once on its own. 1 right (or not all there: the parse
 * judged that), 0 wrong.
 */
__noinline int sl_ipv4_csum_ok(struct xdp_md *ctx, __u32 off)
{
	__u8 hdr[60];
	__u32 hlen;

	if (off > SL_MAX_L4_OFF || bpf_xdp_load_bytes(ctx, off, hdr, 20))
		return 1;
	hlen = (__u32)(hdr[0] & 0x0f) * 4;
	if (hlen < 20 || (hlen > 20 && bpf_xdp_load_bytes(ctx, off + 20, hdr + 20, hlen - 20)))
		return 1;
	return csum_ipv4_hdr_ok(hdr, hlen);
}

#endif /* SL_BPF_PROG_ENV_H */
