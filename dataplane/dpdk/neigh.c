/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_malloc.h>

#include "dataplane/core/neigh.h"
#include "dataplane/dpdk/dp.h"
#include "dataplane/dpdk/hashtab.h"
#include "dataplane/dpdk/neigh.h"
#include "dataplane/dpdk/sweep.h"

#define NEIGH_F_LIVE	  1u /* the position holds an entry (set by whoever made it) */
#define NEIGH_F_STATIC	  2u
#define NEIGH_F_WANTED	  4u
#define NEIGH_VALID	  (1ull << 63) /* in val: the MAC is usable */
#define NEIGH_MAC	  ((1ull << 48) - 1)
#define NEIGH_USE_GRAIN	  100000u /* us: `used` is rewritten at most this often */
#define NEIGH_EVICT_SCAN  1024u	  /* positions looked at for a victim per new entry */
#define NEIGH_LCORE_SLACK 64u	  /* entries lcores adding at once may overshoot the size */
#define NEIGH_EVICT_REST  100000u /* us: after a scan found nothing, the next waits this long */

struct neigh_key {
	uint8_t family;
	uint8_t pad[3];
	uint8_t addr[16];
};

/* One entry's fields, one cache line; each word loaded and stored atomically. */
struct neigh_slot {
	uint64_t val; /* NEIGH_VALID | MAC: what forwarding reads */
	uint64_t confirmed, used, req;
	uint32_t probes;
	uint32_t flags; /* NEIGH_F_* */
} __rte_cache_aligned;

static struct rte_hash *neigh_h;
static struct neigh_slot *neigh_slots;
static uint32_t neigh_size, neigh_n, neigh_gen_v, neigh_evict_cursor;
static uint64_t neigh_reach_us;
static uint64_t neigh_evict_failed; /* us of the last scan that found nothing to evict */

static void neigh_key_make(struct neigh_key *k, uint8_t family, const uint8_t *addr)
{
	memset(k, 0, sizeof(*k));
	k->family = family;
	memcpy(k->addr, addr, family == 4 ? 4 : 16);
}

static uint64_t neigh_pack(const uint8_t mac[6])
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 6; i++)
		v = v << 8 | mac[i];
	return v;
}

static void neigh_unpack(uint64_t v, struct rte_ether_addr *mac)
{
	int i;

	for (i = 5; i >= 0; i--, v >>= 8)
		mac->addr_bytes[i] = (uint8_t)v;
}

#define LD(x)	 __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define ST(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

static void neigh_snap(const struct neigh_slot *s, struct neigh_entry *e)
{
	uint64_t v = LD(s->val);
	uint32_t f = LD(s->flags);

	e->mac = v & NEIGH_MAC;
	e->has_mac = !!(v & NEIGH_VALID);
	e->confirmed = LD(s->confirmed);
	e->used = LD(s->used);
	e->req = LD(s->req);
	e->probes = LD(s->probes);
	e->permanent = !!(f & NEIGH_F_STATIC);
	e->wanted = !!(f & NEIGH_F_WANTED);
}

static void neigh_bump(void)
{
	__atomic_fetch_add(&neigh_gen_v, 1, __ATOMIC_RELEASE); /* lcore caches go stale */
}

uint32_t neigh_gen(void)
{
	return __atomic_load_n(&neigh_gen_v, __ATOMIC_ACQUIRE);
}

uint32_t neigh_count(void)
{
	return __atomic_load_n(&neigh_n, __ATOMIC_RELAXED);
}

int neigh_init(uint32_t capacity, uint64_t reachable_us)
{
	uint32_t entries = capacity + NEIGH_LCORE_SLACK;
	int ret;

	neigh_size = capacity;
	neigh_reach_us = reachable_us;
	neigh_n = 0;
	/* deleted entries' positions are reused only after every worker has moved on */
	ret = hashtab_create("sl_neigh", entries, sizeof(struct neigh_key), NULL, &neigh_h);
	if (ret)
		return ret;
	neigh_slots =
		rte_zmalloc("sl_neigh_slots", sizeof(*neigh_slots) * hashtab_positions(entries),
			    RTE_CACHE_LINE_SIZE);
	if (!neigh_slots) {
		neigh_free();
		return -ENOMEM;
	}
	return 0;
}

void neigh_free(void)
{
	rte_hash_free(neigh_h);
	rte_free(neigh_slots);
	neigh_h = NULL;
	neigh_slots = NULL;
}

/* The slot of addr's entry, or NULL. */
static struct neigh_slot *neigh_find(const struct neigh_key *k, int *pos)
{
	*pos = rte_hash_lookup(neigh_h, k);
	return *pos < 0 ? NULL : &neigh_slots[*pos];
}

/*
 * Add k with `flags`; a fresh entry's fields are reset (the position may be a reused one). The
 * caller checked the size. Returns the position or -errno.
 */
static int neigh_insert(const struct neigh_key *k, uint32_t flags)
{
	struct neigh_slot *s;
	uint32_t old = 0;
	int pos;

	pos = rte_hash_add_key(neigh_h, k);
	if (pos < 0)
		return pos;
	s = &neigh_slots[pos];
	/* two lcores adding the same key get the same position: only one makes the entry */
	if (__atomic_compare_exchange_n(&s->flags, &old, NEIGH_F_LIVE | flags, 0, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		ST(s->val, 0);
		ST(s->confirmed, 0);
		ST(s->used, 0);
		ST(s->req, 0);
		ST(s->probes, 0);
		__atomic_fetch_add(&neigh_n, 1, __ATOMIC_RELAXED);
	} else if (flags) {
		__atomic_fetch_or(&s->flags, flags, __ATOMIC_ACQ_REL);
	}
	return pos;
}

/*
 * Delete k's entry, found at pos. 0; -ENOENT if k is gone (another lcore deleted it) or lives
 * elsewhere now (deleted and made again since): that entry is the one deleted then, and its
 * position is freed the same way (it will be made again when needed).
 */
static int neigh_delete(const struct neigh_key *k, int pos)
{
	struct neigh_slot *s;
	int got = rte_hash_del_key(neigh_h, k);

	if (got < 0)
		return -ENOENT;
	/* the position is reused after an RCU grace period: no reader still holds it then */
	s = &neigh_slots[got];
	ST(s->val, 0);
	ST(s->flags, 0);
	__atomic_fetch_sub(&neigh_n, 1, __ATOMIC_RELAXED);
	neigh_bump();
	return got == pos ? 0 : -ENOENT;
}

int neigh_add_static(uint8_t family, const uint8_t *addr, const uint8_t mac[6])
{
	struct neigh_key k;
	int pos;

	if (neigh_count() >= neigh_size)
		return -ENOSPC;
	neigh_key_make(&k, family, addr);
	pos = neigh_insert(&k, NEIGH_F_STATIC);
	if (pos < 0)
		return pos;
	ST(neigh_slots[pos].val, NEIGH_VALID | neigh_pack(mac));
	return 0;
}

int neigh_add_wanted(uint8_t family, const uint8_t *addr)
{
	struct neigh_key k;
	int pos;

	neigh_key_make(&k, family, addr);
	if (neigh_find(&k, &pos))
		return 0; /* static (or wanted twice) */
	if (neigh_count() >= neigh_size)
		return -ENOSPC;
	pos = neigh_insert(&k, NEIGH_F_WANTED);
	return pos < 0 ? pos : 0;
}

int neigh_lookup(uint8_t family, const uint8_t *addr, struct rte_ether_addr *mac)
{
	struct neigh_key k;
	uint64_t v;
	int pos;

	neigh_key_make(&k, family, addr);
	if (!neigh_find(&k, &pos))
		return -ENOENT;
	v = LD(neigh_slots[pos].val);
	if (!(v & NEIGH_VALID))
		return -ENOENT;
	neigh_unpack(v, mac);
	return 0;
}

/*
 * Make room for one entry: delete the most evictable (core/neigh.h neigh_evict_rank) of the
 * next NEIGH_EVICT_SCAN positions after a shared cursor. 0, or -ENOSPC (nothing evictable
 * there: every entry seen is static, wanted or in use). A scan that found nothing makes the
 * next ones wait NEIGH_EVICT_REST: a flood of new next hops into a table of entries in use
 * costs one scan per rest, not one per packet.
 */
static int neigh_evict(uint64_t now)
{
	uint32_t iter = __atomic_load_n(&neigh_evict_cursor, __ATOMIC_RELAXED), seen = 0;
	uint64_t failed = __atomic_load_n(&neigh_evict_failed, __ATOMIC_RELAXED);
	struct neigh_key victim;
	int best = NEIGH_EVICT_NEVER, best_pos = -1, wrapped = 0;
	const void *key;
	void *data;
	int32_t pos;

	if (failed && now >= failed && now < failed + NEIGH_EVICT_REST)
		return -ENOSPC;
	while (seen++ < NEIGH_EVICT_SCAN) {
		struct neigh_entry e;
		int rank;

		pos = rte_hash_iterate(neigh_h, &key, &data, &iter);
		if (pos < 0) {
			if (wrapped++)
				break;
			iter = 0;
			continue;
		}
		neigh_snap(&neigh_slots[pos], &e);
		rank = neigh_evict_rank(&e, now, neigh_reach_us);
		if (rank > best) {
			best = rank;
			best_pos = pos;
			memcpy(&victim, key, sizeof(victim));
			if (rank == NEIGH_EVICT_FAILED)
				break;
		}
	}
	__atomic_store_n(&neigh_evict_cursor, iter, __ATOMIC_RELAXED);
	if (best_pos < 0) {
		__atomic_store_n(&neigh_evict_failed, now ? now : 1, __ATOMIC_RELAXED);
		return -ENOSPC;
	}
	neigh_delete(&victim, best_pos);
	return 0;
}

int neigh_resolve(uint8_t family, const uint8_t *addr, uint64_t now_us, struct rte_ether_addr *mac,
		  int *pos)
{
	struct neigh_slot *s;
	struct neigh_entry e, before;
	struct neigh_key k;
	int act, ret = 0;

	neigh_key_make(&k, family, addr);
	s = neigh_find(&k, pos);
	if (!s) {
		if (neigh_count() >= neigh_size && neigh_evict(now_us)) {
			*pos = -1;
			return NEIGH_RES_FULL;
		}
		*pos = neigh_insert(&k, 0);
		if (*pos < 0) {
			*pos = -1;
			return NEIGH_RES_FULL;
		}
		s = &neigh_slots[*pos];
	}
	neigh_snap(s, &e);
	before = e;
	act = neigh_entry_use(&e, now_us, neigh_reach_us);
	if (e.used >= before.used + NEIGH_USE_GRAIN || !before.used)
		ST(s->used, e.used);
	if (act & NEIGH_USE_REQUEST) {
		/* one lcore wins the request; the others forward or drop as decided */
		if (!__atomic_compare_exchange_n(&s->req, &before.req, e.req, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			act &= ~NEIGH_USE_REQUEST;
		else
			ST(s->probes, e.probes);
	}
	if (act & NEIGH_USE_FAILED) {
		/* forget the MAC unless a reply has just taught one */
		__atomic_compare_exchange_n(&s->val, &(uint64_t){NEIGH_VALID | before.mac}, 0, 0,
					    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
		neigh_bump();
	}
	if (act & NEIGH_USE_FORWARD) {
		neigh_unpack(e.mac, mac);
		ret |= NEIGH_RES_FORWARD;
	}
	if (act & NEIGH_USE_REQUEST)
		ret |= NEIGH_RES_REQUEST;
	return ret;
}

int neigh_learn(uint8_t family, const uint8_t *addr, const uint8_t mac[6], int confirm,
		uint64_t now_us)
{
	struct neigh_slot *s;
	struct neigh_entry e;
	struct neigh_key k;
	int pos, ch;

	neigh_key_make(&k, family, addr);
	s = neigh_find(&k, &pos);
	if (!s)
		return -ENOENT;
	neigh_snap(s, &e);
	if (e.permanent)
		return 0;
	ch = neigh_entry_learn(&e, neigh_pack(mac), confirm, now_us);
	if (!ch && !confirm)
		return 0;
	ST(s->confirmed, e.confirmed);
	ST(s->probes, 0);
	ST(s->req, 0);
	ST(s->val, NEIGH_VALID | e.mac);
	if (ch & NEIGH_LEARN_CHANGED)
		neigh_bump();
	return 1;
}

void neigh_sweep(uint64_t now_us, struct sweep *sw)
{
	const void *key;
	void *data;
	int32_t pos;

	while ((pos = sweep_next(neigh_h, sw, &key, &data)) >= 0) {
		struct neigh_entry e;
		struct neigh_key copy;

		neigh_snap(&neigh_slots[pos], &e);
		if (!neigh_expired(&e, now_us, neigh_reach_us))
			continue;
		memcpy(&copy, key, sizeof(copy));
		if (!neigh_delete(&copy, pos))
			sw->deleted++;
	}
}
