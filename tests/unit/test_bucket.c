/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_bucket.c - the token bucket: the first take fills it, it runs dry after `burst`, refills
 * at `rate` (calls that each earn less than a token still add up), never beyond `burst`, and a
 * clock that stands still or steps back takes nothing extra.
 */
#include "tests/unit/cu.h"
#include "dataplane/core/bucket.h"

static unsigned int take_all(struct bucket *b, uint64_t now, uint64_t rate, uint64_t burst)
{
	unsigned int n = 0;

	while (n < 1000000 && bucket_take(b, now, rate, burst))
		n++;
	return n;
}

static void first_take_fills_the_burst(void)
{
	struct bucket b = {0};

	CU_ASSERT_EQUAL(take_all(&b, 5000000, 1000, 100), 100);
	CU_ASSERT_FALSE(bucket_take(&b, 5000000, 1000, 100));
}

static void refills_at_the_rate_up_to_the_burst(void)
{
	struct bucket b = {0};

	take_all(&b, 1000000, 1000, 100);
	CU_ASSERT_EQUAL(take_all(&b, 1010000, 1000, 100), 10);	 /* 10 ms at 1000/s */
	CU_ASSERT_EQUAL(take_all(&b, 11010000, 1000, 100), 100); /* 10 s: capped */
}

static void fractions_add_up(void)
{
	struct bucket b = {0};
	unsigned int got = 0;
	uint64_t t;

	take_all(&b, 1000000, 100, 32);
	/*
	 * 100/s polled every 3 ms: no single poll earns a token, yet the polls still earn one
	 * every 12 ms (the part of a token past a refill is lost: at most one per refill)
	 */
	for (t = 1000000 + 3000; t <= 2000000; t += 3000)
		got += take_all(&b, t, 100, 32);
	CU_ASSERT(got >= 80 && got <= 100);
}

static void a_clock_standing_still_or_stepping_back_earns_nothing(void)
{
	struct bucket b = {0};

	take_all(&b, 2000000, 1000, 10);
	CU_ASSERT_EQUAL(take_all(&b, 2000000, 1000, 10), 0);
	CU_ASSERT_EQUAL(take_all(&b, 1000000, 1000, 10), 0);
	CU_ASSERT_EQUAL(take_all(&b, 2002000, 1000, 10), 2);
}

static CU_TestInfo tests[] = {
	{"first take fills the burst", first_take_fills_the_burst},
	{"refills at the rate up to the burst", refills_at_the_rate_up_to_the_burst},
	{"fractions add up", fractions_add_up},
	{"a clock standing still or stepping back earns nothing",
	 a_clock_standing_still_or_stepping_back_earns_nothing},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("bucket", tests);
}
