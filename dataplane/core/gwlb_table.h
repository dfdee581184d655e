/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gwlb_table.h - the inspection path over the tables compiled once per generation: the
 * records both dataplanes read (a group, its target slots, an attachment, the return table's
 * key and value; layouts asserted, plain fixed-size types, no pointers), and the decisions
 * made over them: target choice (gwlb_pick), pin verdict (gwlb_choose), the GENEVE
 * encapsulation (gwlb_encap_plan) and what a validated return does next
 * (gwlb_return_verdict). dataplane/lib/rt_model.c compiles the records; sluice-dp reads them
 * from its generation (rt_model.h), sluice-xdp copies them whole into its maps
 * (bpf/xdp_maps.c). The shells only look their tables up and write them.
 */
#ifndef SL_CORE_GWLB_TABLE_H
#define SL_CORE_GWLB_TABLE_H

#include "dataplane/core/compat.h"
#include "dataplane/core/cookie.h"
#include "dataplane/core/flow.h"
#include "dataplane/core/geneve.h"
#include "dataplane/core/gwlb.h"
#include "dataplane/core/pkt.h"
#include "dataplane/core/stats.h"

#define GWLB_SLOTS	  256 /* target slots of a group (= CFG_GROUP_TARGETS_MAX) */
#define GWLB_CHAIN_MAX	  8   /* groups of an attachment's chain (= CFG_CHAIN_MAX) */
#define GWLB_MAGLEV_EMPTY 0xffff
_Static_assert(GWLB_SLOTS == 1 << GWLB_TAG_SLOT_BITS, "a slot is a tag's low byte");

/* What a group does with a new flow (decided per generation from its targets' states). */
enum gwlb_mode {
	GWLB_MODE_NORMAL = 0,	 /* Maglev over the eligible targets */
	GWLB_MODE_FAIL_OPEN = 1, /* none eligible: Maglev over the fail-open candidates */
	GWLB_MODE_DROP = 2,	 /* none eligible, policy drop */
	GWLB_MODE_BYPASS = 3,	 /* none eligible, policy bypass */
	GWLB_MODE_NO_TARGET = 4, /* no candidate at all */
};

/* One target slot as the packet path reads it. */
struct gwlb_target {
	uint32_t addr; /* IPv4, network order; 0 for an IPv6 target */
	uint32_t tag;  /* gwlb_tag(incarnation, slot) */
	uint32_t weight;
	uint16_t port; /* NLB: the target's port, 0 = keep the packet's */
	uint8_t state; /* enum target_state */
	uint8_t in_zone;
	uint8_t present; /* 0: the slot is free (its last target was removed; addr kept) */
	uint8_t family;	 /* 4 or 6 */
	uint8_t pad[6];
	uint64_t drain_start; /* us, when state became draining */
	uint8_t addr16[16]; /* the address, IPv4 in the first 4 bytes (NLB targets of either family)
			     */
};
_Static_assert(sizeof(struct gwlb_target) == 48,
	       "gwlb_target: the hot fields in the first 32 bytes");
_Static_assert(__builtin_offsetof(struct gwlb_target, drain_start) == 24, "gwlb_target layout");

/*
 * One group of one generation: its mode and the options the packet path reads. The fields are
 * a macro so that sluice-xdp's map value (bpf/xdp_shared.h struct xdp_group) holds them flat
 * and as this struct at once (a union: no copy, no second list). Per field: mode: enum
 * gwlb_mode; protocol: enum cfg_proto; stickiness: enum flow_stick; rebalance:
 * target_failover rebalance; n_targets: slots in use (present or free), <= GWLB_SLOTS;
 * udp_csum: geneve_udp_checksum, enum gwlb_udp_csum; the timeouts in us; generation: the
 * rt_model generation it belongs to.
 */
#define GWLB_GROUP_FIELDS                                    \
	uint8_t mode;                                        \
	uint8_t protocol;                                    \
	uint8_t stickiness;                                  \
	uint8_t rebalance;                                   \
	uint16_t n_targets;                                  \
	uint8_t udp_csum;                                    \
	uint8_t pad0;                                        \
	uint64_t idle_tcp_us, idle_other_us, dereg_delay_us; \
	uint64_t generation

struct gwlb_group {
	GWLB_GROUP_FIELDS;
};
_Static_assert(sizeof(struct gwlb_group) == 40, "gwlb_group size");
_Static_assert(__builtin_offsetof(struct gwlb_group, idle_tcp_us) == 8, "gwlb_group layout");

/* One inspection attachment: its GENEVE IDs and its chain of groups. */
struct gwlb_attach {
	uint64_t endpoint_id;
	uint64_t attachment_id;
	uint16_t chain[GWLB_CHAIN_MAX]; /* group indexes */
	uint8_t n_chain;
	uint8_t pad[7];
};
_Static_assert(sizeof(struct gwlb_attach) == 40, "gwlb_attach size");
_Static_assert(__builtin_offsetof(struct gwlb_attach, n_chain) == 32, "gwlb_attach layout");

/*
 * The return table: (attachment, appliance address) -> the chain position whose group has
 * that appliance and its slot there (where its returns count). Built per generation over the
 * chain in order: the first position with the address wins; within it a present target wins
 * over a removed one (a removed appliance still validates until its slot is reused: its
 * returns may be in flight), else the lowest slot.
 */
SL_INLINE uint64_t gwlb_ret_key(uint32_t attach, uint32_t addr_be)
{
	return (uint64_t)attach << 32 | addr_be;
}

SL_INLINE uint32_t gwlb_ret_val(uint32_t pos, uint32_t slot)
{
	return pos << 8 | (slot & 0xffu);
}

SL_INLINE uint32_t gwlb_ret_pos(uint32_t v)
{
	return (v >> 8) & (GWLB_CHAIN_MAX - 1);
}

SL_INLINE uint32_t gwlb_ret_slot(uint32_t v)
{
	return v & 0xffu;
}

/* ---- target choice ---------------------------------------------------------------------- */

#define GWLB_PICK_BYPASS  (-1000) /* forward the packet uninspected */
#define GWLB_PICK_MAGLEV  (-1001) /* gwlb_pick_mode: look the Maglev table up */
#define GWLB_PICK_DROP(r) (-((int)(r) + 1))

/* Events of a choice (struct gwlb_choice.ev bits), counted by the shell: gwlb_event(). */
enum gwlb_ev {
	GWLB_EV_EXPIRED = 0,	/* the pin was idle past its timeout */
	GWLB_EV_REBALANCED = 1, /* the pin's target may no longer carry it */
	GWLB_EV_FAIL_OPEN = 2,	/* chosen among the fail-open candidates */
	GWLB_EV_NEW = 3,	/* a new pin */
	GWLB_EV_N = 4,
};

SL_INLINE uint32_t gwlb_event(uint32_t bit)
{
	switch (bit) {
	case GWLB_EV_EXPIRED:
		return SL_EV_FLOW_EXPIRED;
	case GWLB_EV_REBALANCED:
		return SL_EV_FLOW_REBALANCED;
	case GWLB_EV_FAIL_OPEN:
		return SL_EV_FAIL_OPEN;
	default:
		return SL_EV_FLOW_NEW;
	}
}

/* A new flow's first step: GWLB_PICK_MAGLEV, GWLB_PICK_BYPASS or GWLB_PICK_DROP(reason). */
SL_INLINE int gwlb_pick_mode(const struct gwlb_group *g, uint8_t *ev)
{
	switch (g->mode) {
	case GWLB_MODE_NO_TARGET:
		return GWLB_PICK_DROP(SL_DROP_NO_TARGET);
	case GWLB_MODE_DROP:
		return GWLB_PICK_DROP(SL_DROP_ALL_UNHEALTHY_DROP);
	case GWLB_MODE_BYPASS:
		return GWLB_PICK_BYPASS;
	case GWLB_MODE_FAIL_OPEN:
		*ev |= 1u << GWLB_EV_FAIL_OPEN;
		return GWLB_PICK_MAGLEV;
	default:
		return GWLB_PICK_MAGLEV;
	}
}

/*
 * The Maglev index of `hash` in a table of m entries (maglev.h: hash % m). 64-bit and hidden
 * from the optimiser (SL_BOUND) so that the caller's `idx < m` check is the one the verifier
 * sees on the register the access uses.
 */
SL_INLINE uint64_t gwlb_maglev_idx(uint32_t hash, uint32_t m)
{
	uint64_t idx = hash % m;

	SL_BOUND(idx);
	return idx;
}

/*
 * A new flow's pick up to the table read: GWLB_PICK_MAGLEV with *idx (< m) the entry of
 * group g's Maglev table of m entries to read for `hash`, else the result (GWLB_PICK_BYPASS,
 * GWLB_PICK_DROP(reason)). The shell reads that entry from where it keeps the table (sluice-dp:
 * the generation's array; sluice-xdp: the sl_maglev map) and hands it to gwlb_pick_entry.
 */
SL_INLINE int gwlb_pick_index(const struct gwlb_group *g, uint32_t hash, uint32_t m, uint64_t *idx,
			      uint8_t *ev)
{
	int ret = gwlb_pick_mode(g, ev);

	if (ret != GWLB_PICK_MAGLEV)
		return ret;
	if (!m) /* no table */
		return GWLB_PICK_DROP(SL_DROP_NO_TARGET);
	*idx = gwlb_maglev_idx(hash, m);
	if (*idx >= m) /* never true: the bound a verifier needs to see */
		return GWLB_PICK_DROP(SL_DROP_NO_TARGET);
	return GWLB_PICK_MAGLEV;
}

/* The slot a Maglev entry names, or GWLB_PICK_DROP(no_target) (empty, or past the slots). */
SL_INLINE int gwlb_pick_entry(const struct gwlb_group *g, uint32_t entry)
{
	if (entry == GWLB_MAGLEV_EMPTY || entry >= g->n_targets || entry >= GWLB_SLOTS)
		return GWLB_PICK_DROP(SL_DROP_NO_TARGET);
	return (int)entry;
}

/*
 * The target slot group g gives a new flow of `hash`: Maglev (table `maglev` of m entries,
 * read only in the Maglev modes) over the eligible targets or the fail-open candidates, else
 * GWLB_PICK_BYPASS or GWLB_PICK_DROP(reason). Sets GWLB_EV_FAIL_OPEN in *ev when it applies.
 * gwlb_pick_index, the read, gwlb_pick_entry: a shell whose table is not one array runs the
 * three itself.
 */
SL_INLINE int gwlb_pick(const struct gwlb_group *g, const uint16_t *maglev, uint32_t m,
			uint32_t hash, uint8_t *ev)
{
	uint64_t idx = 0;
	int ret = gwlb_pick_index(g, hash, m, &idx, ev);

	if (ret != GWLB_PICK_MAGLEV)
		return ret;
	return gwlb_pick_entry(g, maglev[idx]);
}

/* ---- pin verdict ------------------------------------------------------------------------ */

/* What the shell does to its flow-table entry after gwlb_choose. */
enum gwlb_pin_action {
	GWLB_PIN_KEEP = 0,   /* nothing to write */
	GWLB_PIN_TOUCH = 1,  /* refresh: compare-and-swap `old` -> `pin` (not over another CPU's) */
	GWLB_PIN_DELETE = 2, /* the entry goes (neither kept nor replaced: counted once) */
	GWLB_PIN_NEW = 3,    /* write `pin` (insert or overwrite) */
};

struct gwlb_choice {
	int32_t slot;	/* the target slot, GWLB_PICK_BYPASS or GWLB_PICK_DROP(reason) */
	uint8_t action; /* enum gwlb_pin_action */
	uint8_t ev;	/* 1 << enum gwlb_ev: the shell counts gwlb_event() of each */
	uint16_t pad;
	uint64_t pin; /* TOUCH, NEW: the value to write (core/gwlb.h gwlb_pin_val) */
};

/*
 * The first half of gwlb_choose, up to the pick: the verdict on the flow-table entry `val`
 * (when `found`) of a flow of group g (targets: its slots, [n_targets]). Returns 1 when the
 * choice is made (the pinned slot, c->action KEEP or TOUCH), 0 when the flow needs a new pick
 * (c->ev and c->action say what happened to the old pin), to be given to gwlb_choose_picked.
 */
SL_INLINE int gwlb_choose_pinned(const struct gwlb_group *g, const struct gwlb_target *targets,
				 int found, uint64_t val, uint64_t now, uint8_t proto,
				 struct gwlb_choice *c)
{
	c->action = GWLB_PIN_KEEP;
	c->ev = 0;
	c->pin = 0;
	if (found) {
		uint32_t tag = gwlb_pin_tag(val), slot = gwlb_tag_slot(tag);
		uint64_t idle = proto == IPPROTO_TCP_ ? g->idle_tcp_us : g->idle_other_us;
		uint64_t seen = gwlb_pin_seen_us(val);
		const struct gwlb_target *t = &targets[slot & (GWLB_SLOTS - 1)];
		int verdict;

		if (slot < g->n_targets && gwlb_pin_current(tag, g->n_targets, t->present, t->tag))
			verdict = gwlb_flow_verdict(now, seen, idle, t->state, t->drain_start,
						    g->dereg_delay_us, g->rebalance);
		else
			verdict = gwlb_flow_verdict(now, seen, idle, TS_DRAINING, 0, 0, 0);
		if (verdict == GWLB_KEEP) {
			c->slot = (int32_t)slot;
			if (gwlb_pin_touch_due(val, now)) {
				c->action = GWLB_PIN_TOUCH;
				c->pin = gwlb_pin_val(tag, now);
			}
			return 1;
		}
		c->ev |= 1u << (verdict == GWLB_EXPIRED ? GWLB_EV_EXPIRED : GWLB_EV_REBALANCED);
		if (g->mode != GWLB_MODE_NORMAL && g->mode != GWLB_MODE_FAIL_OPEN)
			c->action = GWLB_PIN_DELETE;
	}
	return 0;
}

/* The second half: `pick` (gwlb_pick's result, its events in c->ev) pinned when a slot. */
SL_INLINE void gwlb_choose_picked(const struct gwlb_target *targets, int pick, uint64_t now,
				  struct gwlb_choice *c)
{
	c->slot = pick;
	if (pick < 0)
		return;
	c->action = GWLB_PIN_NEW;
	c->pin = gwlb_pin_val(targets[pick & (GWLB_SLOTS - 1)].tag, now);
	c->ev |= 1u << GWLB_EV_NEW;
}

/*
 * The target of a flow of group g (targets: its slots, [n_targets]; maglev: its table of m
 * entries) whose flow-table entry holds `val` when `found`: the pinned slot while its target
 * may keep the flow (gwlb_flow_verdict: a pin whose target is gone is a draining one whose
 * delay has ended), else a new pick, pinned. The shell looks the entry up before and applies
 * c->action after; proto picks the idle timeout, now is in us. A shell whose Maglev table is
 * not one array runs gwlb_choose_pinned, its own pick (gwlb_pick_index / gwlb_pick_entry) and
 * gwlb_choose_picked.
 */
SL_INLINE void gwlb_choose(const struct gwlb_group *g, const struct gwlb_target *targets,
			   const uint16_t *maglev, uint32_t m, int found, uint64_t val,
			   uint64_t now, uint8_t proto, uint32_t hash, struct gwlb_choice *c)
{
	if (gwlb_choose_pinned(g, targets, found, val, now, proto, c))
		return;
	gwlb_choose_picked(targets, gwlb_pick(g, maglev, m, hash, &c->ev), now, c);
}

/* ---- encapsulation ---------------------------------------------------------------------- */

/* A packet's GENEVE to its appliance: the outer header's fields and the options. */
struct gwlb_encap {
	struct gwlb_meta meta;
	uint32_t src, dst; /* outer IPv4, network order */
	uint16_t sport;	   /* outer UDP source port */
	uint8_t ttl;
	uint8_t pad;
};

/*
 * The encapsulation of a packet of `family` for attachment a to target t, flow hash `hash`,
 * cookie key ck (what the packet itself reads: the appliance's return validates with no
 * state), from src (node.geneve_address or the egress port's first IPv4 address) with the
 * node's ttl.
 */
SL_INLINE void gwlb_encap_plan(const uint8_t secret[16], const struct gwlb_attach *a,
			       const struct gwlb_target *t, const struct flow_key *ck,
			       uint32_t hash, uint8_t family, uint32_t src, uint8_t ttl,
			       struct gwlb_encap *e)
{
	e->meta.endpoint_id = a->endpoint_id;
	e->meta.attachment_id = a->attachment_id;
	e->meta.cookie = cookie_make(secret, ck, t->addr, a->endpoint_id);
	e->meta.proto = family == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
	e->src = src;
	e->dst = t->addr;
	e->sport = geneve_sport(hash);
	e->ttl = ttl;
}

/* Write e's outer IPv4 + UDP + GENEVE (GWLB_ENCAP_OVERHEAD bytes) at ip, before inner_len. */
SL_INLINE void gwlb_encap_write(uint8_t *ip, const struct gwlb_encap *e, uint16_t inner_len)
{
	geneve_outer_write(ip, e->src, e->dst, e->ttl, e->sport,
			   (uint16_t)(GWLB_GENEVE_LEN + inner_len));
	geneve_gwlb_write(ip + GWLB_OUTER_LEN, &e->meta);
}

/* ---- GENEVE return ---------------------------------------------------------------------- */

enum gwlb_ret_verdict {
	GWLB_RET_MARTIAN = 0, /* drop martian_destination */
	GWLB_RET_NEXT = 1,    /* encapsulate to the next group of the chain (pos + 1) */
	GWLB_RET_NLB = 2,     /* inspected: to the load balancer, which owns the zone IP */
	GWLB_RET_FORWARD = 3, /* to its destination */
};

/*
 * Where the inner packet `in` of a valid return from chain position pos (of n_chain) goes.
 * to_zone: it is for this node's zone IP; kind: what the node's tables say of its destination
 * (PKT_DST_*; not read when to_zone: the zone IP is ours). The zone IP is ours: only the next
 * group, or the load balancer after the last one, may have it (any packet: the load balancer
 * decides what it takes, nlb_no_listener for the rest, as for a packet that was never
 * inspected); any martian destination is a martian (gwlb_inner_martian).
 */
SL_INLINE int gwlb_return_verdict(uint32_t pos, uint32_t n_chain, const struct pkt_info *in,
				  int to_zone, unsigned int kind)
{
	int last = pos + 1 >= n_chain;

	if (gwlb_inner_martian(in, to_zone ? PKT_DST_OWN : kind, to_zone))
		return GWLB_RET_MARTIAN;
	if (!last)
		return GWLB_RET_NEXT;
	return to_zone ? GWLB_RET_NLB : GWLB_RET_FORWARD;
}

#endif /* SL_CORE_GWLB_TABLE_H */
