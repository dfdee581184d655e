/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bucket.h - a token bucket on a microsecond clock: `rate` tokens a second, at most `burst`
 * saved up. The limits every shell applies per lcore / per CPU (ICMP errors sent, frames handed
 * to the kernel) take their tokens here. Header-only, usable from BPF.
 */
#ifndef SL_CORE_BUCKET_H
#define SL_CORE_BUCKET_H

#include "dataplane/core/compat.h"

/* ICMP errors a shell sends (too big, ...): per lcore / per CPU, both dataplanes */
#define BUCKET_ICMP_RATE  1000 /* a second */
#define BUCKET_ICMP_BURST 100

struct bucket {
	uint64_t tokens;
	uint64_t last; /* us of the last refill; 0: never used */
};

/*
 * Take one token at time `now` (us): 1, or 0 when the bucket is empty. The first call fills
 * it. A refill worth less than one token leaves `last` alone, so slow rates still add up.
 */
SL_INLINE int bucket_take(struct bucket *b, uint64_t now, uint64_t rate, uint64_t burst)
{
	uint64_t refill;

	if (now > b->last) {
		refill = (now - b->last) * rate / 1000000;
		if (refill) {
			b->tokens = b->tokens + refill > burst ? burst : b->tokens + refill;
			b->last = now;
		}
	} else if (!b->last) {
		b->tokens = burst;
		b->last = now;
	}
	if (!b->tokens)
		return 0;
	b->tokens--;
	return 1;
}

#endif /* SL_CORE_BUCKET_H */
