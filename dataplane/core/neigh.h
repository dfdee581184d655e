/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * neigh.h - the states of a neighbour entry and what happens to one, as the kernel's neighbour
 * table does it (RFC 4861 7.3, Linux NUD): the decisions sluice-dp's table (dataplane/dpdk/neigh.c)
 * takes on a clock in microseconds. Header-only, pure C; the shell keeps the fields (atomically,
 * one word each) and hands a snapshot here. docs/dataplane.md "Neighbours".
 *
 * States, derived from the fields and the clock (nothing else is stored):
 * - PERMANENT: a static neighbour of the config: never changes, ages or goes.
 * - INCOMPLETE: no MAC yet; requests sent (broadcast ARP / multicast NS), at most one per
 *   NEIGH_RETRANS_US, at most NEIGH_MAX_PROBES unanswered.
 * - REACHABLE: MAC confirmed (a reply to us: a unicast ARP reply, a solicited NA) less than
 *   `reachable_us` ago (node.neighbor_reachable_ms).
 * - STALE: a MAC not confirmed within reachable_us (or learned unconfirmed: a gratuitous ARP, an
 *   unsolicited NA, a solicitation with a new MAC). Still used to forward; a use sends a request
 *   (once per NEIGH_RETRANS_US) so that a next hop in use is re-resolved.
 * - FAILED: NEIGH_MAX_PROBES requests went unanswered (for an unknown or a stale neighbour): the
 *   MAC is forgotten, traffic is dropped neigh_unresolved, and a use asks again only after
 *   NEIGH_FAILED_RETRY_US (then INCOMPLETE again, with a fresh count).
 *
 * Learning: ARP/ND only updates entries that exist — the node asked for the neighbour, uses it,
 * or it is a configured next hop (`wanted`, made at start) — never creates one for a sender it
 * has no use for (the kernel's arp_accept=0, and stricter: no entry for a requester either).
 *
 * Eviction (a new entry, the table full): failed entries first, then entries no packet used for
 * reachable_us; never a permanent or wanted one, nor one in use (used within reachable_us,
 * which includes an INCOMPLETE one being resolved for traffic now).
 */
#ifndef SL_CORE_NEIGH_H
#define SL_CORE_NEIGH_H

#include "dataplane/core/compat.h"

#define NEIGH_RETRANS_US      1000000u	/* between requests for one neighbour */
#define NEIGH_MAX_PROBES      3u	/* unanswered requests before FAILED */
#define NEIGH_FAILED_RETRY_US 5000000u	/* FAILED: quiet this long before asking again */
#define NEIGH_GC_US	      60000000u /* an evictable entry idle this long is deleted */

#define NEIGH_REACHABLE_MS_DEFAULT 30000u /* node.neighbor_reachable_ms: the kernel's default */
#define NEIGH_TABLE_SIZE_DEFAULT   65536u /* node.neighbor_table_size */

enum neigh_state {
	NEIGH_INCOMPLETE,
	NEIGH_REACHABLE,
	NEIGH_STALE,
	NEIGH_FAILED,
	NEIGH_PERMANENT,
};

struct neigh_entry {
	uint64_t mac;	    /* the 6 bytes, big-endian in the low 48 bits; valid if has_mac */
	uint64_t confirmed; /* us of the last confirmation; 0: never (learned unconfirmed) */
	uint64_t used;	    /* us of the last use by forwarding; 0: never */
	uint64_t req;	    /* us of the last request sent; 0: none */
	uint32_t probes;    /* requests sent since the MAC was last learned or confirmed */
	uint8_t has_mac;
	uint8_t permanent; /* a static neighbour */
	uint8_t wanted;	   /* a configured next hop: never evicted */
};

SL_INLINE enum neigh_state neigh_state(const struct neigh_entry *e, uint64_t now,
				       uint64_t reachable_us)
{
	if (e->permanent)
		return NEIGH_PERMANENT;
	/* the last of NEIGH_MAX_PROBES requests had its NEIGH_RETRANS_US to be answered */
	if (e->probes >= NEIGH_MAX_PROBES && now >= e->req + NEIGH_RETRANS_US)
		return NEIGH_FAILED;
	if (!e->has_mac)
		return NEIGH_INCOMPLETE;
	if (e->confirmed && now < e->confirmed + reachable_us)
		return NEIGH_REACHABLE;
	return NEIGH_STALE;
}

#define NEIGH_USE_FORWARD 1 /* e->mac is the destination */
#define NEIGH_USE_REQUEST 2 /* send a request (ARP who-has / NS) now */
#define NEIGH_USE_FAILED  4 /* the entry just failed: its MAC is forgotten (caches go stale) */

/*
 * Forwarding wants e's MAC at `now`: NEIGH_USE_* flags. Updates e: used, and when a request
 * is due req and probes; a failed entry loses its MAC (has_mac 0), and after
 * NEIGH_FAILED_RETRY_US starts again with probes 1.
 */
SL_INLINE int neigh_entry_use(struct neigh_entry *e, uint64_t now, uint64_t reachable_us)
{
	enum neigh_state st = neigh_state(e, now, reachable_us);
	int act = 0;

	e->used = now;
	switch (st) {
	case NEIGH_PERMANENT:
	case NEIGH_REACHABLE:
		return NEIGH_USE_FORWARD;
	case NEIGH_FAILED:
		if (e->has_mac) {
			e->has_mac = 0;
			act = NEIGH_USE_FAILED;
		}
		if (now < e->req + NEIGH_FAILED_RETRY_US)
			return act;
		e->probes = 0; /* retried: INCOMPLETE again */
		break;
	case NEIGH_STALE:
		act = NEIGH_USE_FORWARD;
		break;
	case NEIGH_INCOMPLETE:
		break;
	}
	if (e->probes < NEIGH_MAX_PROBES && (!e->req || now >= e->req + NEIGH_RETRANS_US)) {
		e->req = now ? now : 1;
		e->probes++;
		act |= NEIGH_USE_REQUEST;
	}
	return act;
}

#define NEIGH_LEARN_CHANGED 1 /* the MAC is new or different: caches of the old one go stale */

/*
 * An ARP/ND message gives e's MAC (an entry that exists: see "Learning"). `confirm`: it
 * answers us (a unicast ARP reply, an NA with the solicited flag) and makes the entry
 * REACHABLE; else a new MAC makes it STALE (re-resolved on use) and the same MAC changes
 * nothing. Permanent entries never change. Returns NEIGH_LEARN_CHANGED or 0.
 */
SL_INLINE int neigh_entry_learn(struct neigh_entry *e, uint64_t mac, int confirm, uint64_t now)
{
	int changed;

	if (e->permanent)
		return 0;
	changed = !e->has_mac || e->mac != mac;
	if (confirm) {
		e->confirmed = now ? now : 1;
	} else if (changed) {
		e->confirmed = 0;
	} else {
		return 0;
	}
	e->mac = mac;
	e->has_mac = 1;
	e->probes = 0;
	e->req = 0;
	return changed ? NEIGH_LEARN_CHANGED : 0;
}

#define NEIGH_EVICT_NEVER  0
#define NEIGH_EVICT_UNUSED 1 /* no packet used it for reachable_us */
#define NEIGH_EVICT_FAILED 2 /* evicted before an unused one */

/* How willingly e makes room for a new entry: NEIGH_EVICT_* (higher first). */
SL_INLINE int neigh_evict_rank(const struct neigh_entry *e, uint64_t now, uint64_t reachable_us)
{
	if (e->permanent || e->wanted)
		return NEIGH_EVICT_NEVER;
	if (neigh_state(e, now, reachable_us) == NEIGH_FAILED)
		return NEIGH_EVICT_FAILED;
	if (e->used && now < e->used + reachable_us)
		return NEIGH_EVICT_NEVER; /* in use */
	/* made for a use (never made unused): recent requests mean it is being resolved */
	if (e->req && now < e->req + reachable_us)
		return NEIGH_EVICT_NEVER;
	return NEIGH_EVICT_UNUSED;
}

/* 1 if the periodic sweep deletes e: evictable and nothing happened to it for NEIGH_GC_US. */
SL_INLINE int neigh_expired(const struct neigh_entry *e, uint64_t now, uint64_t reachable_us)
{
	uint64_t last = e->used;

	if (e->confirmed > last)
		last = e->confirmed;
	if (e->req > last)
		last = e->req;
	return neigh_evict_rank(e, now, reachable_us) != NEIGH_EVICT_NEVER &&
	       now >= last + NEIGH_GC_US;
}

#endif /* SL_CORE_NEIGH_H */
