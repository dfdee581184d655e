/* SPDX-License-Identifier: BSD-3-Clause */
/* test_cookie.c - the GWLB flow cookie: stable, and sensitive to every input bit. */
#include <string.h>

#include "dataplane/core/cookie.h"

#include "tests/unit/cu.h"

static const uint8_t secret0[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
#define APPLIANCE_BYTES "\xc0\xa8\x32\x0b" /* 192.168.50.11 */
#define ENDPOINT	0x0a0b0c0d01020304ULL

static uint32_t appliance(void)
{
	uint32_t a;

	memcpy(&a, APPLIANCE_BYTES, 4); /* network order, as in a packet */
	return a;
}

/* The 5-tuple key of TCP 10.0.0.2:443 -> 10.0.0.1:40000, or of its reverse direction. */
static void key_v4_dir(struct flow_key *k, int reverse)
{
	static const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
	struct pkt_info pi;

	memset(&pi, 0, sizeof(pi));
	pi.family = 4;
	pi.proto = IPPROTO_TCP_;
	pi.flags = PKT_F_L4;
	memcpy(pi.saddr, reverse ? a : b, 4);
	memcpy(pi.daddr, reverse ? b : a, 4);
	pi.sport = reverse ? 40000 : 443;
	pi.dport = reverse ? 443 : 40000;
	flow_key_make(&pi, FLOW_STICK_5TUPLE, k);
}

static void key_v4(struct flow_key *k)
{
	key_v4_dir(k, 0);
}

static void equal_inputs_give_equal_cookies(void)
{
	struct flow_key k1, k2;

	key_v4(&k1);
	key_v4(&k2);
	CU_ASSERT_EQUAL(cookie_make(secret0, &k1, appliance(), ENDPOINT),
			cookie_make(secret0, &k2, appliance(), ENDPOINT));
}

static void cookie_is_siphash_of_key_appliance_and_big_endian_endpoint(void)
{
	struct flow_key k;
	uint8_t msg[52];

	key_v4(&k);
	memcpy(msg, &k, 40);
	memcpy(msg + 40, APPLIANCE_BYTES, 4);
	for (int i = 0; i < 8; i++)
		msg[44 + i] = (uint8_t)(ENDPOINT >> (56 - 8 * i));
	CU_ASSERT_EQUAL(cookie_make(secret0, &k, appliance(), ENDPOINT),
			(uint32_t)sl_siphash24(secret0, msg, 52));
}

/* From an independent Python SipHash-2-4 (see test_flow.c for the key packing). */
static void cookie_matches_python_reference(void)
{
	struct flow_key k;

	key_v4(&k);
	CU_ASSERT_EQUAL(cookie_make(secret0, &k, appliance(), ENDPOINT), 0x76b440b2);
}

static void every_secret_bit_changes_cookie(void)
{
	struct flow_key k;
	uint8_t s[16];

	key_v4(&k);
	uint32_t c = cookie_make(secret0, &k, appliance(), ENDPOINT);
	for (int bit = 0; bit < 128; bit++) {
		memcpy(s, secret0, 16);
		s[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CU_ASSERT_NOT_EQUAL(cookie_make(s, &k, appliance(), ENDPOINT), c);
	}
}

static void every_key_bit_changes_cookie(void)
{
	struct flow_key k, m;

	key_v4(&k);
	uint32_t c = cookie_make(secret0, &k, appliance(), ENDPOINT);
	for (int bit = 0; bit < 40 * 8; bit++) {
		m = k;
		((uint8_t *)&m)[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CU_ASSERT_NOT_EQUAL(cookie_make(secret0, &m, appliance(), ENDPOINT), c);
	}
}

static void every_appliance_bit_changes_cookie(void)
{
	struct flow_key k;

	key_v4(&k);
	uint32_t c = cookie_make(secret0, &k, appliance(), ENDPOINT);
	for (int bit = 0; bit < 32; bit++)
		CU_ASSERT_NOT_EQUAL(cookie_make(secret0, &k, appliance() ^ (1u << bit), ENDPOINT),
				    c);
}

static void every_endpoint_bit_changes_cookie(void)
{
	struct flow_key k;

	key_v4(&k);
	uint32_t c = cookie_make(secret0, &k, appliance(), ENDPOINT);
	for (int bit = 0; bit < 64; bit++)
		CU_ASSERT_NOT_EQUAL(cookie_make(secret0, &k, appliance(), ENDPOINT ^ (1ULL << bit)),
				    c);
}

static void both_directions_get_the_same_cookie(void)
{
	struct flow_key k1, k2;

	key_v4(&k1);
	key_v4_dir(&k2, 1);
	CU_ASSERT_EQUAL(cookie_make(secret0, &k1, appliance(), ENDPOINT),
			cookie_make(secret0, &k2, appliance(), ENDPOINT));
}

static CU_TestInfo tests[] = {
	{"equal_inputs_give_equal_cookies", equal_inputs_give_equal_cookies},
	{"cookie_is_siphash_of_key_appliance_and_big_endian_endpoint",
	 cookie_is_siphash_of_key_appliance_and_big_endian_endpoint},
	{"cookie_matches_python_reference", cookie_matches_python_reference},
	{"every_secret_bit_changes_cookie", every_secret_bit_changes_cookie},
	{"every_key_bit_changes_cookie", every_key_bit_changes_cookie},
	{"every_appliance_bit_changes_cookie", every_appliance_bit_changes_cookie},
	{"every_endpoint_bit_changes_cookie", every_endpoint_bit_changes_cookie},
	{"both_directions_get_the_same_cookie", both_directions_get_the_same_cookie},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("cookie", tests);
}
