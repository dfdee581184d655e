/* SPDX-License-Identifier: BSD-3-Clause */
/* test_flow.c - symmetric flow keys for each stickiness and the flow hash. */
#include <string.h>

#include "dataplane/core/flow.h"

#include "tests/unit/cu.h"

static const uint8_t v4_a[4] = {10, 0, 0, 1}, v4_b[4] = {10, 0, 0, 2};
static const uint8_t v6_a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t v6_b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

static const enum flow_stick sticks[3] = {FLOW_STICK_5TUPLE, FLOW_STICK_3TUPLE, FLOW_STICK_2TUPLE};

static void mk_pi(struct pkt_info *pi, uint8_t family, uint8_t proto, const uint8_t *s,
		  uint16_t sport, const uint8_t *d, uint16_t dport)
{
	memset(pi, 0, sizeof(*pi));
	pi->family = family;
	pi->proto = proto;
	memcpy(pi->saddr, s, family == 4 ? 4 : 16);
	memcpy(pi->daddr, d, family == 4 ? 4 : 16);
	pi->sport = sport;
	pi->dport = dport;
	pi->flags = PKT_F_L4;
}

/* The reverse direction of pi. */
static void reverse(const struct pkt_info *pi, struct pkt_info *r)
{
	*r = *pi;
	memcpy(r->saddr, pi->daddr, 16);
	memcpy(r->daddr, pi->saddr, 16);
	r->sport = pi->dport;
	r->dport = pi->sport;
}

static int key_eq(const struct flow_key *x, const struct flow_key *y)
{
	return memcmp(x, y, sizeof(*x)) == 0;
}

static void check_symmetric(const struct pkt_info *pi)
{
	struct pkt_info r;
	struct flow_key k1, k2;

	reverse(pi, &r);
	for (int s = 0; s < 3; s++) {
		flow_key_make(pi, sticks[s], &k1);
		flow_key_make(&r, sticks[s], &k2);
		CU_ASSERT(key_eq(&k1, &k2));
		CU_ASSERT_EQUAL(flow_key_hash(&k1), flow_key_hash(&k2));
	}
}

static void both_directions_give_equal_keys_and_hashes_for_each_stickiness(void)
{
	struct pkt_info pi;

	mk_pi(&pi, 4, IPPROTO_TCP_, v4_a, 40000, v4_b, 443);
	check_symmetric(&pi);
	mk_pi(&pi, 4, IPPROTO_TCP_, v4_b, 40000, v4_a, 443);
	check_symmetric(&pi);
	mk_pi(&pi, 6, IPPROTO_UDP_, v6_a, 53, v6_b, 5353);
	check_symmetric(&pi);
	mk_pi(&pi, 4, IPPROTO_UDP_, v4_a, 1000, v4_a, 2000); /* same address both ends */
	check_symmetric(&pi);
	mk_pi(&pi, 6, 47, v6_b, 0, v6_a, 0);
	pi.flags = 0;
	check_symmetric(&pi);
}

static void icmp_echo_request_and_reply_share_key(void)
{
	struct pkt_info req, rep;
	struct flow_key k1, k2;

	mk_pi(&req, 4, IPPROTO_ICMP_, v4_a, 0x1234, v4_b, 0x1234);
	req.icmp_type = 8;
	mk_pi(&rep, 4, IPPROTO_ICMP_, v4_b, 0x1234, v4_a, 0x1234);
	rep.icmp_type = 0;
	for (int s = 0; s < 3; s++) {
		flow_key_make(&req, sticks[s], &k1);
		flow_key_make(&rep, sticks[s], &k2);
		CU_ASSERT(key_eq(&k1, &k2));
	}
	flow_key_make(&req, FLOW_STICK_5TUPLE, &k1);
	CU_ASSERT_EQUAL(k1.pa, 0x1234);
	CU_ASSERT_EQUAL(k1.pb, 0x1234);
	/* ICMPv6 likewise */
	mk_pi(&req, 6, IPPROTO_ICMPV6_, v6_b, 7, v6_a, 7);
	check_symmetric(&req);
	flow_key_make(&req, FLOW_STICK_5TUPLE, &k1);
	CU_ASSERT_EQUAL(k1.pa, 7);
}

static void different_ports_differ_only_in_five_tuple(void)
{
	struct pkt_info p1, p2;
	struct flow_key k1, k2;

	mk_pi(&p1, 4, IPPROTO_TCP_, v4_a, 40000, v4_b, 443);
	mk_pi(&p2, 4, IPPROTO_TCP_, v4_a, 40001, v4_b, 443);
	flow_key_make(&p1, FLOW_STICK_5TUPLE, &k1);
	flow_key_make(&p2, FLOW_STICK_5TUPLE, &k2);
	CU_ASSERT_FALSE(key_eq(&k1, &k2));
	CU_ASSERT_NOT_EQUAL(flow_key_hash(&k1), flow_key_hash(&k2));
	for (int s = 1; s < 3; s++) {
		flow_key_make(&p1, sticks[s], &k1);
		flow_key_make(&p2, sticks[s], &k2);
		CU_ASSERT(key_eq(&k1, &k2));
		CU_ASSERT_EQUAL(flow_key_hash(&k1), flow_key_hash(&k2));
	}
}

static void protocol_separates_three_tuple_but_not_two_tuple(void)
{
	struct pkt_info p1, p2;
	struct flow_key k1, k2;

	mk_pi(&p1, 4, IPPROTO_TCP_, v4_a, 1, v4_b, 2);
	mk_pi(&p2, 4, IPPROTO_UDP_, v4_a, 1, v4_b, 2);
	flow_key_make(&p1, FLOW_STICK_3TUPLE, &k1);
	flow_key_make(&p2, FLOW_STICK_3TUPLE, &k2);
	CU_ASSERT_FALSE(key_eq(&k1, &k2));
	CU_ASSERT_EQUAL(k1.proto, IPPROTO_TCP_);
	CU_ASSERT_EQUAL(k1.pa, 0);
	CU_ASSERT_EQUAL(k1.pb, 0);
	flow_key_make(&p1, FLOW_STICK_2TUPLE, &k1);
	flow_key_make(&p2, FLOW_STICK_2TUPLE, &k2);
	CU_ASSERT(key_eq(&k1, &k2));
	CU_ASSERT_EQUAL(k1.proto, 0);
	CU_ASSERT_EQUAL(k1.family, 4);
}

static void canonical_order_puts_smaller_endpoint_first(void)
{
	struct pkt_info pi;
	struct flow_key k;

	/* b -> a: a (smaller address) goes first with its own port. */
	mk_pi(&pi, 4, IPPROTO_TCP_, v4_b, 443, v4_a, 40000);
	flow_key_make(&pi, FLOW_STICK_5TUPLE, &k);
	CU_ASSERT(memcmp(k.a, v4_a, 4) == 0);
	CU_ASSERT(memcmp(k.b, v4_b, 4) == 0);
	CU_ASSERT_EQUAL(k.pa, 40000);
	CU_ASSERT_EQUAL(k.pb, 443);
	/* The address decides before the port. */
	mk_pi(&pi, 4, IPPROTO_TCP_, v4_a, 65535, v4_b, 1);
	flow_key_make(&pi, FLOW_STICK_5TUPLE, &k);
	CU_ASSERT(memcmp(k.a, v4_a, 4) == 0);
	CU_ASSERT_EQUAL(k.pa, 65535);
	/* Address bytes compare in memory order (first byte most significant). */
	static const uint8_t x[4] = {9, 255, 255, 255}, y[4] = {10, 0, 0, 0};
	mk_pi(&pi, 4, IPPROTO_UDP_, y, 1, x, 2);
	flow_key_make(&pi, FLOW_STICK_2TUPLE, &k);
	CU_ASSERT(memcmp(k.a, x, 4) == 0);
}

static void same_address_both_ends_orders_by_port(void)
{
	struct pkt_info pi;
	struct flow_key k;

	mk_pi(&pi, 6, IPPROTO_UDP_, v6_a, 9000, v6_a, 53);
	flow_key_make(&pi, FLOW_STICK_5TUPLE, &k);
	CU_ASSERT_EQUAL(k.pa, 53);
	CU_ASSERT_EQUAL(k.pb, 9000);
	/* port comparison is numeric (host order), not byte order: 0x0100 > 0x00ff */
	mk_pi(&pi, 4, IPPROTO_UDP_, v4_a, 0x0100, v4_a, 0x00ff);
	flow_key_make(&pi, FLOW_STICK_5TUPLE, &k);
	CU_ASSERT_EQUAL(k.pa, 0x00ff);
	CU_ASSERT_EQUAL(k.pb, 0x0100);
}

static void ports_only_with_l4_flag_and_known_protocols(void)
{
	struct pkt_info pi;
	struct flow_key k;

	mk_pi(&pi, 4, IPPROTO_TCP_, v4_a, 1, v4_b, 2);
	pi.flags = PKT_F_FRAG | PKT_F_FRAG_LATER;
	flow_key_make(&pi, FLOW_STICK_5TUPLE, &k);
	CU_ASSERT_EQUAL(k.pa, 0);
	CU_ASSERT_EQUAL(k.pb, 0);
	CU_ASSERT_EQUAL(k.proto, IPPROTO_TCP_);
	/* A protocol without ports keeps them 0 even if a caller set the fields. */
	mk_pi(&pi, 4, 132 /* SCTP */, v4_a, 1, v4_b, 2);
	flow_key_make(&pi, FLOW_STICK_5TUPLE, &k);
	CU_ASSERT_EQUAL(k.pa, 0);
	CU_ASSERT_EQUAL(k.pb, 0);
}

static void unused_fields_and_padding_are_zero(void)
{
	struct pkt_info pi;
	struct flow_key k;

	mk_pi(&pi, 4, IPPROTO_TCP_, v4_b, 1, v4_a, 2);
	for (int s = 0; s < 3; s++) {
		memset(&k, 0xff, sizeof(k));
		flow_key_make(&pi, sticks[s], &k);
		for (int i = 4; i < 16; i++) {
			CU_ASSERT_EQUAL(k.a[i], 0);
			CU_ASSERT_EQUAL(k.b[i], 0);
		}
		CU_ASSERT_EQUAL(k.pad[0], 0);
		CU_ASSERT_EQUAL(k.pad[1], 0);
		CU_ASSERT_EQUAL(k.family, 4);
		if (s)
			CU_ASSERT_EQUAL(k.pa | k.pb, 0);
	}
}

static void ipv6_keys_use_all_16_address_bytes(void)
{
	struct pkt_info p1, p2;
	struct flow_key k1, k2;
	uint8_t c[16];

	memcpy(c, v6_b, 16);
	c[15] = 3;
	mk_pi(&p1, 6, IPPROTO_TCP_, v6_a, 1, v6_b, 2);
	mk_pi(&p2, 6, IPPROTO_TCP_, v6_a, 1, c, 2);
	for (int s = 0; s < 3; s++) {
		flow_key_make(&p1, sticks[s], &k1);
		flow_key_make(&p2, sticks[s], &k2);
		CU_ASSERT_FALSE(key_eq(&k1, &k2));
		CU_ASSERT_NOT_EQUAL(flow_key_hash(&k1), flow_key_hash(&k2));
		CU_ASSERT_EQUAL(k1.family, 6);
	}
	c[15] = 2;
	c[0] ^= 0x80; /* differs only in the first byte: now the larger */
	mk_pi(&p2, 6, IPPROTO_TCP_, c, 1, v6_a, 2);
	flow_key_make(&p2, FLOW_STICK_5TUPLE, &k2);
	CU_ASSERT(memcmp(k2.a, v6_a, 16) == 0);
	CU_ASSERT_EQUAL(k2.pa, 2);
}

static void hash_is_siphash_of_the_raw_40_key_bytes(void)
{
	struct pkt_info pi;
	struct flow_key k;

	mk_pi(&pi, 4, IPPROTO_TCP_, v4_b, 443, v4_a, 40000);
	flow_key_make(&pi, FLOW_STICK_5TUPLE, &k);
	CU_ASSERT_EQUAL(flow_key_hash(&k), (uint32_t)sl_siphash24((const uint8_t *)FLOW_HASH_KEY,
								  (const uint8_t *)&k, 40));
}

/*
 * Values from an independent Python SipHash-2-4, with the key packed as
 * a + b + struct.pack('<HHBBxx', pa, pb, proto, family): pins the cross-language contract.
 */
static void hash_matches_python_reference(void)
{
	struct pkt_info pi;
	struct flow_key k;

	mk_pi(&pi, 4, IPPROTO_TCP_, v4_b, 443, v4_a, 40000);
	flow_key_make(&pi, FLOW_STICK_5TUPLE, &k);
	CU_ASSERT_EQUAL(flow_key_hash(&k), 0x2df3ddd9);
	mk_pi(&pi, 6, IPPROTO_UDP_, v6_a, 5353, v6_b, 53);
	flow_key_make(&pi, FLOW_STICK_5TUPLE, &k);
	CU_ASSERT_EQUAL(flow_key_hash(&k), 0xa1ac46fc);
}

static void hash_spreads_distinct_flows(void)
{
	struct pkt_info pi;
	struct flow_key k;
	static uint8_t buckets[256];
	int used = 0;

	memset(buckets, 0, sizeof(buckets));
	for (uint16_t port = 1; port <= 4096; port++) {
		mk_pi(&pi, 4, IPPROTO_UDP_, v4_a, port, v4_b, 53);
		flow_key_make(&pi, FLOW_STICK_5TUPLE, &k);
		buckets[flow_key_hash(&k) & 0xff] = 1;
	}
	for (int i = 0; i < 256; i++)
		used += buckets[i];
	CU_ASSERT_EQUAL(used, 256);
}

static CU_TestInfo tests[] = {
	{"both_directions_give_equal_keys_and_hashes_for_each_stickiness",
	 both_directions_give_equal_keys_and_hashes_for_each_stickiness},
	{"icmp_echo_request_and_reply_share_key", icmp_echo_request_and_reply_share_key},
	{"different_ports_differ_only_in_five_tuple", different_ports_differ_only_in_five_tuple},
	{"protocol_separates_three_tuple_but_not_two_tuple",
	 protocol_separates_three_tuple_but_not_two_tuple},
	{"canonical_order_puts_smaller_endpoint_first",
	 canonical_order_puts_smaller_endpoint_first},
	{"same_address_both_ends_orders_by_port", same_address_both_ends_orders_by_port},
	{"ports_only_with_l4_flag_and_known_protocols",
	 ports_only_with_l4_flag_and_known_protocols},
	{"unused_fields_and_padding_are_zero", unused_fields_and_padding_are_zero},
	{"ipv6_keys_use_all_16_address_bytes", ipv6_keys_use_all_16_address_bytes},
	{"hash_is_siphash_of_the_raw_40_key_bytes", hash_is_siphash_of_the_raw_40_key_bytes},
	{"hash_matches_python_reference", hash_matches_python_reference},
	{"hash_spreads_distinct_flows", hash_spreads_distinct_flows},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("flow", tests);
}
