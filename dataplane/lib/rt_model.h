/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rt_model.h - the runtime model of a dataplane: one generation of the target states of every
 * group (struct rt_state), its target slots and Maglev tables, and how to build generations
 * from the config and from target changes. DPDK-free: shared by sluice-dp (which publishes
 * generations by RCU, rt.h) and the control protocol server (ctl_server.h), so that a second
 * dataplane can build exactly the same generations. Control path only: allocates, never runs
 * per packet.
 */
#ifndef SL_RT_MODEL_H
#define SL_RT_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dataplane/lib/config.h"
#include "dataplane/core/gwlb.h"
#include "dataplane/core/gwlb_table.h"
#include "dataplane/core/nlb.h"
#include "dataplane/core/nlb_listener.h"

/*
 * Target slots: a group has up to RT_SLOTS of them. A target keeps its slot for as long as it
 * is in the set; a removed target's slot stays (present = 0, address kept so returns in flight
 * still validate) until a new target reuses it with the next incarnation. Pins (flow-table
 * values, NLB sessions) carry the slot's tag, RT_TAG(incarnation, slot) (core/gwlb.h): a pin
 * whose tag is not the slot's current one belongs to a target that is gone. An incarnation
 * value is never given again while a pin may still carry it (rt_group_add).
 */
#define RT_SLOTS	     CFG_GROUP_TARGETS_MAX
#define RT_TAG(inc, slot)    gwlb_tag((uint32_t)(inc), (uint32_t)(slot))
#define RT_TAG_SLOT(tag)     gwlb_tag_slot(tag)
#define RT_GIDX(group, slot) ((uint32_t)(group)*RT_SLOTS + (uint32_t)(slot))
_Static_assert(RT_SLOTS == 1 << GWLB_TAG_SLOT_BITS, "slot tags keep the slot in 8 bits");

/*
 * How long after the last packet of a group's pin it is dead on every lookup: its idle timeout
 * (TCP or other, the longer) and a margin for the clock reads of the control path and the
 * workers and the flow table's whole seconds. A slot's incarnation may wrap only this long
 * after its last target left (rt_group_add).
 */
#define RT_PIN_MARGIN_US 5000000ull
/* freed_us of a slot freed in a generation not yet known to be out of use (rt_state_clone) */
#define RT_FREED_PENDING UINT64_MAX

struct rt_target {
	/* read per packet */
	uint32_t addr; /* IPv4, network order; 0 for an IPv6 target */
	uint32_t tag;  /* RT_TAG(incarnation, slot) */
	uint32_t weight;
	uint32_t gidx; /* index into the per-target counters: RT_GIDX(group, slot) */
	uint16_t port; /* NLB groups: the target's port, 0 = the packet's destination port */
	uint8_t state; /* enum target_state */
	uint8_t in_zone;
	uint8_t present; /* 0: the slot is free (its last target was removed) */
	uint8_t family;	 /* 4 or 6 */
	uint8_t fresh;	 /* control path: assigned in this generation, its counters start at zero */
	uint64_t drain_start; /* us, when state became draining */
	uint8_t addr16[16];   /* the address, IPv4 in the first 4 bytes (as struct cfg_addr) */
	/* control path only */
	uint64_t freed_seq; /* when the slot was freed (control-path sequence), for reuse order */
	uint64_t freed_us;  /* since when no worker can refresh a pin of it, or RT_FREED_PENDING */
	char id[CFG_NAME_MAX];
	char zone[CFG_NAME_MAX];
};
_Static_assert(offsetof(struct rt_target, freed_seq) == 48, "the per-packet part: 48 bytes");

struct rt_group {
	const struct cfg_group *cfg;
	struct rt_target *targets; /* [n_targets] slots, present or free */
	unsigned int n_targets;	   /* every slot ever used is below it; <= RT_SLOTS */
	uint16_t *maglev;    /* maglev_size entries: target slots (GWLB_MAGLEV_EMPTY: none); NULL
			      * unless NORMAL/FAIL_OPEN */
	enum gwlb_mode mode; /* core/gwlb_table.h (one enum for both dataplanes) */
	uint64_t idle_tcp, idle_other, dereg_delay; /* us */
	int rebalance;
	/* compiled by rt_state_finalize: what the packet path reads (core/gwlb_table.h) */
	struct gwlb_group gw;
	struct gwlb_target *tgt; /* [n_targets], the slots' per-packet part */
};

/*
 * A generation's small hash table, uint64_t key -> uint32_t value (open addressing, at most
 * half full). Per packet: rt_map_find reads it.
 */
struct rt_map_ent {
	uint64_t key;
	uint32_t val;
	uint32_t used;
};

struct rt_map {
	struct rt_map_ent *e; /* [mask + 1]; NULL when empty */
	uint32_t mask;
	uint32_t n;
};

/*
 * Target replies without a session (core/nlb.h): which destination-NAT listener a reply from
 * a target's address and source port belongs to. One entry per key (family, protocol,
 * address, source port; port 0 = any source port), built per generation from the listeners
 * and the present, in-zone targets of their groups; ambiguous keys are kept (marked) so that
 * such replies are counted, not taken for someone else's.
 */
struct rt_reply_key {
	uint8_t family; /* 4 or 6 */
	uint8_t proto;	/* IPPROTO_TCP / IPPROTO_UDP */
	uint16_t port;	/* the reply's source port (host order), 0 = any */
	uint8_t addr[16];
};

struct rt_reply {
	struct rt_reply_key key;
	struct nlb_reply_owner own; /* own.flags 0: an empty table slot */
};

struct rt_replies {
	struct rt_reply *e; /* [mask + 1], open addressing; NULL when there is no entry */
	uint32_t mask;
	uint32_t n;
};

/* One generation of the mutable state. */
struct rt_state {
	uint64_t generation;
	struct rt_group *groups;
	unsigned int n_groups;
	const struct config *cfg; /* what it was built from (the listeners) */
	struct rt_replies replies;
	/* the inspection path, compiled by rt_state_finalize (core/gwlb_table.h) */
	struct gwlb_attach *attach; /* [n_attach]: the config's inspections */
	unsigned int n_attach;
	struct rt_map by_endpoint;  /* endpoint ID -> attachment index */
	struct rt_map by_appliance; /* gwlb_ret_key(attachment, address) -> gwlb_ret_val */
	uint32_t geneve_src;	    /* node.geneve_address (network order), 0: the port's */
	uint8_t ttl;		    /* node.ttl: the outer TTL */
};

/* Build the first generation from the config. Returns NULL with a message in err. */
struct rt_state *rt_state_build(const struct config *cfg, uint32_t maglev_size, char *err,
				size_t errlen);
/*
 * A new generation equal to s but with target slot t of group g in state `state` since `now`
 * (us). Returns NULL on allocation failure; s is untouched either way.
 */
struct rt_state *rt_state_with_target(const struct rt_state *s, unsigned int g, unsigned int t,
				      uint8_t state, uint64_t now, uint32_t maglev_size);
/*
 * A deep copy of s as the next generation (generation + 1, no slot `fresh`), to be changed
 * with rt_group_* and completed with rt_state_finalize(). NULL on allocation failure.
 * s must be the published generation, and `now` (us, the dataplane's clock) a time when no
 * packet is processed with an older one any more: slots freed in s or before are stamped
 * freed_us = now if they were pending, the latest time a pin of their last target was seen.
 */
struct rt_state *rt_state_clone(const struct rt_state *s, uint64_t now);
/* Recompute every group's mode and Maglev table. 0 or -ENOMEM (s is then only fit to free). */
int rt_state_finalize(struct rt_state *s, uint32_t maglev_size);
void rt_state_free(struct rt_state *s);

/* The slot of the present target `id` of g, or -1. */
int rt_group_find(const struct rt_group *g, const char *id);
/*
 * Give the new target `id` a slot of group gi of s at `now` (us, the dataplane's clock): a
 * never used slot first, else the one freed longest ago, with the next incarnation. A slot
 * whose incarnation would wrap is taken only once rt_group_pin_life(g) has passed since its
 * last target left (freed_us): no pin of any earlier target of the slot is alive then. The
 * slot is present and fresh, its other members zero. Returns the slot or -ENOSPC (RT_SLOTS
 * present) / -EBUSY (every free slot waits for its wrap) / -ENOMEM.
 */
int rt_group_add(struct rt_state *s, unsigned int gi, const char *id, uint64_t now);
/* Take the target in `slot` out of the set: its pins are gone from the next generation. */
void rt_group_remove(struct rt_group *g, unsigned int slot);
/* How long a pin of g outlives its last packet at most (us): see RT_PIN_MARGIN_US. */
uint64_t rt_group_pin_life(const struct rt_group *g);
/* Does a target of zone `zone` take traffic on the node of cfg (its zone, or cross-zone)? */
int rt_in_zone(const struct config *cfg, const struct cfg_group *cg, const char *zone);

const char *rt_mode_name(enum gwlb_mode m);
/*
 * Listener li of cfg as both dataplanes read it per packet (core/nlb_listener.h): its group,
 * inspection and its group's NAT keys as NLB_LF_* flags. Listeners restart the dataplane.
 */
void rt_listener_compile(const struct config *cfg, unsigned int li, struct nlb_listener *out);

static inline uint32_t rt_map_hash(uint64_t key)
{
	key *= 0x9e3779b97f4a7c15ull;
	return (uint32_t)(key >> 32);
}

/* The value of `key` in m, or NULL. */
static inline const uint32_t *rt_map_find(const struct rt_map *m, uint64_t key)
{
	uint32_t i;

	if (!m->n)
		return NULL;
	for (i = rt_map_hash(key) & m->mask;; i = (i + 1) & m->mask) {
		const struct rt_map_ent *e = &m->e[i];

		if (!e->used)
			return NULL;
		if (e->key == key)
			return &e->val;
	}
}

/* The hash of a reply key (its table slot before probing). */
static inline uint32_t rt_reply_hash(const struct rt_reply_key *k)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^
		     ((uint64_t)k->family << 24 | (uint64_t)k->proto << 16 | k->port);
	unsigned int i;

	for (i = 0; i < 16; i += 4) {
		uint32_t w;

		memcpy(&w, k->addr + i, 4);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 33;
	}
	return (uint32_t)h;
}

/* The entry of key k in r, or NULL. Per packet: reads the generation only. */
static inline const struct nlb_reply_owner *rt_reply_find(const struct rt_replies *r,
							  const struct rt_reply_key *k)
{
	uint32_t i, n;

	if (!r->n)
		return NULL;
	for (i = rt_reply_hash(k) & r->mask, n = 0; n <= r->mask; i = (i + 1) & r->mask, n++) {
		const struct rt_reply *e = &r->e[i];

		if (!e->own.flags)
			return NULL;
		if (!memcmp(&e->key, k, sizeof(*k)))
			return &e->own;
	}
	return NULL;
}

/*
 * The target a pin (flow-table value or NLB session) with `tag` refers to, or NULL when that
 * target is gone (removed, or its slot now holds another target).
 */
static inline const struct rt_target *rt_pin_target(const struct rt_group *g, uint32_t tag)
{
	unsigned int slot = RT_TAG_SLOT(tag);

	if (slot >= g->n_targets ||
	    !gwlb_pin_current(tag, g->n_targets, g->targets[slot].present, g->targets[slot].tag))
		return NULL;
	return &g->targets[slot];
}

#endif /* SL_RT_MODEL_H */
