/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_neigh.c - the neighbour entry states of core/neigh.h: a use of an unknown neighbour asks
 * at most NEIGH_MAX_PROBES times a NEIGH_RETRANS_US apart, then FAILED, retried after
 * NEIGH_FAILED_RETRY_US; a confirmation makes it REACHABLE for reachable_us, then STALE, when a
 * use still forwards and asks again, and unanswered asks make it FAILED (its MAC forgotten);
 * unconfirmed learning of a new MAC is STALE; eviction never takes a static, wanted or in-use
 * entry and takes a failed one before an unused one.
 */
#include "tests/unit/cu.h"
#include "dataplane/core/neigh.h"

#define S     1000000ull /* us */
#define REACH (30 * S)
#define T0    (1000 * S)
#define MAC_A 0x020000000101ull
#define MAC_B 0x020000000202ull

static void unknown_is_asked_three_times_then_fails(void)
{
	struct neigh_entry e = {0};
	uint64_t t = T0;
	int act;

	CU_ASSERT_EQUAL(neigh_state(&e, t, REACH), NEIGH_INCOMPLETE);
	CU_ASSERT_EQUAL(neigh_entry_use(&e, t, REACH), NEIGH_USE_REQUEST);
	CU_ASSERT_EQUAL(neigh_entry_use(&e, t + S / 2, REACH), 0); /* not again within 1 s */
	CU_ASSERT_EQUAL(neigh_entry_use(&e, t + S, REACH), NEIGH_USE_REQUEST);
	CU_ASSERT_EQUAL(neigh_entry_use(&e, t + 2 * S, REACH), NEIGH_USE_REQUEST);
	CU_ASSERT_EQUAL(e.probes, NEIGH_MAX_PROBES);
	CU_ASSERT_EQUAL(neigh_state(&e, t + 2 * S + S / 2, REACH), NEIGH_INCOMPLETE);
	CU_ASSERT_EQUAL(neigh_state(&e, t + 3 * S, REACH), NEIGH_FAILED);
	/* failed: quiet until NEIGH_FAILED_RETRY_US after the last request */
	CU_ASSERT_EQUAL(neigh_entry_use(&e, t + 3 * S, REACH), 0);
	CU_ASSERT_EQUAL(neigh_entry_use(&e, t + 2 * S + NEIGH_FAILED_RETRY_US - 1, REACH), 0);
	act = neigh_entry_use(&e, t + 2 * S + NEIGH_FAILED_RETRY_US, REACH);
	CU_ASSERT_EQUAL(act, NEIGH_USE_REQUEST);
	CU_ASSERT_EQUAL(e.probes, 1);
	CU_ASSERT_EQUAL(neigh_state(&e, t + 2 * S + NEIGH_FAILED_RETRY_US, REACH),
			NEIGH_INCOMPLETE);
}

static void reply_makes_reachable_then_stale(void)
{
	struct neigh_entry e = {0};

	neigh_entry_use(&e, T0, REACH);
	CU_ASSERT_EQUAL(neigh_entry_learn(&e, MAC_A, 1, T0 + 1000), NEIGH_LEARN_CHANGED);
	CU_ASSERT_EQUAL(e.probes, 0);
	CU_ASSERT_EQUAL(neigh_state(&e, T0 + REACH, REACH), NEIGH_REACHABLE);
	CU_ASSERT_EQUAL(neigh_entry_use(&e, T0 + REACH, REACH), NEIGH_USE_FORWARD);
	CU_ASSERT_EQUAL(neigh_state(&e, T0 + 1000 + REACH, REACH), NEIGH_STALE);
	/* stale and used: forwards and asks again */
	CU_ASSERT_EQUAL(neigh_entry_use(&e, T0 + 1000 + REACH, REACH),
			NEIGH_USE_FORWARD | NEIGH_USE_REQUEST);
	CU_ASSERT_EQUAL(neigh_entry_use(&e, T0 + 1000 + REACH + 1, REACH), NEIGH_USE_FORWARD);
	/* the answer: reachable again, same MAC, nothing for the caches */
	CU_ASSERT_EQUAL(neigh_entry_learn(&e, MAC_A, 1, T0 + 2 * REACH), 0);
	CU_ASSERT_EQUAL(neigh_state(&e, T0 + 2 * REACH + 1, REACH), NEIGH_REACHABLE);
}

static void stale_in_use_unanswered_fails(void)
{
	struct neigh_entry e = {0};
	uint64_t t = T0 + REACH + S;
	int act;

	neigh_entry_learn(&e, MAC_A, 1, T0);
	CU_ASSERT_EQUAL(neigh_entry_use(&e, t, REACH), NEIGH_USE_FORWARD | NEIGH_USE_REQUEST);
	CU_ASSERT_EQUAL(neigh_entry_use(&e, t + S, REACH), NEIGH_USE_FORWARD | NEIGH_USE_REQUEST);
	CU_ASSERT_EQUAL(neigh_entry_use(&e, t + 2 * S, REACH),
			NEIGH_USE_FORWARD | NEIGH_USE_REQUEST);
	CU_ASSERT_EQUAL(neigh_entry_use(&e, t + 2 * S + 1, REACH), NEIGH_USE_FORWARD);
	act = neigh_entry_use(&e, t + 3 * S, REACH);
	CU_ASSERT_EQUAL(act, NEIGH_USE_FAILED); /* dropped, the MAC forgotten */
	CU_ASSERT_FALSE(e.has_mac);
	CU_ASSERT_EQUAL(neigh_entry_use(&e, t + 3 * S + 1, REACH), 0);
	/* a new MAC answers a later request */
	CU_ASSERT_EQUAL(neigh_entry_learn(&e, MAC_B, 1, t + 4 * S), NEIGH_LEARN_CHANGED);
	CU_ASSERT_EQUAL(neigh_entry_use(&e, t + 4 * S, REACH), NEIGH_USE_FORWARD);
	CU_ASSERT_EQUAL(e.mac, MAC_B);
}

static void unconfirmed_learning(void)
{
	struct neigh_entry e = {0}, st = {.permanent = 1, .has_mac = 1, .mac = MAC_A};

	neigh_entry_learn(&e, MAC_A, 1, T0);
	/* the same MAC, unconfirmed (a gratuitous ARP): nothing changes */
	CU_ASSERT_EQUAL(neigh_entry_learn(&e, MAC_A, 0, T0 + S), 0);
	CU_ASSERT_EQUAL(e.confirmed, T0);
	/* a new MAC, unconfirmed: taken, STALE (asked for on the next use) */
	CU_ASSERT_EQUAL(neigh_entry_learn(&e, MAC_B, 0, T0 + 2 * S), NEIGH_LEARN_CHANGED);
	CU_ASSERT_EQUAL(neigh_state(&e, T0 + 2 * S, REACH), NEIGH_STALE);
	CU_ASSERT_EQUAL(neigh_entry_use(&e, T0 + 2 * S, REACH),
			NEIGH_USE_FORWARD | NEIGH_USE_REQUEST);
	CU_ASSERT_EQUAL(e.mac, MAC_B);
	/* static entries never change, never age */
	CU_ASSERT_EQUAL(neigh_entry_learn(&st, MAC_B, 1, T0), 0);
	CU_ASSERT_EQUAL(st.mac, MAC_A);
	CU_ASSERT_EQUAL(neigh_entry_use(&st, T0 + 1000 * REACH, REACH), NEIGH_USE_FORWARD);
	CU_ASSERT_EQUAL(neigh_state(&st, T0 + 1000 * REACH, REACH), NEIGH_PERMANENT);
}

static void eviction_order(void)
{
	struct neigh_entry in_use = {0}, unused = {0}, failed = {0}, fresh = {0};
	struct neigh_entry wanted = {.wanted = 1}, st = {.permanent = 1, .has_mac = 1};
	uint64_t now = T0 + 10 * REACH;

	/* a next hop in use: stale (never confirmed again) yet used a second ago */
	neigh_entry_learn(&in_use, MAC_A, 1, T0);
	in_use.used = now - S;
	/* learned, then no packet for longer than reachable_us */
	neigh_entry_learn(&unused, MAC_B, 1, T0);
	unused.used = T0;
	/* three unanswered requests */
	failed.probes = NEIGH_MAX_PROBES;
	failed.req = now - 2 * S;
	failed.used = now - S; /* still used: failed all the same */
	/* made for a packet just now, being resolved */
	neigh_entry_use(&fresh, now, REACH);
	CU_ASSERT_EQUAL(neigh_evict_rank(&in_use, now, REACH), NEIGH_EVICT_NEVER);
	CU_ASSERT_EQUAL(neigh_evict_rank(&fresh, now, REACH), NEIGH_EVICT_NEVER);
	CU_ASSERT_EQUAL(neigh_evict_rank(&wanted, now, REACH), NEIGH_EVICT_NEVER);
	CU_ASSERT_EQUAL(neigh_evict_rank(&st, now, REACH), NEIGH_EVICT_NEVER);
	CU_ASSERT_EQUAL(neigh_evict_rank(&unused, now, REACH), NEIGH_EVICT_UNUSED);
	CU_ASSERT_EQUAL(neigh_evict_rank(&failed, now, REACH), NEIGH_EVICT_FAILED);
	CU_ASSERT(NEIGH_EVICT_FAILED > NEIGH_EVICT_UNUSED);
	/* a wanted next hop that fails stays (it is the config's) */
	wanted.probes = NEIGH_MAX_PROBES;
	wanted.req = now - 2 * S;
	CU_ASSERT_EQUAL(neigh_state(&wanted, now, REACH), NEIGH_FAILED);
	CU_ASSERT_EQUAL(neigh_evict_rank(&wanted, now, REACH), NEIGH_EVICT_NEVER);
	/* the sweep deletes only evictable entries idle for NEIGH_GC_US */
	CU_ASSERT_FALSE(neigh_expired(&failed, now, REACH));
	CU_ASSERT_TRUE(neigh_expired(&unused, now, REACH));
	CU_ASSERT_FALSE(neigh_expired(&in_use, now, REACH));
	CU_ASSERT_FALSE(neigh_expired(&wanted, now + 10 * NEIGH_GC_US, REACH));
}

static CU_TestInfo tests[] = {
	{"unknown: asked three times, failed, retried", unknown_is_asked_three_times_then_fails},
	{"reply: reachable, then stale and asked again", reply_makes_reachable_then_stale},
	{"stale in use, unanswered: failed", stale_in_use_unanswered_fails},
	{"unconfirmed learning, static entries", unconfirmed_learning},
	{"eviction: failed, then unused; never in use", eviction_order},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("neigh", tests);
}
