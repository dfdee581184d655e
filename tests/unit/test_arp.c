/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_arp.c - ARP parse / reply / request: field checks, exact frames, every truncation.
 */
#include <string.h>

#include "tests/unit/cu.h"
#include "dataplane/core/arp.h"

static const uint8_t our_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x0a, 0x01};

/* who-has 10.0.1.10 tell 10.0.1.20 (from 02:00:00:00:00:14), as on the wire after Ethernet */
static const uint8_t request_hdr[28] = {
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, /* htype 1, ptype IPv4, 6, 4, op 1 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x14,		/* sha */
	0x0a, 0x00, 0x01, 0x14,				/* spa 10.0.1.20 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00,		/* tha */
	0x0a, 0x00, 0x01, 0x0a,				/* tpa 10.0.1.10 */
};

static const uint8_t expected_reply[42] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x14,		/* Ethernet dst: the asker */
	0x02, 0x00, 0x00, 0x00, 0x0a, 0x01,		/* Ethernet src: us */
	0x08, 0x06,					/* ARP */
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, /* htype 1, ptype IPv4, 6, 4, op 2 */
	0x02, 0x00, 0x00, 0x00, 0x0a, 0x01,		/* sha: us */
	0x0a, 0x00, 0x01, 0x0a,				/* spa: the address asked for */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x14,		/* tha: the asker */
	0x0a, 0x00, 0x01, 0x14,				/* tpa: the asker's address */
};

/* who-has 10.0.1.1 tell 10.0.1.10 */
static const uint8_t expected_request[42] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,		/* broadcast */
	0x02, 0x00, 0x00, 0x00, 0x0a, 0x01,		/* us */
	0x08, 0x06,					/* ARP */
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, /* htype 1, ptype IPv4, 6, 4, op 1 */
	0x02, 0x00, 0x00, 0x00, 0x0a, 0x01,		/* sha: us */
	0x0a, 0x00, 0x01, 0x0a,				/* spa 10.0.1.10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00,		/* tha: unknown */
	0x0a, 0x00, 0x01, 0x01,				/* tpa 10.0.1.1 */
};

/* What arp_parse() read, field by field; tha is not checked when NULL. */
static void expect_arp(const struct arp_info *a, uint16_t op, const uint8_t *sha, uint32_t spa,
		       const uint8_t *tha, uint32_t tpa)
{
	CU_ASSERT_EQUAL(a->op, op);
	CU_ASSERT_EQUAL(memcmp(a->sha, sha, 6), 0);
	CU_ASSERT_EQUAL(a->spa_be, sl_htonl(spa));
	if (tha)
		CU_ASSERT_EQUAL(memcmp(a->tha, tha, 6), 0);
	CU_ASSERT_EQUAL(a->tpa_be, sl_htonl(tpa));
}

static void test_arp_parse_reads_request_fields(void)
{
	static const uint8_t sha[6] = {0x02, 0, 0, 0, 0, 0x14};
	static const uint8_t zero[6] = {0};
	struct arp_info a;

	memset(&a, 0xEE, sizeof(a));
	CU_ASSERT_EQUAL(arp_parse(request_hdr, request_hdr + sizeof(request_hdr), &a), 0);
	expect_arp(&a, ARP_OP_REQUEST, sha, 0x0A000114u, zero, 0x0A00010Au);
}

static void test_arp_parse_accepts_reply_and_ignores_trailing_bytes(void)
{
	uint8_t p[46];
	struct arp_info a;

	memset(p, 0x55, sizeof(p)); /* Ethernet padding after the header */
	memcpy(p, expected_reply + 14, 28);
	CU_ASSERT_EQUAL(arp_parse(p, p + sizeof(p), &a), 0);
	expect_arp(&a, ARP_OP_REPLY, our_mac, 0x0A00010Au, NULL, 0x0A000114u);
}

static void expect_parse_refused(int byte, uint8_t value)
{
	uint8_t p[28];
	struct arp_info a;

	memcpy(p, request_hdr, sizeof(p));
	p[byte] = value;
	CU_ASSERT_EQUAL(arp_parse(p, p + sizeof(p), &a), -EINVAL);
}

static void test_arp_parse_refuses_other_hardware_protocol_and_sizes(void)
{
	expect_parse_refused(1, 6);    /* htype 6 (IEEE 802) */
	expect_parse_refused(0, 1);    /* htype 0x0101 */
	expect_parse_refused(2, 0x86); /* ptype 0x8600 */
	expect_parse_refused(3, 0x06); /* ptype 0x0806 */
	expect_parse_refused(4, 8);    /* hlen 8 */
	expect_parse_refused(4, 0);
	expect_parse_refused(5, 16); /* plen 16 */
	expect_parse_refused(5, 0);
}

static void test_arp_parse_refuses_other_operations(void)
{
	static const uint8_t ops[] = {0, 3, 4, 8, 9, 255};
	size_t i;

	for (i = 0; i < sizeof(ops); i++)
		expect_parse_refused(7, ops[i]);
	expect_parse_refused(6, 1); /* op 0x0101 */
}

static void test_arp_parse_every_truncation_length(void)
{
	struct arp_info a;
	size_t len;

	for (len = 0; len < sizeof(request_hdr); len++) {
		uint8_t p[28];

		memcpy(p, request_hdr, len); /* bytes past len stay uninitialised (valgrind) */
		CU_ASSERT_EQUAL(arp_parse(p, p + len, &a), -EINVAL);
	}
	CU_ASSERT_EQUAL(arp_parse(request_hdr, request_hdr + 28, &a), 0);
}

static void test_arp_reply_is_exact(void)
{
	uint8_t f[64];
	struct arp_info req;

	memset(f, 0xEE, sizeof(f));
	CU_ASSERT_EQUAL_FATAL(arp_parse(request_hdr, request_hdr + 28, &req), 0);
	CU_ASSERT_EQUAL(arp_reply_build(f, sizeof(f), our_mac, &req), ARP_FRAME_LEN);
	CU_ASSERT_EQUAL(memcmp(f, expected_reply, sizeof(expected_reply)), 0);
	CU_ASSERT_EQUAL(f[42], 0xEE); /* not padded */
}

static void test_arp_reply_built_in_place_over_the_request(void)
{
	uint8_t f[60];
	struct arp_info req;

	memset(f, 0, sizeof(f));
	memset(f, 0xFF, 6);
	memcpy(f + 6, request_hdr + 8, 6);
	sl_put_be16(f + 12, 0x0806);
	memcpy(f + 14, request_hdr, 28);
	CU_ASSERT_EQUAL_FATAL(arp_parse(f + 14, f + sizeof(f), &req), 0);
	CU_ASSERT_EQUAL(arp_reply_build(f, sizeof(f), our_mac, &req), 42);
	CU_ASSERT_EQUAL(memcmp(f, expected_reply, 42), 0);
}

static void test_arp_reply_parses_back(void)
{
	uint8_t f[42];
	struct arp_info req, rep;

	CU_ASSERT_EQUAL_FATAL(arp_parse(request_hdr, request_hdr + 28, &req), 0);
	CU_ASSERT_EQUAL_FATAL(arp_reply_build(f, sizeof(f), our_mac, &req), 42);
	CU_ASSERT_EQUAL(arp_parse(f + 14, f + 42, &rep), 0);
	CU_ASSERT_EQUAL(rep.op, ARP_OP_REPLY);
	CU_ASSERT_EQUAL(memcmp(rep.sha, our_mac, 6), 0);
	CU_ASSERT_EQUAL(rep.spa_be, req.tpa_be);
	CU_ASSERT_EQUAL(memcmp(rep.tha, req.sha, 6), 0);
	CU_ASSERT_EQUAL(rep.tpa_be, req.spa_be);
}

static void test_arp_reply_small_buffer_is_enospc(void)
{
	uint8_t f[42];
	struct arp_info req;

	memset(f, 0xEE, sizeof(f));
	CU_ASSERT_EQUAL_FATAL(arp_parse(request_hdr, request_hdr + 28, &req), 0);
	CU_ASSERT_EQUAL(arp_reply_build(f, 41, our_mac, &req), -ENOSPC);
	CU_ASSERT_EQUAL(arp_reply_build(f, 0, our_mac, &req), -ENOSPC);
	CU_ASSERT_EQUAL(f[0], 0xEE); /* nothing written */
	CU_ASSERT_EQUAL(arp_reply_build(f, 42, our_mac, &req), 42);
}

static void test_arp_request_is_exact(void)
{
	uint8_t f[64];

	memset(f, 0xEE, sizeof(f));
	CU_ASSERT_EQUAL(arp_request_build(f, sizeof(f), our_mac, sl_htonl(0x0A00010Au),
					  sl_htonl(0x0A000101u)),
			ARP_FRAME_LEN);
	CU_ASSERT_EQUAL(memcmp(f, expected_request, sizeof(expected_request)), 0);
	CU_ASSERT_EQUAL(f[42], 0xEE);
}

static void test_arp_request_parses_back(void)
{
	static const uint8_t zero[6] = {0};
	uint8_t f[42];
	struct arp_info a;

	CU_ASSERT_EQUAL_FATAL(arp_request_build(f, sizeof(f), our_mac, sl_htonl(0x0A00010Au),
						sl_htonl(0x0A000101u)),
			      42);
	CU_ASSERT_EQUAL(arp_parse(f + 14, f + 42, &a), 0);
	expect_arp(&a, ARP_OP_REQUEST, our_mac, 0x0A00010Au, zero, 0x0A000101u);
}

static void test_arp_request_small_buffer_is_enospc(void)
{
	uint8_t f[42];

	memset(f, 0xEE, sizeof(f));
	CU_ASSERT_EQUAL(arp_request_build(f, 41, our_mac, 1, 2), -ENOSPC);
	CU_ASSERT_EQUAL(arp_request_build(f, 0, our_mac, 1, 2), -ENOSPC);
	CU_ASSERT_EQUAL(f[0], 0xEE);
	CU_ASSERT_EQUAL(arp_request_build(f, 42, our_mac, 1, 2), 42);
}

static CU_TestInfo tests[] = {
	{"parse_reads_request_fields", test_arp_parse_reads_request_fields},
	{"parse_accepts_reply_and_ignores_trailing_bytes",
	 test_arp_parse_accepts_reply_and_ignores_trailing_bytes},
	{"parse_refuses_other_hardware_protocol_and_sizes",
	 test_arp_parse_refuses_other_hardware_protocol_and_sizes},
	{"parse_refuses_other_operations", test_arp_parse_refuses_other_operations},
	{"parse_every_truncation_length", test_arp_parse_every_truncation_length},
	{"reply_is_exact", test_arp_reply_is_exact},
	{"reply_built_in_place_over_the_request", test_arp_reply_built_in_place_over_the_request},
	{"reply_parses_back", test_arp_reply_parses_back},
	{"reply_small_buffer_is_enospc", test_arp_reply_small_buffer_is_enospc},
	{"request_is_exact", test_arp_request_is_exact},
	{"request_parses_back", test_arp_request_parses_back},
	{"request_small_buffer_is_enospc", test_arp_request_small_buffer_is_enospc},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("arp", tests);
}
