/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_gwlb.c - the inspection path's shared decisions: which flows keep their appliance,
 * which targets take new flows, and that ICMP errors are steered like the flow they quote.
 */
#include <string.h>

#include "cu.h"
#include "core/csum.h"
#include "core/gwlb.h"

#define S 1000000ull /* one second in us */

static void test_gwlb_healthy_flow_is_kept_until_idle(void)
{
	CU_ASSERT_EQUAL(gwlb_flow_verdict(100 * S, 10 * S, 350 * S, TS_HEALTHY, 0, 300 * S, 0),
			GWLB_KEEP);
	CU_ASSERT_EQUAL(gwlb_flow_verdict(360 * S, 10 * S, 350 * S, TS_HEALTHY, 0, 300 * S, 0),
			GWLB_KEEP); /* exactly the timeout: still alive */
	CU_ASSERT_EQUAL(gwlb_flow_verdict(360 * S + 1, 10 * S, 350 * S, TS_HEALTHY, 0, 300 * S, 0),
			GWLB_EXPIRED);
	/* a clock behind the entry (another lcore touched it later) is not idleness */
	CU_ASSERT_EQUAL(gwlb_flow_verdict(5 * S, 10 * S, 350 * S, TS_HEALTHY, 0, 300 * S, 0),
			GWLB_KEEP);
}

static void test_gwlb_unhealthy_target_keeps_flows_only_without_rebalance(void)
{
	CU_ASSERT_EQUAL(gwlb_flow_verdict(20 * S, 10 * S, 350 * S, TS_UNHEALTHY, 0, 300 * S, 0),
			GWLB_KEEP);
	CU_ASSERT_EQUAL(gwlb_flow_verdict(20 * S, 10 * S, 350 * S, TS_UNHEALTHY, 0, 300 * S, 1),
			GWLB_REBALANCE);
	CU_ASSERT_EQUAL(gwlb_flow_verdict(20 * S, 10 * S, 350 * S, TS_INITIAL, 0, 300 * S, 1),
			GWLB_KEEP);
}

static void test_gwlb_draining_target_keeps_flows_for_the_delay(void)
{
	/* drained at 100 s with a 60 s delay, both failover modes */
	int rb;

	for (rb = 0; rb <= 1; rb++) {
		CU_ASSERT_EQUAL(gwlb_flow_verdict(159 * S, 150 * S, 350 * S, TS_DRAINING, 100 * S,
						  60 * S, rb),
				GWLB_KEEP);
		CU_ASSERT_EQUAL(gwlb_flow_verdict(160 * S, 159 * S, 350 * S, TS_DRAINING, 100 * S,
						  60 * S, rb),
				GWLB_REBALANCE);
	}
	/* delay 0: moves at once */
	CU_ASSERT_EQUAL(gwlb_flow_verdict(100 * S, 99 * S, 350 * S, TS_DRAINING, 100 * S, 0, 0),
			GWLB_REBALANCE);
}

static void test_gwlb_idle_wins_over_state(void)
{
	CU_ASSERT_EQUAL(
		gwlb_flow_verdict(1000 * S, 10 * S, 350 * S, TS_DRAINING, 900 * S, 300 * S, 0),
		GWLB_EXPIRED);
	CU_ASSERT_EQUAL(gwlb_flow_verdict(20 * S, 10 * S, 350 * S, TS_UNUSED, 0, 300 * S, 0),
			GWLB_REBALANCE);
}

static void test_gwlb_only_healthy_weighted_targets_take_new_flows(void)
{
	CU_ASSERT_TRUE(gwlb_target_eligible(TS_HEALTHY, 1));
	CU_ASSERT_FALSE(gwlb_target_eligible(TS_HEALTHY, 0));
	CU_ASSERT_FALSE(gwlb_target_eligible(TS_UNHEALTHY, 1));
	CU_ASSERT_FALSE(gwlb_target_eligible(TS_DRAINING, 1));
	CU_ASSERT_FALSE(gwlb_target_eligible(TS_INITIAL, 1));
	CU_ASSERT_FALSE(gwlb_target_eligible(TS_UNUSED, 1));
	CU_ASSERT_TRUE(gwlb_target_fail_open(TS_UNHEALTHY));
	CU_ASSERT_TRUE(gwlb_target_fail_open(TS_INITIAL));
	CU_ASSERT_FALSE(gwlb_target_fail_open(TS_DRAINING));
	CU_ASSERT_FALSE(gwlb_target_fail_open(TS_UNUSED));
}

/* IPv4/TCP 10.0.1.100:40000 -> 172.16.0.5:443, no payload */
static void build_tcp(uint8_t *p)
{
	static const uint8_t ip[20] = {0x45, 0, 0,  40, 0, 0,	0x40, 0,  64, 6,
				       0,    0, 10, 0,	1, 100, 172,  16, 0,  5};

	memcpy(p, ip, 20);
	sl_put_be16(p + 10, csum_ipv4_hdr(p));
	memset(p + 20, 0, 20);
	sl_put_be16(p + 20, 40000);
	sl_put_be16(p + 22, 443);
	p[32] = 5 << 4;
	p[33] = 0x02;
}

static void test_gwlb_icmp_error_follows_the_quoted_flow(void)
{
	static const uint8_t icmp_ip[20] = {0x45, 0, 0,	  0, 0, 0, 0,  0, 64, 1,
					    0,	  0, 192, 0, 2, 1, 10, 0, 1,  100};
	uint8_t tcp[40], err[20 + 8 + 40];
	struct pkt_info pt, pe;
	struct flow_key kt, ke;
	int s;

	build_tcp(tcp);
	memcpy(err, icmp_ip, 20);
	sl_put_be16(err + 2, sizeof(err));
	sl_put_be16(err + 10, csum_ipv4_hdr(err));
	memset(err + 20, 0, 8);
	err[20] = 3; /* destination unreachable */
	err[21] = 4;
	memcpy(err + 28, tcp, 40);
	sl_put_be16(err + 22, csum_fold(csum_partial(err + 20, 48, 0)));
	CU_ASSERT_EQUAL_FATAL(pkt_parse_ip(tcp, 0, tcp + sizeof(tcp), 4, &pt), 0);
	CU_ASSERT_EQUAL_FATAL(pkt_parse_ip(err, 0, err + sizeof(err), 4, &pe), 0);
	CU_ASSERT_TRUE(pe.flags & PKT_F_ICMP_ERR);
	for (s = FLOW_STICK_5TUPLE; s <= FLOW_STICK_2TUPLE; s++) {
		gwlb_flow_key(tcp, tcp + sizeof(tcp), &pt, (enum flow_stick)s, &kt);
		gwlb_flow_key(err, err + sizeof(err), &pe, (enum flow_stick)s, &ke);
		CU_ASSERT_EQUAL(memcmp(&kt, &ke, sizeof(kt)), 0);
	}
}

static void test_gwlb_icmp_error_with_broken_quote_uses_its_own_addresses(void)
{
	static const uint8_t icmp_ip[20] = {0x45, 0, 0,	  28 + 4, 0, 0, 0,  0, 64, 1,
					    0,	  0, 192, 0,	  2, 1, 10, 0, 1,  100};
	uint8_t err[32];
	struct pkt_info pe;
	struct flow_key k;

	memcpy(err, icmp_ip, 20);
	sl_put_be16(err + 10, csum_ipv4_hdr(err));
	memset(err + 20, 0, 12);
	err[20] = 11; /* time exceeded, quoting 4 bytes: no IP header */
	CU_ASSERT_EQUAL_FATAL(pkt_parse_ip(err, 0, err + sizeof(err), 4, &pe), 0);
	gwlb_flow_key(err, err + sizeof(err), &pe, FLOW_STICK_5TUPLE, &k);
	CU_ASSERT_EQUAL(k.family, 4);
	CU_ASSERT_EQUAL(k.proto, 1);
	CU_ASSERT_EQUAL(memcmp(k.a, icmp_ip + 16, 4), 0); /* 10.0.1.100 < 192.0.2.1 */
	CU_ASSERT_EQUAL(memcmp(k.b, icmp_ip + 12, 4), 0);
}

static CU_TestInfo tests[] = {
	{"healthy_flow_is_kept_until_idle", test_gwlb_healthy_flow_is_kept_until_idle},
	{"unhealthy_target_keeps_flows_only_without_rebalance",
	 test_gwlb_unhealthy_target_keeps_flows_only_without_rebalance},
	{"draining_target_keeps_flows_for_the_delay",
	 test_gwlb_draining_target_keeps_flows_for_the_delay},
	{"idle_wins_over_state", test_gwlb_idle_wins_over_state},
	{"only_healthy_weighted_targets_take_new_flows",
	 test_gwlb_only_healthy_weighted_targets_take_new_flows},
	{"icmp_error_follows_the_quoted_flow", test_gwlb_icmp_error_follows_the_quoted_flow},
	{"icmp_error_with_broken_quote_uses_its_own_addresses",
	 test_gwlb_icmp_error_with_broken_quote_uses_its_own_addresses},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("gwlb", tests);
}
