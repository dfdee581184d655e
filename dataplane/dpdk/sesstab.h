/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sesstab.h - NAT sessions of the load balancer. A session is one object reached by two
 * directional keys (the client's packets and the target's replies) in one lock-free rte_hash
 * shared by all lcores; the object is complete before its keys are published and is freed
 * through RCU (QSBR) after both keys are gone. A key's place in the table comes from a CRC32-C
 * signature of it (sesstab.c sesstab_sig). Source-NAT ports come from per-worker pools.
 */
#ifndef SL_SESSTAB_H
#define SL_SESSTAB_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/core/nat.h"
#include "dataplane/core/nlb.h"
#include "dataplane/core/pkt.h"

/* Keys: core/nlb.h's struct nlb_sess_key (the XDP path's sl_sess key too); NLB_DIR_*, NLB_SF_*. */
/*
 * Laid out by what a packet reads (the object is cache-line aligned, a mempool element): a
 * client packet of an established session reads only the first line (what nlb_session_ok,
 * the touch and the counters read, then its rewrite rw[NLB_DIR_CLIENT]), a reply the first
 * two (rw[NLB_DIR_REPLY] is the second); the keys and the source-NAT port are for the table,
 * the sweep and the end of the session.
 */
struct sess {
	uint64_t last_seen; /* us, atomic */
	uint32_t tag;	    /* the target's RT_TAG when the session began: a mismatch = gone */
	uint32_t gidx;	    /* the target's counter index */
	uint16_t listener;
	uint16_t group;
	uint16_t target; /* slot in the group */
	uint8_t flags;	 /* NLB_SF_*, atomic */
	uint8_t proto;
	struct nat_rewrite rw[2]; /* by direction */
	struct nlb_sess_key key[2];
	uint16_t nport;	     /* source-NAT port, with NLB_SF_SNAT */
	uint8_t nport_owner; /* worker index that owns the port pool */
};
_Static_assert(sizeof(struct sess) == 192, "a session is three cache lines");
_Static_assert(offsetof(struct sess, rw[1]) == 64,
	       "a client packet reads the first cache line only, a reply the second too");

int sesstab_init(uint32_t sessions, unsigned int n_workers);
void sesstab_free(void);
/* The session of k and its direction, or NULL. */
struct sess *sesstab_lookup(const struct nlb_sess_key *k, int *dir);
/* Allocate a zeroed session object (per-lcore cached mempool), NULL when none is left. */
struct sess *sesstab_alloc(void);
void sesstab_put(struct sess *s); /* an object never published */
/* Publish both keys of s; on failure (-ENOSPC, -EEXIST) nothing of s is published. */
int sesstab_publish(struct sess *s);
/* Unpublish both keys; the object (and its port) is reclaimed after the grace period. */
void sesstab_remove(struct sess *s);
/*
 * Main lcore: one step of the sweep (sweep.h) that removes sessions idle past their group's
 * timeout (core/nlb_verdict.h nlb_idle). Both keys of a session are visited, the reply key
 * skipped.
 */
struct sweep;
void sesstab_sweep(uint64_t now_us, struct sweep *sw);
unsigned int sesstab_count(void);
/* Sessions the table holds when full (0: no table). */
unsigned int sesstab_size(void);
/*
 * Control path (main lcore): the next session after *iter (start at 0), copied into *out
 * while the workers run. Returns 0, or -ENOENT at the end. The copy is validated (listener
 * and group in range) but may mix two moments of a session that changed under it.
 */
int sesstab_iterate(uint32_t *iter, struct sess *out);
/*
 * Sessions ended (reclaimed) so far, per listener and per target counter index (only those of
 * the slot's current occupant, dp.t_tag[gidx], count for a target).
 */
uint64_t sesstab_closed_listener(unsigned int l);
uint64_t sesstab_closed_target(uint32_t gidx);

/* Source-NAT ports of worker `w`: 0 when its pool is empty. */
uint16_t sesstab_port_get(unsigned int w);
void sesstab_port_put(unsigned int w, uint16_t port);

#endif /* SL_SESSTAB_H */
