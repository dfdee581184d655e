/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_nat.c - NAT rewrites, ICMP error translation and TCP RSTs. The reference for every
 * translated packet is the same packet built from scratch with the translated addresses and
 * ports, its checksums computed in full (csum_ipv4_hdr, csum_l4): the incremental updates must
 * give it byte for byte. Truncations run on heap copies of the exact length (valgrind).
 */
#include <stdlib.h>
#include <string.h>

#include "dataplane/core/csum.h"
#include "dataplane/core/nat.h"
#include "dataplane/core/pkt.h"

#include "tests/unit/cu.h"

/* Fixed-seed xorshift32: the same "random" packets on every run. */
static uint32_t rng_state = 0x6e617431u;

static uint32_t rng(void)
{
	return cu_xorshift32(&rng_state);
}

/* ---- packet builder ----------------------------------------------------------------------- */

#define BUF 2048

struct spec {
	uint8_t family, proto; /* 4/6, TCP/UDP */
	uint8_t saddr[16], daddr[16];
	uint16_t sport, dport;
	int l2;		   /* 1: behind a 14-byte Ethernet header */
	int opt_words;	   /* IPv4 options (NOPs), 4-byte words, 0..10 */
	int ext;	   /* IPv6: 0..2 extension headers (hop-by-hop 8, destination options 16) */
	int frag;	   /* 0 none, 1 first fragment (MF), 2 non-first fragment (no L4 header) */
	int udp_zero;	   /* UDP checksum 0 */
	int tcp_opt_words; /* 0..10 */
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint16_t plen;	/* L4 payload bytes */
	uint32_t pseed; /* payload content */
};

/* L3 offset, L4 header offset (or where the fragment's bytes start), L4 checksum offset. */
struct layout {
	size_t l3, l4, ck, len;
};

static int ip_ck_ok(const uint8_t *ip)
{
	return sl_get_be16(ip + 10) == csum_ipv4_hdr(ip);
}

/* Builds the packet into b: Ethernet (if l2), IP, extension headers, L4 with checksums in full. */
static size_t build(uint8_t *b, const struct spec *s, struct layout *lo)
{
	uint32_t ps = s->pseed | 1;
	size_t l3 = s->l2 ? 14 : 0, off, l4, l4len, hl;
	uint8_t *ip = b + l3;
	uint32_t i;

	memset(b, 0, BUF);
	if (s->l2) {
		memcpy(b, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
		sl_put_be16(b + 12, s->family == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6);
	}
	if (s->family == 4) {
		hl = 20 + 4 * (size_t)s->opt_words;
		ip[0] = (uint8_t)(0x40 | hl / 4);
		sl_put_be16(ip + 4, 0x1234);
		sl_put_be16(ip + 6, s->frag == 1 ? 0x2000 : s->frag == 2 ? 185 : 0x4000);
		ip[8] = 63;
		ip[9] = s->proto;
		memcpy(ip + 12, s->saddr, 4);
		memcpy(ip + 16, s->daddr, 4);
		memset(ip + 20, 1, hl - 20); /* NOP options */
		off = l3 + hl;
	} else {
		uint8_t *nhp = ip + 6;

		sl_put_be32(ip, 0x60012345u);
		ip[7] = 63;
		memcpy(ip + 8, s->saddr, 16);
		memcpy(ip + 24, s->daddr, 16);
		off = l3 + 40;
		if (s->ext >= 1) { /* hop-by-hop, PadN */
			*nhp = PKT_IPV6_HOPOPTS;
			nhp = b + off;
			b[off + 2] = 1;
			b[off + 3] = 4;
			off += 8;
		}
		if (s->ext >= 2) { /* destination options, 16 bytes, PadN */
			*nhp = PKT_IPV6_DSTOPTS;
			nhp = b + off;
			b[off + 1] = 1;
			b[off + 2] = 1;
			b[off + 3] = 12;
			off += 16;
		}
		if (s->frag) {
			*nhp = PKT_IPV6_FRAGMENT;
			nhp = b + off;
			sl_put_be16(b + off + 2, (uint16_t)((s->frag == 2 ? 185 << 3 : 0) | 1));
			sl_put_be32(b + off + 4, 0xabcdef01u);
			off += 8;
		}
		*nhp = s->proto;
	}
	l4 = off;
	lo->l3 = l3;
	lo->l4 = l4;
	lo->ck = 0;
	if (s->frag != 2) {
		if (s->proto == IPPROTO_TCP_) {
			uint8_t *t = b + off;
			size_t th = 20 + 4 * (size_t)s->tcp_opt_words;

			sl_put_be16(t, s->sport);
			sl_put_be16(t + 2, s->dport);
			sl_put_be32(t + 4, s->seq);
			sl_put_be32(t + 8, s->ack);
			t[12] = (uint8_t)(th / 4 << 4);
			t[13] = s->tcp_flags;
			sl_put_be16(t + 14, 0x2000);
			memset(t + 20, 1, th - 20);
			lo->ck = l4 + 16;
			off += th;
		} else {
			sl_put_be16(b + off, s->sport);
			sl_put_be16(b + off + 2, s->dport);
			sl_put_be16(b + off + 4, (uint16_t)(8 + s->plen));
			lo->ck = l4 + 6;
			off += 8;
		}
	}
	for (i = 0; i < s->plen; i++) {
		ps ^= ps << 13;
		ps ^= ps >> 17;
		ps ^= ps << 5;
		b[off++] = (uint8_t)ps;
	}
	l4len = off - l4;
	if (s->family == 4) {
		sl_put_be16(ip + 2, (uint16_t)(off - l3));
		sl_put_be16(ip + 10, csum_ipv4_hdr(ip));
	} else {
		sl_put_be16(ip + 4, (uint16_t)(off - l3 - 40));
	}
	if (lo->ck && !(s->proto == IPPROTO_UDP_ && s->udp_zero))
		sl_put_be16(b + lo->ck, csum_l4(s->family, s->saddr, s->daddr, s->proto, b + l4,
						(uint32_t)l4len));
	lo->len = off;
	return off;
}

static int parse(const uint8_t *b, size_t n, int l2, struct pkt_info *pi)
{
	return l2 ? pkt_parse_eth(b, b + n, pi) : pkt_parse_ip(b, 0, b + n, 0, pi);
}

/* Every checksum of the packet by full recomputation; a UDP 0 only if `udp_zero`. */
static void assert_checksums(const uint8_t *b, size_t n, int l2, int udp_zero)
{
	struct pkt_info pi;
	uint8_t tmp[BUF];
	uint32_t l4len;
	size_t ck;

	CU_ASSERT_EQUAL_FATAL(parse(b, n, l2, &pi), 0);
	if (pi.family == 4)
		CU_ASSERT_TRUE(ip_ck_ok(b + pi.l3_off));
	if (!(pi.flags & PKT_F_L4))
		return;
	ck = pi.l4_off + (pi.proto == IPPROTO_TCP_ ? 16u : 6u);
	if (pi.proto == IPPROTO_UDP_ && udp_zero) {
		CU_ASSERT_EQUAL(sl_get_be16(b + ck), 0);
		return;
	}
	memcpy(tmp, b, n);
	sl_put_be16(tmp + ck, 0);
	l4len = (uint32_t)(pi.l3_off + pi.l3_len - pi.l4_off);
	CU_ASSERT_EQUAL(sl_get_be16(b + ck),
			csum_l4(pi.family, pi.saddr, pi.daddr, pi.proto, tmp + pi.l4_off, l4len));
}

static void rand_addr(uint8_t *a, uint8_t family)
{
	memset(a, 0, 16);
	for (int i = 0; i < (family == 4 ? 4 : 16); i++)
		a[i] = (uint8_t)rng();
	/* unicast, so icmp.h-style checks never object */
	a[0] = family == 4 ? 10 : 0x20;
}

static void spec_init(struct spec *s, uint8_t family, uint8_t proto)
{
	memset(s, 0, sizeof(*s));
	s->family = family;
	s->proto = proto;
	rand_addr(s->saddr, family);
	rand_addr(s->daddr, family);
	s->sport = (uint16_t)rng();
	s->dport = (uint16_t)rng();
	s->seq = rng();
	s->ack = rng();
	s->tcp_flags = NAT_TCP_ACK;
	s->plen = 32;
	s->pseed = rng();
}

static void rw_init(struct nat_rewrite *rw, uint8_t family, int set_src, int set_dst)
{
	memset(rw, 0, sizeof(*rw));
	rw->family = family;
	rw->set_src = (uint8_t)set_src;
	rw->set_dst = (uint8_t)set_dst;
	rand_addr(rw->saddr, family);
	rand_addr(rw->daddr, family);
	rw->sport = (uint16_t)rng();
	rw->dport = (uint16_t)rng();
}

/* The spec as rw leaves it. */
static struct spec translated(const struct spec *s, const struct nat_rewrite *rw)
{
	struct spec t = *s;

	if (rw->set_src) {
		memcpy(t.saddr, rw->saddr, 16);
		t.sport = rw->sport;
	}
	if (rw->set_dst) {
		memcpy(t.daddr, rw->daddr, 16);
		t.dport = rw->dport;
	}
	return t;
}

/*
 * nat_pi_reparsed: a whole packet's pi after the rewrite equals the rewritten packet parsed
 * again from its IP header (sluice-dp's NLB relies on it instead of parsing again), padding
 * included (pkt_parse_* clear the whole struct).
 */
static void check_pi_apply(const uint8_t *a, size_t n, const struct pkt_info *pi,
			   const struct nat_rewrite *rw)
{
	struct pkt_info ap, re;

	nat_pi_reparsed(pi, rw, &ap);
	CU_ASSERT_EQUAL_FATAL(pkt_parse_ip(a, pi->l3_off, a + n, pi->family, &re), 0);
	CU_ASSERT_EQUAL(memcmp(&re, &ap, sizeof(re)), 0);
}

/* Rewrites s's packet with rw and compares it with the translated packet built from scratch. */
static void check_rewrite(const struct spec *s, const struct nat_rewrite *rw)
{
	static uint8_t a[BUF], b[BUF];
	struct spec t = translated(s, rw);
	struct layout la, lb;
	struct pkt_info pi;
	size_t n = build(a, s, &la), m = build(b, &t, &lb);

	CU_ASSERT_EQUAL_FATAL(n, m);
	CU_ASSERT_EQUAL_FATAL(parse(a, n, s->l2, &pi), 0);
	CU_ASSERT_EQUAL(nat_rewrite(a, a + n, &pi, rw), 0);
	CU_ASSERT_EQUAL(memcmp(a, b, n), 0);
	assert_checksums(a, n, s->l2, s->udp_zero);
	if (!s->frag)
		check_pi_apply(a, n, &pi, rw);
}

/* ---- nat_rewrite -------------------------------------------------------------------------- */

/* A random packet: L2 or not, payload, TCP/IPv4 options or IPv6 extensions, some fragments. */
static void random_spec(struct spec *s, uint8_t family, uint8_t proto)
{
	spec_init(s, family, proto);
	s->l2 = (int)(rng() & 1);
	s->plen = (uint16_t)(rng() % 300);
	s->tcp_opt_words = (int)(rng() % 11);
	if (family == 4)
		s->opt_words = (int)(rng() % 11);
	else
		s->ext = (int)(rng() % 3);
	s->frag = rng() % 8 == 0 ? 1 : 0;
}

static void random_rewrites(uint8_t family, uint8_t proto)
{
	for (int iter = 0; iter < 3000; iter++) {
		struct nat_rewrite rw;
		struct spec s;
		int mode = iter % 3; /* DNAT, SNAT, reverse DNAT (source only) */

		random_spec(&s, family, proto);
		rw_init(&rw, family, mode != 0, mode != 2);
		if (rng() % 16 == 0) /* same ports / addresses: a no-op must stay exact */
			rw.dport = s.dport;
		check_rewrite(&s, &rw);
	}
}

/*
 * nat_undo_of: a translated packet translated back is the packet as it arrived, byte for byte
 * (what a too-big error quotes), for DNAT, SNAT and reply rewrites, fragments included.
 */
static void undo_restores_the_packet(uint8_t family, uint8_t proto)
{
	static uint8_t a[BUF], orig[BUF];

	for (int iter = 0; iter < 3000; iter++) {
		struct nat_rewrite rw, undo;
		struct pkt_info pi, out;
		struct layout la;
		struct spec s;
		size_t n;
		int mode = iter % 3;

		random_spec(&s, family, proto);
		s.udp_zero = proto == IPPROTO_UDP_ && rng() % 4 == 0;
		rw_init(&rw, family, mode != 0, mode != 2);
		n = build(a, &s, &la);
		memcpy(orig, a, n);
		CU_ASSERT_EQUAL_FATAL(parse(a, n, s.l2, &pi), 0);
		nat_undo_of(&pi, &rw, &undo);
		CU_ASSERT_EQUAL_FATAL(nat_rewrite(a, a + n, &pi, &rw), 0);
		CU_ASSERT_NOT_EQUAL(memcmp(a, orig, n), 0);
		CU_ASSERT_EQUAL_FATAL(parse(a, n, s.l2, &out), 0);
		CU_ASSERT_EQUAL(nat_rewrite(a, a + n, &out, &undo), 0);
		CU_ASSERT_EQUAL(memcmp(a, orig, n), 0);
	}
}

static void undo_ipv4_tcp_and_udp_restores_the_packet(void)
{
	undo_restores_the_packet(4, IPPROTO_TCP_);
	undo_restores_the_packet(4, IPPROTO_UDP_);
}

static void undo_ipv6_tcp_and_udp_restores_the_packet(void)
{
	undo_restores_the_packet(6, IPPROTO_TCP_);
	undo_restores_the_packet(6, IPPROTO_UDP_);
}

static void rewrite_ipv4_tcp_random_matches_full_recompute(void)
{
	random_rewrites(4, IPPROTO_TCP_);
}

static void rewrite_ipv4_udp_random_matches_full_recompute(void)
{
	random_rewrites(4, IPPROTO_UDP_);
}

static void rewrite_ipv6_tcp_random_matches_full_recompute(void)
{
	random_rewrites(6, IPPROTO_TCP_);
}

static void rewrite_ipv6_udp_random_matches_full_recompute(void)
{
	random_rewrites(6, IPPROTO_UDP_);
}

static void rewrite_dnat_and_snat_fixed_examples(void)
{
	static const uint8_t client[4] = {198, 51, 100, 7}, zone[4] = {10, 0, 1, 10};
	static const uint8_t target[4] = {10, 0, 3, 20}, node[4] = {10, 0, 3, 1};
	uint8_t a[BUF];
	struct nat_rewrite rw;
	struct layout lo;
	struct pkt_info pi;
	struct spec s;
	size_t n;

	for (uint8_t proto = IPPROTO_TCP_; proto <= IPPROTO_UDP_; proto += 11) {
		/* DNAT: client:40000 -> zone:443 becomes client:40000 -> target:8443 */
		spec_init(&s, 4, proto);
		s.l2 = 1;
		memcpy(s.saddr, client, 4);
		memcpy(s.daddr, zone, 4);
		s.sport = 40000;
		s.dport = 443;
		rw_init(&rw, 4, 0, 1);
		memcpy(rw.daddr, target, 4);
		rw.dport = 8443;
		check_rewrite(&s, &rw);
		n = build(a, &s, &lo);
		CU_ASSERT_EQUAL_FATAL(pkt_parse_eth(a, a + n, &pi), 0);
		CU_ASSERT_EQUAL(nat_rewrite(a, a + n, &pi, &rw), 0);
		CU_ASSERT_EQUAL_FATAL(pkt_parse_eth(a, a + n, &pi), 0);
		CU_ASSERT_EQUAL(memcmp(pi.saddr, client, 4), 0);
		CU_ASSERT_EQUAL(memcmp(pi.daddr, target, 4), 0);
		CU_ASSERT_EQUAL(pi.sport, 40000);
		CU_ASSERT_EQUAL(pi.dport, 8443);
		CU_ASSERT_EQUAL(pi.ttl, 63); /* not decremented */

		/* SNAT: client:40000 -> zone:443 becomes node:1024 -> target:8443 */
		rw_init(&rw, 4, 1, 1);
		memcpy(rw.saddr, node, 4);
		memcpy(rw.daddr, target, 4);
		rw.sport = 1024;
		rw.dport = 8443;
		check_rewrite(&s, &rw);
	}
}

static void rewrite_udp_zero_checksum_stays_zero(void)
{
	for (uint8_t family = 4; family <= 6; family += 2) {
		for (int iter = 0; iter < 200; iter++) {
			struct nat_rewrite rw;
			struct spec s;

			spec_init(&s, family, IPPROTO_UDP_);
			s.udp_zero = 1;
			s.plen = (uint16_t)(rng() % 64);
			rw_init(&rw, family, iter & 1, 1);
			check_rewrite(&s, &rw); /* the reference is built with checksum 0 too */
		}
	}
}

/* The translated packet's true checksum is 0 ("computed 0", stored 0xFFFF): choose a payload
 * word that makes it so, then translate the original into it. */
static void rewrite_udp_result_zero_is_stored_ffff(void)
{
	for (uint8_t family = 4; family <= 6; family += 2) {
		for (int iter = 0; iter < 50; iter++) {
			static uint8_t a[BUF], b[BUF];
			struct nat_rewrite rw;
			struct layout la, lb;
			struct pkt_info pi;
			struct spec s, t;
			uint16_t c;
			size_t n;

			spec_init(&s, family, IPPROTO_UDP_);
			s.plen = 2;
			rw_init(&rw, family, iter & 1, 1);
			t = translated(&s, &rw);
			n = build(b, &t, &lb);
			/* Set the payload so that the sum is 0xFFFF (checksum ~0xFFFF = 0). */
			sl_put_be16(b + lb.l4 + 8, 0);
			sl_put_be16(b + lb.ck, 0);
			c = csum_l4(family, t.saddr, t.daddr, IPPROTO_UDP_, b + lb.l4, 10);
			if (c == 0xFFFF)
				c = 0; /* csum_l4 stored 0 as 0xFFFF: sum already 0xFFFF */
			sl_put_be16(b + lb.l4 + 8, c);
			sl_put_be16(b + lb.ck, 0);
			CU_ASSERT_EQUAL(
				csum_l4(family, t.saddr, t.daddr, IPPROTO_UDP_, b + lb.l4, 10),
				0xFFFF);
			sl_put_be16(b + lb.ck, 0xFFFF);

			/* the original: same payload, its own full checksum */
			build(a, &s, &la);
			memcpy(a + la.l4 + 8, b + lb.l4 + 8, 2);
			sl_put_be16(a + la.ck, 0);
			sl_put_be16(a + la.ck,
				    csum_l4(family, s.saddr, s.daddr, IPPROTO_UDP_, a + la.l4, 10));
			CU_ASSERT_EQUAL_FATAL(parse(a, n, 0, &pi), 0);
			CU_ASSERT_EQUAL(nat_rewrite(a, a + n, &pi, &rw), 0);
			CU_ASSERT_EQUAL(sl_get_be16(a + la.ck), 0xFFFF);
			CU_ASSERT_EQUAL(memcmp(a, b, n), 0);
		}
	}
}

static void rewrite_with_ipv4_options_and_ipv6_extension_headers(void)
{
	for (uint8_t proto = IPPROTO_TCP_; proto <= IPPROTO_UDP_; proto += 11) {
		for (int k = 0; k <= 10; k++) {
			struct nat_rewrite rw;
			struct spec s;

			spec_init(&s, 4, proto);
			s.opt_words = k;
			rw_init(&rw, 4, k & 1, 1);
			check_rewrite(&s, &rw);
		}
		for (int k = 0; k <= 2; k++) {
			for (int frag = 0; frag <= 1; frag++) {
				struct nat_rewrite rw;
				struct spec s;

				spec_init(&s, 6, proto);
				s.ext = k;
				s.frag = frag;
				s.l2 = 1;
				rw_init(&rw, 6, 1, 1);
				check_rewrite(&s, &rw);
			}
		}
	}
}

static void rewrite_non_first_fragment_changes_addresses_only(void)
{
	for (uint8_t family = 4; family <= 6; family += 2) {
		for (uint8_t proto = IPPROTO_TCP_; proto <= IPPROTO_UDP_; proto += 11) {
			static uint8_t a[BUF], orig[BUF];
			struct nat_rewrite rw;
			struct layout lo;
			struct pkt_info pi;
			struct spec s;
			size_t n, ipend;

			spec_init(&s, family, proto);
			s.frag = 2;
			s.plen = 40;
			s.ext = 2;
			rw_init(&rw, family, 1, 1);
			check_rewrite(&s, &rw); /* addresses + header checksum = the reference */

			n = build(a, &s, &lo);
			memcpy(orig, a, n);
			CU_ASSERT_EQUAL_FATAL(parse(a, n, 0, &pi), 0);
			CU_ASSERT_TRUE(pi.flags & PKT_F_FRAG_LATER);
			CU_ASSERT_FALSE(pi.flags & PKT_F_L4);
			CU_ASSERT_EQUAL(nat_rewrite(a, a + n, &pi, &rw), 0);
			/* everything after the addresses is untouched (no "ports" written) */
			ipend = family == 4 ? 20 : 40;
			CU_ASSERT_EQUAL(memcmp(a + ipend, orig + ipend, n - ipend), 0);
			CU_ASSERT_EQUAL(
				memcmp(a + (family == 4 ? 12 : 8), rw.saddr, family == 4 ? 4 : 16),
				0);
			if (family == 4)
				CU_ASSERT_TRUE(ip_ck_ok(a));
		}
	}
}

static void rewrite_refuses_what_it_cannot_translate(void)
{
	static uint8_t a[BUF];
	struct nat_rewrite rw4, rw6;
	struct pkt_info pi, bad;
	struct layout lo;
	struct spec s;
	size_t n;

	rw_init(&rw4, 4, 1, 1);
	rw_init(&rw6, 6, 1, 1);
	spec_init(&s, 4, IPPROTO_TCP_);
	n = build(a, &s, &lo);
	CU_ASSERT_EQUAL_FATAL(parse(a, n, 0, &pi), 0);

	CU_ASSERT_EQUAL(nat_rewrite(a, a + n, &pi, &rw6), -EINVAL); /* family mismatch */
	bad = pi;
	bad.family = 0;
	rw4.family = 0;
	CU_ASSERT_EQUAL(nat_rewrite(a, a + n, &bad, &rw4), -EINVAL);
	rw4.family = 4;
	bad = pi;
	bad.proto = IPPROTO_ICMP_;
	CU_ASSERT_EQUAL(nat_rewrite(a, a + n, &bad, &rw4), -EINVAL);
	bad = pi;
	bad.flags &= (uint16_t)~PKT_F_L4; /* TCP without L4, not a later fragment */
	CU_ASSERT_EQUAL(nat_rewrite(a, a + n, &bad, &rw4), -EINVAL);
	bad = pi;
	bad.l4_off = 10; /* inside the IP header */
	CU_ASSERT_EQUAL(nat_rewrite(a, a + n, &bad, &rw4), -EINVAL);
	bad = pi;
	bad.family = 6; /* IPv4 bytes described as IPv6 */
	CU_ASSERT_EQUAL(nat_rewrite(a, a + n, &bad, &rw6), -EINVAL);
	bad = pi;
	bad.l3_off = 1; /* version nibble is not 4 */
	a[1] = 0x65;
	CU_ASSERT_EQUAL(nat_rewrite(a, a + n, &bad, &rw4), -EINVAL);
	a[1] = 0;

	/* an ICMP echo and an ICMP error are not TCP/UDP */
	memset(a, 0, 64);
	a[0] = 0x45;
	sl_put_be16(a + 2, 28);
	a[8] = 64;
	a[9] = IPPROTO_ICMP_;
	a[20] = 8;
	CU_ASSERT_EQUAL_FATAL(pkt_parse_ip(a, 0, a + 28, 4, &pi), 0);
	CU_ASSERT_EQUAL(nat_rewrite(a, a + 28, &pi, &rw4), -EINVAL);

	/* nothing was written by any refusal */
	n = build(a, &s, &lo);
	CU_ASSERT_EQUAL_FATAL(parse(a, n, 0, &pi), 0);
	{
		static uint8_t copy[BUF];

		memcpy(copy, a, n);
		CU_ASSERT_EQUAL(nat_rewrite(a, a + n, &pi, &rw6), -EINVAL);
		CU_ASSERT_EQUAL(nat_rewrite(a, a + pi.l4_off + 19, &pi, &rw4), -EINVAL);
		CU_ASSERT_EQUAL(memcmp(a, copy, n), 0);
	}
}

static void rewrite_every_truncation_is_a_clean_error(void)
{
	for (int k = 0; k < 8; k++) {
		uint8_t family = k & 1 ? 6 : 4, proto = k & 2 ? IPPROTO_UDP_ : IPPROTO_TCP_;
		static uint8_t a[BUF];
		struct nat_rewrite rw;
		struct layout lo;
		struct pkt_info pi;
		struct spec s;
		size_t n, need;

		spec_init(&s, family, proto);
		s.l2 = 1;
		s.frag = k & 4 ? 2 : 0;
		s.ext = 1;
		s.opt_words = 2;
		rw_init(&rw, family, 1, 1);
		n = build(a, &s, &lo);
		CU_ASSERT_EQUAL_FATAL(parse(a, n, 1, &pi), 0);
		if (s.frag == 2)
			need = pi.l3_off + (family == 4 ? 20u : 40u);
		else
			need = pi.l4_off + (proto == IPPROTO_TCP_ ? 20u : 8u);
		for (size_t len = 0; len <= n; len++) {
			uint8_t *h = malloc(len ? len : 1);

			memcpy(h, a, len);
			CU_ASSERT_EQUAL(nat_rewrite(h, h + len, &pi, &rw),
					len >= need ? 0 : -EINVAL);
			free(h);
		}
	}
}

/* ---- nat_icmp_error ----------------------------------------------------------------------- */

/*
 * An IPv4 "fragmentation needed" (type 3 code 4) or ICMPv6 "packet too big" from src to dst,
 * behind an Ethernet header, quoting the first qlen bytes of the IP packet q; all checksums
 * computed in full. Returns the frame length.
 */
static size_t mk_err(uint8_t *b, uint8_t family, const uint8_t *src, const uint8_t *dst,
		     const uint8_t *q, size_t qlen)
{
	uint8_t *ip = b + 14, *icmp;

	memset(b, 0, BUF);
	memcpy(b, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	sl_put_be16(b + 12, family == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6);
	if (family == 4) {
		ip[0] = 0x45;
		sl_put_be16(ip + 2, (uint16_t)(28 + qlen));
		ip[8] = 64;
		ip[9] = IPPROTO_ICMP_;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		sl_put_be16(ip + 10, csum_ipv4_hdr(ip));
		icmp = ip + 20;
		icmp[0] = 3;
		icmp[1] = 4;
		sl_put_be16(icmp + 6, 1400);
		memcpy(icmp + 8, q, qlen);
		sl_put_be16(icmp + 2, csum_fold(csum_partial(icmp, 8 + qlen, 0)));
		return 14 + 28 + qlen;
	}
	sl_put_be32(ip, 0x60000000u);
	sl_put_be16(ip + 4, (uint16_t)(8 + qlen));
	ip[6] = IPPROTO_ICMPV6_;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	icmp = ip + 40;
	icmp[0] = 2;
	sl_put_be32(icmp + 4, 1400);
	memcpy(icmp + 8, q, qlen);
	sl_put_be16(icmp + 2, csum_l4(6, ip + 8, ip + 24, 58, icmp, (uint32_t)(8 + qlen)));
	return 14 + 48 + qlen;
}

/* Full checks of a translated error: outer and ICMP checksums, quoted header checksum. */
static void assert_err_checksums(const uint8_t *e, size_t n)
{
	const uint8_t *ip = e + 14;
	struct pkt_info pi, q;

	CU_ASSERT_EQUAL_FATAL(pkt_parse_eth(e, e + n, &pi), 0);
	if (pi.family == 4) {
		CU_ASSERT_TRUE(ip_ck_ok(ip));
		CU_ASSERT_EQUAL(csum_fold(csum_partial(e + pi.l4_off, pi.l3_len - 20u, 0)), 0);
	} else {
		CU_ASSERT_TRUE(csum_l4_ok(6, ip + 8, ip + 24, 58, e + pi.l4_off, pi.l3_len - 40u));
	}
	CU_ASSERT_EQUAL_FATAL(pkt_parse_embedded(e, e + n, &pi, &q), 0);
	if (q.family == 4)
		CU_ASSERT_TRUE(ip_ck_ok(e + q.l3_off));
}

/*
 * The error about s's packet (quoting its first qlen bytes), from router to `to`, translated with
 * outer / inner, must equal the error built in full about the translated packet (whose quoted L4
 * checksum is the full recomputation over the original payload), from and to the new outer
 * addresses.
 */
static void check_icmp(const struct spec *s, const uint8_t *router, const uint8_t *to,
		       const struct nat_rewrite *outer, const struct nat_rewrite *inner,
		       size_t qlen)
{
	static uint8_t a[BUF], b[BUF], e[BUF], x[BUF];
	struct spec t = inner ? translated(s, inner) : *s;
	const uint8_t *osrc = outer && outer->set_src ? outer->saddr : router;
	const uint8_t *odst = outer && outer->set_dst ? outer->daddr : to;
	struct layout la, lb;
	struct pkt_info pi, q;
	size_t n, m, qip;

	build(a, s, &la);
	build(b, &t, &lb);
	if (la.ck && la.ck + 2 > qlen) /* the quote does not hold the L4 checksum: kept */
		memcpy(b + lb.ck, a + la.ck, 2);
	n = mk_err(e, s->family, router, to, a, qlen);
	m = mk_err(x, s->family, osrc, odst, b, qlen);
	CU_ASSERT_EQUAL_FATAL(n, m);
	CU_ASSERT_EQUAL_FATAL(pkt_parse_eth(e, e + n, &pi), 0);
	CU_ASSERT_TRUE_FATAL(pi.flags & PKT_F_ICMP_ERR);
	CU_ASSERT_EQUAL(nat_icmp_error(e, e + n, &pi, outer, inner), 0);
	CU_ASSERT_EQUAL(memcmp(e, x, n), 0);
	assert_err_checksums(e, n);

	/* the quote reads as requested */
	CU_ASSERT_EQUAL_FATAL(pkt_parse_eth(e, e + n, &pi), 0);
	CU_ASSERT_EQUAL_FATAL(pkt_parse_embedded(e, e + n, &pi, &q), 0);
	CU_ASSERT_EQUAL(memcmp(q.saddr, t.saddr, 16), 0);
	CU_ASSERT_EQUAL(memcmp(q.daddr, t.daddr, 16), 0);
	if (s->frag != 2) {
		CU_ASSERT_EQUAL(q.sport, t.sport);
		CU_ASSERT_EQUAL(q.dport, t.dport);
	}
	CU_ASSERT_EQUAL(memcmp(pi.saddr, osrc, s->family == 4 ? 4 : 16), 0);
	CU_ASSERT_EQUAL(memcmp(pi.daddr, odst, s->family == 4 ? 4 : 16), 0);
	/* the quoted L4 checksum: that of the whole translated packet, when quoted */
	qip = pi.l4_off + 8u;
	if (lb.ck && lb.ck + 2 <= qlen) {
		if (!(s->proto == IPPROTO_UDP_ && s->udp_zero)) {
			uint8_t tmp[BUF];

			memcpy(tmp, b, lb.len);
			sl_put_be16(tmp + lb.ck, 0);
			CU_ASSERT_EQUAL(sl_get_be16(e + qip + lb.ck),
					csum_l4(t.family, t.saddr, t.daddr, t.proto, tmp + lb.l4,
						(uint32_t)(lb.len - lb.l4)));
		} else {
			CU_ASSERT_EQUAL(sl_get_be16(e + qip + lb.ck), 0);
		}
	}
}

/* The quoted packet's addresses and ports. */
static void spec_flow(struct spec *s, const uint8_t *saddr, uint16_t sport, const uint8_t *daddr,
		      uint16_t dport)
{
	memcpy(s->saddr, saddr, 16);
	memcpy(s->daddr, daddr, 16);
	s->sport = sport;
	s->dport = dport;
}

/* What a rewrite writes: each address given (not NULL) and each port given (not 0). */
static void rw_to(struct nat_rewrite *rw, const uint8_t *saddr, uint16_t sport,
		  const uint8_t *daddr, uint16_t dport)
{
	if (saddr)
		memcpy(rw->saddr, saddr, 16);
	if (daddr)
		memcpy(rw->daddr, daddr, 16);
	if (sport)
		rw->sport = sport;
	if (dport)
		rw->dport = dport;
}

static void icmp_quote_lengths(uint8_t family, uint8_t proto)
{
	uint8_t client[16], zone[16], target[16], node[16], router[16];
	struct nat_rewrite in, out;
	struct layout lo;
	uint8_t a[BUF];
	struct spec s;
	size_t full, hdr;

	rand_addr(client, family);
	rand_addr(zone, family);
	rand_addr(target, family);
	rand_addr(node, family);
	rand_addr(router, family);
	spec_init(&s, family, proto);
	s.plen = 60;
	full = build(a, &s, &lo);
	hdr = lo.l4;

	for (size_t qlen = hdr + 8; qlen <= full; qlen++) {
		/* DNAT, forward: client -> target quoted, error to the client; quote client -> zone
		 */
		spec_flow(&s, client, 40000, target, 8443);
		rw_init(&in, family, 0, 1);
		rw_to(&in, NULL, 0, zone, 443);
		check_icmp(&s, router, client, NULL, &in, qlen);

		/* SNAT, forward: node:1024 -> target quoted, error to node; to the client, quote
		 * client -> zone; outer source the zone IP */
		spec_flow(&s, node, 1024, target, 8443);
		rw_init(&in, family, 1, 1);
		rw_to(&in, client, 40000, zone, 443);
		rw_init(&out, family, 1, 1);
		rw_to(&out, zone, 0, client, 0);
		check_icmp(&s, router, node, &out, &in, qlen);

		/* reply direction: zone:443 -> client quoted, error to zone; to the target, quote
		 * target -> client */
		spec_flow(&s, zone, 443, client, 40000);
		rw_init(&in, family, 1, 0);
		rw_to(&in, target, 8443, NULL, 0);
		rw_init(&out, family, 0, 1);
		rw_to(&out, NULL, 0, target, 0);
		check_icmp(&s, router, zone, &out, &in, qlen);
	}
}

static void icmp4_frag_needed_tcp_quotes_of_every_length(void)
{
	icmp_quote_lengths(4, IPPROTO_TCP_);
}

static void icmp4_frag_needed_udp_quotes_of_every_length(void)
{
	icmp_quote_lengths(4, IPPROTO_UDP_);
}

static void icmp6_too_big_tcp_quotes_of_every_length(void)
{
	icmp_quote_lengths(6, IPPROTO_TCP_);
}

static void icmp6_too_big_udp_quotes_of_every_length(void)
{
	icmp_quote_lengths(6, IPPROTO_UDP_);
}

static void icmp_random_translations(void)
{
	for (int iter = 0; iter < 2000; iter++) {
		uint8_t family = iter & 1 ? 6 : 4;
		uint8_t proto = iter & 2 ? IPPROTO_UDP_ : IPPROTO_TCP_;
		uint8_t router[16], to[16];
		struct nat_rewrite in, out;
		struct layout lo;
		uint8_t a[BUF];
		struct spec s;
		size_t full, qlen;

		spec_init(&s, family, proto);
		s.plen = (uint16_t)(rng() % 100);
		s.tcp_opt_words = (int)(rng() % 4);
		if (family == 4)
			s.opt_words = (int)(rng() % 4);
		else
			s.ext = (int)(rng() % 3);
		s.udp_zero = proto == IPPROTO_UDP_ && rng() % 4 == 0;
		full = build(a, &s, &lo);
		switch (rng() % 3) {
		case 0:
			qlen = lo.l4 + 8; /* short quote */
			break;
		case 1:
			qlen = full;
			break;
		default:
			qlen = lo.l4 + 8 + rng() % (full - lo.l4 - 7);
		}
		rand_addr(router, family);
		rand_addr(to, family);
		rw_init(&in, family, (int)(rng() & 1), (int)(rng() & 1));
		rw_init(&out, family, (int)(rng() & 1), (int)(rng() & 1));
		check_icmp(&s, router, to, rng() % 4 ? &out : NULL, rng() % 8 ? &in : NULL, qlen);
	}
}

/*
 * An ICMP error case: the quoted packet (built from a spec into a, full bytes), the router
 * that reports the error and the destination it goes to, and the two rewrites (in: the quoted
 * packet's session; out: the error's way back).
 */
struct icase {
	uint8_t router[16], to[16];
	struct nat_rewrite in, out;
	struct layout lo;
	uint8_t a[BUF];
	size_t full;
};

/* Random router and destination, in rewriting both addresses, out the destination (and the
 * source when out_src), the packet of s built. */
static void icase_init(struct icase *c, const struct spec *s, int out_src)
{
	rand_addr(c->router, s->family);
	rand_addr(c->to, s->family);
	rw_init(&c->in, s->family, 1, 1);
	rw_init(&c->out, s->family, out_src, 1);
	c->full = build(c->a, s, &c->lo);
}

/* check_icmp with the whole packet quoted, and cut after 8 bytes of its L4 header. */
static void icase_check(const struct icase *c, const struct spec *s)
{
	check_icmp(s, c->router, c->to, &c->out, &c->in, c->full);
	check_icmp(s, c->router, c->to, &c->out, &c->in, c->lo.l4 + 8);
}

static void icmp_quote_with_options_extension_headers_and_zero_udp_checksum(void)
{
	struct icase c;
	struct spec s;

	for (uint8_t proto = IPPROTO_TCP_; proto <= IPPROTO_UDP_; proto += 11) {
		for (int k = 0; k <= 10; k++) {
			spec_init(&s, 4, proto);
			s.opt_words = k;
			s.udp_zero = k & 1;
			icase_init(&c, &s, 1);
			icase_check(&c, &s);
		}
		for (int k = 0; k <= 2; k++) {
			spec_init(&s, 6, proto);
			s.ext = k;
			s.frag = 1;
			s.udp_zero = k & 1;
			icase_init(&c, &s, 1);
			icase_check(&c, &s);
		}
	}
}

static void icmp_quoted_non_first_fragment_gets_addresses_only(void)
{
	for (uint8_t family = 4; family <= 6; family += 2) {
		struct icase c;
		struct spec s;

		spec_init(&s, family, IPPROTO_TCP_);
		s.frag = 2;
		s.plen = 40;
		icase_init(&c, &s, 0);
		/* the reference is the fragment with the new addresses and its bytes unchanged */
		icase_check(&c, &s);
	}
}

/* Ethernet padding after the outer IP packet is not quote: a TCP checksum that lies in it is
 * neither read nor written, and the padding is left alone. */
static void icmp_quote_ends_with_the_outer_ip_length_not_the_padding(void)
{
	for (uint8_t family = 4; family <= 6; family += 2) {
		for (size_t cut = 8; cut <= 20; cut++) {
			static uint8_t e[BUF], p[BUF];
			static struct icase c;
			struct pkt_info pi;
			struct spec s;
			size_t n;

			spec_init(&s, family, IPPROTO_TCP_);
			icase_init(&c, &s, 1);
			n = mk_err(e, family, c.router, c.to, c.a, c.lo.l4 + cut);
			memcpy(p, e, n);
			/* the padding holds the rest of the original: what a cut quote would hide
			 */
			memcpy(p + n, c.a + c.lo.l4 + cut, 24);
			CU_ASSERT_EQUAL_FATAL(pkt_parse_eth(e, e + n, &pi), 0);
			CU_ASSERT_EQUAL(nat_icmp_error(e, e + n, &pi, &c.out, &c.in), 0);
			CU_ASSERT_EQUAL_FATAL(pkt_parse_eth(p, p + n + 24, &pi), 0);
			CU_ASSERT_EQUAL(nat_icmp_error(p, p + n + 24, &pi, &c.out, &c.in), 0);
			CU_ASSERT_EQUAL(memcmp(p, e, n), 0);
			CU_ASSERT_EQUAL(memcmp(p + n, c.a + c.lo.l4 + cut, 24), 0);
			assert_err_checksums(p, n + 24);
		}
	}
}

static void icmp_refuses_what_it_cannot_translate(void)
{
	static uint8_t a[BUF], e[BUF];
	uint8_t router[16], to[16];
	struct nat_rewrite in4, in6;
	struct pkt_info pi, bad;
	struct layout lo;
	struct spec s;
	size_t n, full;

	rw_init(&in4, 4, 1, 1);
	rw_init(&in6, 6, 1, 1);
	rand_addr(router, 4);
	rand_addr(to, 4);

	/* a plain TCP packet is not an error */
	spec_init(&s, 4, IPPROTO_TCP_);
	full = build(a, &s, &lo);
	CU_ASSERT_EQUAL_FATAL(parse(a, full, 0, &pi), 0);
	CU_ASSERT_EQUAL(nat_icmp_error(a, a + full, &pi, &in4, &in4), -EINVAL);

	n = mk_err(e, 4, router, to, a, full);
	CU_ASSERT_EQUAL_FATAL(pkt_parse_eth(e, e + n, &pi), 0);
	CU_ASSERT_EQUAL(nat_icmp_error(e, e + n, &pi, &in6, &in4), -EINVAL); /* family mismatch */
	CU_ASSERT_EQUAL(nat_icmp_error(e, e + n, &pi, &in4, &in6), -EINVAL);
	bad = pi;
	bad.proto = IPPROTO_ICMPV6_;
	CU_ASSERT_EQUAL(nat_icmp_error(e, e + n, &bad, &in4, &in4), -EINVAL);
	bad = pi;
	bad.flags &= (uint16_t)~PKT_F_ICMP_ERR;
	CU_ASSERT_EQUAL(nat_icmp_error(e, e + n, &bad, &in4, &in4), -EINVAL);
	bad = pi;
	bad.family = 6;
	CU_ASSERT_EQUAL(nat_icmp_error(e, e + n, &bad, &in6, &in6), -EINVAL);
	bad = pi;
	bad.l4_off = (uint16_t)(bad.l3_off + 12);
	CU_ASSERT_EQUAL(nat_icmp_error(e, e + n, &bad, &in4, &in4), -EINVAL);

	/* quotes shorter than IP header + 8 bytes of L4 */
	for (size_t qlen = 0; qlen < lo.l4 + 8; qlen++) {
		n = mk_err(e, 4, router, to, a, qlen);
		CU_ASSERT_EQUAL_FATAL(pkt_parse_eth(e, e + n, &pi), 0);
		CU_ASSERT_EQUAL(nat_icmp_error(e, e + n, &pi, &in4, &in4), -EINVAL);
	}

	/* a quoted ICMP echo (not TCP/UDP), and an IPv6 quote in an IPv4 error */
	memset(a, 0, 64);
	a[0] = 0x45;
	sl_put_be16(a + 2, 28);
	a[9] = IPPROTO_ICMP_;
	memcpy(a + 12, to, 4);
	a[20] = 8;
	sl_put_be16(a + 10, csum_ipv4_hdr(a));
	n = mk_err(e, 4, router, to, a, 28);
	CU_ASSERT_EQUAL_FATAL(pkt_parse_eth(e, e + n, &pi), 0);
	CU_ASSERT_EQUAL(nat_icmp_error(e, e + n, &pi, &in4, &in4), -EINVAL);
	spec_init(&s, 6, IPPROTO_UDP_);
	full = build(a, &s, &lo);
	n = mk_err(e, 4, router, to, a, full);
	CU_ASSERT_EQUAL_FATAL(pkt_parse_eth(e, e + n, &pi), 0);
	CU_ASSERT_EQUAL(nat_icmp_error(e, e + n, &pi, &in4, &in4), -EINVAL);

	/* an ICMPv6 echo request is no error */
	memset(e, 0, 14 + 48);
	e[12] = 0x86;
	e[13] = 0xdd;
	e[14] = 0x60;
	e[14 + 5] = 8;
	e[14 + 6] = 58;
	e[14 + 40] = 128;
	CU_ASSERT_EQUAL_FATAL(pkt_parse_eth(e, e + 14 + 48, &pi), 0);
	CU_ASSERT_EQUAL(nat_icmp_error(e, e + 14 + 48, &pi, &in6, &in6), -EINVAL);
}

static void icmp_every_truncation_is_a_clean_error(void)
{
	for (int k = 0; k < 4; k++) {
		uint8_t family = k & 1 ? 6 : 4, proto = k & 2 ? IPPROTO_UDP_ : IPPROTO_TCP_;
		static uint8_t e[BUF];
		static struct icase c;
		struct pkt_info pi, q;
		struct spec s;
		size_t n, need;

		spec_init(&s, family, proto);
		s.opt_words = 1;
		s.ext = 2;
		icase_init(&c, &s, 1);
		n = mk_err(e, family, c.router, c.to, c.a, c.full);
		CU_ASSERT_EQUAL_FATAL(pkt_parse_eth(e, e + n, &pi), 0);
		CU_ASSERT_EQUAL_FATAL(pkt_parse_embedded(e, e + n, &pi, &q), 0);
		need = q.l4_off + 8u;
		for (size_t len = 0; len <= n; len++) {
			uint8_t *h = malloc(len ? len : 1);

			memcpy(h, e, len);
			CU_ASSERT_EQUAL(nat_icmp_error(h, h + len, &pi, &c.out, &c.in),
					len >= need ? 0 : -EINVAL);
			free(h);
		}
	}
}

/* ---- nat_tcp_rst -------------------------------------------------------------------------- */

/* The RST for s's segment, field by field. */
static void check_rst(const struct spec *s, uint32_t want_seq, uint32_t want_ack,
		      uint8_t want_flags, const uint8_t *from_saddr, const uint16_t *from_sport)
{
	static uint8_t a[BUF], out[BUF], tmp[BUF];
	uint8_t family = s->family;
	size_t hl = family == 4 ? 20 : 40;
	const uint8_t *src = from_saddr ? from_saddr : s->daddr;
	struct layout lo;
	struct pkt_info pi;
	const uint8_t *th;
	size_t n = build(a, s, &lo);
	int r;

	CU_ASSERT_EQUAL_FATAL(parse(a, n, s->l2, &pi), 0);
	memset(out, 0xEE, sizeof(out));
	r = nat_tcp_rst(out, sizeof(out), a, a + n, &pi, from_saddr, from_sport);
	CU_ASSERT_EQUAL_FATAL(r, family == 4 ? 40 : 60);
	CU_ASSERT_EQUAL(out[r], 0xEE);
	if (family == 4) {
		CU_ASSERT_EQUAL(out[0], 0x45);
		CU_ASSERT_EQUAL(out[1], 0);
		CU_ASSERT_EQUAL(sl_get_be16(out + 2), 40);
		CU_ASSERT_EQUAL(sl_get_be32(out + 4), 0);
		CU_ASSERT_EQUAL(out[8], 64);
		CU_ASSERT_EQUAL(out[9], IPPROTO_TCP_);
		CU_ASSERT_TRUE(ip_ck_ok(out));
		CU_ASSERT_EQUAL(memcmp(out + 12, src, 4), 0);
		CU_ASSERT_EQUAL(memcmp(out + 16, s->saddr, 4), 0);
	} else {
		CU_ASSERT_EQUAL(sl_get_be32(out), 0x60000000u);
		CU_ASSERT_EQUAL(sl_get_be16(out + 4), 20);
		CU_ASSERT_EQUAL(out[6], IPPROTO_TCP_);
		CU_ASSERT_EQUAL(out[7], 64);
		CU_ASSERT_EQUAL(memcmp(out + 8, src, 16), 0);
		CU_ASSERT_EQUAL(memcmp(out + 24, s->saddr, 16), 0);
	}
	th = out + hl;
	CU_ASSERT_EQUAL(sl_get_be16(th), from_sport ? *from_sport : s->dport);
	CU_ASSERT_EQUAL(sl_get_be16(th + 2), s->sport);
	CU_ASSERT_EQUAL(sl_get_be32(th + 4), want_seq);
	CU_ASSERT_EQUAL(sl_get_be32(th + 8), want_ack);
	CU_ASSERT_EQUAL(th[12], 0x50);
	CU_ASSERT_EQUAL(th[13], want_flags);
	CU_ASSERT_EQUAL(sl_get_be16(th + 14), 0);
	CU_ASSERT_EQUAL(sl_get_be16(th + 18), 0);
	memcpy(tmp, th, 20);
	sl_put_be16(tmp + 16, 0);
	CU_ASSERT_EQUAL(sl_get_be16(th + 16),
			csum_l4(family, out + (family == 4 ? 12 : 8), out + (family == 4 ? 16 : 24),
				IPPROTO_TCP_, tmp, 20));
	CU_ASSERT_TRUE(csum_l4_ok(family, src, s->saddr, IPPROTO_TCP_, th, 20));

	/* the RST parses as one, and built in place over the segment it is the same */
	CU_ASSERT_EQUAL_FATAL(pkt_parse_ip(out, 0, out + r, 0, &pi), 0);
	CU_ASSERT_EQUAL(pi.tcp_flags, want_flags);
	{
		static uint8_t copy[BUF];

		memcpy(copy, out, (size_t)r);
		CU_ASSERT_EQUAL_FATAL(parse(a, n, s->l2, &pi), 0);
		CU_ASSERT_EQUAL(nat_tcp_rst(a + pi.l3_off, n - pi.l3_off, a, a + n, &pi, from_saddr,
					    from_sport),
				r);
		CU_ASSERT_EQUAL(memcmp(a + pi.l3_off, copy, (size_t)r), 0);
	}
}

static void rst_answers_syn_with_rst_ack(void)
{
	for (uint8_t family = 4; family <= 6; family += 2) {
		struct spec s;

		spec_init(&s, family, IPPROTO_TCP_);
		s.tcp_flags = NAT_TCP_SYN;
		s.seq = 1000;
		s.ack = 0x55555555u; /* ignored without ACK */
		s.plen = 0;
		s.tcp_opt_words = 5; /* MSS, SACK, timestamps... */
		check_rst(&s, 0, 1001, NAT_TCP_RST | NAT_TCP_ACK, NULL, NULL);

		s.plen = 10; /* SYN with data (TFO) */
		check_rst(&s, 0, 1011, NAT_TCP_RST | NAT_TCP_ACK, NULL, NULL);

		s.plen = 0;
		s.seq = 0xFFFFFFFFu; /* wraps */
		check_rst(&s, 0, 0, NAT_TCP_RST | NAT_TCP_ACK, NULL, NULL);
	}
}

static void rst_answers_ack_segments_from_their_ack(void)
{
	for (uint8_t family = 4; family <= 6; family += 2) {
		struct spec s;

		spec_init(&s, family, IPPROTO_TCP_);
		s.tcp_flags = NAT_TCP_ACK | 0x08; /* PSH */
		s.seq = 123456;
		s.ack = 0xDEADBEEFu;
		s.plen = 100;
		s.l2 = 1;
		check_rst(&s, 0xDEADBEEFu, 0, NAT_TCP_RST, NULL, NULL);

		s.tcp_flags = NAT_TCP_ACK | NAT_TCP_FIN;
		check_rst(&s, 0xDEADBEEFu, 0, NAT_TCP_RST, NULL, NULL);

		s.tcp_flags = NAT_TCP_ACK | NAT_TCP_SYN; /* a SYN-ACK */
		s.plen = 0;
		check_rst(&s, 0xDEADBEEFu, 0, NAT_TCP_RST, NULL, NULL);
	}
}

static void rst_counts_payload_syn_and_fin_without_ack(void)
{
	for (uint8_t family = 4; family <= 6; family += 2) {
		struct spec s;

		spec_init(&s, family, IPPROTO_TCP_);
		s.seq = 5000;
		s.tcp_flags = NAT_TCP_FIN;
		s.plen = 5;
		check_rst(&s, 0, 5006, NAT_TCP_RST | NAT_TCP_ACK, NULL, NULL);
		s.tcp_flags = NAT_TCP_SYN | NAT_TCP_FIN;
		check_rst(&s, 0, 5007, NAT_TCP_RST | NAT_TCP_ACK, NULL, NULL);
		s.tcp_flags = 0; /* no flags at all */
		s.plen = 7;
		check_rst(&s, 0, 5007, NAT_TCP_RST | NAT_TCP_ACK, NULL, NULL);
	}
}

static void rst_payload_length_behind_options_and_extension_headers(void)
{
	struct spec s;

	spec_init(&s, 4, IPPROTO_TCP_);
	s.tcp_flags = NAT_TCP_FIN;
	s.seq = 7;
	s.opt_words = 10;
	s.tcp_opt_words = 10;
	s.plen = 33;
	check_rst(&s, 0, 7 + 33 + 1, NAT_TCP_RST | NAT_TCP_ACK, NULL, NULL);

	spec_init(&s, 6, IPPROTO_TCP_);
	s.tcp_flags = NAT_TCP_FIN;
	s.seq = 7;
	s.ext = 2;
	s.frag = 1; /* a first fragment: its own payload is what is counted */
	s.tcp_opt_words = 3;
	s.plen = 33;
	s.l2 = 1;
	check_rst(&s, 0, 7 + 33 + 1, NAT_TCP_RST | NAT_TCP_ACK, NULL, NULL);
}

static void rst_source_overrides(void)
{
	for (uint8_t family = 4; family <= 6; family += 2) {
		uint8_t zone[16];
		uint16_t port = 443;
		struct spec s;

		rand_addr(zone, family);
		spec_init(&s, family, IPPROTO_TCP_);
		s.tcp_flags = NAT_TCP_ACK;
		check_rst(&s, s.ack, 0, NAT_TCP_RST, zone, NULL);
		check_rst(&s, s.ack, 0, NAT_TCP_RST, NULL, &port);
		check_rst(&s, s.ack, 0, NAT_TCP_RST, zone, &port);
	}
}

static void rst_random_segments(void)
{
	for (int iter = 0; iter < 2000; iter++) {
		uint8_t family = iter & 1 ? 6 : 4;
		struct spec s;
		uint8_t f;

		spec_init(&s, family, IPPROTO_TCP_);
		s.tcp_flags = (uint8_t)(rng() & ~NAT_TCP_RST);
		f = s.tcp_flags;
		s.plen = (uint16_t)(rng() % 200);
		s.tcp_opt_words = (int)(rng() % 11);
		s.l2 = (int)(rng() & 1);
		if (f & NAT_TCP_ACK)
			check_rst(&s, s.ack, 0, NAT_TCP_RST, NULL, NULL);
		else
			check_rst(&s, 0, s.seq + s.plen + !!(f & NAT_TCP_SYN) + !!(f & NAT_TCP_FIN),
				  NAT_TCP_RST | NAT_TCP_ACK, NULL, NULL);
	}
}

static void rst_refusals(void)
{
	static uint8_t a[BUF], out[BUF];
	struct pkt_info pi, bad;
	struct layout lo;
	struct spec s;
	size_t n;

	for (uint8_t family = 4; family <= 6; family += 2) {
		/* never a RST for a RST */
		spec_init(&s, family, IPPROTO_TCP_);
		s.tcp_flags = NAT_TCP_RST;
		n = build(a, &s, &lo);
		CU_ASSERT_EQUAL_FATAL(parse(a, n, 0, &pi), 0);
		CU_ASSERT_EQUAL(nat_tcp_rst(out, sizeof(out), a, a + n, &pi, NULL, NULL), -EINVAL);
		s.tcp_flags = NAT_TCP_RST | NAT_TCP_ACK;
		n = build(a, &s, &lo);
		CU_ASSERT_EQUAL_FATAL(parse(a, n, 0, &pi), 0);
		CU_ASSERT_EQUAL(nat_tcp_rst(out, sizeof(out), a, a + n, &pi, NULL, NULL), -EINVAL);

		/* UDP, a non-first fragment */
		spec_init(&s, family, IPPROTO_UDP_);
		n = build(a, &s, &lo);
		CU_ASSERT_EQUAL_FATAL(parse(a, n, 0, &pi), 0);
		CU_ASSERT_EQUAL(nat_tcp_rst(out, sizeof(out), a, a + n, &pi, NULL, NULL), -EINVAL);
		spec_init(&s, family, IPPROTO_TCP_);
		s.frag = 2;
		n = build(a, &s, &lo);
		CU_ASSERT_EQUAL_FATAL(parse(a, n, 0, &pi), 0);
		CU_ASSERT_EQUAL(nat_tcp_rst(out, sizeof(out), a, a + n, &pi, NULL, NULL), -EINVAL);

		/* small buffer; bad pi; bad data offsets */
		spec_init(&s, family, IPPROTO_TCP_);
		s.plen = 4;
		n = build(a, &s, &lo);
		CU_ASSERT_EQUAL_FATAL(parse(a, n, 0, &pi), 0);
		CU_ASSERT_EQUAL(nat_tcp_rst(out, family == 4 ? 39 : 59, a, a + n, &pi, NULL, NULL),
				-ENOSPC);
		CU_ASSERT_EQUAL(nat_tcp_rst(out, family == 4 ? 40 : 60, a, a + n, &pi, NULL, NULL),
				family == 4 ? 40 : 60);
		bad = pi;
		bad.family = 0;
		CU_ASSERT_EQUAL(nat_tcp_rst(out, sizeof(out), a, a + n, &bad, NULL, NULL), -EINVAL);
		bad = pi;
		bad.flags &= (uint16_t)~PKT_F_L4;
		CU_ASSERT_EQUAL(nat_tcp_rst(out, sizeof(out), a, a + n, &bad, NULL, NULL), -EINVAL);
		bad = pi;
		bad.l4_off = 4;
		CU_ASSERT_EQUAL(nat_tcp_rst(out, sizeof(out), a, a + n, &bad, NULL, NULL), -EINVAL);
		a[lo.l4 + 12] = 4 << 4; /* data offset 4 */
		CU_ASSERT_EQUAL(nat_tcp_rst(out, sizeof(out), a, a + n, &pi, NULL, NULL), -EINVAL);
		a[lo.l4 + 12] = 6 << 4; /* 24 bytes: past the 20 + 4 bytes of segment */
		CU_ASSERT_EQUAL(nat_tcp_rst(out, sizeof(out), a, a + n, &pi, NULL, NULL),
				family == 4 ? 40 : 60);
		a[lo.l4 + 12] = 7 << 4; /* 28 bytes > 24 */
		CU_ASSERT_EQUAL(nat_tcp_rst(out, sizeof(out), a, a + n, &pi, NULL, NULL), -EINVAL);
	}
}

static void rst_every_truncation_is_a_clean_error(void)
{
	for (int k = 0; k < 4; k++) {
		uint8_t family = k & 1 ? 6 : 4;
		static uint8_t a[BUF], out[BUF];
		struct layout lo;
		struct pkt_info pi;
		struct spec s;
		size_t n, need;

		spec_init(&s, family, IPPROTO_TCP_);
		s.l2 = k >> 1;
		s.opt_words = 1;
		s.ext = 1;
		s.plen = 12;
		n = build(a, &s, &lo);
		CU_ASSERT_EQUAL_FATAL(parse(a, n, s.l2, &pi), 0);
		need = pi.l4_off + 20u;
		for (size_t len = 0; len <= n; len++) {
			uint8_t *h = malloc(len ? len : 1);

			memcpy(h, a, len);
			CU_ASSERT_EQUAL(nat_tcp_rst(out, sizeof(out), h, h + len, &pi, NULL, NULL),
					len >= need ? (family == 4 ? 40 : 60) : -EINVAL);
			free(h);
		}
	}
}

/* ---- nat_tcp_rst_fwd ---------------------------------------------------------------------- */

/*
 * s's segment through rw (or not), turned into a RST: the same as the segment built from
 * scratch with rw's addresses and ports, no TCP options or payload, flags RST (+ s's ACK),
 * window 0, its checksums in full.
 */
static void check_rst_fwd(const struct spec *s, const struct nat_rewrite *rw)
{
	static uint8_t a[BUF], out[BUF], ref[BUF];
	struct spec t = rw ? translated(s, rw) : *s;
	struct layout lo, rlo;
	struct pkt_info pi;
	size_t n = build(a, s, &lo), rn;
	int r;

	CU_ASSERT_EQUAL_FATAL(parse(a, n, s->l2, &pi), 0);
	t.l2 = 0;
	t.tcp_opt_words = 0;
	t.plen = 0;
	t.tcp_flags = (uint8_t)(NAT_TCP_RST | (s->tcp_flags & NAT_TCP_ACK));
	rn = build(ref, &t, &rlo);
	sl_put_be16(ref + rlo.l4 + 14, 0); /* window */
	sl_put_be16(ref + rlo.ck, 0);
	sl_put_be16(ref + rlo.ck,
		    csum_l4(t.family, t.saddr, t.daddr, IPPROTO_TCP_, ref + rlo.l4, 20));

	memset(out, 0xEE, sizeof(out));
	r = nat_tcp_rst_fwd(out, sizeof(out), a, a + n, &pi, rw);
	CU_ASSERT_EQUAL_FATAL(r, (int)rn);
	CU_ASSERT_EQUAL(memcmp(out, ref, rn), 0);
	CU_ASSERT_EQUAL(out[r], 0xEE);
	CU_ASSERT_EQUAL_FATAL(pkt_parse_ip(out, 0, out + r, 0, &pi), 0);
	CU_ASSERT_EQUAL(pi.tcp_flags, t.tcp_flags);
	CU_ASSERT_EQUAL_FATAL(parse(a, n, s->l2, &pi), 0);
	CU_ASSERT_EQUAL(nat_tcp_rst_fwd(out, rn - 1, a, a + n, &pi, rw), -ENOSPC);
}

static void rst_fwd_is_the_translated_segment_as_a_rst(void)
{
	for (int iter = 0; iter < 1000; iter++) {
		uint8_t family = iter & 1 ? 6 : 4;
		struct nat_rewrite rw;
		struct spec s;

		spec_init(&s, family, IPPROTO_TCP_);
		s.tcp_flags = (uint8_t)(rng() & ~NAT_TCP_RST);
		s.plen = (uint16_t)(rng() % 200);
		s.tcp_opt_words = (int)(rng() % 11);
		s.l2 = (int)(rng() & 1);
		if (family == 4)
			s.opt_words = (int)(rng() % 11);
		else
			s.ext = (int)(rng() % 3);
		rw_init(&rw, family, (int)(rng() & 1), (int)(rng() & 1));
		check_rst_fwd(&s, iter % 7 ? &rw : NULL);
	}
}

static void rst_fwd_refusals_and_truncations(void)
{
	static uint8_t a[BUF], out[BUF];
	struct nat_rewrite rw;
	struct pkt_info pi;
	struct layout lo;
	struct spec s;
	size_t n;

	for (uint8_t family = 4; family <= 6; family += 2) {
		spec_init(&s, family, IPPROTO_TCP_);
		s.opt_words = 2;
		s.ext = 1;
		n = build(a, &s, &lo);
		CU_ASSERT_EQUAL_FATAL(parse(a, n, 0, &pi), 0);
		rw_init(&rw, family == 4 ? 6 : 4, 1, 1); /* the other family */
		CU_ASSERT_EQUAL(nat_tcp_rst_fwd(out, sizeof(out), a, a + n, &pi, &rw), -EINVAL);
		/* every truncation: the IP header and 20 TCP bytes are all it needs */
		for (size_t len = 0; len <= n; len++) {
			uint8_t *h = malloc(len ? len : 1);

			memcpy(h, a, len);
			CU_ASSERT_EQUAL(nat_tcp_rst_fwd(out, sizeof(out), h, h + len, &pi, NULL),
					len >= lo.l4 + 20 ? (int)(lo.l4 + 20) : -EINVAL);
			free(h);
		}
		s.tcp_flags = NAT_TCP_RST | NAT_TCP_ACK; /* a RST is never turned into one */
		n = build(a, &s, &lo);
		CU_ASSERT_EQUAL_FATAL(parse(a, n, 0, &pi), 0);
		CU_ASSERT_EQUAL(nat_tcp_rst_fwd(out, sizeof(out), a, a + n, &pi, NULL), -EINVAL);
		spec_init(&s, family, IPPROTO_UDP_);
		n = build(a, &s, &lo);
		CU_ASSERT_EQUAL_FATAL(parse(a, n, 0, &pi), 0);
		CU_ASSERT_EQUAL(nat_tcp_rst_fwd(out, sizeof(out), a, a + n, &pi, NULL), -EINVAL);
		pi.proto = IPPROTO_TCP_;
		pi.l4_off = (uint16_t)(pi.l3_off + 4); /* inside the fixed IP header */
		CU_ASSERT_EQUAL(nat_tcp_rst_fwd(out, sizeof(out), a, a + n, &pi, NULL), -EINVAL);
	}
}

/*
 * Offsets past NAT_MAX_OFF are refused (nat_off's mask must never alias them): the packet at
 * 0x8000 has a twin at 0, where a masked offset would land.
 */
static void offsets_past_nat_max_off_are_refused(void)
{
	const size_t base = NAT_MAX_OFF + 1;
	uint8_t *big, out[64];
	struct nat_rewrite rw;
	struct pkt_info pi;
	struct layout lo;
	struct spec s;
	size_t n;

	for (uint8_t proto = IPPROTO_TCP_; proto <= IPPROTO_UDP_; proto += 11) {
		uint8_t a[BUF], e[BUF];

		spec_init(&s, 4, proto);
		n = build(a, &s, &lo);
		big = calloc(1, base + BUF);
		CU_ASSERT_PTR_NOT_NULL_FATAL(big);
		memcpy(big, a, n);
		memcpy(big + base, a, n);
		rw_init(&rw, 4, 1, 1);
		CU_ASSERT_EQUAL_FATAL(pkt_parse_ip(big, (uint16_t)base, big + base + n, 0, &pi), 0);
		CU_ASSERT_EQUAL(nat_rewrite(big, big + base + n, &pi, &rw), -EINVAL);
		CU_ASSERT_EQUAL(nat_tcp_rst(out, sizeof(out), big, big + base + n, &pi, NULL, NULL),
				-EINVAL);
		CU_ASSERT_EQUAL(memcmp(big, a, n), 0);
		CU_ASSERT_EQUAL(memcmp(big + base, a, n), 0);

		/* an ICMP error about it, at both places too */
		n = mk_err(e, 4, s.daddr, s.saddr, a, n) - 14;
		memcpy(big, e + 14, n);
		memcpy(big + base, e + 14, n);
		CU_ASSERT_EQUAL_FATAL(pkt_parse_ip(big, (uint16_t)base, big + base + n, 0, &pi), 0);
		CU_ASSERT_EQUAL(nat_icmp_error(big, big + base + n, &pi, &rw, &rw), -EINVAL);
		CU_ASSERT_EQUAL(memcmp(big, e + 14, n), 0);
		free(big);
	}
}

/* ---- fuzz: mutated packets and inconsistent pi never touch memory past end --------------- */

static void random_mutations_are_handled_cleanly(void)
{
	for (int iter = 0; iter < 20000; iter++) {
		static uint8_t a[BUF], e[BUF];
		uint8_t family = iter & 1 ? 6 : 4, router[16], to[16], out[64];
		struct nat_rewrite rw;
		struct layout lo;
		struct pkt_info pi;
		struct spec s;
		size_t n, len;
		uint8_t *h, *src;
		int r;

		spec_init(&s, family, iter & 2 ? IPPROTO_UDP_ : IPPROTO_TCP_);
		s.plen = (uint16_t)(rng() % 40);
		s.ext = (int)(rng() % 3);
		s.opt_words = (int)(rng() % 3);
		n = build(a, &s, &lo);
		src = a;
		if (iter & 4) { /* an ICMP error about it */
			rand_addr(router, family);
			rand_addr(to, family);
			n = mk_err(e, family, router, to, a, n - rng() % 20);
			src = e;
		}
		for (int m = 0, nm = (int)(rng() % 4); m < nm; m++)
			src[rng() % n] = (uint8_t)rng();
		len = rng() % 3 ? n : rng() % (n + 1);
		h = malloc(len ? len : 1);
		memcpy(h, src, len);
		rw_init(&rw, family, 1, 1);
		if (pkt_parse_eth(h, h + len, &pi) != 0 &&
		    pkt_parse_ip(h, 0, h + len, 0, &pi) != 0) {
			free(h);
			continue;
		}
		/* and a pi that no longer matches the bytes it describes */
		if (rng() % 4 == 0) {
			uint8_t *p = (uint8_t *)&pi;

			p[rng() % sizeof(pi)] = (uint8_t)rng();
		}
		r = nat_rewrite(h, h + len, &pi, &rw);
		CU_ASSERT(r == 0 || r == -EINVAL);
		r = nat_icmp_error(h, h + len, &pi, &rw, &rw);
		CU_ASSERT(r == 0 || r == -EINVAL);
		r = nat_tcp_rst(out, sizeof(out), h, h + len, &pi, NULL, NULL);
		CU_ASSERT(r == 40 || r == 60 || r == -EINVAL);
		free(h);
	}
}

/* nat_icmp_rewrites: the quote reads as the original packet, the error goes to its source. */
static void icmp_rewrites_restore_the_quote_and_address_its_source(void)
{
	const uint8_t s4[4] = {10, 0, 1, 2}, d4[4] = {10, 0, 1, 10};
	uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2},
		d6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 9};
	struct nat_rewrite outer, inner;

	memset(&outer, 0xaa, sizeof(outer));
	memset(&inner, 0xaa, sizeof(inner));
	nat_icmp_rewrites(4, s4, d4, 40000, 443, &outer, &inner);
	CU_ASSERT_EQUAL(inner.family, 4);
	CU_ASSERT_EQUAL(outer.family, 4);
	CU_ASSERT_TRUE(inner.set_src && inner.set_dst);
	CU_ASSERT_EQUAL(memcmp(inner.saddr, s4, 4), 0);
	CU_ASSERT_EQUAL(memcmp(inner.daddr, d4, 4), 0);
	CU_ASSERT_EQUAL(inner.sport, 40000);
	CU_ASSERT_EQUAL(inner.dport, 443);
	CU_ASSERT_FALSE(outer.set_src);
	CU_ASSERT_TRUE(outer.set_dst);
	CU_ASSERT_EQUAL(memcmp(outer.daddr, s4, 4), 0);
	CU_ASSERT_EQUAL(inner.saddr[4] | inner.daddr[15] | outer.daddr[4] | outer.saddr[0], 0);
	CU_ASSERT_EQUAL(outer.sport | outer.dport, 0);

	nat_icmp_rewrites(6, s6, d6, 53, 1024, &outer, &inner);
	CU_ASSERT_EQUAL(inner.family, 6);
	CU_ASSERT_EQUAL(memcmp(inner.saddr, s6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(inner.daddr, d6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(outer.daddr, s6, 16), 0);
	CU_ASSERT_EQUAL(inner.sport, 53);
	CU_ASSERT_EQUAL(inner.dport, 1024);
}

/* Issue 12 item 10: flag combinations no connection sends create no session. */
static void bogus_tcp_flags_are_null_synfin_synrst_xmas(void)
{
	const uint8_t F = NAT_TCP_FIN, S = NAT_TCP_SYN, R = NAT_TCP_RST, P = NAT_TCP_PSH,
		      A = NAT_TCP_ACK, U = NAT_TCP_URG;

	CU_ASSERT_EQUAL(nat_tcp_flags_bogus(0), 1);
	CU_ASSERT_EQUAL(nat_tcp_flags_bogus(0xc0), 1); /* ECE+CWR only: still NULL */
	CU_ASSERT_EQUAL(nat_tcp_flags_bogus(S | F), 1);
	CU_ASSERT_EQUAL(nat_tcp_flags_bogus(S | R), 1);
	CU_ASSERT_EQUAL(nat_tcp_flags_bogus(S | R | A), 1);
	CU_ASSERT_EQUAL(nat_tcp_flags_bogus(F | P | U), 1);
	CU_ASSERT_EQUAL(nat_tcp_flags_bogus(0xff), 1);
	CU_ASSERT_EQUAL(nat_tcp_flags_bogus(S), 0);
	CU_ASSERT_EQUAL(nat_tcp_flags_bogus(S | A), 0);
	CU_ASSERT_EQUAL(nat_tcp_flags_bogus(A), 0);
	CU_ASSERT_EQUAL(nat_tcp_flags_bogus(P | A), 0);
	CU_ASSERT_EQUAL(nat_tcp_flags_bogus(F | A), 0);
	CU_ASSERT_EQUAL(nat_tcp_flags_bogus(F | P | A), 0);
	CU_ASSERT_EQUAL(nat_tcp_flags_bogus(F | P | U | A), 0);
	CU_ASSERT_EQUAL(nat_tcp_flags_bogus(R), 0);
	CU_ASSERT_EQUAL(nat_tcp_flags_bogus(F), 0);
}

static void martian_sources_ipv4_and_ipv6(void)
{
	static const uint8_t v4[][16] = {{0, 0, 0, 0},	      {0, 1, 2, 3},   {127, 0, 0, 1},
					 {224, 0, 0, 5},      {239, 1, 1, 1}, {240, 0, 0, 1},
					 {255, 255, 255, 255}};
	static const uint8_t ok4[][16] = {
		{10, 0, 1, 101}, {1, 0, 0, 0}, {223, 255, 255, 255}, {126, 255, 255, 255}};
	uint8_t v6[16] = {0};
	unsigned int i;

	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++)
		CU_ASSERT_EQUAL(nat_source_martian(4, v4[i]), 1);
	for (i = 0; i < sizeof(ok4) / sizeof(ok4[0]); i++)
		CU_ASSERT_EQUAL(nat_source_martian(4, ok4[i]), 0);
	CU_ASSERT_EQUAL(nat_source_martian(6, v6), 1); /* :: */
	v6[15] = 1;
	CU_ASSERT_EQUAL(nat_source_martian(6, v6), 1); /* ::1 */
	v6[15] = 2;
	CU_ASSERT_EQUAL(nat_source_martian(6, v6), 0); /* ::2 */
	v6[0] = 0xff;
	CU_ASSERT_EQUAL(nat_source_martian(6, v6), 1); /* ff00::/8 */
	v6[0] = 0x20;
	v6[1] = 0x01;
	CU_ASSERT_EQUAL(nat_source_martian(6, v6), 0);
}

static void new_session_refusal_reasons(void)
{
	struct pkt_info pi;

	memset(&pi, 0, sizeof(pi));
	pi.family = 4;
	pi.proto = IPPROTO_TCP_;
	pi.saddr[0] = 10;
	pi.tcp_flags = NAT_TCP_SYN;
	CU_ASSERT_EQUAL(nat_new_session_refusal(&pi, PKT_DST_OTHER), SL_DROP_MAX);
	pi.tcp_flags = NAT_TCP_SYN | NAT_TCP_FIN;
	CU_ASSERT_EQUAL(nat_new_session_refusal(&pi, PKT_DST_OTHER), SL_DROP_NLB_BAD_TCP_FLAGS);
	pi.saddr[0] = 127;
	CU_ASSERT_EQUAL(nat_new_session_refusal(&pi, PKT_DST_OTHER), SL_DROP_NLB_MARTIAN);
	pi.proto = IPPROTO_UDP_;
	pi.tcp_flags = 0;
	CU_ASSERT_EQUAL(nat_new_session_refusal(&pi, PKT_DST_OTHER), SL_DROP_NLB_MARTIAN);
	pi.saddr[0] = 10;
	/* UDP has no flags */
	CU_ASSERT_EQUAL(nat_new_session_refusal(&pi, PKT_DST_OTHER), SL_DROP_MAX);
	/* the node's own address, a subnet's broadcast: no client either */
	CU_ASSERT_EQUAL(nat_new_session_refusal(&pi, PKT_DST_OWN), SL_DROP_NLB_MARTIAN);
	CU_ASSERT_EQUAL(nat_new_session_refusal(&pi, PKT_DST_EDGE), SL_DROP_NLB_MARTIAN);
}

static CU_TestInfo tests[] = {
	{"bogus_tcp_flags_are_null_synfin_synrst_xmas",
	 bogus_tcp_flags_are_null_synfin_synrst_xmas},
	{"martian_sources_ipv4_and_ipv6", martian_sources_ipv4_and_ipv6},
	{"undo_ipv4_tcp_and_udp_restores_the_packet", undo_ipv4_tcp_and_udp_restores_the_packet},
	{"undo_ipv6_tcp_and_udp_restores_the_packet", undo_ipv6_tcp_and_udp_restores_the_packet},
	{"new_session_refusal_reasons", new_session_refusal_reasons},
	{"icmp_rewrites_restore_the_quote_and_address_its_source",
	 icmp_rewrites_restore_the_quote_and_address_its_source},
	{"rewrite_ipv4_tcp_random_matches_full_recompute",
	 rewrite_ipv4_tcp_random_matches_full_recompute},
	{"rewrite_ipv4_udp_random_matches_full_recompute",
	 rewrite_ipv4_udp_random_matches_full_recompute},
	{"rewrite_ipv6_tcp_random_matches_full_recompute",
	 rewrite_ipv6_tcp_random_matches_full_recompute},
	{"rewrite_ipv6_udp_random_matches_full_recompute",
	 rewrite_ipv6_udp_random_matches_full_recompute},
	{"rewrite_dnat_and_snat_fixed_examples", rewrite_dnat_and_snat_fixed_examples},
	{"rewrite_udp_zero_checksum_stays_zero", rewrite_udp_zero_checksum_stays_zero},
	{"rewrite_udp_result_zero_is_stored_ffff", rewrite_udp_result_zero_is_stored_ffff},
	{"rewrite_with_ipv4_options_and_ipv6_extension_headers",
	 rewrite_with_ipv4_options_and_ipv6_extension_headers},
	{"rewrite_non_first_fragment_changes_addresses_only",
	 rewrite_non_first_fragment_changes_addresses_only},
	{"rewrite_refuses_what_it_cannot_translate", rewrite_refuses_what_it_cannot_translate},
	{"rewrite_every_truncation_is_a_clean_error", rewrite_every_truncation_is_a_clean_error},
	{"icmp4_frag_needed_tcp_quotes_of_every_length",
	 icmp4_frag_needed_tcp_quotes_of_every_length},
	{"icmp4_frag_needed_udp_quotes_of_every_length",
	 icmp4_frag_needed_udp_quotes_of_every_length},
	{"icmp6_too_big_tcp_quotes_of_every_length", icmp6_too_big_tcp_quotes_of_every_length},
	{"icmp6_too_big_udp_quotes_of_every_length", icmp6_too_big_udp_quotes_of_every_length},
	{"icmp_random_translations", icmp_random_translations},
	{"icmp_quote_with_options_extension_headers_and_zero_udp_checksum",
	 icmp_quote_with_options_extension_headers_and_zero_udp_checksum},
	{"icmp_quoted_non_first_fragment_gets_addresses_only",
	 icmp_quoted_non_first_fragment_gets_addresses_only},
	{"icmp_quote_ends_with_the_outer_ip_length_not_the_padding",
	 icmp_quote_ends_with_the_outer_ip_length_not_the_padding},
	{"icmp_refuses_what_it_cannot_translate", icmp_refuses_what_it_cannot_translate},
	{"icmp_every_truncation_is_a_clean_error", icmp_every_truncation_is_a_clean_error},
	{"rst_answers_syn_with_rst_ack", rst_answers_syn_with_rst_ack},
	{"rst_answers_ack_segments_from_their_ack", rst_answers_ack_segments_from_their_ack},
	{"rst_counts_payload_syn_and_fin_without_ack", rst_counts_payload_syn_and_fin_without_ack},
	{"rst_payload_length_behind_options_and_extension_headers",
	 rst_payload_length_behind_options_and_extension_headers},
	{"rst_source_overrides", rst_source_overrides},
	{"rst_random_segments", rst_random_segments},
	{"rst_refusals", rst_refusals},
	{"rst_every_truncation_is_a_clean_error", rst_every_truncation_is_a_clean_error},
	{"rst_fwd_is_the_translated_segment_as_a_rst", rst_fwd_is_the_translated_segment_as_a_rst},
	{"rst_fwd_refusals_and_truncations", rst_fwd_refusals_and_truncations},
	{"offsets_past_nat_max_off_are_refused", offsets_past_nat_max_off_are_refused},
	{"random_mutations_are_handled_cleanly", random_mutations_are_handled_cleanly},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("nat", tests);
}
