/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_maglev.c - weighted Maglev: determinism, independence from target order, fill, weight
 * shares, minimal disruption, refusals, and a known answer checked against a separate Python
 * implementation of the algorithm in maglev.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/cu.h"
#include "dataplane/core/maglev.h"

#define M MAGLEV_DEFAULT_SIZE

static uint32_t *table_new(void)
{
	uint32_t *t = malloc(M * sizeof(*t));

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	return t;
}

static void keys_of(const char *const *ids, uint32_t n, uint64_t *keys)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		keys[i] = maglev_target_key(ids[i]);
}

/* How many of the M entries of two tables (over two target lists) name different targets. */
static uint32_t entries_naming_other_targets(const char *const *ids_a, const uint32_t *ta,
					     const char *const *ids_b, const uint32_t *tb)
{
	uint32_t i, diff = 0;

	for (i = 0; i < M; i++)
		if (strcmp(ids_a[ta[i]], ids_b[tb[i]]) != 0)
			diff++;
	return diff;
}

static void count_entries(const uint32_t *t, uint32_t size, uint32_t n, uint32_t *counts)
{
	uint32_t i;

	memset(counts, 0, n * sizeof(*counts));
	for (i = 0; i < size; i++)
		if (t[i] < n)
			counts[t[i]]++;
}

static void test_maglev_is_prime_classifies(void)
{
	static const uint32_t primes[] = {2, 3, 5, 7, 251, 65521, 65537, 131071, 4294967291u};
	static const uint32_t composites[] = {0,     1,	    4,		 9,	     65535,
					      65536, 65541, 4294967295u, 4294836225u};
	size_t i;

	for (i = 0; i < sizeof(primes) / sizeof(primes[0]); i++)
		CU_ASSERT_TRUE(maglev_is_prime(primes[i]));
	for (i = 0; i < sizeof(composites) / sizeof(composites[0]); i++)
		CU_ASSERT_FALSE(maglev_is_prime(composites[i]));
}

static void test_maglev_rejects_non_prime_size(void)
{
	static const uint32_t sizes[] = {0, 1, 4, 65536, 65535};
	uint64_t keys[2] = {1, 2};
	uint32_t w[2] = {1, 1}, t[8] = {0};
	uint32_t *big = table_new();
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		CU_ASSERT_EQUAL(maglev_build(big, sizes[i], keys, w, 2), -EINVAL);
	CU_ASSERT_EQUAL(maglev_build(t, 7, keys, w, 2), 0);
	CU_ASSERT_EQUAL(maglev_build(NULL, 7, keys, w, 2), -EINVAL);
	CU_ASSERT_EQUAL(maglev_build(t, 7, NULL, w, 2), -EINVAL);
	CU_ASSERT_EQUAL(maglev_build(t, 7, keys, NULL, 2), -EINVAL);
	free(big);
}

/*
 * Known answer. The keys and the table were computed independently by a Python SipHash-2-4
 * (checked against the reference test vectors) and a Python transcription of the algorithm in
 * maglev.h: key("a") = 0x4ef554075d5348a1, key("b") = 0x50051dc0537bf06a,
 * key("c") = 0xd49e77e0e44a4262; table[0..8) = 1 2 0 2 2 1 0 2; shares 21846 21846 21845.
 */
static void test_maglev_known_answer_abc(void)
{
	static const char *const ids[] = {"a", "b", "c"};
	static const uint32_t first[8] = {1, 2, 0, 2, 2, 1, 0, 2};
	uint64_t keys[3];
	uint32_t w[3] = {1, 1, 1}, counts[3];
	uint32_t *t = table_new();
	int i;

	keys_of(ids, 3, keys);
	CU_ASSERT_EQUAL(keys[0], 0x4ef554075d5348a1ull);
	CU_ASSERT_EQUAL(keys[1], 0x50051dc0537bf06aull);
	CU_ASSERT_EQUAL(keys[2], 0xd49e77e0e44a4262ull);
	CU_ASSERT_EQUAL(maglev_build(t, M, keys, w, 3), 0);
	printf("\n    first 8 entries for a,b,c:");
	for (i = 0; i < 8; i++)
		printf(" %u", t[i]);
	printf("\n");
	CU_ASSERT_EQUAL(memcmp(t, first, sizeof(first)), 0);
	count_entries(t, M, 3, counts);
	CU_ASSERT_EQUAL(counts[0], 21846);
	CU_ASSERT_EQUAL(counts[1], 21846);
	CU_ASSERT_EQUAL(counts[2], 21845);
	free(t);
}

static void test_maglev_same_input_same_table(void)
{
	static const char *const ids[] = {"fw-a", "fw-b", "fw-c", "fw-d", "fw-e"};
	uint64_t keys[5];
	uint32_t w[5] = {1, 2, 1, 3, 1};
	uint32_t *t1 = table_new(), *t2 = table_new();

	keys_of(ids, 5, keys);
	CU_ASSERT_EQUAL(maglev_build(t1, M, keys, w, 5), 0);
	memset(t2, 0x5A, M * sizeof(*t2));
	CU_ASSERT_EQUAL(maglev_build(t2, M, keys, w, 5), 0);
	CU_ASSERT_EQUAL(memcmp(t1, t2, M * sizeof(*t1)), 0);
	free(t1);
	free(t2);
}

static void test_maglev_table_independent_of_target_order(void)
{
	static const char *const ids[] = {"fw-a", "fw-b", "fw-c", "fw-d", "fw-e", "fw-f"};
	static const uint32_t w[] = {1, 2, 1, 3, 1, 0};
	static const uint32_t perm[] = {4, 2, 5, 0, 3, 1}; /* position j holds target perm[j] */
	const char *ids2[6];
	uint64_t k1[6], k2[6];
	uint32_t w2[6], i;
	uint32_t *t1 = table_new(), *t2 = table_new();

	for (i = 0; i < 6; i++) {
		ids2[i] = ids[perm[i]];
		w2[i] = w[perm[i]];
	}
	keys_of(ids, 6, k1);
	keys_of(ids2, 6, k2);
	CU_ASSERT_EQUAL(maglev_build(t1, M, k1, w, 6), 0);
	CU_ASSERT_EQUAL(maglev_build(t2, M, k2, w2, 6), 0);
	CU_ASSERT_EQUAL(entries_naming_other_targets(ids, t1, ids2, t2), 0);
	free(t1);
	free(t2);
}

static void test_maglev_fills_every_entry_with_a_valid_index(void)
{
	static const uint32_t sizes[] = {2, 3, 7, 251, 65537};
	uint64_t keys[5] = {11, 22, 33, 44, 55};
	uint32_t w[5] = {1, 1, 0, 5, 2}, counts[5];
	uint32_t *t = table_new();
	size_t s;
	uint32_t i;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		CU_ASSERT_EQUAL(maglev_build(t, sizes[s], keys, w, 5), 0);
		count_entries(t, sizes[s], 5, counts);
		CU_ASSERT_EQUAL(counts[0] + counts[1] + counts[3] + counts[4], sizes[s]);
		CU_ASSERT_EQUAL(counts[2], 0);
		for (i = 0; i < sizes[s]; i++)
			CU_ASSERT_NOT_EQUAL(t[i], MAGLEV_EMPTY);
	}
	free(t);
}

static void test_maglev_equal_weights_share_equally(void)
{
	static const char *const ids[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"};
	uint64_t keys[4];
	uint32_t w[4] = {7, 7, 7, 7}, counts[4], i;
	uint32_t *t = table_new();

	keys_of(ids, 4, keys);
	CU_ASSERT_EQUAL(maglev_build(t, M, keys, w, 4), 0);
	count_entries(t, M, 4, counts);
	for (i = 0; i < 4; i++) {
		CU_ASSERT(counts[i] >= M / 4 - M / 400);
		CU_ASSERT(counts[i] <= M / 4 + M / 400);
	}
	free(t);
}

static void test_maglev_shares_follow_weights_1_2_3(void)
{
	static const char *const ids[] = {"one", "two", "three"};
	uint64_t keys[3];
	uint32_t w[3] = {1, 2, 3}, counts[3], i;
	uint32_t *t = table_new();

	keys_of(ids, 3, keys);
	CU_ASSERT_EQUAL(maglev_build(t, M, keys, w, 3), 0);
	count_entries(t, M, 3, counts);
	for (i = 0; i < 3; i++) {
		double want = (double)M * w[i] / 6;

		CU_ASSERT(counts[i] >= want * 0.99 && counts[i] <= want * 1.01);
	}
	free(t);
}

static void test_maglev_extreme_weights_terminate_and_share(void)
{
	uint64_t keys[3] = {0x1111, 0x2222, 0x3333};
	uint32_t w[3] = {UINT32_MAX, 1, UINT32_MAX}, counts[3];
	uint32_t *t = table_new();

	CU_ASSERT_EQUAL(maglev_build(t, M, keys, w, 3), 0);
	count_entries(t, M, 3, counts);
	CU_ASSERT_EQUAL(counts[0] + counts[1] + counts[2], M);
	CU_ASSERT(counts[1] <= 1);
	CU_ASSERT(counts[0] >= M / 2 - 1 && counts[2] >= M / 2 - 1);
	free(t);
}

static void test_maglev_zero_weight_gets_nothing_and_equals_absent(void)
{
	static const char *const ids[] = {"a", "b", "c", "d"};
	static const char *const ids3[] = {"a", "b", "d"};
	uint64_t keys[4], keys3[3];
	uint32_t w[4] = {1, 2, 0, 1}, w3[3] = {1, 2, 1}, counts[4];
	uint32_t *t = table_new(), *t3 = table_new();

	keys_of(ids, 4, keys);
	keys_of(ids3, 3, keys3);
	CU_ASSERT_EQUAL(maglev_build(t, M, keys, w, 4), 0);
	CU_ASSERT_EQUAL(maglev_build(t3, M, keys3, w3, 3), 0);
	count_entries(t, M, 4, counts);
	CU_ASSERT_EQUAL(counts[2], 0);
	CU_ASSERT_EQUAL(entries_naming_other_targets(ids, t, ids3, t3), 0);
	free(t);
	free(t3);
}

static void test_maglev_no_eligible_target_leaves_table_empty(void)
{
	uint64_t keys[3] = {1, 2, 3};
	uint32_t w[3] = {0, 0, 0}, i, nonempty = 0;
	uint32_t *t = table_new();

	memset(t, 0, M * sizeof(*t));
	CU_ASSERT_EQUAL(maglev_build(t, M, keys, w, 3), 0);
	for (i = 0; i < M; i++)
		nonempty += t[i] != MAGLEV_EMPTY;
	CU_ASSERT_EQUAL(nonempty, 0);

	memset(t, 0, M * sizeof(*t));
	CU_ASSERT_EQUAL(maglev_build(t, M, NULL, NULL, 0), 0);
	for (i = 0; i < M; i++)
		nonempty += t[i] != MAGLEV_EMPTY;
	CU_ASSERT_EQUAL(nonempty, 0);
	CU_ASSERT_EQUAL(maglev_lookup(t, M, 12345), MAGLEV_EMPTY);
	free(t);
}

static void test_maglev_removing_one_of_ten_moves_about_a_tenth(void)
{
	static const char *const ids[] = {"t0", "t1", "t2", "t3", "t4",
					  "t5", "t6", "t7", "t8", "t9"};
	const char *ids9[9];
	uint64_t keys[10], keys9[9];
	uint32_t w[10], i, j, moved = 0, moved_kept = 0;
	uint32_t *t = table_new(), *t9 = table_new();

	for (i = 0, j = 0; i < 10; i++) {
		w[i] = 1;
		if (i != 3)
			ids9[j++] = ids[i];
	}
	keys_of(ids, 10, keys);
	keys_of(ids9, 9, keys9);
	CU_ASSERT_EQUAL(maglev_build(t, M, keys, w, 10), 0);
	CU_ASSERT_EQUAL(maglev_build(t9, M, keys9, w, 9), 0);
	for (i = 0; i < M; i++) {
		if (strcmp(ids[t[i]], ids9[t9[i]]) == 0)
			continue;
		moved++;
		if (t[i] != 3)
			moved_kept++; /* an entry of a target that stayed */
	}
	printf("\n    moved %u of %u entries (%.2f%%), %u of surviving targets\n", moved, M,
	       100.0 * moved / M, moved_kept);
	CU_ASSERT(moved >= M / 10 - M / 100); /* t3's own tenth has to move */
	CU_ASSERT(moved < M * 15 / 100);
	free(t);
	free(t9);
}

static void test_maglev_duplicate_keys_are_ordered_by_index(void)
{
	uint64_t keys[3] = {42, 42, 7};
	uint32_t w[3] = {1, 1, 1}, counts[3];
	uint32_t *t1 = table_new(), *t2 = table_new();

	CU_ASSERT_EQUAL(maglev_build(t1, M, keys, w, 3), 0);
	CU_ASSERT_EQUAL(maglev_build(t2, M, keys, w, 3), 0);
	CU_ASSERT_EQUAL(memcmp(t1, t2, M * sizeof(*t1)), 0);
	count_entries(t1, M, 3, counts);
	CU_ASSERT_EQUAL(counts[0] + counts[1] + counts[2], M);
	CU_ASSERT(counts[0] > 0 && counts[1] > 0);
	free(t1);
	free(t2);
}

static void test_maglev_lookup_is_hash_mod_size(void)
{
	uint64_t keys[4] = {1, 2, 3, 4};
	uint32_t w[4] = {1, 1, 1, 1};
	uint32_t t[7];
	static const uint32_t hashes[] = {0, 1, 6, 7, 13, 0xFFFFFFFFu, 0x80000000u};
	size_t i;

	CU_ASSERT_EQUAL(maglev_build(t, 7, keys, w, 4), 0);
	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		CU_ASSERT_EQUAL(maglev_lookup(t, 7, hashes[i]), t[hashes[i] % 7]);
}

static void test_maglev_target_key_is_stable_and_distinct(void)
{
	CU_ASSERT_EQUAL(maglev_target_key("a"), maglev_target_key("a"));
	CU_ASSERT_NOT_EQUAL(maglev_target_key("a"), maglev_target_key("b"));
	CU_ASSERT_NOT_EQUAL(maglev_target_key(""), maglev_target_key("a"));
	CU_ASSERT_NOT_EQUAL(maglev_target_key("fw-a"), maglev_target_key("fw-a "));
}

static CU_TestInfo tests[] = {
	{"is_prime_classifies", test_maglev_is_prime_classifies},
	{"rejects_non_prime_size", test_maglev_rejects_non_prime_size},
	{"known_answer_abc", test_maglev_known_answer_abc},
	{"same_input_same_table", test_maglev_same_input_same_table},
	{"table_independent_of_target_order", test_maglev_table_independent_of_target_order},
	{"fills_every_entry_with_a_valid_index", test_maglev_fills_every_entry_with_a_valid_index},
	{"equal_weights_share_equally", test_maglev_equal_weights_share_equally},
	{"shares_follow_weights_1_2_3", test_maglev_shares_follow_weights_1_2_3},
	{"extreme_weights_terminate_and_share", test_maglev_extreme_weights_terminate_and_share},
	{"zero_weight_gets_nothing_and_equals_absent",
	 test_maglev_zero_weight_gets_nothing_and_equals_absent},
	{"no_eligible_target_leaves_table_empty",
	 test_maglev_no_eligible_target_leaves_table_empty},
	{"removing_one_of_ten_moves_about_a_tenth",
	 test_maglev_removing_one_of_ten_moves_about_a_tenth},
	{"duplicate_keys_are_ordered_by_index", test_maglev_duplicate_keys_are_ordered_by_index},
	{"lookup_is_hash_mod_size", test_maglev_lookup_is_hash_mod_size},
	{"target_key_is_stable_and_distinct", test_maglev_target_key_is_stable_and_distinct},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("maglev", tests);
}
