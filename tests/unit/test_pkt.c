/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_pkt.c - the bounded parsers: every header, every malformed case, every truncation.
 * Parsers run on heap copies of the exact length, so valgrind sees any read past `end`.
 */
#include <stdlib.h>
#include <string.h>

#include "dataplane/core/csum.h"
#include "dataplane/core/pkt.h"

#include "tests/unit/cu.h"

/* ---- frame builder ---------------------------------------------------------------------- */

struct fb {
	uint8_t b[1024];
	size_t n;
};

static const uint8_t ip4_a[4] = {10, 0, 0, 1}, ip4_b[4] = {10, 0, 0, 2}, ip4_r[4] = {10, 9, 9, 9};
static const uint8_t ip6_a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t ip6_b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
static const uint8_t ip6_r[16] = {0x20, 0x01, 0x0d, 0xb8, [14] = 0x99, [15] = 9};

static uint8_t *fb_put(struct fb *f, size_t n)
{
	uint8_t *p = f->b + f->n;

	CU_ASSERT_FATAL(f->n + n <= sizeof(f->b));
	memset(p, 0, n);
	f->n += n;
	return p;
}

static void fb_be16(struct fb *f, uint16_t v)
{
	sl_put_be16(fb_put(f, 2), v);
}

/* Ethernet with `vlans` tags (the first 802.1ad when there are two), then `type`. */
static void fb_eth(struct fb *f, int vlans, uint16_t type)
{
	uint8_t *p = fb_put(f, 12);

	memcpy(p, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	for (int i = 0; i < vlans; i++) {
		fb_be16(f, vlans == 2 && i == 0 ? ETHERTYPE_QINQ : ETHERTYPE_VLAN);
		fb_be16(f, (uint16_t)(0x2000 | (100 + i))); /* PCP 1, VID 100 + i */
	}
	fb_be16(f, type);
}

/* IPv4 header with `opt_words` words of NOP options; finish with ip4_end. */
static size_t fb_ip4(struct fb *f, uint8_t proto, int opt_words, uint16_t frag, const uint8_t *s,
		     const uint8_t *d)
{
	size_t off = f->n;
	uint8_t *p = fb_put(f, 20 + 4 * (size_t)opt_words);

	p[0] = (uint8_t)(0x40 | (5 + opt_words));
	sl_put_be16(p + 4, 0x1234);
	sl_put_be16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, s, 4);
	memcpy(p + 16, d, 4);
	memset(p + 20, 1, 4 * (size_t)opt_words);
	return off;
}

static void fb_ip4_end(struct fb *f, size_t off)
{
	uint8_t *p = f->b + off;

	sl_put_be16(p + 2, (uint16_t)(f->n - off));
	sl_put_be16(p + 10, csum_ipv4_hdr(p));
}

static size_t fb_ip6(struct fb *f, uint8_t nh, const uint8_t *s, const uint8_t *d)
{
	size_t off = f->n;
	uint8_t *p = fb_put(f, 40);

	p[0] = 0x60;
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, s, 16);
	memcpy(p + 24, d, 16);
	return off;
}

static void fb_ip6_end(struct fb *f, size_t off)
{
	sl_put_be16(f->b + off + 4, (uint16_t)(f->n - off - 40));
}

/* A generic extension header (HBH / routing / dest opts) of 8 * (1 + units) bytes. */
static void fb_ext(struct fb *f, uint8_t next, uint8_t units)
{
	uint8_t *p = fb_put(f, 8 * (1 + (size_t)units));

	p[0] = next;
	p[1] = units;
}

static void fb_ext_frag(struct fb *f, uint8_t next, uint16_t offset8, int more)
{
	uint8_t *p = fb_put(f, 8);

	p[0] = next;
	sl_put_be16(p + 2, (uint16_t)(offset8 << 3 | (more ? 1 : 0)));
	sl_put_be32(p + 4, 0xabcdef01);
}

/* AH: (units + 2) * 4 bytes. */
static void fb_ext_ah(struct fb *f, uint8_t next, uint8_t units)
{
	uint8_t *p = fb_put(f, 4 * (2 + (size_t)units));

	p[0] = next;
	p[1] = units;
}

static void fb_tcp(struct fb *f, uint16_t sport, uint16_t dport, int doff_words, uint8_t flags)
{
	uint8_t *p = fb_put(f, 4 * (size_t)doff_words);

	sl_put_be16(p, sport);
	sl_put_be16(p + 2, dport);
	sl_put_be32(p + 4, 1000);
	p[12] = (uint8_t)(doff_words << 4);
	p[13] = flags;
	sl_put_be16(p + 14, 8192);
}

static void fb_udp(struct fb *f, uint16_t sport, uint16_t dport, size_t payload)
{
	uint8_t *p = fb_put(f, 8 + payload);

	sl_put_be16(p, sport);
	sl_put_be16(p + 2, dport);
	sl_put_be16(p + 4, (uint16_t)(8 + payload));
}

static void fb_icmp(struct fb *f, uint8_t type, uint8_t code, uint16_t id)
{
	uint8_t *p = fb_put(f, 8);

	p[0] = type;
	p[1] = code;
	sl_put_be16(p + 4, id);
	sl_put_be16(p + 6, 1);
}

/* ---- helpers: parse a heap copy of exactly len bytes ------------------------------------ */

static int parse_eth_n(const uint8_t *frame, size_t len, struct pkt_info *pi)
{
	uint8_t *b = malloc(len ? len : 1);
	int r;

	CU_ASSERT_FATAL(b != NULL);
	memcpy(b, frame, len);
	r = pkt_parse_eth(b, b + len, pi);
	free(b);
	return r;
}

static int parse_eth(const struct fb *f, struct pkt_info *pi)
{
	return parse_eth_n(f->b, f->n, pi);
}

static int parse_ip_n(const uint8_t *pkt, size_t len, uint16_t off, uint8_t family,
		      struct pkt_info *pi)
{
	uint8_t *b = malloc(len ? len : 1);
	int r;

	CU_ASSERT_FATAL(b != NULL);
	memcpy(b, pkt, len);
	r = pkt_parse_ip(b, off, b + len, family, pi);
	free(b);
	return r;
}

/* Parses the frame, then the packet embedded in its ICMP error. */
static int parse_embedded_n(const uint8_t *frame, size_t len, struct pkt_info *outer,
			    struct pkt_info *inner)
{
	uint8_t *b = malloc(len ? len : 1);
	int r;

	CU_ASSERT_FATAL(b != NULL);
	memcpy(b, frame, len);
	r = pkt_parse_eth(b, b + len, outer);
	if (r == 0)
		r = pkt_parse_embedded(b, b + len, outer, inner);
	else
		r = 100 + r; /* outer failed: never expected by the callers */
	free(b);
	return r;
}

/* A new frame: Ethernet (untagged) and IPv4 a -> b (no options, no fragment) carrying proto;
 * returns the IP header's offset for fb_ip4_end. */
static size_t fb_new4(struct fb *f, uint8_t proto)
{
	f->n = 0;
	fb_eth(f, 0, ETHERTYPE_IPV4);
	return fb_ip4(f, proto, 0, 0, ip4_a, ip4_b);
}

/* The same with IPv6 a -> b, next header nh; for fb_ip6_end. */
static size_t fb_new6(struct fb *f, uint8_t nh)
{
	f->n = 0;
	fb_eth(f, 0, ETHERTYPE_IPV6);
	return fb_ip6(f, nh, ip6_a, ip6_b);
}

/* The frame finished (IP lengths and checksum) and parsed. */
static int parse_end4(struct fb *f, size_t ip, struct pkt_info *pi)
{
	fb_ip4_end(f, ip);
	return parse_eth(f, pi);
}

static int parse_end6(struct fb *f, size_t ip, struct pkt_info *pi)
{
	fb_ip6_end(f, ip);
	return parse_eth(f, pi);
}

static void frame_ip4_tcp(struct fb *f, int vlans, int opt_words)
{
	size_t ip;

	f->n = 0;
	fb_eth(f, vlans, ETHERTYPE_IPV4);
	ip = fb_ip4(f, IPPROTO_TCP_, opt_words, 0x4000, ip4_a, ip4_b);
	fb_tcp(f, 40000, 443, 8, 0x18);
	fb_put(f, 5); /* payload */
	fb_ip4_end(f, ip);
}

static void frame_ip4_udp(struct fb *f)
{
	size_t ip;

	ip = fb_new4(f, IPPROTO_UDP_);
	fb_udp(f, 5353, 53, 10);
	fb_ip4_end(f, ip);
}

static void frame_ip4_icmp(struct fb *f, uint8_t type, uint8_t code, uint16_t id)
{
	size_t ip;

	ip = fb_new4(f, IPPROTO_ICMP_);
	fb_icmp(f, type, code, id);
	fb_put(f, 4);
	fb_ip4_end(f, ip);
}

static void frame_ip6_icmp(struct fb *f, uint8_t type, uint8_t code, uint16_t id)
{
	size_t ip;

	ip = fb_new6(f, IPPROTO_ICMPV6_);
	fb_icmp(f, type, code, id);
	fb_ip6_end(f, ip);
}

/* IPv6 with hop-by-hop, dest opts, routing and AH, then UDP. */
static void frame_ip6_ext_udp(struct fb *f, int vlans)
{
	size_t ip;

	f->n = 0;
	fb_eth(f, vlans, ETHERTYPE_IPV6);
	ip = fb_ip6(f, PKT_IPV6_HOPOPTS, ip6_a, ip6_b);
	fb_ext(f, PKT_IPV6_DSTOPTS, 0); /* 8 */
	fb_ext(f, PKT_IPV6_ROUTING, 1); /* 16 */
	fb_ext(f, PKT_IPV6_AH, 2);	/* 24 */
	fb_ext_ah(f, IPPROTO_UDP_, 4);	/* 24 */
	fb_udp(f, 1111, 2222, 3);
	fb_ip6_end(f, ip);
}

static void frame_arp(struct fb *f, int vlans)
{
	uint8_t *p;

	f->n = 0;
	fb_eth(f, vlans, ETHERTYPE_ARP);
	p = fb_put(f, 28);
	sl_put_be16(p, 1);
	sl_put_be16(p + 2, 0x0800);
	p[4] = 6;
	p[5] = 4;
	sl_put_be16(p + 6, 1);
}

/* ---- Ethernet / VLAN / ARP -------------------------------------------------------------- */

static void ipv4_tcp_frame_sets_offsets_ports_and_flags(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip4_tcp(&f, 0, 0);
	CU_ASSERT_EQUAL_FATAL(parse_eth(&f, &pi), 0);
	CU_ASSERT_EQUAL(pi.ethertype, ETHERTYPE_IPV4);
	CU_ASSERT_EQUAL(pi.family, 4);
	CU_ASSERT_EQUAL(pi.l3_off, 14);
	CU_ASSERT_EQUAL(pi.l4_off, 34);
	CU_ASSERT_EQUAL(pi.l3_len, 20 + 32 + 5);
	CU_ASSERT_EQUAL(pi.proto, IPPROTO_TCP_);
	CU_ASSERT_EQUAL(pi.sport, 40000);
	CU_ASSERT_EQUAL(pi.dport, 443);
	CU_ASSERT_EQUAL(pi.tcp_flags, 0x18);
	CU_ASSERT_EQUAL(pi.ttl, 64);
	CU_ASSERT_EQUAL(pi.flags, PKT_F_L4 | PKT_F_DF);
	CU_ASSERT_EQUAL(pi.vlan_tci, 0);
	CU_ASSERT(memcmp(pi.saddr, ip4_a, 4) == 0);
	CU_ASSERT(memcmp(pi.daddr, ip4_b, 4) == 0);
	for (int i = 4; i < 16; i++) {
		CU_ASSERT_EQUAL(pi.saddr[i], 0);
		CU_ASSERT_EQUAL(pi.daddr[i], 0);
	}
}

static void ipv4_udp_frame_sets_ports_without_df(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip4_udp(&f);
	CU_ASSERT_EQUAL_FATAL(parse_eth(&f, &pi), 0);
	CU_ASSERT_EQUAL(pi.proto, IPPROTO_UDP_);
	CU_ASSERT_EQUAL(pi.sport, 5353);
	CU_ASSERT_EQUAL(pi.dport, 53);
	CU_ASSERT_EQUAL(pi.flags, PKT_F_L4);
}

static void ipv4_with_options_sets_l4_offset(void)
{
	struct fb f;
	struct pkt_info pi;

	for (int words = 1; words <= 10; words++) {
		frame_ip4_tcp(&f, 0, words);
		CU_ASSERT_EQUAL_FATAL(parse_eth(&f, &pi), 0);
		CU_ASSERT_EQUAL(pi.l4_off, 14 + 20 + 4 * words);
		CU_ASSERT(pi.flags & PKT_F_IP_OPTS);
		CU_ASSERT_EQUAL(pi.sport, 40000);
	}
}

static void single_vlan_tag_is_skipped_and_tci_kept(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip4_tcp(&f, 1, 0);
	CU_ASSERT_EQUAL_FATAL(parse_eth(&f, &pi), 0);
	CU_ASSERT_EQUAL(pi.ethertype, ETHERTYPE_IPV4);
	CU_ASSERT_EQUAL(pi.vlan_tci, 0x2000 | 100);
	CU_ASSERT_EQUAL(pi.l3_off, 18);
	CU_ASSERT_EQUAL(pi.l4_off, 38);
	CU_ASSERT_EQUAL(pi.flags, PKT_F_L4 | PKT_F_DF | PKT_F_VLAN);
}

static void qinq_two_tags_keep_outer_tci(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip6_ext_udp(&f, 2);
	CU_ASSERT_EQUAL_FATAL(parse_eth(&f, &pi), 0);
	CU_ASSERT_EQUAL(pi.ethertype, ETHERTYPE_IPV6);
	CU_ASSERT_EQUAL(pi.vlan_tci, 0x2000 | 100);
	CU_ASSERT_EQUAL(pi.l3_off, 22);
	CU_ASSERT(pi.flags & PKT_F_VLAN);
	CU_ASSERT(pi.flags & PKT_F_L4);
}

static void three_vlan_tags_is_l2_error(void)
{
	struct fb f;
	struct pkt_info pi;
	size_t ip;

	f.n = 0;
	fb_eth(&f, 2, ETHERTYPE_VLAN);
	fb_be16(&f, 102);
	fb_be16(&f, ETHERTYPE_IPV4);
	ip = fb_ip4(&f, IPPROTO_UDP_, 0, 0, ip4_a, ip4_b);
	fb_udp(&f, 1, 2, 0);
	fb_ip4_end(&f, ip);
	CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L2);
}

static void truncated_ethernet_header_is_l2_error(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip4_udp(&f);
	for (size_t n = 0; n < 14; n++)
		CU_ASSERT_EQUAL(parse_eth_n(f.b, n, &pi), -PKT_ERR_L2);
}

static void truncated_vlan_tag_is_l2_error(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip4_tcp(&f, 2, 0);
	for (size_t n = 14; n < 22; n++)
		CU_ASSERT_EQUAL(parse_eth_n(f.b, n, &pi), -PKT_ERR_L2);
}

static void unknown_ethertype_is_ethertype_error(void)
{
	struct fb f;
	struct pkt_info pi;

	f.n = 0;
	fb_eth(&f, 1, 0x88cc); /* LLDP */
	fb_put(&f, 46);
	CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_ETHERTYPE);
	CU_ASSERT_EQUAL(pi.ethertype, 0x88cc);
	CU_ASSERT_EQUAL(pi.vlan_tci, 0x2000 | 100);
}

static void arp_frame_sets_arp_flag_and_l3_offset(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_arp(&f, 0);
	CU_ASSERT_EQUAL_FATAL(parse_eth(&f, &pi), 0);
	CU_ASSERT_EQUAL(pi.flags, PKT_F_ARP);
	CU_ASSERT_EQUAL(pi.family, 0);
	CU_ASSERT_EQUAL(pi.l3_off, 14);
	CU_ASSERT_EQUAL(pi.ethertype, ETHERTYPE_ARP);
	frame_arp(&f, 1);
	CU_ASSERT_EQUAL_FATAL(parse_eth(&f, &pi), 0);
	CU_ASSERT_EQUAL(pi.flags, PKT_F_ARP | PKT_F_VLAN);
	CU_ASSERT_EQUAL(pi.l3_off, 18);
}

static void truncated_arp_is_l3_error(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_arp(&f, 0);
	for (size_t n = 14; n < f.n; n++)
		CU_ASSERT_EQUAL(parse_eth_n(f.b, n, &pi), -PKT_ERR_L3);
}

/* ---- IPv4 ------------------------------------------------------------------------------- */

static void ethernet_padding_after_ipv4_total_length_is_ignored(void)
{
	struct fb f;
	struct pkt_info pi;
	size_t ip;

	ip = fb_new4(&f, IPPROTO_UDP_);
	fb_udp(&f, 7, 9, 0);
	fb_ip4_end(&f, ip);
	memset(fb_put(&f, 18), 0xee, 18); /* to the 60-byte minimum */
	CU_ASSERT_EQUAL_FATAL(parse_eth(&f, &pi), 0);
	CU_ASSERT_EQUAL(pi.l3_len, 28);
	CU_ASSERT_EQUAL(pi.sport, 7);
}

static void l4_header_in_ethernet_padding_is_l4_error(void)
{
	struct fb f;
	struct pkt_info pi;
	size_t ip;

	/* Total length covers 4 bytes of TCP; the frame's padding would complete the header. */
	ip = fb_new4(&f, IPPROTO_TCP_);
	fb_tcp(&f, 1, 2, 5, 0x02);
	sl_put_be16(f.b + ip + 2, 24);
	CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L4);
}

static void ipv4_total_length_beyond_frame_is_l3_error(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip4_udp(&f);
	sl_put_be16(f.b + 14 + 2, (uint16_t)(f.n - 14 + 1));
	CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L3);
}

static void ipv4_total_length_below_header_length_is_l3_error(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip4_tcp(&f, 0, 2);
	for (uint16_t tot = 0; tot < 28; tot++) {
		sl_put_be16(f.b + 14 + 2, tot);
		CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L3);
	}
}

static void ipv4_ihl_below_5_is_l3_error(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip4_udp(&f);
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		f.b[14] = (uint8_t)(0x40 | ihl);
		CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L3);
	}
}

static void ipv4_ihl_beyond_total_length_is_l3_error(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip4_udp(&f); /* 20 + 18 bytes of IP */
	f.b[14] = 0x4f;	   /* 60-byte header > 38 */
	CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L3);
}

static void ipv4_version_mismatch_is_l3_error(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip4_udp(&f);
	f.b[14] = 0x65;
	CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L3);
	f.b[14] = 0x05;
	CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L3);
}

static void ipv4_first_fragment_has_l4_and_frag_flag(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip4_udp(&f);
	sl_put_be16(f.b + 14 + 6, 0x2000); /* MF, offset 0 */
	CU_ASSERT_EQUAL_FATAL(parse_eth(&f, &pi), 0);
	CU_ASSERT_EQUAL(pi.flags, PKT_F_FRAG | PKT_F_L4);
	CU_ASSERT_EQUAL(pi.sport, 5353);
}

static void ipv4_later_fragment_has_no_l4(void)
{
	static const uint16_t frags[] = {0x0001, 0x2001, 0x1fff, 0x0100};
	struct fb f;
	struct pkt_info pi;
	size_t ip;

	for (size_t i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
		/* A non-first fragment: its first bytes are payload, even too short for L4. */
		f.n = 0;
		fb_eth(&f, 0, ETHERTYPE_IPV4);
		ip = fb_ip4(&f, IPPROTO_TCP_, 0, frags[i], ip4_a, ip4_b);
		fb_put(&f, 3);
		CU_ASSERT_EQUAL_FATAL(parse_end4(&f, ip, &pi), 0);
		CU_ASSERT_EQUAL(pi.flags, PKT_F_FRAG | PKT_F_FRAG_LATER);
		CU_ASSERT_EQUAL(pi.proto, IPPROTO_TCP_);
		CU_ASSERT_EQUAL(pi.sport, 0);
		CU_ASSERT_EQUAL(pi.dport, 0);
	}
}

static void tcp_data_offset_below_5_is_l4_error(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip4_tcp(&f, 0, 0);
	for (uint8_t doff = 0; doff < 5; doff++) {
		f.b[34 + 12] = (uint8_t)(doff << 4);
		CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L4);
	}
}

static void tcp_options_beyond_total_length_is_l4_error(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip4_tcp(&f, 0, 0); /* doff 8 (32 bytes) + 5 payload: doff 9 fits, 10 does not */
	f.b[34 + 12] = 9 << 4;
	CU_ASSERT_EQUAL(parse_eth(&f, &pi), 0);
	f.b[34 + 12] = 10 << 4;
	CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L4);
	f.b[34 + 12] = 15 << 4;
	CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L4);
}

/* IP lengths consistent with the bytes present, L4 header short: every length. */
static void truncated_tcp_header_is_l4_error(void)
{
	struct fb f;
	struct pkt_info pi;
	size_t ip;

	for (size_t k = 0; k < 20; k++) {
		ip = fb_new4(&f, IPPROTO_TCP_);
		fb_put(&f, k);
		if (k > 12)
			f.b[ip + 20 + 12] = 5 << 4;
		fb_ip4_end(&f, ip);
		CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L4);
	}
}

static void truncated_udp_and_icmp_headers_are_l4_errors(void)
{
	static const uint8_t protos[] = {IPPROTO_UDP_, IPPROTO_ICMP_};
	struct fb f;
	struct pkt_info pi;
	size_t ip;

	for (size_t j = 0; j < 2; j++) {
		for (size_t k = 0; k < 8; k++) {
			ip = fb_new4(&f, protos[j]);
			fb_put(&f, k);
			fb_ip4_end(&f, ip);
			CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L4);
		}
		/* ICMPv6 and UDP over IPv6 likewise */
		for (size_t k = 0; k < 8; k++) {
			ip = fb_new6(&f, j ? IPPROTO_ICMPV6_ : IPPROTO_UDP_);
			fb_put(&f, k);
			fb_ip6_end(&f, ip);
			CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L4);
		}
	}
}

static void unknown_ip_protocol_has_no_l4_and_no_error(void)
{
	struct fb f;
	struct pkt_info pi;
	size_t ip;

	ip = fb_new4(&f, 47 /* GRE */);
	fb_put(&f, 2);
	CU_ASSERT_EQUAL_FATAL(parse_end4(&f, ip, &pi), 0);
	CU_ASSERT_EQUAL(pi.proto, 47);
	CU_ASSERT_FALSE(pi.flags & PKT_F_L4);
	CU_ASSERT_EQUAL(pi.sport, 0);
}

static void icmp_echo_sets_identifier_in_both_ports(void)
{
	struct fb f;
	struct pkt_info pi;

	for (int reply = 0; reply < 2; reply++) {
		frame_ip4_icmp(&f, reply ? 0 : 8, 0, 0xbeef);
		CU_ASSERT_EQUAL_FATAL(parse_eth(&f, &pi), 0);
		CU_ASSERT_EQUAL(pi.icmp_type, reply ? 0 : 8);
		CU_ASSERT_EQUAL(pi.sport, 0xbeef);
		CU_ASSERT_EQUAL(pi.dport, 0xbeef);
		CU_ASSERT_EQUAL(pi.flags, PKT_F_L4);
		CU_ASSERT_EQUAL(pi.l4_off, 34);

		frame_ip6_icmp(&f, reply ? 129 : 128, 0, 0xcafe);
		CU_ASSERT_EQUAL_FATAL(parse_eth(&f, &pi), 0);
		CU_ASSERT_EQUAL(pi.icmp_type, reply ? 129 : 128);
		CU_ASSERT_EQUAL(pi.sport, 0xcafe);
		CU_ASSERT_EQUAL(pi.dport, 0xcafe);
		CU_ASSERT_EQUAL(pi.flags, PKT_F_L4);
	}
}

static void icmp_error_types_set_icmp_err_flag(void)
{
	struct fb f;
	struct pkt_info pi;

	for (int t = 0; t < 256; t++) {
		int err = t == 3 || t == 4 || t == 5 || t == 11 || t == 12;

		frame_ip4_icmp(&f, (uint8_t)t, 1, 0x1111);
		CU_ASSERT_EQUAL_FATAL(parse_eth(&f, &pi), 0);
		CU_ASSERT_EQUAL(!!(pi.flags & PKT_F_ICMP_ERR), err);
		CU_ASSERT_EQUAL(pi.icmp_code, 1);
		CU_ASSERT(pi.flags & PKT_F_L4);
		if (t != 0 && t != 8)
			CU_ASSERT_EQUAL(pi.sport, 0);
	}
}

static void icmpv6_error_types_set_icmp_err_flag(void)
{
	struct fb f;
	struct pkt_info pi;

	for (int t = 0; t < 256; t++) {
		int err = t >= 1 && t <= 4;

		frame_ip6_icmp(&f, (uint8_t)t, 0, 0x1111);
		CU_ASSERT_EQUAL_FATAL(parse_eth(&f, &pi), 0);
		CU_ASSERT_EQUAL(!!(pi.flags & PKT_F_ICMP_ERR), err);
		if (t != 128 && t != 129)
			CU_ASSERT_EQUAL(pi.sport, 0);
	}
}

static void icmp_protocol_of_the_other_family_is_not_l4(void)
{
	struct fb f;
	struct pkt_info pi;
	size_t ip;

	ip = fb_new6(&f, IPPROTO_ICMP_);
	fb_icmp(&f, 8, 0, 5);
	CU_ASSERT_EQUAL_FATAL(parse_end6(&f, ip, &pi), 0);
	CU_ASSERT_FALSE(pi.flags & PKT_F_L4);

	ip = fb_new4(&f, IPPROTO_ICMPV6_);
	fb_icmp(&f, 128, 0, 5);
	CU_ASSERT_EQUAL_FATAL(parse_end4(&f, ip, &pi), 0);
	CU_ASSERT_FALSE(pi.flags & PKT_F_L4);
}

/* ---- IPv6 ------------------------------------------------------------------------------- */

static void ipv6_tcp_frame_sets_offsets_and_addresses(void)
{
	struct fb f;
	struct pkt_info pi;
	size_t ip;

	ip = fb_new6(&f, IPPROTO_TCP_);
	fb_tcp(&f, 50000, 22, 5, 0x02);
	CU_ASSERT_EQUAL_FATAL(parse_end6(&f, ip, &pi), 0);
	CU_ASSERT_EQUAL(pi.family, 6);
	CU_ASSERT_EQUAL(pi.l3_off, 14);
	CU_ASSERT_EQUAL(pi.l4_off, 54);
	CU_ASSERT_EQUAL(pi.l3_len, 60);
	CU_ASSERT_EQUAL(pi.ttl, 64);
	CU_ASSERT_EQUAL(pi.proto, IPPROTO_TCP_);
	CU_ASSERT_EQUAL(pi.sport, 50000);
	CU_ASSERT_EQUAL(pi.dport, 22);
	CU_ASSERT_EQUAL(pi.tcp_flags, 0x02);
	CU_ASSERT_EQUAL(pi.flags, PKT_F_L4);
	CU_ASSERT(memcmp(pi.saddr, ip6_a, 16) == 0);
	CU_ASSERT(memcmp(pi.daddr, ip6_b, 16) == 0);
}

static void ipv6_extension_headers_are_walked(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip6_ext_udp(&f, 0);
	CU_ASSERT_EQUAL_FATAL(parse_eth(&f, &pi), 0);
	CU_ASSERT_EQUAL(pi.proto, IPPROTO_UDP_);
	CU_ASSERT_EQUAL(pi.l4_off, 14 + 40 + 8 + 16 + 24 + 24);
	CU_ASSERT_EQUAL(pi.sport, 1111);
	CU_ASSERT_EQUAL(pi.dport, 2222);
	CU_ASSERT_EQUAL(pi.flags, PKT_F_L4);
}

static void ipv6_first_fragment_has_l4(void)
{
	struct fb f;
	struct pkt_info pi;
	size_t ip;

	ip = fb_new6(&f, PKT_IPV6_FRAGMENT);
	fb_ext_frag(&f, IPPROTO_UDP_, 0, 1);
	fb_udp(&f, 4000, 4001, 16);
	CU_ASSERT_EQUAL_FATAL(parse_end6(&f, ip, &pi), 0);
	CU_ASSERT_EQUAL(pi.flags, PKT_F_FRAG | PKT_F_L4);
	CU_ASSERT_EQUAL(pi.l4_off, 14 + 48);
	CU_ASSERT_EQUAL(pi.sport, 4000);
}

static void ipv6_later_fragment_has_no_l4(void)
{
	struct fb f;
	struct pkt_info pi;
	size_t ip;

	ip = fb_new6(&f, PKT_IPV6_HOPOPTS);
	fb_ext(&f, PKT_IPV6_FRAGMENT, 0);
	fb_ext_frag(&f, IPPROTO_TCP_, 185, 1);
	fb_put(&f, 3); /* payload bytes, not a TCP header */
	CU_ASSERT_EQUAL_FATAL(parse_end6(&f, ip, &pi), 0);
	CU_ASSERT_EQUAL(pi.flags, PKT_F_FRAG | PKT_F_FRAG_LATER);
	CU_ASSERT_EQUAL(pi.proto, IPPROTO_TCP_);
	CU_ASSERT_EQUAL(pi.sport, 0);
}

static void ipv6_esp_and_no_next_header_end_walk_without_l4(void)
{
	static const uint8_t ends[] = {PKT_IPV6_ESP, PKT_IPV6_NONXT};
	struct fb f;
	struct pkt_info pi;
	size_t ip;

	for (int i = 0; i < 2; i++) {
		ip = fb_new6(&f, PKT_IPV6_DSTOPTS);
		fb_ext(&f, ends[i], 0);
		fb_put(&f, 2);
		CU_ASSERT_EQUAL_FATAL(parse_end6(&f, ip, &pi), 0);
		CU_ASSERT_EQUAL(pi.proto, ends[i]);
		CU_ASSERT_EQUAL(pi.flags, 0);
	}
}

static void frame_ip6_n_ext(struct fb *f, int n, uint8_t last)
{
	size_t ip;

	ip = fb_new6(f, PKT_IPV6_DSTOPTS);
	for (int i = 0; i < n; i++)
		fb_ext(f, i == n - 1 ? last : PKT_IPV6_DSTOPTS, 0);
	if (last == IPPROTO_UDP_)
		fb_udp(f, 9, 10, 0);
	fb_ip6_end(f, ip);
}

static void ipv6_max_extension_headers_are_accepted(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip6_n_ext(&f, PKT_MAX_IPV6_EXT, IPPROTO_UDP_);
	CU_ASSERT_EQUAL_FATAL(parse_eth(&f, &pi), 0);
	CU_ASSERT_EQUAL(pi.l4_off, 14 + 40 + 8 * PKT_MAX_IPV6_EXT);
	CU_ASSERT_EQUAL(pi.sport, 9);
	frame_ip6_n_ext(&f, PKT_MAX_IPV6_EXT, PKT_IPV6_NONXT);
	CU_ASSERT_EQUAL(parse_eth(&f, &pi), 0);
	CU_ASSERT_EQUAL(pi.proto, PKT_IPV6_NONXT);
}

static void ipv6_too_many_extension_headers_is_l3_error(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip6_n_ext(&f, PKT_MAX_IPV6_EXT + 1, IPPROTO_UDP_);
	CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L3);
}

static void ipv6_extension_past_payload_is_l3_error(void)
{
	struct fb f;
	struct pkt_info pi;
	size_t ip;

	ip = fb_new6(&f, PKT_IPV6_ROUTING);
	fb_ext(&f, IPPROTO_UDP_, 2); /* 24 bytes */
	fb_udp(&f, 1, 2, 0);
	fb_ip6_end(&f, ip);
	CU_ASSERT_EQUAL(parse_eth(&f, &pi), 0);
	f.b[14 + 41] = 4; /* 40 bytes: past the 32-byte payload */
	CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L3);
	f.b[14 + 41] = 3; /* exactly to the end: no room for UDP */
	CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L4);
}

static void ipv6_payload_length_beyond_frame_is_l3_error(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip6_ext_udp(&f, 0);
	sl_put_be16(f.b + 14 + 4, (uint16_t)(f.n - 14 - 40 + 1));
	CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L3);
}

static void ipv6_version_mismatch_is_l3_error(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip6_ext_udp(&f, 0);
	f.b[14] = 0x40;
	CU_ASSERT_EQUAL(parse_eth(&f, &pi), -PKT_ERR_L3);
}

static void ipv6_padding_after_payload_is_ignored(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip6_icmp(&f, 128, 0, 3);
	fb_put(&f, 10);
	CU_ASSERT_EQUAL_FATAL(parse_eth(&f, &pi), 0);
	CU_ASSERT_EQUAL(pi.l3_len, 48);
}

/* ---- pkt_parse_ip ----------------------------------------------------------------------- */

static void parse_ip_takes_family_from_version_nibble(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip4_udp(&f);
	CU_ASSERT_EQUAL_FATAL(parse_ip_n(f.b + 14, f.n - 14, 0, 0, &pi), 0);
	CU_ASSERT_EQUAL(pi.family, 4);
	CU_ASSERT_EQUAL(pi.l3_off, 0);
	CU_ASSERT_EQUAL(pi.l4_off, 20);
	CU_ASSERT_EQUAL(pi.sport, 5353);
	CU_ASSERT_EQUAL(pi.ethertype, ETHERTYPE_IPV4);

	frame_ip6_ext_udp(&f, 0);
	CU_ASSERT_EQUAL_FATAL(parse_ip_n(f.b + 14, f.n - 14, 0, 0, &pi), 0);
	CU_ASSERT_EQUAL(pi.family, 6);
	CU_ASSERT_EQUAL(pi.l4_off, 40 + 72);
	CU_ASSERT_EQUAL(pi.ethertype, ETHERTYPE_IPV6);
}

static void parse_ip_offset_is_relative_to_start(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip4_tcp(&f, 0, 1);
	CU_ASSERT_EQUAL_FATAL(parse_ip_n(f.b, f.n, 14, 4, &pi), 0);
	CU_ASSERT_EQUAL(pi.l3_off, 14);
	CU_ASSERT_EQUAL(pi.l4_off, 38);
	CU_ASSERT_EQUAL_FATAL(parse_ip_n(f.b, f.n, 14, 0, &pi), 0);
	CU_ASSERT_EQUAL(pi.l4_off, 38);
}

static void parse_ip_bad_version_or_family_is_l3_error(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip4_udp(&f);
	CU_ASSERT_EQUAL(parse_ip_n(f.b + 14, f.n - 14, 0, 6, &pi), -PKT_ERR_L3);
	CU_ASSERT_EQUAL(parse_ip_n(f.b + 14, f.n - 14, 0, 5, &pi), -PKT_ERR_L3);
	f.b[14] = 0x55;
	CU_ASSERT_EQUAL(parse_ip_n(f.b + 14, f.n - 14, 0, 0, &pi), -PKT_ERR_L3);
	CU_ASSERT_EQUAL(parse_ip_n(f.b + 14, 0, 0, 0, &pi), -PKT_ERR_L3);
	/* offset past the end */
	frame_ip4_udp(&f);
	CU_ASSERT_EQUAL(parse_ip_n(f.b, 14, 14, 0, &pi), -PKT_ERR_L3);
}

static void parse_ip_clears_stale_fields(void)
{
	struct fb f;
	struct pkt_info pi;

	memset(&pi, 0xa5, sizeof(pi));
	frame_ip4_udp(&f);
	CU_ASSERT_EQUAL_FATAL(parse_ip_n(f.b + 14, f.n - 14, 0, 0, &pi), 0);
	CU_ASSERT_EQUAL(pi.vlan_tci, 0);
	CU_ASSERT_EQUAL(pi.tcp_flags, 0);
	CU_ASSERT_EQUAL(pi.flags, PKT_F_L4);
	for (int i = 4; i < 16; i++)
		CU_ASSERT_EQUAL(pi.saddr[i], 0);
}

/* ---- every truncation of valid frames --------------------------------------------------- */

static void every_truncation_of_valid_frames_is_a_clean_error(void)
{
	struct fb frames[9];
	struct pkt_info pi;
	int n = 0;

	frame_ip4_tcp(&frames[n++], 0, 3);
	frame_ip4_tcp(&frames[n++], 2, 0);
	frame_ip4_udp(&frames[n++]);
	frame_ip4_icmp(&frames[n++], 8, 0, 77);
	frame_ip6_ext_udp(&frames[n++], 1);
	frame_ip6_icmp(&frames[n++], 1, 4, 0);
	frame_ip6_n_ext(&frames[n++], PKT_MAX_IPV6_EXT, IPPROTO_UDP_);
	frame_arp(&frames[n++], 2);
	frame_ip6_n_ext(&frames[n++], 3, PKT_IPV6_NONXT);

	for (int i = 0; i < n; i++) {
		const struct fb *f = &frames[i];
		int vlans = 0;

		CU_ASSERT_EQUAL_FATAL(parse_eth(f, &pi), 0);
		vlans = (pi.l3_off - 14) / 4;
		for (size_t len = 0; len < f->n; len++) {
			int r = parse_eth_n(f->b, len, &pi);
			int want = len < 14 + 4 * (size_t)vlans ? -PKT_ERR_L2 : -PKT_ERR_L3;

			if (r != want)
				fprintf(stderr, "\n  frame %d len %zu: %d, want %d", i, len, r,
					want);
			CU_ASSERT_EQUAL(r, want);
		}
	}
}

static void every_truncation_of_ip_packet_is_l3_error(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip6_ext_udp(&f, 0);
	for (size_t len = 0; len < f.n - 14; len++)
		CU_ASSERT_EQUAL(parse_ip_n(f.b + 14, len, 0, 0, &pi), -PKT_ERR_L3);
	frame_ip4_tcp(&f, 0, 4);
	for (size_t len = 0; len < f.n - 14; len++)
		CU_ASSERT_EQUAL(parse_ip_n(f.b + 14, len, 0, 4, &pi), -PKT_ERR_L3);
}

/* IPv6 lengths made consistent with every truncation: errors move to the ext chain / L4;
 * a complete UDP header with a short payload parses. */
static void ipv6_consistent_truncations_are_l3_or_l4_errors(void)
{
	struct fb f;
	struct pkt_info pi;

	frame_ip6_ext_udp(&f, 0);
	size_t l4 = 14 + 40 + 72;
	for (size_t len = 14 + 40; len < f.n; len++) {
		uint8_t b[sizeof(f.b)];

		memcpy(b, f.b, f.n);
		sl_put_be16(b + 14 + 4, (uint16_t)(len - 14 - 40));
		int r = parse_eth_n(b, len, &pi);
		CU_ASSERT_EQUAL(r, len < l4 ? -PKT_ERR_L3 : len < l4 + 8 ? -PKT_ERR_L4 : 0);
	}
}

/* ---- fuzz: random frames and mutations never read out of bounds ------------------------- */

static uint32_t rng_state = 0xdeadbeefu;

static uint32_t rng(void)
{
	return cu_xorshift32(&rng_state);
}

static void check_result(int r, const struct pkt_info *pi, size_t len)
{
	CU_ASSERT(r == 0 || r == -PKT_ERR_L2 || r == -PKT_ERR_L3 || r == -PKT_ERR_L4 ||
		  r == -PKT_ERR_ETHERTYPE);
	if (r == 0 && (pi->flags & PKT_F_L4))
		CU_ASSERT(pi->l4_off + 8u <= len);
	if (r == 0 && pi->family)
		CU_ASSERT(pi->l3_off + (size_t)pi->l3_len <= len);
}

static void random_mutations_of_valid_frames_parse_cleanly(void)
{
	struct fb base[5], f;
	struct pkt_info pi, in;

	frame_ip4_tcp(&base[0], 1, 2);
	frame_ip6_ext_udp(&base[1], 0);
	frame_ip6_icmp(&base[2], 1, 0, 0);
	frame_ip4_icmp(&base[3], 3, 4, 0);
	frame_ip6_n_ext(&base[4], 6, IPPROTO_UDP_);
	for (int iter = 0; iter < 20000; iter++) {
		const struct fb *b = &base[rng() % 5];
		size_t len;

		f = *b;
		for (int m = 0, nm = 1 + (int)(rng() % 4); m < nm; m++)
			f.b[rng() % f.n] = (uint8_t)rng();
		len = rng() % 3 ? f.n : rng() % (f.n + 1);
		uint8_t *h = malloc(len ? len : 1);
		memcpy(h, f.b, len);
		int r = pkt_parse_eth(h, h + len, &pi);
		check_result(r, &pi, len);
		if (r == 0 && (pi.flags & PKT_F_ICMP_ERR)) {
			r = pkt_parse_embedded(h, h + len, &pi, &in);
			CU_ASSERT(r == 0 || r == -PKT_ERR_L3 || r == -PKT_ERR_L4);
			if (r == 0 && (in.flags & PKT_F_L4))
				CU_ASSERT(in.l4_off + 8u <= len);
		}
		free(h);
	}
}

static void random_bytes_parse_cleanly(void)
{
	struct pkt_info pi;

	for (int iter = 0; iter < 20000; iter++) {
		size_t len = rng() % 128;
		uint8_t *h = malloc(len ? len : 1);

		for (size_t i = 0; i < len; i++)
			h[i] = (uint8_t)rng();
		if (len > 14 && rng() % 2) { /* bias towards IP */
			h[12] = rng() % 2 ? 0x08 : 0x86;
			h[13] = h[12] == 0x08 ? 0x00 : 0xdd;
			h[14] = (uint8_t)((h[12] == 0x08 ? 0x45 : 0x60) | (h[14] & 0x0f));
		}
		check_result(pkt_parse_eth(h, h + len, &pi), &pi, len);
		check_result(pkt_parse_ip(h, 0, h + len, 0, &pi), &pi, len);
		free(h);
	}
}

/* ---- ICMP errors: the embedded packet --------------------------------------------------- */

/* Router r -> a: ICMP 3/4 about a TCP packet a:40000 -> b:443; the embedded datagram has
 * IP options (opt_words), declares 1500 bytes, and `l4_bytes` of its TCP header are quoted. */
static void frame_icmp4_err(struct fb *f, uint8_t inner_proto, int opt_words, size_t l4_bytes)
{
	size_t ip, in;

	f->n = 0;
	fb_eth(f, 1, ETHERTYPE_IPV4);
	ip = fb_ip4(f, IPPROTO_ICMP_, 0, 0, ip4_r, ip4_a);
	fb_icmp(f, 3, 4, 0);
	sl_put_be16(f->b + f->n - 2, 1400); /* next-hop MTU */
	in = fb_ip4(f, inner_proto, opt_words, 0x4000, ip4_a, ip4_b);
	sl_put_be16(f->b + in + 2, 1500);
	uint8_t *p = fb_put(f, l4_bytes);
	uint8_t l4[8];
	sl_put_be16(l4, 40000);
	sl_put_be16(l4 + 2, 443);
	sl_put_be32(l4 + 4, 0x11223344);
	if (inner_proto == IPPROTO_ICMP_) {
		l4[0] = 8;
		l4[1] = 0;
		sl_put_be16(l4 + 4, 0x7777);
	}
	memcpy(p, l4, l4_bytes < 8 ? l4_bytes : 8);
	fb_ip4_end(f, ip);
}

static void icmp_error_embedded_tcp_gives_original_flow(void)
{
	struct fb f;
	struct pkt_info out, in;

	frame_icmp4_err(&f, IPPROTO_TCP_, 0, 8);
	CU_ASSERT_EQUAL_FATAL(parse_embedded_n(f.b, f.n, &out, &in), 0);
	CU_ASSERT(out.flags & PKT_F_ICMP_ERR);
	CU_ASSERT_EQUAL(in.family, 4);
	CU_ASSERT_EQUAL(in.proto, IPPROTO_TCP_);
	CU_ASSERT_EQUAL(in.l3_off, out.l4_off + 8);
	CU_ASSERT_EQUAL(in.l3_off, 18 + 20 + 8);
	CU_ASSERT_EQUAL(in.l4_off, in.l3_off + 20);
	CU_ASSERT_EQUAL(in.l3_len, 1500);
	CU_ASSERT_EQUAL(in.sport, 40000);
	CU_ASSERT_EQUAL(in.dport, 443);
	CU_ASSERT(in.flags & PKT_F_L4);
	CU_ASSERT(in.flags & PKT_F_DF);
	CU_ASSERT(memcmp(in.saddr, ip4_a, 4) == 0);
	CU_ASSERT(memcmp(in.daddr, ip4_b, 4) == 0);
}

static void embedded_tcp_needs_only_8_bytes_and_more_is_fine(void)
{
	struct fb f;
	struct pkt_info out, in;

	for (size_t n = 8; n <= 40; n++) {
		frame_icmp4_err(&f, IPPROTO_TCP_, 0, n);
		CU_ASSERT_EQUAL_FATAL(parse_embedded_n(f.b, f.n, &out, &in), 0);
		CU_ASSERT_EQUAL(in.sport, 40000);
	}
}

static void embedded_with_fewer_than_8_l4_bytes_is_l4_error(void)
{
	static const uint8_t protos[] = {IPPROTO_TCP_, IPPROTO_UDP_, IPPROTO_ICMP_};
	struct fb f;
	struct pkt_info out, in;

	for (size_t j = 0; j < 3; j++) {
		for (size_t n = 0; n < 8; n++) {
			frame_icmp4_err(&f, protos[j], 0, n);
			CU_ASSERT_EQUAL(parse_embedded_n(f.b, f.n, &out, &in), -PKT_ERR_L4);
		}
	}
}

static void embedded_ipv4_options_are_skipped(void)
{
	struct fb f;
	struct pkt_info out, in;

	frame_icmp4_err(&f, IPPROTO_UDP_, 3, 8);
	CU_ASSERT_EQUAL_FATAL(parse_embedded_n(f.b, f.n, &out, &in), 0);
	CU_ASSERT_EQUAL(in.l4_off, in.l3_off + 32);
	CU_ASSERT_EQUAL(in.proto, IPPROTO_UDP_);
	CU_ASSERT_EQUAL(in.sport, 40000);
	CU_ASSERT(in.flags & PKT_F_IP_OPTS);
}

static void embedded_icmp_echo_gives_identifier(void)
{
	struct fb f;
	struct pkt_info out, in;

	frame_icmp4_err(&f, IPPROTO_ICMP_, 0, 8);
	CU_ASSERT_EQUAL_FATAL(parse_embedded_n(f.b, f.n, &out, &in), 0);
	CU_ASSERT_EQUAL(in.icmp_type, 8);
	CU_ASSERT_EQUAL(in.sport, 0x7777);
	CU_ASSERT_EQUAL(in.dport, 0x7777);
	CU_ASSERT(in.flags & PKT_F_L4);
}

static void embedded_other_protocol_needs_no_l4(void)
{
	struct fb f;
	struct pkt_info out, in;

	frame_icmp4_err(&f, 47, 0, 0);
	CU_ASSERT_EQUAL_FATAL(parse_embedded_n(f.b, f.n, &out, &in), 0);
	CU_ASSERT_EQUAL(in.proto, 47);
	CU_ASSERT_FALSE(in.flags & PKT_F_L4);
}

static void embedded_truncated_ip_header_is_l3_error(void)
{
	struct fb f;
	struct pkt_info out, in;

	for (int opt = 0; opt <= 2; opt += 2) {
		frame_icmp4_err(&f, IPPROTO_TCP_, opt, 8);
		size_t emb = 18 + 20 + 8;
		size_t hdr = 20 + 4 * (size_t)opt;
		for (size_t n = 0; n < hdr; n++) {
			/* outer lengths consistent with the truncation */
			uint8_t b[sizeof(f.b)];

			memcpy(b, f.b, f.n);
			sl_put_be16(b + 18 + 2, (uint16_t)(20 + 8 + n));
			CU_ASSERT_EQUAL(parse_embedded_n(b, emb + n, &out, &in), -PKT_ERR_L3);
		}
	}
}

static void embedded_every_truncation_is_clean(void)
{
	struct fb f;
	struct pkt_info out, in;
	uint8_t b[sizeof(f.b)];

	frame_icmp4_err(&f, IPPROTO_UDP_, 1, 8);
	size_t emb = 18 + 20 + 8, l4 = emb + 24;
	for (size_t len = emb; len <= f.n; len++) {
		memcpy(b, f.b, f.n);
		sl_put_be16(b + 18 + 2, (uint16_t)(len - 18));
		int r = parse_embedded_n(b, len, &out, &in);
		int want = len < l4 ? -PKT_ERR_L3 : len < l4 + 8 ? -PKT_ERR_L4 : 0;
		CU_ASSERT_EQUAL(r, want);
	}
}

static void embedded_is_bounded_by_outer_ip_length(void)
{
	struct fb f;
	struct pkt_info out, in;

	/* The frame holds the 8 TCP bytes, but the outer IP length ends 4 bytes earlier
	 * (the rest is Ethernet padding). */
	frame_icmp4_err(&f, IPPROTO_TCP_, 0, 8);
	sl_put_be16(f.b + 18 + 2, (uint16_t)(f.n - 18 - 4));
	CU_ASSERT_EQUAL(parse_embedded_n(f.b, f.n, &out, &in), -PKT_ERR_L4);
}

static void embedded_later_fragment_has_no_ports(void)
{
	struct fb f;
	struct pkt_info out, in;

	frame_icmp4_err(&f, IPPROTO_TCP_, 0, 8);
	sl_put_be16(f.b + 18 + 28 + 6, 0x0010);
	CU_ASSERT_EQUAL_FATAL(parse_embedded_n(f.b, f.n, &out, &in), 0);
	CU_ASSERT_EQUAL(in.flags, PKT_F_FRAG | PKT_F_FRAG_LATER);
	CU_ASSERT_EQUAL(in.sport, 0);
}

static void embedded_requires_outer_icmp_error(void)
{
	struct fb f;
	struct pkt_info out, in;

	frame_ip4_icmp(&f, 8, 0, 1);
	fb_put(&f, 28);
	fb_ip4_end(&f, 14);
	CU_ASSERT_EQUAL(parse_embedded_n(f.b, f.n, &out, &in), -PKT_ERR_L4);
}

static void embedded_family_mismatch_is_l3_error(void)
{
	struct fb f;
	struct pkt_info out, in;

	frame_icmp4_err(&f, IPPROTO_TCP_, 0, 8);
	f.b[18 + 28] = 0x65;
	CU_ASSERT_EQUAL(parse_embedded_n(f.b, f.n, &out, &in), -PKT_ERR_L3);
}

static void embedded_bad_ihl_or_total_length_is_l3_error(void)
{
	struct fb f;
	struct pkt_info out, in;

	frame_icmp4_err(&f, IPPROTO_TCP_, 0, 8);
	f.b[18 + 28] = 0x44;
	CU_ASSERT_EQUAL(parse_embedded_n(f.b, f.n, &out, &in), -PKT_ERR_L3);
	frame_icmp4_err(&f, IPPROTO_TCP_, 0, 8);
	sl_put_be16(f.b + 18 + 28 + 2, 19);
	CU_ASSERT_EQUAL(parse_embedded_n(f.b, f.n, &out, &in), -PKT_ERR_L3);
}

/* ICMPv6 packet too big about a UDP packet a -> b with a dest-opts header. */
static void frame_icmp6_err(struct fb *f, size_t l4_bytes)
{
	size_t ip, in;
	uint8_t *p;

	f->n = 0;
	fb_eth(f, 0, ETHERTYPE_IPV6);
	ip = fb_ip6(f, IPPROTO_ICMPV6_, ip6_r, ip6_a);
	fb_icmp(f, 2, 0, 0);
	in = fb_ip6(f, PKT_IPV6_DSTOPTS, ip6_a, ip6_b);
	sl_put_be16(f->b + in + 4, 1400);
	fb_ext(f, IPPROTO_UDP_, 1);
	p = fb_put(f, l4_bytes);
	if (l4_bytes >= 4) {
		sl_put_be16(p, 5000);
		sl_put_be16(p + 2, 53);
	}
	fb_ip6_end(f, ip);
}

static void embedded_ipv6_udp_in_packet_too_big(void)
{
	struct fb f;
	struct pkt_info out, in;

	frame_icmp6_err(&f, 8);
	CU_ASSERT_EQUAL_FATAL(parse_embedded_n(f.b, f.n, &out, &in), 0);
	CU_ASSERT_EQUAL(out.icmp_type, 2);
	CU_ASSERT_EQUAL(in.family, 6);
	CU_ASSERT_EQUAL(in.l3_off, 14 + 40 + 8);
	CU_ASSERT_EQUAL(in.l4_off, 14 + 40 + 8 + 40 + 16);
	CU_ASSERT_EQUAL(in.l3_len, 1440);
	CU_ASSERT_EQUAL(in.proto, IPPROTO_UDP_);
	CU_ASSERT_EQUAL(in.sport, 5000);
	CU_ASSERT_EQUAL(in.dport, 53);
	CU_ASSERT(memcmp(in.saddr, ip6_a, 16) == 0);
	CU_ASSERT(memcmp(in.daddr, ip6_b, 16) == 0);
}

static void embedded_ipv6_every_truncation_is_clean(void)
{
	struct fb f;
	struct pkt_info out, in;
	uint8_t b[sizeof(f.b)];

	frame_icmp6_err(&f, 8);
	size_t emb = 14 + 48, ext = emb + 40, l4 = ext + 16;
	for (size_t len = emb; len <= f.n; len++) {
		memcpy(b, f.b, f.n);
		sl_put_be16(b + 14 + 4, (uint16_t)(len - 14 - 40));
		int r = parse_embedded_n(b, len, &out, &in);
		int want = len < l4 ? -PKT_ERR_L3 : len < l4 + 8 ? -PKT_ERR_L4 : 0;
		CU_ASSERT_EQUAL(r, want);
	}
}

/* ARP and ND learn only MACs a neighbour can have (issue 12 item 4). */
static void mac_learnable_refuses_group_and_zero_macs(void)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t mcast4[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	static const uint8_t mcast6[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
	static const uint8_t group_bit[6] = {0x03, 0x00, 0x00, 0x00, 0x00, 0x10};
	static const uint8_t zero[6];
	static const uint8_t unicast[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x01};
	static const uint8_t last_only[6] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x01};

	CU_ASSERT_EQUAL(pkt_mac_learnable(bcast), 0);
	CU_ASSERT_EQUAL(pkt_mac_learnable(mcast4), 0);
	CU_ASSERT_EQUAL(pkt_mac_learnable(mcast6), 0);
	CU_ASSERT_EQUAL(pkt_mac_learnable(group_bit), 0);
	CU_ASSERT_EQUAL(pkt_mac_learnable(zero), 0);
	CU_ASSERT_EQUAL(pkt_mac_learnable(unicast), 1);
	CU_ASSERT_EQUAL(pkt_mac_learnable(last_only), 1);
}

/* Destinations no packet is forwarded to (issue 12 item 10): by class, or the node's own. */
static void dst_martian_refuses_own_edges_and_special_addresses(void)
{
	static const uint8_t martian4[][4] = {
		{0, 0, 0, 0},	      {0, 1, 2, 3},	    {127, 0, 0, 1}, {224, 0, 0, 5},
		{239, 255, 255, 250}, {255, 255, 255, 255}, {240, 0, 0, 1}, {169, 254, 1, 1},
	};
	static const uint8_t ok4[][4] = {
		{10, 0, 1, 255},  {1, 0, 0, 0},	    {126, 255, 255, 255}, {223, 255, 255, 255},
		{169, 253, 1, 1}, {169, 255, 0, 0}, {128, 0, 0, 1},
	};
	uint8_t a6[16] = {0};
	unsigned int i;

	for (i = 0; i < sizeof(martian4) / sizeof(martian4[0]); i++)
		CU_ASSERT_EQUAL(pkt_dst_martian(4, martian4[i], PKT_DST_OTHER), 1);
	for (i = 0; i < sizeof(ok4) / sizeof(ok4[0]); i++) {
		CU_ASSERT_EQUAL(pkt_dst_martian(4, ok4[i], PKT_DST_OTHER), 0);
		/* what the node's tables say wins: its address, a subnet's edge */
		CU_ASSERT_EQUAL(pkt_dst_martian(4, ok4[i], PKT_DST_OWN), 1);
		CU_ASSERT_EQUAL(pkt_dst_martian(4, ok4[i], PKT_DST_EDGE), 1);
	}
	CU_ASSERT_EQUAL(pkt_dst_martian(6, a6, PKT_DST_OTHER), 1); /* :: */
	a6[15] = 1;
	CU_ASSERT_EQUAL(pkt_dst_martian(6, a6, PKT_DST_OTHER), 1); /* ::1 */
	a6[15] = 2;
	CU_ASSERT_EQUAL(pkt_dst_martian(6, a6, PKT_DST_OTHER), 0); /* ::2 */
	a6[0] = 0xff;
	a6[1] = 0x02;
	CU_ASSERT_EQUAL(pkt_dst_martian(6, a6, PKT_DST_OTHER), 1); /* ff02::2 */
	a6[0] = 0xfe;
	a6[1] = 0x80;
	CU_ASSERT_EQUAL(pkt_dst_martian(6, a6, PKT_DST_OTHER), 1); /* fe80::2 */
	a6[1] = 0xbf;
	CU_ASSERT_EQUAL(pkt_dst_martian(6, a6, PKT_DST_OTHER), 1); /* febf::2, fe80::/10 */
	a6[1] = 0xc0;
	CU_ASSERT_EQUAL(pkt_dst_martian(6, a6, PKT_DST_OTHER), 0); /* fec0::2 */
	CU_ASSERT_EQUAL(pkt_dst_martian(6, ip6_a, PKT_DST_OTHER), 0);
	CU_ASSERT_EQUAL(pkt_dst_martian(6, ip6_a, PKT_DST_OWN), 1);
	/* the source class is the same set, without link-local */
	CU_ASSERT_EQUAL(pkt_addr_martian(4, martian4[0]), 1);
	CU_ASSERT_EQUAL(pkt_addr_martian(4, martian4[7]), 0);
}

static void subnet_edges_are_network_and_broadcast_up_to_30(void)
{
	static const uint8_t a24[4] = {10, 0, 1, 10}, a30[4] = {192, 168, 9, 6};
	uint8_t net[4], bc[4];

	CU_ASSERT_EQUAL_FATAL(pkt_subnet_edges(a24, 24, net, bc), 2);
	CU_ASSERT_EQUAL(memcmp(net, (uint8_t[]){10, 0, 1, 0}, 4), 0);
	CU_ASSERT_EQUAL(memcmp(bc, (uint8_t[]){10, 0, 1, 255}, 4), 0);
	CU_ASSERT_EQUAL_FATAL(pkt_subnet_edges(a24, 12, net, bc), 2);
	CU_ASSERT_EQUAL(memcmp(net, (uint8_t[]){10, 0, 0, 0}, 4), 0);
	CU_ASSERT_EQUAL(memcmp(bc, (uint8_t[]){10, 15, 255, 255}, 4), 0);
	CU_ASSERT_EQUAL_FATAL(pkt_subnet_edges(a30, 30, net, bc), 2);
	CU_ASSERT_EQUAL(memcmp(net, (uint8_t[]){192, 168, 9, 4}, 4), 0);
	CU_ASSERT_EQUAL(memcmp(bc, (uint8_t[]){192, 168, 9, 7}, 4), 0);
	CU_ASSERT_EQUAL_FATAL(pkt_subnet_edges(a24, 0, net, bc), 2);
	CU_ASSERT_EQUAL(memcmp(bc, (uint8_t[]){255, 255, 255, 255}, 4), 0);
	/* RFC 3021 point-to-point /31 and a host /32: both addresses are hosts */
	CU_ASSERT_EQUAL(pkt_subnet_edges(a30, 31, net, bc), 0);
	CU_ASSERT_EQUAL(pkt_subnet_edges(a30, 32, net, bc), 0);
}

/* A frame is oversized when its network part exceeds the port's MTU (issue 12 item 9). */
static void rx_oversize_is_l3_part_above_mtu(void)
{
	CU_ASSERT_EQUAL(pkt_rx_oversize(1514, 14, 1500), 0);
	CU_ASSERT_EQUAL(pkt_rx_oversize(1515, 14, 1500), 1);
	CU_ASSERT_EQUAL(pkt_rx_oversize(1518, 18, 1500), 0); /* one VLAN tag */
	CU_ASSERT_EQUAL(pkt_rx_oversize(1522, PKT_MAX_L2_LEN, 1500), 0);
	CU_ASSERT_EQUAL(pkt_rx_oversize(1523, PKT_MAX_L2_LEN, 1500), 1);
	CU_ASSERT_EQUAL(pkt_rx_oversize(9015, 14, 9001), 0);
	CU_ASSERT_EQUAL(pkt_rx_oversize(60, 14, 1280), 0); /* padded minimum frame */
}

/*
 * The egress MTU decision (issue 12 item 3): fits up to the MTU exactly, with the overhead;
 * too big: IPv6 and IPv4 with DF get an ICMP error, IPv4 without DF is counted.
 */
static void egress_mtu_fits_exactly_else_icmp_or_no_df(void)
{
	struct pkt_info pi;

	memset(&pi, 0, sizeof(pi));
	pi.family = 4;
	pi.flags = PKT_F_DF;
	pi.l3_len = 1500;
	CU_ASSERT_EQUAL(pkt_egress_mtu(&pi, 0, 1500), PKT_MTU_FITS);
	CU_ASSERT_EQUAL(pkt_egress_mtu(&pi, 0, 1499), PKT_MTU_ICMP);
	CU_ASSERT_EQUAL(pkt_egress_mtu(&pi, 68, 1568), PKT_MTU_FITS);
	CU_ASSERT_EQUAL(pkt_egress_mtu(&pi, 68, 1567), PKT_MTU_ICMP);
	pi.flags = 0;
	CU_ASSERT_EQUAL(pkt_egress_mtu(&pi, 0, 1500), PKT_MTU_FITS);
	CU_ASSERT_EQUAL(pkt_egress_mtu(&pi, 0, 1499), PKT_MTU_NO_DF);
	pi.family = 6; /* IPv6 has no DF: routers never fragment it */
	CU_ASSERT_EQUAL(pkt_egress_mtu(&pi, 0, 1499), PKT_MTU_ICMP);
	CU_ASSERT_EQUAL(pkt_egress_mtu(&pi, 0, 1500), PKT_MTU_FITS);
	pi.l3_len = 65535; /* no overflow */
	CU_ASSERT_EQUAL(pkt_egress_mtu(&pi, 68, 9216), PKT_MTU_ICMP);
}

static CU_TestInfo tests[] = {
	{"rx_oversize_is_l3_part_above_mtu", rx_oversize_is_l3_part_above_mtu},
	{"egress_mtu_fits_exactly_else_icmp_or_no_df", egress_mtu_fits_exactly_else_icmp_or_no_df},
	{"mac_learnable_refuses_group_and_zero_macs", mac_learnable_refuses_group_and_zero_macs},
	{"dst_martian_refuses_own_edges_and_special_addresses",
	 dst_martian_refuses_own_edges_and_special_addresses},
	{"subnet_edges_are_network_and_broadcast_up_to_30",
	 subnet_edges_are_network_and_broadcast_up_to_30},
	{"ipv4_tcp_frame_sets_offsets_ports_and_flags",
	 ipv4_tcp_frame_sets_offsets_ports_and_flags},
	{"ipv4_udp_frame_sets_ports_without_df", ipv4_udp_frame_sets_ports_without_df},
	{"ipv4_with_options_sets_l4_offset", ipv4_with_options_sets_l4_offset},
	{"single_vlan_tag_is_skipped_and_tci_kept", single_vlan_tag_is_skipped_and_tci_kept},
	{"qinq_two_tags_keep_outer_tci", qinq_two_tags_keep_outer_tci},
	{"three_vlan_tags_is_l2_error", three_vlan_tags_is_l2_error},
	{"truncated_ethernet_header_is_l2_error", truncated_ethernet_header_is_l2_error},
	{"truncated_vlan_tag_is_l2_error", truncated_vlan_tag_is_l2_error},
	{"unknown_ethertype_is_ethertype_error", unknown_ethertype_is_ethertype_error},
	{"arp_frame_sets_arp_flag_and_l3_offset", arp_frame_sets_arp_flag_and_l3_offset},
	{"truncated_arp_is_l3_error", truncated_arp_is_l3_error},
	{"ethernet_padding_after_ipv4_total_length_is_ignored",
	 ethernet_padding_after_ipv4_total_length_is_ignored},
	{"l4_header_in_ethernet_padding_is_l4_error", l4_header_in_ethernet_padding_is_l4_error},
	{"ipv4_total_length_beyond_frame_is_l3_error", ipv4_total_length_beyond_frame_is_l3_error},
	{"ipv4_total_length_below_header_length_is_l3_error",
	 ipv4_total_length_below_header_length_is_l3_error},
	{"ipv4_ihl_below_5_is_l3_error", ipv4_ihl_below_5_is_l3_error},
	{"ipv4_ihl_beyond_total_length_is_l3_error", ipv4_ihl_beyond_total_length_is_l3_error},
	{"ipv4_version_mismatch_is_l3_error", ipv4_version_mismatch_is_l3_error},
	{"ipv4_first_fragment_has_l4_and_frag_flag", ipv4_first_fragment_has_l4_and_frag_flag},
	{"ipv4_later_fragment_has_no_l4", ipv4_later_fragment_has_no_l4},
	{"tcp_data_offset_below_5_is_l4_error", tcp_data_offset_below_5_is_l4_error},
	{"tcp_options_beyond_total_length_is_l4_error",
	 tcp_options_beyond_total_length_is_l4_error},
	{"truncated_tcp_header_is_l4_error", truncated_tcp_header_is_l4_error},
	{"truncated_udp_and_icmp_headers_are_l4_errors",
	 truncated_udp_and_icmp_headers_are_l4_errors},
	{"unknown_ip_protocol_has_no_l4_and_no_error", unknown_ip_protocol_has_no_l4_and_no_error},
	{"icmp_echo_sets_identifier_in_both_ports", icmp_echo_sets_identifier_in_both_ports},
	{"icmp_error_types_set_icmp_err_flag", icmp_error_types_set_icmp_err_flag},
	{"icmpv6_error_types_set_icmp_err_flag", icmpv6_error_types_set_icmp_err_flag},
	{"icmp_protocol_of_the_other_family_is_not_l4",
	 icmp_protocol_of_the_other_family_is_not_l4},
	{"ipv6_tcp_frame_sets_offsets_and_addresses", ipv6_tcp_frame_sets_offsets_and_addresses},
	{"ipv6_extension_headers_are_walked", ipv6_extension_headers_are_walked},
	{"ipv6_first_fragment_has_l4", ipv6_first_fragment_has_l4},
	{"ipv6_later_fragment_has_no_l4", ipv6_later_fragment_has_no_l4},
	{"ipv6_esp_and_no_next_header_end_walk_without_l4",
	 ipv6_esp_and_no_next_header_end_walk_without_l4},
	{"ipv6_max_extension_headers_are_accepted", ipv6_max_extension_headers_are_accepted},
	{"ipv6_too_many_extension_headers_is_l3_error",
	 ipv6_too_many_extension_headers_is_l3_error},
	{"ipv6_extension_past_payload_is_l3_error", ipv6_extension_past_payload_is_l3_error},
	{"ipv6_payload_length_beyond_frame_is_l3_error",
	 ipv6_payload_length_beyond_frame_is_l3_error},
	{"ipv6_version_mismatch_is_l3_error", ipv6_version_mismatch_is_l3_error},
	{"ipv6_padding_after_payload_is_ignored", ipv6_padding_after_payload_is_ignored},
	{"parse_ip_takes_family_from_version_nibble", parse_ip_takes_family_from_version_nibble},
	{"parse_ip_offset_is_relative_to_start", parse_ip_offset_is_relative_to_start},
	{"parse_ip_bad_version_or_family_is_l3_error", parse_ip_bad_version_or_family_is_l3_error},
	{"parse_ip_clears_stale_fields", parse_ip_clears_stale_fields},
	{"every_truncation_of_valid_frames_is_a_clean_error",
	 every_truncation_of_valid_frames_is_a_clean_error},
	{"every_truncation_of_ip_packet_is_l3_error", every_truncation_of_ip_packet_is_l3_error},
	{"ipv6_consistent_truncations_are_l3_or_l4_errors",
	 ipv6_consistent_truncations_are_l3_or_l4_errors},
	{"random_mutations_of_valid_frames_parse_cleanly",
	 random_mutations_of_valid_frames_parse_cleanly},
	{"random_bytes_parse_cleanly", random_bytes_parse_cleanly},
	{"icmp_error_embedded_tcp_gives_original_flow",
	 icmp_error_embedded_tcp_gives_original_flow},
	{"embedded_tcp_needs_only_8_bytes_and_more_is_fine",
	 embedded_tcp_needs_only_8_bytes_and_more_is_fine},
	{"embedded_with_fewer_than_8_l4_bytes_is_l4_error",
	 embedded_with_fewer_than_8_l4_bytes_is_l4_error},
	{"embedded_ipv4_options_are_skipped", embedded_ipv4_options_are_skipped},
	{"embedded_icmp_echo_gives_identifier", embedded_icmp_echo_gives_identifier},
	{"embedded_other_protocol_needs_no_l4", embedded_other_protocol_needs_no_l4},
	{"embedded_truncated_ip_header_is_l3_error", embedded_truncated_ip_header_is_l3_error},
	{"embedded_every_truncation_is_clean", embedded_every_truncation_is_clean},
	{"embedded_is_bounded_by_outer_ip_length", embedded_is_bounded_by_outer_ip_length},
	{"embedded_later_fragment_has_no_ports", embedded_later_fragment_has_no_ports},
	{"embedded_requires_outer_icmp_error", embedded_requires_outer_icmp_error},
	{"embedded_family_mismatch_is_l3_error", embedded_family_mismatch_is_l3_error},
	{"embedded_bad_ihl_or_total_length_is_l3_error",
	 embedded_bad_ihl_or_total_length_is_l3_error},
	{"embedded_ipv6_udp_in_packet_too_big", embedded_ipv6_udp_in_packet_too_big},
	{"embedded_ipv6_every_truncation_is_clean", embedded_ipv6_every_truncation_is_clean},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("pkt", tests);
}
