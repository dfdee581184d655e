/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_gwlb.c - the inspection path's shared decisions: which flows keep their appliance,
 * which targets take new flows, that ICMP errors are steered like the flow they quote, and
 * which ICMP errors are about sluice's own GENEVE.
 */
#include <string.h>

#include "tests/unit/cu.h"
#include "dataplane/core/csum.h"
#include "dataplane/core/gwlb.h"

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

/*
 * Pin tags and flow-table values: every 24-bit incarnation and slot survive the value whole
 * (sluice-dp and the XDP program keep only what these give back), last seen in whole seconds.
 */
static void test_gwlb_pin_value_keeps_the_whole_tag(void)
{
	static const uint32_t incs[] = {0, 1, 255, 256, 257, 65535, 65536, 70000, 0xffffff};
	static const uint32_t slots[] = {0, 1, 254, 255};
	uint64_t now = 1733570000123456ull; /* a pcap clock: epoch microseconds */
	unsigned int i, j;

	for (i = 0; i < sizeof(incs) / sizeof(incs[0]); i++)
		for (j = 0; j < sizeof(slots) / sizeof(slots[0]); j++) {
			uint32_t tag = gwlb_tag(incs[i], slots[j]);
			uint64_t v = gwlb_pin_val(tag, now);

			CU_ASSERT_EQUAL(gwlb_tag_inc(tag), incs[i]);
			CU_ASSERT_EQUAL(gwlb_tag_slot(tag), slots[j]);
			CU_ASSERT_EQUAL(gwlb_pin_tag(v), tag);
			CU_ASSERT_EQUAL(gwlb_pin_seen_us(v), now / S * S);
		}
	/* incarnations 256 apart are different tags (8 bits of incarnation were not) */
	CU_ASSERT_NOT_EQUAL(gwlb_tag(0, 7), gwlb_tag(256, 7));
	CU_ASSERT_NOT_EQUAL(gwlb_tag(1, 7), gwlb_tag(65537, 7));
	CU_ASSERT_EQUAL(gwlb_tag(0x1000000, 7), gwlb_tag(0, 7)); /* 24 bits: wraps here */
	/* refreshed once a second, never ahead of the packet that refreshed it */
	CU_ASSERT_FALSE(gwlb_pin_touch_due(gwlb_pin_val(1, 10 * S), 10 * S + 999999));
	CU_ASSERT_TRUE(gwlb_pin_touch_due(gwlb_pin_val(1, 10 * S + 999999), 11 * S));
	CU_ASSERT_TRUE(gwlb_pin_seen_us(gwlb_pin_val(1, 10 * S + 999999)) <= 10 * S + 999999);
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

/* sluice's GENEVE 192.168.50.1:51234 -> appliance 192.168.50.11:6081, 40 bytes of GENEVE. */
static void build_geneve(uint8_t *p)
{
	static const uint8_t ip[20] = {0x45, 0, 0,   68,  0,  0, 0x40, 0,   64, 17,
				       0,    0, 192, 168, 50, 1, 192,  168, 50, 11};

	memcpy(p, ip, 20);
	sl_put_be16(p + 10, csum_ipv4_hdr(p));
	sl_put_be16(p + 20, 51234);
	sl_put_be16(p + 22, GENEVE_UDP_PORT);
	sl_put_be16(p + 24, 48);
	sl_put_be16(p + 26, 0);
	memset(p + 28, 0xab, 40);
}

/* An ICMPv4 error (type/code) from the appliance to 192.168.50.1 quoting qlen bytes of q. */
static size_t build_icmp_error(uint8_t *err, uint8_t type, uint8_t code, const uint8_t *q,
			       size_t qlen)
{
	static const uint8_t ip[20] = {0x45, 0, 0,   0,	  0,  0,  0,   0,   64, 1,
				       0,    0, 192, 168, 50, 11, 192, 168, 50, 1};
	size_t len = 28 + qlen;

	memcpy(err, ip, 20);
	sl_put_be16(err + 2, (uint16_t)len);
	sl_put_be16(err + 10, csum_ipv4_hdr(err));
	memset(err + 20, 0, 8);
	err[20] = type;
	err[21] = code;
	memcpy(err + 28, q, qlen);
	sl_put_be16(err + 22, csum_fold(csum_partial(err + 20, (uint32_t)(len - 20), 0)));
	return len;
}

/* gwlb_icmp_is_geneve of an error quoting qlen bytes of q, for GENEVE source src. */
static int icmp_about_geneve(uint8_t type, uint8_t code, const uint8_t *q, size_t qlen,
			     uint32_t src)
{
	uint8_t err[20 + 8 + 128];
	struct pkt_info pi;
	size_t len;

	CU_ASSERT_FATAL(qlen <= 128);
	len = build_icmp_error(err, type, code, q, qlen);
	if (pkt_parse_ip(err, 0, err + len, 4, &pi))
		return -1;
	return gwlb_icmp_is_geneve(err, err + len, &pi, src);
}

static void test_gwlb_icmp_error_about_our_geneve_is_recognised(void)
{
	uint8_t g[68];
	uint32_t src;

	build_geneve(g);
	memcpy(&src, g + 12, 4);
	CU_ASSERT_EQUAL(icmp_about_geneve(3, 3, g, sizeof(g), src), 1);	 /* port unreachable */
	CU_ASSERT_EQUAL(icmp_about_geneve(3, 3, g, 28, src), 1);	 /* IP header + 8 bytes */
	CU_ASSERT_EQUAL(icmp_about_geneve(3, 4, g, 28, src), 1);	 /* frag needed: same */
	CU_ASSERT_EQUAL(icmp_about_geneve(11, 0, g, sizeof(g), src), 1); /* time exceeded */
}

static void test_gwlb_icmp_error_about_other_packets_is_not_geneve(void)
{
	uint8_t g[68], q[68], t[40];
	uint32_t src, other;

	build_geneve(g);
	memcpy(&src, g + 12, 4);
	memcpy(&other, g + 16, 4);
	/* another source: not our GENEVE (e.g. the appliance's own, or geneve_address differs) */
	CU_ASSERT_EQUAL(icmp_about_geneve(3, 3, g, sizeof(g), other), 0);
	CU_ASSERT_EQUAL(icmp_about_geneve(3, 3, g, sizeof(g), 0), 0); /* port without IPv4 */
	/* UDP to another port */
	memcpy(q, g, sizeof(q));
	sl_put_be16(q + 22, GENEVE_UDP_PORT + 1);
	CU_ASSERT_EQUAL(icmp_about_geneve(3, 3, q, sizeof(q), src), 0);
	/* from port 6081, to another: an appliance's return direction, not ours */
	sl_put_be16(q + 20, GENEVE_UDP_PORT);
	sl_put_be16(q + 22, 51234);
	CU_ASSERT_EQUAL(icmp_about_geneve(3, 3, q, sizeof(q), src), 0);
	/* TCP to port 6081 */
	build_tcp(t);
	memcpy(t + 12, g + 12, 8);
	sl_put_be16(t + 22, GENEVE_UDP_PORT);
	t[10] = t[11] = 0;
	sl_put_be16(t + 10, csum_ipv4_hdr(t));
	CU_ASSERT_EQUAL(icmp_about_geneve(3, 3, t, sizeof(t), src), 0);
	/* not an error: an echo request carrying a GENEVE datagram as its data */
	CU_ASSERT_EQUAL(icmp_about_geneve(8, 0, g, sizeof(g), src), 0);
}

static void test_gwlb_icmp_error_with_malformed_geneve_quote_is_not_geneve(void)
{
	uint8_t g[68], q[68];
	uint32_t src;

	build_geneve(g);
	memcpy(&src, g + 12, 4);
	/* cut inside the UDP header, inside the IP header, nothing quoted */
	CU_ASSERT_EQUAL(icmp_about_geneve(3, 3, g, 24, src), 0);
	CU_ASSERT_EQUAL(icmp_about_geneve(3, 3, g, 12, src), 0);
	CU_ASSERT_EQUAL(icmp_about_geneve(3, 3, g, 0, src), 0);
	/* IHL 4, version 6, an IHL of 15 that the quote does not hold */
	memcpy(q, g, sizeof(q));
	q[0] = 0x44;
	CU_ASSERT_EQUAL(icmp_about_geneve(3, 3, q, sizeof(q), src), 0);
	q[0] = 0x65;
	CU_ASSERT_EQUAL(icmp_about_geneve(3, 3, q, sizeof(q), src), 0);
	q[0] = 0x4f;
	CU_ASSERT_EQUAL(icmp_about_geneve(3, 3, q, 40, src), 0);
	/* a non-first fragment has no UDP header to read ports from */
	memcpy(q, g, sizeof(q));
	sl_put_be16(q + 6, 0x4000 | 185);
	CU_ASSERT_EQUAL(icmp_about_geneve(3, 3, q, sizeof(q), src), 0);
}

static void test_gwlb_geneve_check_needs_an_ipv4_error(void)
{
	uint8_t g[68], err[20 + 8 + 68];
	struct pkt_info pi;
	uint32_t src;
	size_t len;

	build_geneve(g);
	memcpy(&src, g + 12, 4);
	len = build_icmp_error(err, 3, 3, g, sizeof(g));
	CU_ASSERT_EQUAL_FATAL(pkt_parse_ip(err, 0, err + len, 4, &pi), 0);
	CU_ASSERT_EQUAL(gwlb_icmp_is_geneve(err, err + len, &pi, src), 1);
	pi.flags &= (uint16_t)~PKT_F_ICMP_ERR; /* the caller's contract: errors only */
	CU_ASSERT_EQUAL(gwlb_icmp_is_geneve(err, err + len, &pi, src), 0);
	pi.flags |= PKT_F_ICMP_ERR;
	pi.family = 6; /* outer GENEVE is IPv4 only: an ICMPv6 error is never about it */
	CU_ASSERT_EQUAL(gwlb_icmp_is_geneve(err, err + len, &pi, src), 0);
	/* the quote ends with the bytes present, not with the error's declared length */
	pi.family = 4;
	CU_ASSERT_EQUAL(gwlb_icmp_is_geneve(err, err + 28 + 24, &pi, src), 0);
}

/* Tolerant receive: only a group set to ignore skips a non-zero outer UDP checksum. */
static void test_gwlb_udp_checksum_is_verified_unless_the_group_ignores_it(void)
{
	CU_ASSERT_EQUAL(gwlb_udp_csum_verify(0x1234, GWLB_UDP_CSUM_VERIFY), 1);
	CU_ASSERT_EQUAL(gwlb_udp_csum_verify(0x1234, GWLB_UDP_CSUM_IGNORE), 0);
	CU_ASSERT_EQUAL(gwlb_udp_csum_verify(0, GWLB_UDP_CSUM_VERIFY), 0); /* none sent */
	CU_ASSERT_EQUAL(gwlb_udp_csum_verify(0, GWLB_UDP_CSUM_IGNORE), 0);
}

/* An inner packet to one of ours or a broadcast goes nowhere; the zone IP goes on to the NLB. */
static void test_gwlb_inner_martian_spares_only_the_zone_ip(void)
{
	struct pkt_info in;

	memset(&in, 0, sizeof(in));
	in.family = 4;
	in.daddr[0] = 198, in.daddr[1] = 51, in.daddr[2] = 100, in.daddr[3] = 7;
	CU_ASSERT_EQUAL(gwlb_inner_martian(&in, PKT_DST_OTHER, 0), 0);
	CU_ASSERT_EQUAL(gwlb_inner_martian(&in, PKT_DST_EDGE, 0), 1);
	CU_ASSERT_EQUAL(gwlb_inner_martian(&in, PKT_DST_OWN, 0), 1);
	CU_ASSERT_EQUAL(gwlb_inner_martian(&in, PKT_DST_OWN, 1), 0); /* the zone IP */
	in.daddr[0] = 224;
	CU_ASSERT_EQUAL(gwlb_inner_martian(&in, PKT_DST_OTHER, 0), 1);
}

static CU_TestInfo tests[] = {
	{"udp_checksum_is_verified_unless_the_group_ignores_it",
	 test_gwlb_udp_checksum_is_verified_unless_the_group_ignores_it},
	{"inner_martian_spares_only_the_zone_ip", test_gwlb_inner_martian_spares_only_the_zone_ip},
	{"healthy_flow_is_kept_until_idle", test_gwlb_healthy_flow_is_kept_until_idle},
	{"unhealthy_target_keeps_flows_only_without_rebalance",
	 test_gwlb_unhealthy_target_keeps_flows_only_without_rebalance},
	{"draining_target_keeps_flows_for_the_delay",
	 test_gwlb_draining_target_keeps_flows_for_the_delay},
	{"idle_wins_over_state", test_gwlb_idle_wins_over_state},
	{"only_healthy_weighted_targets_take_new_flows",
	 test_gwlb_only_healthy_weighted_targets_take_new_flows},
	{"pin_value_keeps_the_whole_tag", test_gwlb_pin_value_keeps_the_whole_tag},
	{"icmp_error_follows_the_quoted_flow", test_gwlb_icmp_error_follows_the_quoted_flow},
	{"icmp_error_with_broken_quote_uses_its_own_addresses",
	 test_gwlb_icmp_error_with_broken_quote_uses_its_own_addresses},
	{"icmp_error_about_our_geneve_is_recognised",
	 test_gwlb_icmp_error_about_our_geneve_is_recognised},
	{"icmp_error_about_other_packets_is_not_geneve",
	 test_gwlb_icmp_error_about_other_packets_is_not_geneve},
	{"icmp_error_with_malformed_geneve_quote_is_not_geneve",
	 test_gwlb_icmp_error_with_malformed_geneve_quote_is_not_geneve},
	{"geneve_check_needs_an_ipv4_error", test_gwlb_geneve_check_needs_an_ipv4_error},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("gwlb", tests);
}
