/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sweep.h - one step of an incremental sweep over one of sluice-dp's rte_hash tables (flows,
 * NAT sessions, fragments, neighbours), run by the main lcore (main.c main_sweep). A sweep
 * visits the table's entries in rte_hash_iterate order from a cursor that survives from one
 * step to the next, deletes the expired ones and stops when its step's budget is spent: a
 * number of entries (main.c sets it from the table's fill and the pace its timeouts need) and
 * a TSC deadline (the step's share of the main lcore's time). It never evicts a live entry.
 */
#ifndef SL_SWEEP_H
#define SL_SWEEP_H

#include <stdint.h>

#include <rte_cycles.h>
#include <rte_hash.h>

/*
 * The clock is read once every this many visits (a visit costs one or two cache misses; the
 * TSC read is not free either), and not before the first ones: every step of every table moves
 * its cursor at least this far, even when the tables before it used up the tick's time.
 */
#define SWEEP_CLOCK_EVERY 32u

struct sweep {
	uint32_t iter;	   /* rte_hash_iterate cursor: where the next step starts */
	uint32_t budget;   /* this step: entries it may visit */
	uint64_t deadline; /* this step: TSC after which no visit starts */
	uint32_t visited;  /* this step: entries visited */
	uint32_t deleted;  /* this step: entries deleted */
	uint8_t wrapped;   /* this step reached the table's end (the next one starts a pass) */
};

/*
 * The next entry of the sweep: its position (key and data as rte_hash_iterate gives them), or
 * -1 when the step is over (budget or time spent, or the table's end: s->wrapped).
 */
static inline int32_t sweep_next(const struct rte_hash *h, struct sweep *s, const void **key,
				 void **data)
{
	int32_t pos;

	if (s->wrapped || s->visited >= s->budget)
		return -1;
	if (s->visited && s->visited % SWEEP_CLOCK_EVERY == 0 &&
	    rte_get_tsc_cycles() >= s->deadline)
		return -1;
	pos = rte_hash_iterate(h, key, data, &s->iter);
	if (pos < 0) {
		s->iter = 0;
		s->wrapped = 1;
		return -1;
	}
	s->visited++;
	return pos;
}

#endif /* SL_SWEEP_H */
