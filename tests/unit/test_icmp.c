/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_icmp.c - ICMP errors (fragmentation needed, packet too big) and echo replies: exact bytes
 * against references built with scapy, checksums re-verified, every refusal, every truncation.
 */
#include <string.h>

#include "tests/unit/cu.h"
#include "dataplane/core/csum.h"
#include "dataplane/core/icmp.h"

/*
 * Reference packets, generated with scapy 2.5 (independently of csum.h):
 *   orig4 = IP(src='10.1.2.3', dst='10.9.8.7', id=0x1234, flags='DF', ttl=63)
 *           / UDP(sport=1234, dport=80) / b'hello!'
 *   IP(id=0, flags=0, ttl=64, proto=1, src='192.0.2.1', dst='10.1.2.3')
 *           / ICMP(type=3, code=4, nexthopmtu=1432) / orig4
 */
static const uint8_t orig4[34] = {
	0x45, 0x00, 0x00, 0x22, 0x12, 0x34, 0x40, 0x00, 0x3f, 0x11, 0x0b, 0x84,
	0x0a, 0x01, 0x02, 0x03, 0x0a, 0x09, 0x08, 0x07, 0x04, 0xd2, 0x00, 0x50,
	0x00, 0x0e, 0x98, 0xa9, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x21,
};

static const uint8_t frag_needed4_hdr[28] = {
	0x45, 0x00, 0x00, 0x3e, /* version/IHL, TOS 0, total length 28 + 34 = 62 */
	0x00, 0x00, 0x00, 0x00, /* ID 0, no DF, offset 0 */
	0x40, 0x01, 0xac, 0xba, /* TTL 64, protocol ICMP, header checksum */
	0xc0, 0x00, 0x02, 0x01, /* 192.0.2.1 */
	0x0a, 0x01, 0x02, 0x03, /* the original source */
	0x03, 0x04, 0x15, 0x97, /* type 3, code 4, checksum */
	0x00, 0x00, 0x05, 0x98, /* unused, next-hop MTU 1432 */
};

/*
 *   orig6 = IPv6(src='2001:db8:1::10', dst='2001:db8:2::20', hlim=63, fl=0x12345)
 *           / UDP(sport=1234, dport=80) / b'hello!'
 *   IPv6(src='2001:db8:a::10', dst='2001:db8:1::10', hlim=64) / ICMPv6PacketTooBig(mtu=1432)
 *           / orig6
 */
static const uint8_t orig6[54] = {
	0x60, 0x01, 0x23, 0x45, 0x00, 0x0e, 0x11, 0x3f, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x04, 0xd2,
	0x00, 0x50, 0x00, 0x0e, 0x5b, 0x18, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x21,
};

static const uint8_t too_big6_hdr[48] = {
	0x60, 0x00, 0x00, 0x00, /* version 6, traffic class 0, flow label 0 */
	0x00, 0x3e, 0x3a, 0x40, /* payload length 8 + 54 = 62, next header 58, hop limit 64 */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x0a, 0x00, 0x00, /* 2001:db8:a::10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0x00,
	0x01, 0x00, 0x00, /* the original source */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x02, 0x00, 0x07, 0xde, /* type 2, code 0,
										   checksum */
	0x00, 0x00, 0x05, 0x98,							/* MTU 1432 */
};

static const uint8_t src6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x0a, 0, 0,
				 0,    0,    0,	   0,	 0,    0,    0, 0x10};

/*
 *   IP(src='10.1.2.3', dst='10.0.1.10', id=0x4242, ttl=57, flags='DF')
 *           / ICMP(type=8, id=0x77, seq=3) / b'abcdefgh'   and its reply:
 *   IP(src='10.0.1.10', dst='10.1.2.3', id=0x4242, ttl=64, flags='DF')
 *           / ICMP(type=0, id=0x77, seq=3) / b'abcdefgh'
 */
static const uint8_t echo4[36] = {
	0x45, 0x00, 0x00, 0x24, 0x42, 0x42, 0x40, 0x00, 0x39, 0x01, 0xe8, 0x89,
	0x0a, 0x01, 0x02, 0x03, 0x0a, 0x00, 0x01, 0x0a, 0x08, 0x00, 0x65, 0xf0,
	0x00, 0x77, 0x00, 0x03, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
};

static const uint8_t echo4_reply[36] = {
	0x45, 0x00, 0x00, 0x24, 0x42, 0x42, 0x40, 0x00, 0x40, 0x01, 0xe1, 0x89,
	0x0a, 0x00, 0x01, 0x0a, 0x0a, 0x01, 0x02, 0x03, 0x00, 0x00, 0x6d, 0xf0,
	0x00, 0x77, 0x00, 0x03, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
};

/*
 *   IPv6(src='2001:db8:1::10', dst='2001:db8:a::10', hlim=50)
 *           / ICMPv6EchoRequest(id=0x77, seq=3, data=b'abcdefgh')   and its reply:
 *   IPv6(src='2001:db8:a::10', dst='2001:db8:1::10', hlim=64)
 *           / ICMPv6EchoReply(id=0x77, seq=3, data=b'abcdefgh')
 */
static const uint8_t echo6[56] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x3a, 0x32, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x80, 0x00,
	0x92, 0x08, 0x00, 0x77, 0x00, 0x03, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
};

static const uint8_t echo6_reply[56] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x0a,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x81, 0x00,
	0x91, 0x08, 0x00, 0x77, 0x00, 0x03, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
};

#define SRC4_BE sl_htonl(0xC0000201u) /* 192.0.2.1 */

/* Checksum checks by recomputation over what was written. */
static int ip4_hdr_ok(const uint8_t *ip)
{
	return csum_fold(csum_partial(ip, (ip[0] & 0x0F) * 4u, 0)) == 0;
}

static int icmp4_ok(const uint8_t *ip)
{
	uint32_t ihl = (ip[0] & 0x0F) * 4u;

	return csum_fold(csum_partial(ip + ihl, sl_get_be16(ip + 2) - ihl, 0)) == 0;
}

static int icmp6_ok(const uint8_t *ip)
{
	return csum_l4_ok(6, ip + 8, ip + 24, 58, ip + 40, sl_get_be16(ip + 4));
}

static void fix_ip4(uint8_t *ip)
{
	sl_put_be16(ip + 10, csum_ipv4_hdr(ip));
}

static void fix_icmp4(uint8_t *ip)
{
	uint32_t ihl = (ip[0] & 0x0F) * 4u;
	uint8_t *icmp = ip + ihl;

	sl_put_be16(icmp + 2, 0);
	sl_put_be16(icmp + 2, csum_fold(csum_partial(icmp, sl_get_be16(ip + 2) - ihl, 0)));
}

static void fix_icmp6(uint8_t *ip)
{
	sl_put_be16(ip + 42, 0);
	sl_put_be16(ip + 42, csum_l4(6, ip + 8, ip + 24, 58, ip + 40, sl_get_be16(ip + 4)));
}

/* An IPv4 packet of total length tot: header from orig4, payload bytes i & 0xFF. */
static void make_ip4(uint8_t *p, uint16_t tot, uint8_t proto)
{
	uint32_t i;

	memcpy(p, orig4, 20);
	sl_put_be16(p + 2, tot);
	p[9] = proto;
	for (i = 20; i < tot; i++)
		p[i] = (uint8_t)i;
	fix_ip4(p);
}

/* An IPv6 packet of 40 + plen bytes: header from orig6, payload bytes i & 0xFF. */
static void make_ip6(uint8_t *p, uint16_t plen, uint8_t nh)
{
	uint32_t i;

	memcpy(p, orig6, 40);
	sl_put_be16(p + 4, plen);
	p[6] = nh;
	for (i = 40; i < 40u + plen; i++)
		p[i] = (uint8_t)i;
}

/* ---- IPv4 fragmentation needed ---- */

/* icmp4_frag_needed about the first len bytes of orig is a valid reply of want bytes, its
 * total length want, quoting orig's first want - 28 bytes. */
static void expect_frag_needed(uint8_t *out, size_t cap, const uint8_t *orig, size_t len,
			       uint32_t mtu, int want)
{
	CU_ASSERT_EQUAL(icmp4_frag_needed(out, cap, orig, len, SRC4_BE, mtu), want);
	CU_ASSERT_EQUAL(sl_get_be16(out + 2), want);
	CU_ASSERT_EQUAL(memcmp(out + 28, orig, (size_t)want - 28), 0);
	CU_ASSERT_TRUE(ip4_hdr_ok(out));
	CU_ASSERT_TRUE(icmp4_ok(out));
}

static void test_frag_needed_quote_keeps_reply_within_576(void)
{
	uint8_t orig[1500], out[1600] = {0};

	make_ip4(orig, 1500, 6);
	expect_frag_needed(out, sizeof(out), orig, 1500, 1000, 576);
	CU_ASSERT_EQUAL(sl_get_be16(out + 26), 1000);

	/* exactly 548 bytes of original: all of it, 576 total */
	make_ip4(orig, 548, 6);
	CU_ASSERT_EQUAL(icmp4_frag_needed(out, sizeof(out), orig, 548, SRC4_BE, 1000), 576);
	make_ip4(orig, 549, 6);
	CU_ASSERT_EQUAL(icmp4_frag_needed(out, sizeof(out), orig, 549, SRC4_BE, 1000), 576);
}

static void test_frag_needed_quotes_what_is_present_of_a_truncated_original(void)
{
	uint8_t orig[200], out[300] = {0};

	make_ip4(orig, 200, 17);
	expect_frag_needed(out, sizeof(out), orig, 100, 1432, 128);
}

static void test_frag_needed_quotes_ip_options(void)
{
	uint8_t orig[64], out[100] = {0};

	make_ip4(orig, 64, 17);
	orig[0] = 0x46; /* one word of options (NOPs) */
	memset(orig + 20, 1, 4);
	CU_ASSERT_EQUAL(icmp4_frag_needed(out, sizeof(out), orig, 64, SRC4_BE, 1432), 92);
	CU_ASSERT_EQUAL(out[0], 0x45); /* our own header has none */
	CU_ASSERT_EQUAL(memcmp(out + 28, orig, 64), 0);
	CU_ASSERT_TRUE(icmp4_ok(out));
}

static void test_frag_needed_refuses_icmp_without_type_byte(void)
{
	uint8_t orig[64], out[100] = {0};

	make_ip4(orig, 64, 1);
	CU_ASSERT_EQUAL(icmp4_frag_needed(out, sizeof(out), orig, 20, SRC4_BE, 1432), -EINVAL);
	make_ip4(orig, 20, 1); /* total length ends at the header */
	CU_ASSERT_EQUAL(icmp4_frag_needed(out, sizeof(out), orig, 64, SRC4_BE, 1432), -EINVAL);
	make_ip4(orig, 64, 1);
	orig[20] = 8;
	CU_ASSERT_EQUAL(icmp4_frag_needed(out, sizeof(out), orig, 21, SRC4_BE, 1432), 49);
}

static void test_frag_needed_refuses_non_first_fragment(void)
{
	uint8_t orig[64], out[100] = {0};

	make_ip4(orig, 64, 17);
	sl_put_be16(orig + 6, 0x0001); /* offset 8 bytes */
	CU_ASSERT_EQUAL(icmp4_frag_needed(out, sizeof(out), orig, 64, SRC4_BE, 1432), -EINVAL);
	sl_put_be16(orig + 6, 0x2000 | 0x1FFF); /* MF, largest offset */
	CU_ASSERT_EQUAL(icmp4_frag_needed(out, sizeof(out), orig, 64, SRC4_BE, 1432), -EINVAL);
	sl_put_be16(orig + 6, 0x4000 | 0x0100); /* DF + offset */
	CU_ASSERT_EQUAL(icmp4_frag_needed(out, sizeof(out), orig, 64, SRC4_BE, 1432), -EINVAL);
	sl_put_be16(orig + 6, 0x2000); /* first fragment (MF only) is fine */
	CU_ASSERT_EQUAL(icmp4_frag_needed(out, sizeof(out), orig, 64, SRC4_BE, 1432), 92);
}

static void test_frag_needed_refuses_unanswerable_sources(void)
{
	static const uint32_t bad[] = {0x00000000u, 0xE0000001u, 0xE0000000u, 0xEFFFFFFFu,
				       0xFFFFFFFFu};
	static const uint32_t good[] = {0x0A010203u, 0xDFFFFFFFu, 0x01000000u, 0x7F000001u};
	uint8_t orig[64], out[100] = {0};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_ip4(orig, 64, 17);
		sl_put_be32(orig + 12, bad[i]);
		CU_ASSERT_EQUAL(icmp4_frag_needed(out, sizeof(out), orig, 64, SRC4_BE, 1432),
				-EINVAL);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		make_ip4(orig, 64, 17);
		sl_put_be32(orig + 12, good[i]);
		CU_ASSERT_EQUAL(icmp4_frag_needed(out, sizeof(out), orig, 64, SRC4_BE, 1432), 92);
		CU_ASSERT_EQUAL(sl_get_be32(out + 16), good[i]);
	}
}

static void test_frag_needed_refuses_malformed_original(void)
{
	uint8_t orig[64], out[100] = {0};

	make_ip4(orig, 64, 17);
	orig[0] = 0x65; /* version 6 */
	CU_ASSERT_EQUAL(icmp4_frag_needed(out, sizeof(out), orig, 64, SRC4_BE, 1432), -EINVAL);
	orig[0] = 0x44; /* IHL 4 */
	CU_ASSERT_EQUAL(icmp4_frag_needed(out, sizeof(out), orig, 64, SRC4_BE, 1432), -EINVAL);
	orig[0] = 0x46; /* IHL 6, but only 20 bytes present */
	CU_ASSERT_EQUAL(icmp4_frag_needed(out, sizeof(out), orig, 20, SRC4_BE, 1432), -EINVAL);
	orig[0] = 0x45;
	sl_put_be16(orig + 2, 19); /* total length below the header */
	CU_ASSERT_EQUAL(icmp4_frag_needed(out, sizeof(out), orig, 64, SRC4_BE, 1432), -EINVAL);
}

/* ---- IPv6 packet too big ---- */

static void test_too_big_writes_full_32_bit_mtu(void)
{
	uint8_t out[1300] = {0};

	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig6, sizeof(orig6), src6, 0x01020304u),
			102);
	CU_ASSERT_EQUAL(sl_get_be32(out + 44), 0x01020304u);
	CU_ASSERT_TRUE(icmp6_ok(out));
}

static void test_too_big_quote_keeps_reply_within_1280(void)
{
	uint8_t orig[9000], out[1400] = {0};

	make_ip6(orig, 9000 - 40, 6);
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 9000, src6, 1500), 1280);
	CU_ASSERT_EQUAL(sl_get_be16(out + 4), 1240);
	CU_ASSERT_EQUAL(memcmp(out + 48, orig, 1232), 0);
	CU_ASSERT_TRUE(icmp6_ok(out));

	make_ip6(orig, 1232 - 40, 6);
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 1232, src6, 1500), 1280);
	make_ip6(orig, 1233 - 40, 6);
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 1233, src6, 1500), 1280);
	make_ip6(orig, 1231 - 40, 6);
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 1231, src6, 1500), 1279);
}

/* IPv6 + hop-by-hop (8) + destination options (16) + AH (12) + fragment (8), then type at 84. */
static void make_ext_chain(uint8_t *p, uint8_t last_nh, uint16_t frag_off)
{
	make_ip6(p, 100, 0);
	memset(p + 40, 0, 60);
	p[40] = 60; /* hop-by-hop -> destination options, 8 bytes */
	p[41] = 0;
	p[48] = 51; /* destination options -> AH, 16 bytes */
	p[49] = 1;
	p[64] = 44; /* AH -> fragment, (1 + 2) * 4 = 12 bytes */
	p[65] = 1;
	p[76] = last_nh; /* fragment -> last_nh, 8 bytes */
	sl_put_be16(p + 78, frag_off);
}

static void test_too_big_finds_icmpv6_errors_behind_extension_headers(void)
{
	uint8_t orig[140], out[300] = {0};

	make_ext_chain(orig, 58, 0x0001); /* first fragment (M set) of an ICMPv6 error */
	orig[84] = 1;
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 140, src6, 1280), -EINVAL);
	orig[84] = 128; /* ... of an echo request */
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 140, src6, 1280), 188);
	CU_ASSERT_TRUE(icmp6_ok(out));

	make_ext_chain(orig, 58, 0x0008); /* non-first fragment: no ICMPv6 header to look at */
	orig[84] = 1;
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 140, src6, 1280), 188);

	make_ext_chain(orig, 17, 0); /* UDP behind the chain */
	orig[84] = 1;
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 140, src6, 1280), 188);

	make_ext_chain(orig, 59, 0); /* no next header */
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 140, src6, 1280), 188);
}

static void test_too_big_refuses_undecidable_extension_chains(void)
{
	uint8_t orig[200], out[300] = {0};
	size_t len;
	int i;

	/* truncated anywhere before the ICMPv6 type byte (at 84): cannot tell, refused */
	make_ext_chain(orig, 58, 0);
	orig[84] = 128;
	for (len = 40; len <= 84; len++)
		CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, len, src6, 1280), -EINVAL);
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 85, src6, 1280), 133);

	/* ICMPv6 right after the header, without its type byte */
	make_ip6(orig, 0, 58);
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 40, src6, 1280), -EINVAL);

	/* ICMP6_MAX_EXT destination options headers are walked; one more is too many */
	make_ip6(orig, 160, 60);
	memset(orig + 40, 0, 160);
	for (i = 0; i < ICMP6_MAX_EXT; i++)
		orig[40 + 8 * i] = 60;
	orig[40 + 8 * (ICMP6_MAX_EXT - 1)] = 58;
	orig[40 + 8 * ICMP6_MAX_EXT] = 128;
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 200, src6, 1280), 248);
	orig[40 + 8 * (ICMP6_MAX_EXT - 1)] = 60;
	orig[40 + 8 * ICMP6_MAX_EXT] = 58;
	orig[40 + 8 * (ICMP6_MAX_EXT + 1)] = 128;
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 200, src6, 1280), -EINVAL);
}

static void test_too_big_refuses_unanswerable_sources(void)
{
	static const uint8_t unspec[16] = {0};
	static const uint8_t mcast[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t mcast_global[16] = {0xff, 0x0e, 0, 0, 0, 0, 0, 0,
						 0,    0,    0, 0, 0, 0, 0, 0x42};
	static const uint8_t link_local[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0,
					       0,    0,	   0, 0, 0, 0, 0, 1};
	static const uint8_t low_bit[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	uint8_t orig[60], out[200] = {0};

	memcpy(orig, orig6, sizeof(orig6));
	memcpy(orig + 8, unspec, 16);
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 54, src6, 1280), -EINVAL);
	memcpy(orig + 8, mcast, 16);
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 54, src6, 1280), -EINVAL);
	memcpy(orig + 8, mcast_global, 16);
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 54, src6, 1280), -EINVAL);
	memcpy(orig + 8, link_local, 16);
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 54, src6, 1280), 102);
	CU_ASSERT_EQUAL(memcmp(out + 24, link_local, 16), 0);
	memcpy(orig + 8, low_bit, 16);
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 54, src6, 1280), 102);
}

static void test_too_big_refuses_malformed_original(void)
{
	uint8_t orig[60], out[200] = {0};

	memcpy(orig, orig6, sizeof(orig6));
	orig[0] = 0x45;
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 54, src6, 1280), -EINVAL);
	orig[0] = 0x70;
	CU_ASSERT_EQUAL(icmp6_too_big(out, sizeof(out), orig, 54, src6, 1280), -EINVAL);
}

/* ---- what both "too big" builders do (IPv4 fragmentation needed, IPv6 packet too big) ---- */

static int build4(uint8_t *out, size_t cap, const uint8_t *orig, size_t len, uint32_t mtu)
{
	return icmp4_frag_needed(out, cap, orig, len, SRC4_BE, mtu);
}

static int build6(uint8_t *out, size_t cap, const uint8_t *orig, size_t len, uint32_t mtu)
{
	return icmp6_too_big(out, cap, orig, len, src6, mtu);
}

static int reply4_ok(const uint8_t *out)
{
	return ip4_hdr_ok(out) && icmp4_ok(out);
}

static void make4(uint8_t *p, uint16_t tot, uint8_t proto)
{
	make_ip4(p, tot, proto);
}

static void make6(uint8_t *p, uint16_t tot, uint8_t nh)
{
	make_ip6(p, (uint16_t)(tot - 40), nh);
}

static void unanswerable4(uint8_t *orig)
{
	sl_put_be32(orig + 12, 0); /* source 0.0.0.0 */
}

static void unanswerable6(uint8_t *orig)
{
	orig[8] = 0xff; /* a multicast source */
}

static const uint8_t errors4[] = {3, 4, 5, 11, 12}, others4[] = {0, 8, 13, 14, 1, 2, 6, 255};
static const uint8_t errors6[] = {0, 1, 2, 3, 4, 100, 127}, others6[] = {128, 129, 133, 135, 255};

static const struct tb_family {
	const uint8_t *orig, *hdr; /* the reference original, and our headers for it */
	size_t orig_len, hdr_len;
	size_t min_len;		 /* the shortest original: its IP header */
	size_t len_off, len_add; /* our length field: where, and what it adds to the quote */
	uint16_t in_place_len;	 /* an original whose quote is cut to the longest reply */
	int (*build)(uint8_t *out, size_t cap, const uint8_t *orig, size_t len, uint32_t mtu);
	int (*reply_ok)(const uint8_t *out);
	void (*make)(uint8_t *p, uint16_t tot, uint8_t proto); /* payload bytes i & 0xFF */
	void (*unanswerable)(uint8_t *orig);
	uint8_t icmp;			/* the ICMP protocol (next header) of the family */
	const uint8_t *errors, *others; /* its error types (no reply), and others (a reply) */
	size_t n_errors, n_others;
} families[] = {
	{orig4, frag_needed4_hdr, sizeof(orig4), 28, 20, 2, 28, 1400, build4, reply4_ok, make4,
	 unanswerable4, 1, errors4, others4, sizeof(errors4), sizeof(others4)},
	{orig6, too_big6_hdr, sizeof(orig6), 48, 40, 4, 8, 1500, build6, icmp6_ok, make6,
	 unanswerable6, 58, errors6, others6, sizeof(errors6), sizeof(others6)},
};

#define FOR_EACH_FAMILY(f) for (const struct tb_family *f = families; f < families + 2; f++)

static void test_both_match_reference_bytes(void)
{
	uint8_t out[600];

	FOR_EACH_FAMILY(f)
	{
		size_t n = f->hdr_len + f->orig_len;

		memset(out, 0xEE, sizeof(out));
		CU_ASSERT_EQUAL(f->build(out, sizeof(out), f->orig, f->orig_len, 1432), (int)n);
		CU_ASSERT_EQUAL(memcmp(out, f->hdr, f->hdr_len), 0);
		CU_ASSERT_EQUAL(memcmp(out + f->hdr_len, f->orig, f->orig_len), 0);
		CU_ASSERT_EQUAL(out[n], 0xEE); /* nothing past the reply */
		CU_ASSERT_TRUE(f->reply_ok(out));
	}
}

/* Ethernet padding after the IP length is not quoted. */
static void test_both_do_not_quote_padding_past_ip_length(void)
{
	uint8_t orig[80], out[200] = {0};

	FOR_EACH_FAMILY(f)
	{
		memset(orig, 0, sizeof(orig));
		memcpy(orig, f->orig, f->orig_len);
		CU_ASSERT_EQUAL(f->build(out, sizeof(out), orig, sizeof(orig), 1432),
				(int)(f->hdr_len + f->orig_len));
		CU_ASSERT_EQUAL(memcmp(out, f->hdr, f->hdr_len), 0);
	}
}

static void test_both_every_truncation_length(void)
{
	uint8_t out[200];
	size_t len;
	int r;

	FOR_EACH_FAMILY(f)
	{
		for (len = 0; len <= f->orig_len; len++) {
			memset(out, 0, sizeof(out));
			r = f->build(out, sizeof(out), f->orig, len, 1432);
			if (len < f->min_len) {
				CU_ASSERT_EQUAL(r, -EINVAL);
				continue;
			}
			CU_ASSERT_EQUAL(r, (int)(f->hdr_len + len));
			CU_ASSERT_EQUAL(sl_get_be16(out + f->len_off), f->len_add + len);
			CU_ASSERT_EQUAL(memcmp(out + f->hdr_len, f->orig, len), 0);
			CU_ASSERT_TRUE(f->reply_ok(out));
		}
	}
}

static void test_both_small_buffer_is_enospc(void)
{
	uint8_t orig[60], out[102] = {0};

	FOR_EACH_FAMILY(f)
	{
		size_t n = f->hdr_len + f->orig_len;

		CU_ASSERT_EQUAL(f->build(out, n - 1, f->orig, f->orig_len, 1432), -ENOSPC);
		CU_ASSERT_EQUAL(f->build(out, 0, f->orig, f->orig_len, 1432), -ENOSPC);
		CU_ASSERT_EQUAL(f->build(out, n, f->orig, f->orig_len, 1432), (int)n);
		/* a packet that must not get an error is -EINVAL whatever the buffer */
		memcpy(orig, f->orig, f->orig_len);
		f->unanswerable(orig);
		CU_ASSERT_EQUAL(f->build(out, 0, orig, f->orig_len, 1432), -EINVAL);
	}
}

static void test_both_build_in_place_over_the_original(void)
{
	uint8_t buf[2000], ref[1300];
	int n;

	FOR_EACH_FAMILY(f)
	{
		size_t len = f->in_place_len, h = f->hdr_len;

		/* headers prepended: out = orig - hdr_len */
		memset(ref, 0, sizeof(ref));
		f->make(buf + h, (uint16_t)len, 6);
		n = f->build(ref, sizeof(ref), buf + h, len, 1432);
		CU_ASSERT_EQUAL(n, f == families ? 576 : 1280);
		CU_ASSERT_EQUAL(f->build(buf, sizeof(buf), buf + h, len, 1432), n);
		CU_ASSERT_EQUAL(memcmp(buf, ref, (size_t)n), 0);

		/* same buffer: out == orig */
		f->make(buf, (uint16_t)len, 6);
		CU_ASSERT_EQUAL(f->build(buf, sizeof(buf), buf, len, 1432), n);
		CU_ASSERT_EQUAL(memcmp(buf, ref, (size_t)n), 0);
	}
}

/* No error about an ICMP error; any other ICMP type, or an error type byte of another
 * protocol, gets one. */
static void test_both_refuse_icmp_errors(void)
{
	uint8_t orig[100], out[200] = {0};
	size_t i, ip_len;

	FOR_EACH_FAMILY(f)
	{
		ip_len = f->min_len;
		for (i = 0; i < f->n_errors; i++) {
			f->make(orig, 100, f->icmp);
			orig[ip_len] = f->errors[i];
			CU_ASSERT_EQUAL(f->build(out, sizeof(out), orig, 100, 1280), -EINVAL);
		}
		for (i = 0; i < f->n_others; i++) {
			f->make(orig, 100, f->icmp);
			orig[ip_len] = f->others[i];
			CU_ASSERT_EQUAL(f->build(out, sizeof(out), orig, 100, 1280),
					(int)(f->hdr_len + 100));
		}
		/* an error's type as the first payload byte of UDP is not an ICMP error */
		f->make(orig, 100, 17);
		orig[ip_len] = f->errors[1];
		CU_ASSERT_EQUAL(f->build(out, sizeof(out), orig, 100, 1280),
				(int)(f->hdr_len + 100));
	}
}

/* ---- echo ---- */

static void test_echo4_reply_checksum_verifies_for_every_sequence_number(void)
{
	uint8_t p[36];
	uint32_t seq;
	int bad = 0;

	for (seq = 0; seq < 65536; seq++) {
		memcpy(p, echo4, sizeof(p));
		sl_put_be16(p + 26, (uint16_t)seq);
		p[21] = (uint8_t)seq; /* any code */
		fix_icmp4(p);
		if (icmp_echo_reply(p, sizeof(p), 4) != 36 || p[20] != 0 || !icmp4_ok(p) ||
		    !ip4_hdr_ok(p))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_echo4_reply_keeps_options_and_trailing_bytes(void)
{
	uint8_t p[64], ref[64] = {0};

	memset(p, 0xAB, sizeof(p));
	memcpy(p, echo4, 20);
	p[0] = 0x46;
	sl_put_be16(p + 2, 40);
	memset(p + 20, 1, 4); /* NOP options */
	memcpy(p + 24, echo4 + 20, 16);
	fix_ip4(p);
	fix_icmp4(p);
	memcpy(ref, p, sizeof(p));

	CU_ASSERT_EQUAL(icmp_echo_reply(p, sizeof(p), 4), 64);
	CU_ASSERT_EQUAL(memcmp(p + 12, ref + 16, 4), 0);
	CU_ASSERT_EQUAL(memcmp(p + 16, ref + 12, 4), 0);
	CU_ASSERT_EQUAL(memcmp(p + 20, ref + 20, 4), 0);
	CU_ASSERT_EQUAL(p[8], 64);
	CU_ASSERT_EQUAL(p[24], 0);
	CU_ASSERT_EQUAL(memcmp(p + 28, ref + 28, 64 - 28), 0); /* data and padding as they were */
	CU_ASSERT_TRUE(ip4_hdr_ok(p));
	CU_ASSERT_TRUE(icmp4_ok(p));
}

/* p is left untouched by a refused request. */
static void expect_echo_refused(const uint8_t *p, size_t len, uint8_t family)
{
	uint8_t q[200];

	memcpy(q, p, len);
	CU_ASSERT_EQUAL(icmp_echo_reply(q, len, family), -EINVAL);
	CU_ASSERT_EQUAL(memcmp(q, p, len), 0);
}

/* ---- echo, what both families do ---- */

static void fix_echo4(uint8_t *p)
{
	fix_ip4(p);
	fix_icmp4(p);
}

static const uint8_t flips4[] = {11, 23, 35}; /* IP checksum, ICMP checksum, ICMP data */
static const uint8_t flips6[] = {43, 9};      /* ICMPv6 checksum, source (pseudo-header) */

static const uint8_t not_echo4[] = {0, 3, 13, 128};
static const uint8_t not_echo6[] = {129, 1, 2, 135, 8};

static const struct echo_family {
	uint8_t family;
	const uint8_t *req, *reply; /* reference request and its reply */
	size_t len, min_len;	    /* their length; the shortest request answered */
	size_t len_off, ip_hdr;	    /* the IP length field, and what it leaves out */
	void (*fix)(uint8_t *p);    /* the checksums, after a change */
	int (*reply_ok)(const uint8_t *p);
	uint8_t reply_type;
	const uint8_t *flips; /* a bit flipped there breaks a checksum */
	size_t n_flips;
	const uint8_t *others; /* ICMP types that are no echo request */
	size_t n_others;
} echoes[] = {
	{4, echo4, echo4_reply, sizeof(echo4), 28, 2, 0, fix_echo4, reply4_ok, 0, flips4,
	 sizeof(flips4), not_echo4, sizeof(not_echo4)},
	{6, echo6, echo6_reply, sizeof(echo6), 48, 4, 40, fix_icmp6, icmp6_ok, 129, flips6,
	 sizeof(flips6), not_echo6, sizeof(not_echo6)},
};

#define FOR_EACH_ECHO(e) for (const struct echo_family *e = echoes; e < echoes + 2; e++)

static void test_echo_reply_matches_reference_bytes(void)
{
	uint8_t p[56];

	FOR_EACH_ECHO(e)
	{
		memcpy(p, e->req, e->len);
		CU_ASSERT_EQUAL(icmp_echo_reply(p, e->len, e->family), (int)e->len);
		CU_ASSERT_EQUAL(memcmp(p, e->reply, e->len), 0);
		CU_ASSERT_TRUE(e->reply_ok(p));
	}
}

static void test_echo_every_truncation_length(void)
{
	uint8_t p[56];
	size_t len;

	FOR_EACH_ECHO(e)
	{
		for (len = 0; len < e->len; len++)
			expect_echo_refused(e->req, len, e->family);
		/* a shorter request whose IP length matches is fine at every length from min_len */
		for (len = e->min_len; len <= e->len; len++) {
			memcpy(p, e->req, len);
			sl_put_be16(p + e->len_off, (uint16_t)(len - e->ip_hdr));
			e->fix(p);
			CU_ASSERT_EQUAL(icmp_echo_reply(p, len, e->family), (int)len);
			CU_ASSERT_EQUAL(p[e->family == 4 ? 20 : 40], e->reply_type);
			CU_ASSERT_TRUE(e->reply_ok(p));
		}
	}
}

/* The IPv4 reference request with one byte or 16-bit field changed (IP checksum fixed):
 * refused. */
static void refused4_byte(size_t off, uint8_t v)
{
	uint8_t p[sizeof(echo4)];

	memcpy(p, echo4, sizeof(p));
	p[off] = v;
	fix_ip4(p);
	expect_echo_refused(p, sizeof(p), 4);
}

static void refused4_be16(size_t off, uint16_t v)
{
	uint8_t p[sizeof(echo4)];

	memcpy(p, echo4, sizeof(p));
	sl_put_be16(p + off, v);
	fix_ip4(p);
	expect_echo_refused(p, sizeof(p), 4);
}

/* A bit flipped under a checksum, or an ICMP type that is no echo request: refused. */
static void test_echo_refuses_bad_checksums_and_other_types(void)
{
	uint8_t p[56];
	size_t i;

	FOR_EACH_ECHO(e)
	{
		for (i = 0; i < e->n_flips; i++) {
			memcpy(p, e->req, e->len);
			p[e->flips[i]] ^= i == 2 ? 0x80 : 1;
			expect_echo_refused(p, e->len, e->family);
		}
		for (i = 0; i < e->n_others; i++) {
			memcpy(p, e->req, e->len);
			p[e->ip_hdr ? 40 : 20] = e->others[i];
			e->fix(p);
			expect_echo_refused(p, e->len, e->family);
		}
	}
}

static void test_echo4_refuses_what_is_not_an_echo_request(void)
{
	refused4_byte(9, 17);	  /* UDP */
	refused4_be16(6, 0x2000); /* MF: the rest of the request is elsewhere */
	refused4_be16(6, 0x0003); /* non-first fragment */
}

static void test_echo4_refuses_unanswerable_sources(void)
{
	static const uint32_t bad[] = {0x00000000u, 0xE0000001u, 0xEFFFFFFFu, 0xFFFFFFFFu};
	uint8_t p[36];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(p, echo4, sizeof(p));
		sl_put_be32(p + 12, bad[i]);
		fix_ip4(p);
		expect_echo_refused(p, sizeof(p), 4);
	}
}

static void test_echo4_refuses_bad_lengths(void)
{
	uint8_t p[36], q[64];

	refused4_be16(2, 37); /* total length past the buffer */
	refused4_be16(2, 27); /* no room for the 8-byte ICMP header */
	refused4_byte(0, 0x44);

	memset(q, 0, sizeof(q));
	memcpy(q, echo4, sizeof(echo4));
	q[0] = 0x4F; /* IHL 15: header runs past the total length */
	fix_ip4(q);
	expect_echo_refused(q, sizeof(echo4), 4);
	expect_echo_refused(q, sizeof(q), 4);

	memcpy(p, echo4, sizeof(p));
	p[0] = 0x65;
	expect_echo_refused(p, sizeof(p), 4);
}

static void test_echo6_reply_keeps_flow_label_and_trailing_bytes(void)
{
	uint8_t p[80];

	memset(p, 0xCD, sizeof(p));
	memcpy(p, echo6, sizeof(echo6));
	sl_put_be32(p, 0x6ABCDEF1u);
	CU_ASSERT_EQUAL(icmp_echo_reply(p, sizeof(p), 6), 80);
	CU_ASSERT_EQUAL(sl_get_be32(p), 0x6ABCDEF1u);
	CU_ASSERT_EQUAL(memcmp(p + 4, echo6_reply + 4, 52), 0);
	CU_ASSERT_EQUAL(p[79], 0xCD);
}

static void test_echo6_refuses_what_is_not_an_echo_request(void)
{
	uint8_t p[64];

	/* ICMPv6 behind an extension header is not answered */
	memcpy(p, echo6, 40);
	sl_put_be16(p + 4, 24);
	p[6] = 60;
	memset(p + 40, 0, 8);
	p[40] = 58;
	memcpy(p + 48, echo6 + 40, 16);
	expect_echo_refused(p, 64, 6);
	/* IPv6 packet with next header 58 handed over as IPv4 and vice versa */
	expect_echo_refused(echo6, sizeof(echo6), 4);
	expect_echo_refused(echo4, sizeof(echo4), 6);
}

static void test_echo6_refuses_unanswerable_sources(void)
{
	uint8_t p[56];

	memcpy(p, echo6, sizeof(p));
	memset(p + 8, 0, 16);
	fix_icmp6(p);
	expect_echo_refused(p, sizeof(p), 6);
	memcpy(p, echo6, sizeof(p));
	p[8] = 0xff;
	p[9] = 0x02;
	fix_icmp6(p);
	expect_echo_refused(p, sizeof(p), 6);
}

static void test_echo6_refuses_bad_lengths(void)
{
	uint8_t p[56];

	memcpy(p, echo6, sizeof(p));
	sl_put_be16(p + 4, 17);
	expect_echo_refused(p, sizeof(p), 6);
	sl_put_be16(p + 4, 7);
	fix_icmp6(p);
	expect_echo_refused(p, sizeof(p), 6);
	memcpy(p, echo6, sizeof(p));
	p[0] = 0x40;
	expect_echo_refused(p, sizeof(p), 6);
}

static void test_echo_reply_refuses_unknown_family(void)
{
	static const uint8_t families[] = {0, 2, 5, 10, 41};
	size_t i;

	for (i = 0; i < sizeof(families); i++) {
		expect_echo_refused(echo4, sizeof(echo4), families[i]);
		expect_echo_refused(echo6, sizeof(echo6), families[i]);
	}
}

static CU_TestInfo tests[] = {
	{"frag_needed_quote_keeps_reply_within_576", test_frag_needed_quote_keeps_reply_within_576},
	{"frag_needed_quotes_what_is_present_of_a_truncated_original",
	 test_frag_needed_quotes_what_is_present_of_a_truncated_original},
	{"frag_needed_quotes_ip_options", test_frag_needed_quotes_ip_options},
	{"frag_needed_refuses_icmp_without_type_byte",
	 test_frag_needed_refuses_icmp_without_type_byte},
	{"frag_needed_refuses_non_first_fragment", test_frag_needed_refuses_non_first_fragment},
	{"frag_needed_refuses_unanswerable_sources", test_frag_needed_refuses_unanswerable_sources},
	{"frag_needed_refuses_malformed_original", test_frag_needed_refuses_malformed_original},
	{"too_big_writes_full_32_bit_mtu", test_too_big_writes_full_32_bit_mtu},
	{"too_big_quote_keeps_reply_within_1280", test_too_big_quote_keeps_reply_within_1280},
	{"too_big_finds_icmpv6_errors_behind_extension_headers",
	 test_too_big_finds_icmpv6_errors_behind_extension_headers},
	{"too_big_refuses_undecidable_extension_chains",
	 test_too_big_refuses_undecidable_extension_chains},
	{"too_big_refuses_unanswerable_sources", test_too_big_refuses_unanswerable_sources},
	{"too_big_refuses_malformed_original", test_too_big_refuses_malformed_original},
	{"echo4_reply_checksum_verifies_for_every_sequence_number",
	 test_echo4_reply_checksum_verifies_for_every_sequence_number},
	{"echo4_reply_keeps_options_and_trailing_bytes",
	 test_echo4_reply_keeps_options_and_trailing_bytes},
	{"echo4_refuses_what_is_not_an_echo_request",
	 test_echo4_refuses_what_is_not_an_echo_request},
	{"echo4_refuses_unanswerable_sources", test_echo4_refuses_unanswerable_sources},
	{"echo4_refuses_bad_lengths", test_echo4_refuses_bad_lengths},
	{"echo6_reply_keeps_flow_label_and_trailing_bytes",
	 test_echo6_reply_keeps_flow_label_and_trailing_bytes},
	{"echo6_refuses_what_is_not_an_echo_request",
	 test_echo6_refuses_what_is_not_an_echo_request},
	{"echo6_refuses_unanswerable_sources", test_echo6_refuses_unanswerable_sources},
	{"echo6_refuses_bad_lengths", test_echo6_refuses_bad_lengths},
	{"echo_reply_refuses_unknown_family", test_echo_reply_refuses_unknown_family},
	{"both_match_reference_bytes", test_both_match_reference_bytes},
	{"both_do_not_quote_padding_past_ip_length", test_both_do_not_quote_padding_past_ip_length},
	{"both_every_truncation_length", test_both_every_truncation_length},
	{"both_small_buffer_is_enospc", test_both_small_buffer_is_enospc},
	{"both_build_in_place_over_the_original", test_both_build_in_place_over_the_original},
	{"both_refuse_icmp_errors", test_both_refuse_icmp_errors},
	{"echo_reply_matches_reference_bytes", test_echo_reply_matches_reference_bytes},
	{"echo_every_truncation_length", test_echo_every_truncation_length},
	{"echo_refuses_bad_checksums_and_other_types",
	 test_echo_refuses_bad_checksums_and_other_types},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("icmp", tests);
}
