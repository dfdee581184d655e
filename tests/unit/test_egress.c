/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_egress.c - core/egress.h, the too-big decisions both shells call: IPv4 without DF is
 * dropped without an error; an error needs a source address of the family on the port back;
 * the ICMP bucket limits the errors (a full burst, then icmp_ratelimit, refilled over time).
 * And the drop reason of a packet with no way out (egress_hop_drop).
 */
#include "tests/unit/cu.h"
#include "dataplane/core/egress.h"

static void no_df_is_dropped_without_an_error(void)
{
	CU_ASSERT_EQUAL(egress_too_big_first(PKT_MTU_NO_DF), SL_DROP_MTU_EXCEEDED_NO_DF);
	CU_ASSERT_EQUAL(egress_too_big_first(PKT_MTU_ICMP), 0);
}

static void an_error_needs_a_source_address(void)
{
	const uint8_t none[16] = {0}, a4[4] = {10, 0, 1, 10}, a6[16] = {0x20, 0x01, [15] = 1};
	const uint8_t v4_then_junk[16] = {0, 0, 0, 0, 1}; /* an IPv4 source is 4 bytes */
	struct bucket b = {0};

	CU_ASSERT_EQUAL(egress_too_big_answer(4, none, &b, 1000000), SL_DROP_MTU_EXCEEDED);
	CU_ASSERT_EQUAL(egress_too_big_answer(6, none, &b, 1000000), SL_DROP_MTU_EXCEEDED);
	CU_ASSERT_EQUAL(egress_too_big_answer(4, v4_then_junk, &b, 1000000), SL_DROP_MTU_EXCEEDED);
	CU_ASSERT_EQUAL(egress_too_big_answer(4, a4, &b, 1000000), 0);
	CU_ASSERT_EQUAL(egress_too_big_answer(6, a6, &b, 1000000), 0);
}

static void errors_are_rate_limited(void)
{
	const uint8_t a4[4] = {10, 0, 1, 10};
	struct bucket b = {0};
	unsigned int i, sent = 0;

	for (i = 0; i < BUCKET_ICMP_BURST + 10; i++)
		sent += !egress_too_big_answer(4, a4, &b, 5000000);
	CU_ASSERT_EQUAL(sent, BUCKET_ICMP_BURST);
	CU_ASSERT_EQUAL(egress_too_big_answer(4, a4, &b, 5000000), SL_DROP_ICMP_RATELIMIT);
	/* BUCKET_ICMP_RATE a second: 10 ms later, 10 more */
	for (i = 0, sent = 0; i < 20; i++)
		sent += !egress_too_big_answer(4, a4, &b, 5010000);
	CU_ASSERT_EQUAL(sent, 10);
}

static void no_way_out_names_its_reason(void)
{
	CU_ASSERT_EQUAL(egress_hop_drop(EGRESS_NO_ROUTE, 0), SL_DROP_NO_ROUTE);
	CU_ASSERT_EQUAL(egress_hop_drop(EGRESS_NEIGH_UNRESOLVED, 0), SL_DROP_NEIGH_UNRESOLVED);
	CU_ASSERT_EQUAL(egress_hop_drop(EGRESS_NEIGH_FULL, 0), SL_DROP_NEIGH_TABLE_FULL);
	/* a frame of our own (a RST) counts own_unsent, whatever stopped it */
	CU_ASSERT_EQUAL(egress_hop_drop(EGRESS_NO_ROUTE, 1), SL_DROP_OWN_UNSENT);
	CU_ASSERT_EQUAL(egress_hop_drop(EGRESS_NEIGH_FULL, 1), SL_DROP_OWN_UNSENT);
}

static CU_TestInfo tests[] = {
	{"no DF is dropped without an error", no_df_is_dropped_without_an_error},
	{"an error needs a source address", an_error_needs_a_source_address},
	{"errors are rate-limited", errors_are_rate_limited},
	{"no way out names its reason", no_way_out_names_its_reason},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("egress", tests);
}
