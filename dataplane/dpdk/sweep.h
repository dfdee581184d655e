/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sweep.h - one step of an incremental sweep over one of sluice-dp's rte_hash tables (flows,
 * NAT sessions, fragments, neighbours), run by the main lcore (main.c main_sweep). A sweep
 * visits the table's entries in rte_hash_iterate order from a cursor that survives from one
 * step to the next, deletes the expired ones and stops when its step's budget is spent: a
 * number of entries (main.c sets it from the table's fill and the pace its timeouts need) and
 * a deadline in the main lcore's own CPU time (its share of the core: a thread that another
 * one preempts does not lose its share to the wait). It never evicts a live entry.
 */
#ifndef SL_SWEEP_H
#define SL_SWEEP_H

#include <stdint.h>
#include <time.h>

#include <rte_hash.h>

/*
 * The clock is read once every this many visits (a visit costs one or two cache misses, the
 * thread's CPU clock a system call), and not before the first ones: every step of every table
 * moves its cursor this far (or to its budget), even when the tables before it used up the
 * tick's time.
 */
#define SWEEP_CLOCK_EVERY 64u

struct sweep {
	uint32_t iter;	   /* rte_hash_iterate cursor: where the next step starts */
	uint32_t budget;   /* this step: entries it may visit */
	uint64_t deadline; /* this step: sweep_cpu_ns() after which no visit starts */
	uint32_t visited;  /* this step: entries visited */
	uint32_t deleted;  /* this step: entries deleted */
	uint8_t wrapped;   /* this step reached the table's end (the next one starts a pass) */
};

/* The calling thread's CPU time, ns. */
static inline uint64_t sweep_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

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
	if (s->visited && s->visited % SWEEP_CLOCK_EVERY == 0 && sweep_cpu_ns() >= s->deadline)
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
