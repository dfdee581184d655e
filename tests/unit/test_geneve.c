/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_geneve.c - GENEVE as GWLB uses it: byte-exact write, round trip, every error code of
 * the parser (in the documented order), source port, outer IPv4 + UDP.
 * Parsers run on heap copies of the exact length, so valgrind sees any read past `end`.
 */
#include <stdlib.h>
#include <string.h>

#include "dataplane/core/csum.h"
#include "dataplane/core/geneve.h"
#include "dataplane/core/pkt.h"

#include "tests/unit/cu.h"

static const struct gwlb_meta meta0 = {
	.endpoint_id = 0x0a0b0c0d01020304ULL,
	.attachment_id = 0x1122334455667788ULL,
	.cookie = 0xdeadbeef,
	.proto = 0x0800,
};

/* What geneve_gwlb_write must produce for meta0, written out by hand from RFC 8926 / AWS. */
static const uint8_t meta0_bytes[GWLB_GENEVE_LEN] = {
	0x08, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, /* ver 0, 8 words; proto 0x0800; VNI 0 */
	0x01, 0x08, 0x01, 0x02,				/* class 0x0108 type 1 len 2 */
	0x0a, 0x0b, 0x0c, 0x0d, 0x01, 0x02, 0x03, 0x04, /* endpoint ID */
	0x01, 0x08, 0x02, 0x02,				/* class 0x0108 type 2 len 2 */
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* attachment ID */
	0x01, 0x08, 0x03, 0x01,				/* class 0x0108 type 3 len 1 */
	0xde, 0xad, 0xbe, 0xef,				/* cookie */
};

/* ---- header builder --------------------------------------------------------------------- */

struct gb {
	uint8_t b[512];
	size_t n;
};

static void gb_base(struct gb *g, uint16_t proto)
{
	memset(g->b, 0, 8);
	sl_put_be16(g->b + 2, proto);
	g->n = 8;
}

/* One option with len_words words of data filled with `fill` (0 = ours: the meta0 value). */
static void gb_opt(struct gb *g, uint16_t cls, uint8_t type, uint8_t len_words)
{
	uint8_t *o = g->b + g->n;

	CU_ASSERT_FATAL(g->n + 4 + 4u * len_words <= sizeof(g->b));
	sl_put_be16(o, cls);
	o[2] = type;
	o[3] = len_words;
	memset(o + 4, 0x5a, 4u * len_words);
	if (cls == GWLB_OPT_CLASS && type == GWLB_OPT_ENDPOINT && len_words >= 2)
		sl_put_be64(o + 4, meta0.endpoint_id);
	if (cls == GWLB_OPT_CLASS && type == GWLB_OPT_ATTACHMENT && len_words >= 2)
		sl_put_be64(o + 4, meta0.attachment_id);
	if (cls == GWLB_OPT_CLASS && type == GWLB_OPT_COOKIE && len_words >= 1)
		sl_put_be32(o + 4, meta0.cookie);
	g->n += 4 + 4u * len_words;
}

static void gb_ours(struct gb *g, uint8_t type)
{
	gb_opt(g, GWLB_OPT_CLASS, type, type == GWLB_OPT_COOKIE ? 1 : 2);
}

/* Sets Opt Len from the options written; appends `payload` inner bytes. */
static void gb_end(struct gb *g, size_t payload)
{
	g->b[0] = (uint8_t)((g->b[0] & 0xc0) | ((g->n - 8) / 4));
	memset(g->b + g->n, 0x45, payload);
	g->n += payload;
}

/* Our three options (endpoint, attachment, cookie) in that order. */
static void gb_ours_all(struct gb *g)
{
	for (uint8_t t = GWLB_OPT_ENDPOINT; t <= GWLB_OPT_COOKIE; t++)
		gb_ours(g, t);
}

static void gb_valid(struct gb *g, uint16_t proto)
{
	gb_base(g, proto);
	gb_ours_all(g);
	gb_end(g, 0);
}

static int parse_n(const uint8_t *p, size_t len, struct gwlb_meta *m, uint16_t *hl)
{
	uint8_t *b = malloc(len ? len : 1);
	int r;

	CU_ASSERT_FATAL(b != NULL);
	memcpy(b, p, len);
	r = geneve_gwlb_parse(b, b + len, m, hl);
	free(b);
	return r;
}

static int parse(const struct gb *g, struct gwlb_meta *m, uint16_t *hl)
{
	return parse_n(g->b, g->n, m, hl);
}

/* Only the verdict of parsing the first len bytes (or all) of a built header. */
static int verdict_n(const struct gb *g, size_t len)
{
	struct gwlb_meta m;
	uint16_t hl;

	return parse_n(g->b, len, &m, &hl);
}

static int verdict(const struct gb *g)
{
	return verdict_n(g, g->n);
}

static void meta_eq(const struct gwlb_meta *a, const struct gwlb_meta *b)
{
	CU_ASSERT_EQUAL(a->endpoint_id, b->endpoint_id);
	CU_ASSERT_EQUAL(a->attachment_id, b->attachment_id);
	CU_ASSERT_EQUAL(a->cookie, b->cookie);
	CU_ASSERT_EQUAL(a->proto, b->proto);
}

/* ---- write / round trip ----------------------------------------------------------------- */

static void write_matches_hand_written_bytes(void)
{
	uint8_t buf[GWLB_GENEVE_LEN + 2];

	memset(buf, 0xcc, sizeof(buf));
	geneve_gwlb_write(buf, &meta0);
	CU_ASSERT(memcmp(buf, meta0_bytes, GWLB_GENEVE_LEN) == 0);
	CU_ASSERT_EQUAL(buf[GWLB_GENEVE_LEN], 0xcc); /* writes exactly 40 bytes */
	CU_ASSERT_EQUAL(buf[GWLB_GENEVE_LEN + 1], 0xcc);
}

static void write_then_parse_round_trips(void)
{
	static const uint16_t protos[] = {0x0800, 0x86DD};
	uint8_t buf[GWLB_GENEVE_LEN + 20];
	struct gwlb_meta in = meta0, out;
	uint16_t hl = 0;

	for (int i = 0; i < 2; i++) {
		in.proto = protos[i];
		in.endpoint_id = 0xffffffffffffffffULL - (uint64_t)i;
		in.cookie = (uint32_t)i;
		memset(buf, 0x45, sizeof(buf));
		geneve_gwlb_write(buf, &in);
		memset(&out, 0, sizeof(out));
		CU_ASSERT_EQUAL_FATAL(parse_n(buf, sizeof(buf), &out, &hl), 0);
		CU_ASSERT_EQUAL(hl, GWLB_GENEVE_LEN);
		meta_eq(&out, &in);
	}
}

static void hand_written_header_parses(void)
{
	struct gwlb_meta m;
	uint16_t hl;

	CU_ASSERT_EQUAL_FATAL(parse_n(meta0_bytes, sizeof(meta0_bytes), &m, &hl), 0);
	CU_ASSERT_EQUAL(hl, 40);
	meta_eq(&m, &meta0);
}

/* ---- errors, in the order of the contract ----------------------------------------------- */

static void truncated_at_every_length_is_truncated_error(void)
{
	struct gb g;

	gb_valid(&g, 0x0800);
	for (size_t len = 0; len < g.n; len++)
		CU_ASSERT_EQUAL(verdict_n(&g, len), -GENEVE_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(verdict_n(&g, g.n), 0);
}

static void truncated_base_header_wins_over_bad_version(void)
{
	struct gb g;

	gb_valid(&g, 0x0800);
	g.b[0] |= 0x40;
	CU_ASSERT_EQUAL(verdict_n(&g, 7), -GENEVE_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(verdict_n(&g, 8), -GENEVE_ERR_VERSION);
}

static void nonzero_version_is_version_error(void)
{
	struct gb g;

	for (uint8_t v = 1; v < 4; v++) {
		gb_valid(&g, 0x0800);
		g.b[0] = (uint8_t)((g.b[0] & 0x3f) | v << 6);
		CU_ASSERT_EQUAL(verdict(&g), -GENEVE_ERR_VERSION);
		g.b[1] |= 0x80; /* version is checked before the O bit */
		CU_ASSERT_EQUAL(verdict(&g), -GENEVE_ERR_VERSION);
	}
}

static void oam_bit_is_oam_error(void)
{
	struct gb g;

	gb_valid(&g, 0x0800);
	g.b[1] = 0x80;
	CU_ASSERT_EQUAL(verdict(&g), -GENEVE_ERR_OAM);
	/* before the options fit check */
	CU_ASSERT_EQUAL(verdict_n(&g, 8), -GENEVE_ERR_OAM);
}

static void critical_bit_in_base_header_is_accepted(void)
{
	struct gb g;
	struct gwlb_meta m;
	uint16_t hl;

	gb_valid(&g, 0x86DD);
	g.b[1] = 0x40;
	CU_ASSERT_EQUAL(parse(&g, &m, &hl), 0);
	CU_ASSERT_EQUAL(m.proto, 0x86DD);
}

static void opt_len_beyond_packet_is_truncated_error(void)
{
	struct gb g;

	gb_valid(&g, 0x0800);
	g.b[0] = 9; /* 36 bytes of options, 32 present */
	CU_ASSERT_EQUAL(verdict(&g), -GENEVE_ERR_TRUNCATED);
	g.b[0] = 63;
	CU_ASSERT_EQUAL(verdict(&g), -GENEVE_ERR_TRUNCATED);
}

static void option_running_past_opt_len_is_length_error(void)
{
	struct gb g;

	/* An unknown option whose length runs past Opt Len (bytes follow in the packet). */
	gb_base(&g, 0x0800);
	gb_ours_all(&g);
	gb_opt(&g, 0x0200, 0x01, 1);
	gb_end(&g, 16);
	g.b[g.n - 16 - 4 - 1] = 5; /* that option's length: 5 words */
	CU_ASSERT_EQUAL(verdict(&g), -GENEVE_ERR_OPT_LENGTH);
	/* Opt Len cutting our cookie option short. */
	gb_valid(&g, 0x0800);
	g.b[0] = 7;
	CU_ASSERT_EQUAL(verdict(&g), -GENEVE_ERR_OPT_LENGTH);
	/* The length check comes before the critical check of that same option. */
	gb_base(&g, 0x0800);
	gb_opt(&g, 0x0200, 0x81, 31);
	gb_end(&g, 0);
	g.b[0] = 4;
	CU_ASSERT_EQUAL(verdict(&g), -GENEVE_ERR_OPT_LENGTH);
}

static void unknown_critical_option_is_critical_error(void)
{
	static const struct {
		uint16_t cls;
		uint8_t type;
	} crit[] = {{0x0000, 0x80},
		    {0x0109, 0x81},
		    {GWLB_OPT_CLASS, 0x81},
		    {GWLB_OPT_CLASS, 0x84},
		    {0xffff, 0xff}};
	struct gb g;

	for (size_t i = 0; i < sizeof(crit) / sizeof(crit[0]); i++) {
		for (int pos = 0; pos < 4; pos++) {
			gb_base(&g, 0x0800);
			for (int t = 1; t <= 3; t++) {
				if (pos == t - 1)
					gb_opt(&g, crit[i].cls, crit[i].type, 1);
				gb_ours(&g, (uint8_t)t);
			}
			if (pos == 3)
				gb_opt(&g, crit[i].cls, crit[i].type, 0);
			gb_end(&g, 0);
			CU_ASSERT_EQUAL(verdict(&g), -GENEVE_ERR_CRITICAL);
		}
	}
	/* Critical wins over missing options and a bad protocol. */
	gb_base(&g, 0x6558);
	gb_opt(&g, 0x0200, 0x80, 0);
	gb_end(&g, 0);
	CU_ASSERT_EQUAL(verdict(&g), -GENEVE_ERR_CRITICAL);
}

static void unknown_noncritical_options_are_skipped(void)
{
	struct gb g;
	struct gwlb_meta m;
	uint16_t hl;

	gb_base(&g, 0x0800);
	gb_opt(&g, 0x0103, 0x7f, 3);
	gb_ours(&g, 1);
	gb_opt(&g, GWLB_OPT_CLASS, 0x00, 0); /* our class, unknown type, not critical */
	gb_ours(&g, 2);
	gb_opt(&g, GWLB_OPT_CLASS, 0x04, 2);
	gb_ours(&g, 3);
	gb_opt(&g, 0xffff, 0x01, 31); /* longest option */
	gb_end(&g, 20);
	CU_ASSERT_EQUAL_FATAL(parse(&g, &m, &hl), 0);
	meta_eq(&m, &meta0);
	CU_ASSERT_EQUAL(hl, g.n - 20);
}

static void maximum_option_count_is_walked(void)
{
	struct gb g;
	struct gwlb_meta m;
	uint16_t hl;

	/* 55 empty options + ours (8 words) = 63 words, the most Opt Len can say. */
	gb_base(&g, 0x0800);
	for (int i = 0; i < 55; i++)
		gb_opt(&g, 0x0200, 0x01, 0);
	gb_ours(&g, 3);
	gb_ours(&g, 2);
	gb_ours(&g, 1);
	gb_end(&g, 0);
	CU_ASSERT_EQUAL(g.b[0], 63);
	CU_ASSERT_EQUAL_FATAL(parse(&g, &m, &hl), 0);
	CU_ASSERT_EQUAL(hl, 8 + 252);
	meta_eq(&m, &meta0);
	/* 63 empty options: ours are missing. */
	gb_base(&g, 0x0800);
	for (int i = 0; i < 63; i++)
		gb_opt(&g, 0x0200, 0x01, 0);
	gb_end(&g, 0);
	CU_ASSERT_EQUAL(parse(&g, &m, &hl), -GENEVE_ERR_OPT_MISSING);
}

static void missing_each_option_is_missing_error(void)
{
	struct gb g;

	for (int skip = 1; skip <= 3; skip++) {
		gb_base(&g, 0x0800);
		for (int t = 1; t <= 3; t++) {
			if (t != skip)
				gb_ours(&g, (uint8_t)t);
		}
		gb_end(&g, 0);
		CU_ASSERT_EQUAL(verdict(&g), -GENEVE_ERR_OPT_MISSING);
		/* missing wins over a bad protocol */
		sl_put_be16(g.b + 2, 0x6558);
		CU_ASSERT_EQUAL(verdict(&g), -GENEVE_ERR_OPT_MISSING);
	}
	gb_base(&g, 0x0800); /* no options at all */
	gb_end(&g, 0);
	CU_ASSERT_EQUAL(verdict(&g), -GENEVE_ERR_OPT_MISSING);
}

static void wrong_length_of_each_option_is_length_error(void)
{
	struct gb g;

	for (int bad = 1; bad <= 3; bad++) {
		for (uint8_t len = 0; len < 32; len++) {
			if (len == (bad == 3 ? 1 : 2))
				continue;
			gb_base(&g, 0x0800);
			for (int t = 1; t <= 3; t++) {
				if (t == bad)
					gb_opt(&g, GWLB_OPT_CLASS, (uint8_t)t, len);
				else
					gb_ours(&g, (uint8_t)t);
			}
			gb_end(&g, 0);
			if (g.n - 8 > 252)
				continue; /* does not fit Opt Len */
			CU_ASSERT_EQUAL(verdict(&g), -GENEVE_ERR_OPT_LENGTH);
		}
	}
	/* The reserved bits above the 5-bit length are ignored. */
	gb_valid(&g, 0x0800);
	g.b[8 + 3] |= 0xe0;
	CU_ASSERT_EQUAL(verdict(&g), 0);
}

static void duplicate_option_is_duplicate_error(void)
{
	struct gb g;

	for (int dup = 1; dup <= 3; dup++) {
		gb_base(&g, 0x0800);
		gb_ours(&g, 1);
		gb_ours(&g, 2);
		gb_ours(&g, 3);
		gb_ours(&g, (uint8_t)dup);
		gb_end(&g, 0);
		CU_ASSERT_EQUAL(verdict(&g), -GENEVE_ERR_OPT_DUPLICATE);
	}
	/* A duplicate with the wrong length is a length error (length checked first). */
	gb_base(&g, 0x0800);
	gb_ours_all(&g);
	gb_opt(&g, GWLB_OPT_CLASS, 3, 2);
	gb_end(&g, 0);
	CU_ASSERT_EQUAL(verdict(&g), -GENEVE_ERR_OPT_LENGTH);
}

static void bad_protocol_is_protocol_error(void)
{
	static const uint16_t bad[] = {0x0000, 0x6558, 0x0806, 0x86DE, 0x0801, 0xffff};
	struct gb g;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		gb_valid(&g, bad[i]);
		CU_ASSERT_EQUAL(verdict(&g), -GENEVE_ERR_PROTOCOL);
	}
}

static void options_in_other_order_are_accepted(void)
{
	static const uint8_t perms[6][3] = {{1, 2, 3}, {1, 3, 2}, {2, 1, 3},
					    {2, 3, 1}, {3, 1, 2}, {3, 2, 1}};
	struct gb g;
	struct gwlb_meta m;
	uint16_t hl;

	for (int i = 0; i < 6; i++) {
		gb_base(&g, 0x86DD);
		for (int j = 0; j < 3; j++)
			gb_ours(&g, perms[i][j]);
		gb_end(&g, 60);
		memset(&m, 0, sizeof(m));
		CU_ASSERT_EQUAL_FATAL(parse(&g, &m, &hl), 0);
		CU_ASSERT_EQUAL(hl, 40);
		CU_ASSERT_EQUAL(m.endpoint_id, meta0.endpoint_id);
		CU_ASSERT_EQUAL(m.attachment_id, meta0.attachment_id);
		CU_ASSERT_EQUAL(m.cookie, meta0.cookie);
		CU_ASSERT_EQUAL(m.proto, 0x86DD);
	}
}

static void nonzero_vni_and_reserved_bits_are_accepted(void)
{
	struct gb g;

	gb_valid(&g, 0x0800);
	g.b[1] |= 0x3f;
	g.b[4] = 0x12;
	g.b[7] = 0xff;
	CU_ASSERT_EQUAL(verdict(&g), 0);
}

static void random_headers_parse_cleanly(void)
{
	uint32_t x = 0x9e3779b9u;
	struct gb g;
	struct gwlb_meta m;
	uint16_t hl;
	int ok = 0;

	for (int iter = 0; iter < 20000; iter++) {
		gb_valid(&g, iter & 1 ? 0x0800 : 0x86DD);
		for (int k = 0; k < 1 + iter % 3; k++) {
			cu_xorshift32(&x);
			g.b[x % g.n] ^= (uint8_t)(x >> 8);
		}
		cu_xorshift32(&x);
		size_t len = x % 4 ? g.n : x % (g.n + 1);
		int r = parse_n(g.b, len, &m, &hl);
		CU_ASSERT(r <= 0 && r >= -GENEVE_ERR_PROTOCOL);
		if (r == 0) {
			CU_ASSERT(hl <= len);
			ok++;
		}
	}
	CU_ASSERT(ok > 0);
}

/* ---- source port, outer headers --------------------------------------------------------- */

static void sport_is_base_plus_hash_mod_16384(void)
{
	static const uint32_t hashes[] = {0, 1, 16383, 16384, 0x12345678, 0xffffffffu};

	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		uint16_t sp = geneve_sport(hashes[i]);

		CU_ASSERT_EQUAL(sp, GENEVE_SPORT_BASE + hashes[i] % 16384);
		CU_ASSERT(sp >= 49152);
	}
	CU_ASSERT_EQUAL(geneve_sport(0), 49152);
	CU_ASSERT_EQUAL(geneve_sport(16383), 65535);
	CU_ASSERT_EQUAL(geneve_sport(16384), 49152);
}

static uint32_t ip_be(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t x[4] = {a, b, c, d};
	uint32_t v;

	memcpy(&v, x, 4);
	return v;
}

static void outer_write_matches_known_bytes(void)
{
	/* scapy: IP(src=192.168.50.1, dst=192.168.50.11, ttl=64, flags=DF, id=0) /
	 * UDP(sport=50000, dport=6081, chksum=0) / 140 bytes. */
	static const uint8_t want[28] = {0x45, 0x00, 0x00, 0xa8, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
					 0x54, 0xe8, 0xc0, 0xa8, 0x32, 0x01, 0xc0, 0xa8, 0x32, 0x0b,
					 0xc3, 0x50, 0x17, 0xc1, 0x00, 0x94, 0x00, 0x00};
	uint8_t buf[30];

	memset(buf, 0xcc, sizeof(buf));
	geneve_outer_write(buf, ip_be(192, 168, 50, 1), ip_be(192, 168, 50, 11), 64, 50000, 140);
	CU_ASSERT(memcmp(buf, want, 28) == 0);
	CU_ASSERT_EQUAL(buf[28], 0xcc);
	CU_ASSERT_EQUAL(csum_fold(csum_partial(buf, 20, 0)), 0);
}

static void outer_write_sets_ttl_lengths_and_checksum(void)
{
	uint8_t buf[28];

	memset(buf, 0xff, sizeof(buf)); /* stale bytes must not leak into the checksum */
	geneve_outer_write(buf, ip_be(10, 1, 2, 3), ip_be(10, 4, 5, 6), 7, 49153, 40 + 1400);
	CU_ASSERT_EQUAL(buf[8], 7);
	CU_ASSERT_EQUAL(sl_get_be16(buf + 2), 28 + 40 + 1400);
	CU_ASSERT_EQUAL(sl_get_be16(buf + 4), 0);
	CU_ASSERT_EQUAL(sl_get_be16(buf + 6), 0x4000);
	CU_ASSERT_EQUAL(sl_get_be16(buf + 20), 49153);
	CU_ASSERT_EQUAL(sl_get_be16(buf + 22), GENEVE_UDP_PORT);
	CU_ASSERT_EQUAL(sl_get_be16(buf + 24), 8 + 40 + 1400);
	CU_ASSERT_EQUAL(sl_get_be16(buf + 26), 0);
	CU_ASSERT_EQUAL(sl_get_be16(buf + 10), csum_ipv4_hdr(buf));
	CU_ASSERT_EQUAL(csum_fold(csum_partial(buf, 20, 0)), 0);
}

/* Outer + GENEVE + inner IPv4/UDP, parsed back with the packet parser. */
static void full_encapsulation_parses_back(void)
{
	uint8_t pkt[GWLB_ENCAP_OVERHEAD + 30];
	uint8_t *inner = pkt + GWLB_ENCAP_OVERHEAD;
	struct pkt_info out, in;
	struct gwlb_meta m;
	uint16_t hl;

	memset(inner, 0, 30);
	inner[0] = 0x45;
	sl_put_be16(inner + 2, 30);
	inner[8] = 5;
	inner[9] = IPPROTO_UDP_;
	memcpy(inner + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	sl_put_be16(inner + 10, csum_ipv4_hdr(inner));
	sl_put_be16(inner + 20, 1234);
	sl_put_be16(inner + 22, 80);
	sl_put_be16(inner + 24, 10);

	geneve_outer_write(pkt, ip_be(192, 168, 50, 1), ip_be(192, 168, 50, 11), 64,
			   geneve_sport(0xabcdef), GWLB_GENEVE_LEN + 30);
	geneve_gwlb_write(pkt + GWLB_OUTER_LEN, &meta0);

	CU_ASSERT_EQUAL_FATAL(pkt_parse_ip(pkt, 0, pkt + sizeof(pkt), 0, &out), 0);
	CU_ASSERT_EQUAL(out.l3_len, sizeof(pkt));
	CU_ASSERT_EQUAL(out.proto, IPPROTO_UDP_);
	CU_ASSERT_EQUAL(out.dport, GENEVE_UDP_PORT);
	CU_ASSERT(out.flags & PKT_F_DF);
	CU_ASSERT_EQUAL_FATAL(geneve_gwlb_parse(pkt + out.l4_off + 8, pkt + sizeof(pkt), &m, &hl),
			      0);
	meta_eq(&m, &meta0);
	CU_ASSERT_EQUAL_FATAL(
		pkt_parse_ip(pkt, (uint16_t)(out.l4_off + 8 + hl), pkt + sizeof(pkt), 4, &in), 0);
	CU_ASSERT_EQUAL(in.sport, 1234);
	CU_ASSERT_EQUAL(in.dport, 80);
	CU_ASSERT_EQUAL(in.l3_off, GWLB_ENCAP_OVERHEAD);
}

static CU_TestInfo tests[] = {
	{"write_matches_hand_written_bytes", write_matches_hand_written_bytes},
	{"write_then_parse_round_trips", write_then_parse_round_trips},
	{"hand_written_header_parses", hand_written_header_parses},
	{"truncated_at_every_length_is_truncated_error",
	 truncated_at_every_length_is_truncated_error},
	{"truncated_base_header_wins_over_bad_version",
	 truncated_base_header_wins_over_bad_version},
	{"nonzero_version_is_version_error", nonzero_version_is_version_error},
	{"oam_bit_is_oam_error", oam_bit_is_oam_error},
	{"critical_bit_in_base_header_is_accepted", critical_bit_in_base_header_is_accepted},
	{"opt_len_beyond_packet_is_truncated_error", opt_len_beyond_packet_is_truncated_error},
	{"option_running_past_opt_len_is_length_error",
	 option_running_past_opt_len_is_length_error},
	{"unknown_critical_option_is_critical_error", unknown_critical_option_is_critical_error},
	{"unknown_noncritical_options_are_skipped", unknown_noncritical_options_are_skipped},
	{"maximum_option_count_is_walked", maximum_option_count_is_walked},
	{"missing_each_option_is_missing_error", missing_each_option_is_missing_error},
	{"wrong_length_of_each_option_is_length_error",
	 wrong_length_of_each_option_is_length_error},
	{"duplicate_option_is_duplicate_error", duplicate_option_is_duplicate_error},
	{"bad_protocol_is_protocol_error", bad_protocol_is_protocol_error},
	{"options_in_other_order_are_accepted", options_in_other_order_are_accepted},
	{"nonzero_vni_and_reserved_bits_are_accepted", nonzero_vni_and_reserved_bits_are_accepted},
	{"random_headers_parse_cleanly", random_headers_parse_cleanly},
	{"sport_is_base_plus_hash_mod_16384", sport_is_base_plus_hash_mod_16384},
	{"outer_write_matches_known_bytes", outer_write_matches_known_bytes},
	{"outer_write_sets_ttl_lengths_and_checksum", outer_write_sets_ttl_lengths_and_checksum},
	{"full_encapsulation_parses_back", full_encapsulation_parses_back},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("geneve", tests);
}
