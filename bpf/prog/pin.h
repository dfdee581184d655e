/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bpf/prog/pin.h - the inspection path's flow key, fragments, target choice and pin verdict.
 * Part of the XDP program: included once, in order, by bpf/sluice.bpf.c (not a library).
 */
#ifndef SL_BPF_PROG_PIN_H
#define SL_BPF_PROG_PIN_H

/*
 * The flow key of pi (gwlb_flow_key: an ICMP error hashes on the packet it quotes). A global
 * function: the verifier checks it once, on its own, not inlined into every caller (parsing
 * the quoted packet on top of the outer parse exceeds the 1M instruction limit).
 */
__noinline int sl_flow_key(struct xdp_md *ctx, const struct pkt_info *pi, __u32 stick,
			   struct flow_key *k)
{
	const __u8 *data = (const __u8 *)(long)ctx->data, *end = (const __u8 *)(long)ctx->data_end;
	struct pkt_info o;

	if (!pi || !k)
		return -1;
	__builtin_memcpy(&o, pi, sizeof(o));
	/* Offsets read from memory: bound them for the verifier (no real frame is refused). */
	if (o.l3_off > SL_MAX_L4_OFF || o.l4_off > SL_MAX_L4_OFF) {
		flow_key_make(&o, (enum flow_stick)stick, k);
		return 0;
	}
	gwlb_flow_key(data, end, &o, (enum flow_stick)stick, k);
	return 0;
}

/*
 * The fragment verdict, core/frag.h's frag_decide, for pi (in s) in `mode` at s->now over
 * sl_frags; counts frag_tracked / frag_table_full in st. Returns the verdict, pi changed as
 * frag_decide changes it. A new key with BPF_NOEXIST (no room: -E2BIG, full; a
 * key another CPU has just added: -EEXIST, its value stands); an entry found is replaced
 * (BPF_ANY: the kernel swaps the element whole). Global: checked once, not inlined.
 */
__noinline int sl_frag(struct sl_scratch *s, struct pkt_info *pi, struct xdp_stats *st, __u32 mode,
		       __u32 timeout_ms)
{
	__u64 *v, val = 0, write = 0;
	int verdict, ret;

	if (!s || !pi || !st)
		return FRAG_NONE;
	if (!frag_tracked(pi))
		return FRAG_NONE;
	frag_key_make(pi, &s->frk);
	v = bpf_map_lookup_elem(&sl_frags, &s->frk);
	if (v)
		val = *v;
	verdict = frag_decide(pi, v ? &val : NULL, s->now, (__u64)timeout_ms * 1000, (int)mode,
			      &write);
	if (verdict != FRAG_RECORD)
		return verdict;
	/* not *v = write: the sweeper may have deleted (and the map reused) that element */
	ret = (int)bpf_map_update_elem(&sl_frags, &s->frk, &write, v ? BPF_ANY : BPF_NOEXIST);
	if (!ret)
		st->events[SL_EV_FRAG_TRACKED]++;
	else if (ret != -17) /* -EEXIST */
		st->events[SL_EV_FRAG_TABLE_FULL]++;
	return verdict;
}

static __always_inline struct xdp_group *sl_group(__u32 gi)
{
	__u32 zero = 0;
	void *inner = bpf_map_lookup_elem(&sl_state, &zero);

	if (!inner)
		return NULL;
	return bpf_map_lookup_elem(inner, &gi);
}

static __always_inline struct xdp_tstats *sl_tstat(__u32 gi, __u32 slot)
{
	__u32 k = gi * XDP_GROUP_TARGETS + slot;

	return bpf_map_lookup_elem(&sl_tstats, &k);
}

#define SL_PICK_BYPASS GWLB_PICK_BYPASS

/*
 * core/gwlb_table.h gwlb_pick over g's table in sl_maglev: gwlb_pick_index (idx < M, the
 * group's maglev_size), the entry's row (the map lookup bounds the key) and lane, then
 * gwlb_pick_entry. Its events (fail_open) are or-ed into *ev.
 */
static __always_inline int sl_pick_ev(const struct xdp_group *g, __u32 hash, __u8 *ev)
{
	const struct xdp_maglev_row *row;
	__u64 idx = 0;
	__u32 key;
	int ret = gwlb_pick_index(&g->gw, hash, g->maglev_size, &idx, ev);

	if (ret != GWLB_PICK_MAGLEV)
		return ret;
	key = g->maglev_row + (__u32)(idx / XDP_MAGLEV_ROW);
	row = bpf_map_lookup_elem(&sl_maglev, &key);
	if (!row)
		return GWLB_PICK_DROP(SL_DROP_NO_TARGET);
	return gwlb_pick_entry(&g->gw, row->e[idx & (XDP_MAGLEV_ROW - 1)]);
}

/* The target pick: sl_pick_ev (core/gwlb_table.h); counts fail_open. */
static __always_inline int sl_pick(struct sl_env *e, const struct xdp_group *g, __u32 hash)
{
	__u8 ev = 0;
	int ret = sl_pick_ev(g, hash, &ev);

	if (ev)
		sl_event(e, SL_EV_FAIL_OPEN);
	return ret;
}

/*
 * The pin verdict: core/gwlb_table.h gwlb_choose over the sl_flows entry for (gi, key); this only
 * looks up, writes (the touch a compare-and-swap: not over another CPU's new choice) and counts.
 */
static __always_inline int sl_choose(struct sl_env *e, __u32 gi, const struct xdp_group *g,
				     const struct flow_key *fk, __u32 hash, __u8 proto, __u64 now)
{
	struct gwlb_pin_key *k = &e->s->ftk; /* in scratch: the stack is short */
	struct gwlb_choice *c = &e->s->gch;
	struct xdp_tstats *ts;
	__u64 *v, val = 0;
	__u32 b;

	__builtin_memset(k, 0, sizeof(*k));
	__builtin_memcpy(&k->fk, fk, sizeof(k->fk));
	k->group = (__u16)gi;
	v = bpf_map_lookup_elem(&sl_flows, k);
	if (v)
		val = *v;
	/* gwlb_choose, the pick over sl_maglev */
	if (!gwlb_choose_pinned(&g->gw, g->targets, v != NULL, val, now, proto, c))
		gwlb_choose_picked(g->targets, sl_pick_ev(g, hash, &c->ev), now, c);
	switch (c->action) {
	case GWLB_PIN_TOUCH:
		if (v)
			__sync_val_compare_and_swap(v, val, c->pin);
		break;
	case GWLB_PIN_DELETE:
		bpf_map_delete_elem(&sl_flows, k);
		break;
	case GWLB_PIN_NEW:
		if (bpf_map_update_elem(&sl_flows, k, &c->pin, BPF_ANY))
			sl_event(e, SL_EV_FLOW_UNPINNED);
		ts = sl_tstat(gi, (__u32)c->slot);
		if (ts)
			ts->flows++;
		break;
	default:
		break;
	}
	for (b = 0; b < GWLB_EV_N; b++)
		if (c->ev >> b & 1)
			sl_event(e, gwlb_event(b));
	return c->slot;
}

#endif /* SL_BPF_PROG_PIN_H */
