/* SPDX-License-Identifier: BSD-3-Clause */
/* test_csum.c - Internet checksums: known packets (made with scapy), incremental updates. */
#include <string.h>

#include "dataplane/core/csum.h"

#include "tests/unit/cu.h"

/* IPv4 header from the Wikipedia / RFC 1071 literature: checksum 0xb861. */
static const uint8_t ip_hdr_known[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
					 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
					 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

/* IPv4 (IHL 7, record-route option) + UDP, checksum 0x3a35 (scapy). */
static const uint8_t ip_hdr_opts[28] = {0x47, 0x00, 0x00, 0x24, 0x00, 0x63, 0x00, 0x00, 0x11, 0x11,
					0x3a, 0x35, 0xac, 0x10, 0x01, 0x02, 0xac, 0x10, 0x03, 0x04,
					0x07, 0x07, 0x04, 0x01, 0x02, 0x03, 0x04, 0x00};

/* IPv4/UDP 10.0.0.1:40000 -> 192.168.50.11:53 "hello world": IP csum 0x2bde, UDP 0xd4cf. */
static const uint8_t udp4_pkt[39] = {0x45, 0x00, 0x00, 0x27, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11,
				     0x2b, 0xde, 0x0a, 0x00, 0x00, 0x01, 0xc0, 0xa8, 0x32, 0x0b,
				     0x9c, 0x40, 0x00, 0x35, 0x00, 0x13, 0xd4, 0xcf, 0x68, 0x65,
				     0x6c, 0x6c, 0x6f, 0x20, 0x77, 0x6f, 0x72, 0x6c, 0x64};

/* IPv6/TCP 2001:db8::1:443 -> 2001:db8::2:51000, PA, "abc": TCP csum 0xc313. */
static const uint8_t tcp6_pkt[63] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x17, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x01, 0xbb, 0xc7, 0x38, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
	0x50, 0x18, 0x03, 0xe8, 0xc3, 0x13, 0x00, 0x00, 0x61, 0x62, 0x63};

/* IPv6/ICMPv6 echo request id 0x4242 seq 7 "xyz": csum 0xef81. */
static const uint8_t icmp6_pkt[51] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x80, 0x00, 0xef, 0x81, 0x42, 0x42, 0x00, 0x07, 0x78, 0x79, 0x7a};

/* IPv4/ICMP echo request id 0x4242 seq 1 "ping": csum 0xd6eb (no pseudo-header). */
static const uint8_t icmp4_pkt[32] = {0x45, 0x00, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00,
				      0x40, 0x01, 0x66, 0xda, 0x0a, 0x00, 0x00, 0x01,
				      0x0a, 0x00, 0x00, 0x02, 0x08, 0x00, 0xd6, 0xeb,
				      0x42, 0x42, 0x00, 0x01, 0x70, 0x69, 0x6e, 0x67};

/* Fixed-seed xorshift32: the same "random" changes on every run. */
static uint32_t rng_state = 0x12345678u;

static uint32_t rng(void)
{
	return cu_xorshift32(&rng_state);
}

static void partial_sums_big_endian_words_and_pads_odd_length(void)
{
	/* RFC 1071 section 3 example. */
	static const uint8_t rfc[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	static const uint8_t odd[3] = {0x01, 0x02, 0x03};

	CU_ASSERT_EQUAL(csum_fold(csum_partial(rfc, 8, 0)), (uint16_t)~0xddf2);
	CU_ASSERT_EQUAL(csum_partial(odd, 3, 0), 0x0402);
	CU_ASSERT_EQUAL(csum_partial(odd, 0, 0x1234), 0x1234);
	/* An even-length prefix chains with the rest. */
	CU_ASSERT_EQUAL(csum_fold(csum_partial(rfc + 4, 4, csum_partial(rfc, 4, 0))),
			csum_fold(csum_partial(rfc, 8, 0)));
}

static void partial_sum_keeps_carries_of_long_buffers(void)
{
	static uint8_t buf[65536];
	uint32_t s;

	memset(buf, 0xff, sizeof(buf));
	s = csum_partial(buf, sizeof(buf), 0xffffffffu);
	/* All ones: the ones' complement sum is 0xffff whatever the length. */
	CU_ASSERT_EQUAL(csum_fold(s), 0);
}

static void fold_returns_complement_of_folded_sum(void)
{
	CU_ASSERT_EQUAL(csum_fold(0), 0xffff);
	CU_ASSERT_EQUAL(csum_fold(0xffff), 0);
	CU_ASSERT_EQUAL(csum_fold(0x1fffe), 0);
	CU_ASSERT_EQUAL(csum_fold(0x2ddf0), (uint16_t)~0xddf2);
	CU_ASSERT_EQUAL(csum_fold(0xffffffffu), 0);
}

static void ipv4_header_checksum_matches_known_value(void)
{
	CU_ASSERT_EQUAL(csum_ipv4_hdr(ip_hdr_known), 0xb861);
	CU_ASSERT_EQUAL(csum_ipv4_hdr(udp4_pkt), 0x2bde);
	CU_ASSERT_EQUAL(csum_ipv4_hdr(icmp4_pkt), 0x66da);
}

static void ipv4_header_checksum_ignores_checksum_field(void)
{
	uint8_t h[20];

	memcpy(h, ip_hdr_known, sizeof(h));
	h[10] = 0x12;
	h[11] = 0x34;
	CU_ASSERT_EQUAL(csum_ipv4_hdr(h), 0xb861);
	h[10] = h[11] = 0;
	CU_ASSERT_EQUAL(csum_ipv4_hdr(h), 0xb861);
}

static void ipv4_header_checksum_covers_options(void)
{
	uint8_t h[28];

	CU_ASSERT_EQUAL(csum_ipv4_hdr(ip_hdr_opts), 0x3a35);
	memcpy(h, ip_hdr_opts, sizeof(h));
	h[25] ^= 0x10; /* inside the options */
	CU_ASSERT_NOT_EQUAL(csum_ipv4_hdr(h), 0x3a35);
}

static void stored_ipv4_checksum_sums_to_zero(void)
{
	CU_ASSERT_EQUAL(csum_fold(csum_partial(ip_hdr_known, 20, 0)), 0);
	CU_ASSERT_EQUAL(csum_fold(csum_partial(ip_hdr_opts, 28, 0)), 0);
}

/* A captured packet whose L4 checksum is known: where its fields are, what the sum must be. */
struct known_l4 {
	const uint8_t *pkt;
	size_t len;
	uint8_t family, proto;
	size_t saddr, daddr, l4, ck; /* offsets */
	uint32_t l4_len;
	uint16_t want;
};

/* csum_l4 over the packet with its checksum field zeroed gives want; the stored one verifies. */
static void check_known_l4(const struct known_l4 *k)
{
	uint8_t p[64];

	CU_ASSERT_FATAL(k->len <= sizeof(p));
	memcpy(p, k->pkt, k->len);
	p[k->ck] = p[k->ck + 1] = 0;
	CU_ASSERT_EQUAL(
		csum_l4(k->family, p + k->saddr, p + k->daddr, k->proto, p + k->l4, k->l4_len),
		k->want);
	CU_ASSERT_TRUE(csum_l4_ok(k->family, k->pkt + k->saddr, k->pkt + k->daddr, k->proto,
				  k->pkt + k->l4, k->l4_len));
}

/* UDP over IPv4, TCP over IPv6, ICMPv6 (pseudo-header) and ICMPv4 (none). */
static void l4_checksums_match_known_packets(void)
{
	static const struct known_l4 known[] = {
		{udp4_pkt, sizeof(udp4_pkt), 4, 17, 12, 16, 20, 26, 19, 0xd4cf},
		{tcp6_pkt, sizeof(tcp6_pkt), 6, 6, 8, 24, 40, 56, 23, 0xc313},
		{icmp6_pkt, sizeof(icmp6_pkt), 6, 58, 8, 24, 40, 42, 11, 0xef81},
		{icmp4_pkt, sizeof(icmp4_pkt), 4, 1, 12, 16, 20, 22, 12, 0xd6eb},
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		check_known_l4(&known[i]);
}

static void icmpv4_checksum_has_no_pseudo_header(void)
{
	uint8_t p[sizeof(icmp4_pkt)];

	memcpy(p, icmp4_pkt, sizeof(p));
	p[22] = p[23] = 0;
	CU_ASSERT_EQUAL(csum_l4(4, p + 12, p + 16, 1, p + 20, 12),
			csum_fold(csum_partial(p + 20, 12, 0)));
}

static void pseudo_header_sum_matches_manual_sum(void)
{
	const uint8_t *s = udp4_pkt + 12, *d = udp4_pkt + 16;
	uint32_t want = 0x0a00 + 0x0001 + 0xc0a8 + 0x320b + 17 + 19;

	CU_ASSERT_EQUAL(csum_fold(csum_pseudo(4, s, d, 17, 19)), csum_fold(want));
	/* IPv6: the 32-bit length's high half counts too. */
	CU_ASSERT_EQUAL(csum_fold(csum_pseudo(6, tcp6_pkt + 8, tcp6_pkt + 24, 6, 0x10005)),
			csum_fold(csum_pseudo(6, tcp6_pkt + 8, tcp6_pkt + 24, 6, 6)));
}

static void corrupted_segment_fails_verification(void)
{
	uint8_t p[sizeof(udp4_pkt)];

	for (size_t i = 20; i < sizeof(p); i++) {
		memcpy(p, udp4_pkt, sizeof(p));
		p[i] ^= 0x01;
		CU_ASSERT_FALSE(csum_l4_ok(4, p + 12, p + 16, 17, p + 20, 19));
	}
	/* A wrong address (pseudo-header) too. */
	memcpy(p, udp4_pkt, sizeof(p));
	p[19] ^= 0x80;
	CU_ASSERT_FALSE(csum_l4_ok(4, p + 12, p + 16, 17, p + 20, 19));
}

static void udp_computed_zero_is_sent_as_ffff(void)
{
	uint8_t saddr[4] = {10, 0, 0, 1}, daddr[4] = {10, 0, 0, 2};
	uint8_t udp[12] = {0x30, 0x39, 0x17, 0xc1, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	uint16_t adj;

	/* Pick the last payload word so that the data sums to 0xffff: checksum 0. */
	adj = csum_fold(csum_pseudo(4, saddr, daddr, 17, 12) + csum_partial(udp, 12, 0));
	sl_put_be16(udp + 10, adj);
	CU_ASSERT_EQUAL(csum_fold(csum_pseudo(4, saddr, daddr, 17, 12) + csum_partial(udp, 12, 0)),
			0);
	CU_ASSERT_EQUAL(csum_l4(4, saddr, daddr, 17, udp, 12), 0xffff);
	/* 0xffff stored verifies. */
	sl_put_be16(udp + 6, 0xffff);
	CU_ASSERT_TRUE(csum_l4_ok(4, saddr, daddr, 17, udp, 12));
}

static void tcp_computed_zero_stays_zero(void)
{
	uint8_t saddr[4] = {10, 0, 0, 1}, daddr[4] = {10, 0, 0, 2};
	uint8_t tcp[20] = {0x30, 0x39, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x10, 0x10, 0x00};
	uint16_t adj;

	adj = csum_fold(csum_pseudo(4, saddr, daddr, 6, 20) + csum_partial(tcp, 20, 0));
	sl_put_be16(tcp + 18, adj); /* urgent pointer word */
	CU_ASSERT_EQUAL(csum_l4(4, saddr, daddr, 6, tcp, 20), 0);
	CU_ASSERT_TRUE(csum_l4_ok(4, saddr, daddr, 6, tcp, 20));
}

/* 20 random bytes made an IPv4 header (version 4, IHL 5) with its checksum set. */
static void random_ip4_hdr(uint8_t h[20])
{
	for (int i = 0; i < 20; i++)
		h[i] = (uint8_t)rng();
	h[0] = 0x45;
	sl_put_be16(h + 10, csum_ipv4_hdr(h));
}

static void incremental_update16_equals_full_recompute(void)
{
	uint8_t h[20];

	for (int iter = 0; iter < 10000; iter++) {
		random_ip4_hdr(h);
		/* any 16-bit word but version/IHL (it sets the length) and the checksum */
		int w = 1 + (int)(rng() % 8);
		int off = w < 5 ? 2 * w : 2 * w + 2;
		uint16_t old = sl_get_be16(h + off), new_ = (uint16_t)rng();
		uint16_t upd = csum_update16(sl_get_be16(h + 10), old, new_);

		sl_put_be16(h + off, new_);
		CU_ASSERT_EQUAL_FATAL(upd, csum_ipv4_hdr(h));
	}
}

static void incremental_update32_equals_full_recompute(void)
{
	uint8_t h[20];

	for (int iter = 0; iter < 10000; iter++) {
		random_ip4_hdr(h);
		int off = rng() & 1 ? 12 : 16; /* saddr or daddr */
		uint32_t old = sl_get_be32(h + off), new_ = rng();
		uint16_t upd = csum_update32(sl_get_be16(h + 10), old, new_);

		sl_put_be32(h + off, new_);
		CU_ASSERT_EQUAL_FATAL(upd, csum_ipv4_hdr(h));
	}
}

static void incremental_addr_update_equals_full_recompute_v4_and_v6(void)
{
	uint8_t seg[40], s6[16], d6[16], n6[16], s4[4], d4[4], n4[4];

	for (int iter = 0; iter < 5000; iter++) {
		for (int i = 0; i < 40; i++)
			seg[i] = (uint8_t)rng();
		for (int i = 0; i < 16; i++) {
			s6[i] = (uint8_t)rng();
			d6[i] = (uint8_t)rng();
			n6[i] = (uint8_t)rng();
		}
		memcpy(s4, s6, 4);
		memcpy(d4, d6, 4);
		memcpy(n4, n6, 4);
		/* TCP over IPv6: NAT the destination. */
		seg[16] = seg[17] = 0;
		uint16_t c = csum_l4(6, s6, d6, 6, seg, 40);
		uint16_t upd = csum_update_addr(c, 6, d6, n6);
		CU_ASSERT_EQUAL_FATAL(upd, csum_l4(6, s6, n6, 6, seg, 40));
		/* TCP over IPv4: NAT the source; same as update32. */
		c = csum_l4(4, s4, d4, 6, seg, 40);
		upd = csum_update_addr(c, 4, s4, n4);
		CU_ASSERT_EQUAL_FATAL(upd, csum_l4(4, n4, d4, 6, seg, 40));
		CU_ASSERT_EQUAL_FATAL(upd, csum_update32(c, sl_get_be32(s4), sl_get_be32(n4)));
	}
}

static void incremental_update_of_known_packet(void)
{
	/* 192.168.0.1 -> 192.168.0.199, TTL 64 -> 63 (word 0x4011 -> 0x3f11). */
	uint8_t h[20];

	memcpy(h, ip_hdr_known, sizeof(h));
	uint16_t upd = csum_update16(0xb861, 0x4011, 0x3f11);
	h[8] = 63;
	CU_ASSERT_EQUAL(upd, csum_ipv4_hdr(h));
	CU_ASSERT_EQUAL(upd, 0xb961);
}

/* RFC 1812 5.2.2: the checksum over the whole header (options included) must verify. */
static void ipv4_header_checksum_verifies_whole_header(void)
{
	uint8_t h[24];
	unsigned int i;

	memcpy(h, ip_hdr_known, 20);
	CU_ASSERT_EQUAL(csum_ipv4_hdr_ok(h, 20), 1);
	for (i = 0; i < 20; i++) { /* any bit flipped anywhere, the checksum's own included */
		h[i] ^= 0x04;
		CU_ASSERT_EQUAL(csum_ipv4_hdr_ok(h, 20), 0);
		h[i] ^= 0x04;
	}
	/* with 4 bytes of options (IHL 6): they count */
	h[0] = 0x46;
	h[20] = 0x01, h[21] = 0x01, h[22] = 0x01, h[23] = 0x00; /* NOP NOP NOP EOL */
	sl_put_be16(h + 10, 0);
	sl_put_be16(h + 10, csum_ipv4_hdr(h));
	CU_ASSERT_EQUAL(csum_ipv4_hdr_ok(h, 24), 1);
	h[22] = 0x00;
	CU_ASSERT_EQUAL(csum_ipv4_hdr_ok(h, 24), 0);
	CU_ASSERT_EQUAL(csum_ipv4_hdr_ok(h, 20), 0); /* the options left out: wrong */
}

static CU_TestInfo tests[] = {
	{"ipv4_header_checksum_verifies_whole_header", ipv4_header_checksum_verifies_whole_header},
	{"partial_sums_big_endian_words_and_pads_odd_length",
	 partial_sums_big_endian_words_and_pads_odd_length},
	{"partial_sum_keeps_carries_of_long_buffers", partial_sum_keeps_carries_of_long_buffers},
	{"fold_returns_complement_of_folded_sum", fold_returns_complement_of_folded_sum},
	{"ipv4_header_checksum_matches_known_value", ipv4_header_checksum_matches_known_value},
	{"ipv4_header_checksum_ignores_checksum_field",
	 ipv4_header_checksum_ignores_checksum_field},
	{"ipv4_header_checksum_covers_options", ipv4_header_checksum_covers_options},
	{"stored_ipv4_checksum_sums_to_zero", stored_ipv4_checksum_sums_to_zero},
	{"l4_checksums_match_known_packets", l4_checksums_match_known_packets},
	{"icmpv4_checksum_has_no_pseudo_header", icmpv4_checksum_has_no_pseudo_header},
	{"pseudo_header_sum_matches_manual_sum", pseudo_header_sum_matches_manual_sum},
	{"corrupted_segment_fails_verification", corrupted_segment_fails_verification},
	{"udp_computed_zero_is_sent_as_ffff", udp_computed_zero_is_sent_as_ffff},
	{"tcp_computed_zero_stays_zero", tcp_computed_zero_stays_zero},
	{"incremental_update16_equals_full_recompute", incremental_update16_equals_full_recompute},
	{"incremental_update32_equals_full_recompute", incremental_update32_equals_full_recompute},
	{"incremental_addr_update_equals_full_recompute_v4_and_v6",
	 incremental_addr_update_equals_full_recompute_v4_and_v6},
	{"incremental_update_of_known_packet", incremental_update_of_known_packet},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("csum", tests);
}
