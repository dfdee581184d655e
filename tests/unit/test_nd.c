/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_nd.c - IPv6 neighbour discovery: solicitations we build parse back, advertisements
 * answer the right party with the right flags, and malformed messages are refused.
 */
#include <string.h>

#include "tests/unit/cu.h"
#include "dataplane/core/nd.h"

static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0xaa, 0x01};
static const uint8_t our_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t peer_ip[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x0a, [15] = 0x64};
static const uint8_t our_ip[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x0a, [15] = 0x10};

static void test_nd_solicitation_goes_to_solicited_node_multicast(void)
{
	static const uint8_t dst[16] = {0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 0x10};
	static const uint8_t dmac[6] = {0x33, 0x33, 0xff, 0, 0, 0x10};
	uint8_t f[ND_FRAME_LEN];

	CU_ASSERT_EQUAL(nd_ns_build(f, sizeof(f), peer_mac, peer_ip, our_ip), ND_FRAME_LEN);
	CU_ASSERT_EQUAL(memcmp(f, dmac, 6), 0);
	CU_ASSERT_EQUAL(memcmp(f + 6, peer_mac, 6), 0);
	CU_ASSERT_EQUAL(sl_get_be16(f + 12), 0x86DD);
	CU_ASSERT_EQUAL(f[14 + 7], 255); /* hop limit */
	CU_ASSERT_EQUAL(memcmp(f + 14 + 24, dst, 16), 0);
	CU_ASSERT_EQUAL(f[54], ND_NS);
	CU_ASSERT_TRUE(csum_l4_ok(6, f + 22, f + 38, 58, f + 54, 32));
}

static void test_nd_parse_reads_solicitation(void)
{
	uint8_t f[ND_FRAME_LEN];
	struct nd_info nd = {0};

	nd_ns_build(f, sizeof(f), peer_mac, peer_ip, our_ip);
	CU_ASSERT_EQUAL(nd_parse(f + 14, f + sizeof(f), &nd), 0);
	CU_ASSERT_EQUAL(nd.type, ND_NS);
	CU_ASSERT_EQUAL(memcmp(nd.target, our_ip, 16), 0);
	CU_ASSERT_TRUE(nd.has_ll);
	CU_ASSERT_EQUAL(memcmp(nd.ll, peer_mac, 6), 0);
}

static void test_nd_advert_answers_the_solicitor_solicited_override(void)
{
	uint8_t ns[ND_FRAME_LEN], na[ND_FRAME_LEN];
	struct nd_info nd = {0}, back = {0};

	nd_ns_build(ns, sizeof(ns), peer_mac, peer_ip, our_ip);
	CU_ASSERT_EQUAL(nd_parse(ns + 14, ns + sizeof(ns), &nd), 0);
	CU_ASSERT_EQUAL(nd_na_build(na, sizeof(na), our_mac, &nd, peer_ip, peer_mac), ND_FRAME_LEN);
	CU_ASSERT_EQUAL(memcmp(na, peer_mac, 6), 0);
	CU_ASSERT_EQUAL(memcmp(na + 6, our_mac, 6), 0);
	CU_ASSERT_EQUAL(memcmp(na + 22, our_ip, 16), 0); /* from the target address */
	CU_ASSERT_EQUAL(memcmp(na + 38, peer_ip, 16), 0);
	CU_ASSERT_EQUAL(nd_parse(na + 14, na + sizeof(na), &back), 0);
	CU_ASSERT_EQUAL(back.type, ND_NA);
	CU_ASSERT_EQUAL(back.flags, ND_NA_SOLICITED | ND_NA_OVERRIDE);
	CU_ASSERT_EQUAL(memcmp(back.target, our_ip, 16), 0);
	CU_ASSERT_TRUE(back.has_ll);
	CU_ASSERT_EQUAL(memcmp(back.ll, our_mac, 6), 0);
}

static void test_nd_advert_for_dad_goes_to_all_nodes(void)
{
	static const uint8_t unspec[16];
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
	uint8_t ns[ND_FRAME_LEN], na[ND_FRAME_LEN];
	struct nd_info nd = {0}, back = {0};

	nd_ns_build(ns, sizeof(ns), peer_mac, unspec, our_ip);
	CU_ASSERT_EQUAL(nd_parse(ns + 14, ns + sizeof(ns), &nd), 0);
	nd_na_build(na, sizeof(na), our_mac, &nd, unspec, peer_mac);
	CU_ASSERT_EQUAL(memcmp(na + 38, all_nodes, 16), 0);
	CU_ASSERT_EQUAL(na[0], 0x33);
	CU_ASSERT_EQUAL(nd_parse(na + 14, na + sizeof(na), &back), 0);
	CU_ASSERT_EQUAL(back.flags, ND_NA_OVERRIDE);
}

static void expect_refused(unsigned int off, uint8_t value, int fix_csum)
{
	uint8_t f[ND_FRAME_LEN];
	struct nd_info nd = {0};

	nd_ns_build(f, sizeof(f), peer_mac, peer_ip, our_ip);
	f[off] = value;
	if (fix_csum) {
		f[56] = f[57] = 0;
		sl_put_be16(f + 56, csum_l4(6, f + 22, f + 38, 58, f + 54, 32));
	}
	CU_ASSERT_EQUAL(nd_parse(f + 14, f + sizeof(f), &nd), -EINVAL);
}

static void test_nd_refuses_malformed(void)
{
	expect_refused(14 + 7, 64, 0);	  /* hop limit not 255: from off-link */
	expect_refused(54 + 1, 1, 1);	  /* code != 0 */
	expect_refused(54 + 20, 0x55, 0); /* bad checksum */
	expect_refused(54 + 8, 0xff, 1);  /* multicast target */
	expect_refused(54 + 25, 0, 1);	  /* zero-length option */
	expect_refused(54 + 25, 2, 1);	  /* option longer than the packet */
	expect_refused(54, 128, 1);	  /* not NS/NA */
	expect_refused(14 + 6, 17, 0);	  /* next header not ICMPv6 */
}

static void test_nd_every_truncation_is_refused(void)
{
	uint8_t f[ND_FRAME_LEN];
	struct nd_info nd = {0};
	unsigned int len;

	nd_ns_build(f, sizeof(f), peer_mac, peer_ip, our_ip);
	for (len = 0; len < sizeof(f) - 14; len++)
		CU_ASSERT_EQUAL(nd_parse(f + 14, f + 14 + len, &nd), -EINVAL);
}

static void test_nd_small_buffers_are_enospc(void)
{
	uint8_t f[ND_FRAME_LEN];
	struct nd_info nd = {.type = ND_NS};

	CU_ASSERT_EQUAL(nd_ns_build(f, ND_FRAME_LEN - 1, peer_mac, peer_ip, our_ip), -ENOSPC);
	CU_ASSERT_EQUAL(nd_na_build(f, ND_FRAME_LEN - 1, our_mac, &nd, peer_ip, peer_mac), -ENOSPC);
}

static CU_TestInfo tests[] = {
	{"solicitation_goes_to_solicited_node_multicast",
	 test_nd_solicitation_goes_to_solicited_node_multicast},
	{"parse_reads_solicitation", test_nd_parse_reads_solicitation},
	{"advert_answers_the_solicitor_solicited_override",
	 test_nd_advert_answers_the_solicitor_solicited_override},
	{"advert_for_dad_goes_to_all_nodes", test_nd_advert_for_dad_goes_to_all_nodes},
	{"refuses_malformed", test_nd_refuses_malformed},
	{"every_truncation_is_refused", test_nd_every_truncation_is_refused},
	{"small_buffers_are_enospc", test_nd_small_buffers_are_enospc},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("nd", tests);
}
