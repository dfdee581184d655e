/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nat.h - address/port translation of TCP/UDP packets and of the ICMP errors about them, and
 * the TCP RST a load balancer sends for a flow it refuses. Header-only and BPF-safe: every
 * packet byte touched is checked against `end`, loops are bounded (csum.h's), no libc.
 * All return 0 (nat_tcp_rst: the length written) or a negative errno.
 *
 * struct nat_rewrite: one direction's translation. family 4 or 6; set_src / set_dst (booleans)
 * select which end is rewritten: set_src writes saddr and sport, set_dst daddr and dport.
 * Addresses in network order (IPv4 in the first 4 bytes), ports in host order.
 *
 * SL_INLINE int nat_rewrite(uint8_t *start, const uint8_t *end, const struct pkt_info *pi,
 *                           const struct nat_rewrite *rw);
 *      In place, the IP packet that pi describes (offsets relative to start, as pkt_parse_*
 *      fill them). Addresses and TCP/UDP ports per rw; the IPv4 header checksum and the L4
 *      checksum are updated incrementally (RFC 1624), the L4 one for the pseudo-header
 *      addresses and the ports. A UDP checksum of 0 ("none") stays 0, over IPv4 and over IPv6
 *      (an IPv6 UDP 0 is invalid or an RFC 6935 tunnel: either way it cannot be updated, and
 *      rewriting it would not help); a UDP result of 0 is stored as 0xFFFF. TTL / hop limit are
 *      not touched. A first fragment is updated like a whole packet (the L4 checksum is in it
 *      and the update is linear); a non-first fragment (PKT_F_FRAG_LATER) has no L4 header:
 *      addresses and IPv4 header checksum only, its ports stay what they are.
 *      -EINVAL: pi (or rw) not family 4/6, families differ, pi->proto not TCP/UDP, the IP
 *      version nibble not pi's family, no PKT_F_L4 on a packet that is not a non-first
 *      fragment, the L4 header inside the fixed IP header, or the bytes written not within
 *      end: the IP header (20 / 40), the L4 header (TCP 20, UDP 8).
 *
 * SL_INLINE int nat_icmp_error(uint8_t *start, const uint8_t *end, const struct pkt_info *pi,
 *                              const struct nat_rewrite *outer, const struct nat_rewrite *inner);
 *      In place, the ICMP / ICMPv6 error pi describes (PKT_F_ICMP_ERR and PKT_F_L4 set, proto
 *      1 over IPv4, 58 over IPv6). The outer IP header gets `outer`'s addresses (its ports are
 *      ignored: ICMP has none), the quoted packet gets `inner`'s addresses and ports (as they
 *      should read after translation). Either may be NULL: left alone. Fixed: the outer IPv4
 *      header checksum; the quoted IPv4 header checksum; the quoted L4 checksum when the quote
 *      holds it all (TCP: quote + 16..17, UDP: + 6..7; within the outer IP packet and end),
 *      for the new pseudo-header and ports, with nat_rewrite's UDP rules; the ICMP checksum
 *      for every byte changed in the message, and for ICMPv6 its pseudo-header (outer
 *      addresses) too. The quote is found with pkt_parse_embedded: it must parse (complete
 *      IP header, 8 bytes of L4) and be TCP or UDP; a quoted non-first fragment gets its
 *      addresses only. -EINVAL for anything else, with nat_rewrite's bound checks on both
 *      headers and 8 bytes of ICMP header.
 *
 * SL_INLINE int nat_tcp_rst(uint8_t *out, size_t cap, const uint8_t *start, const uint8_t *end,
 *                           const struct pkt_info *pi, const uint8_t *from_saddr,
 *                           const uint16_t *from_sport);
 *      Builds, from the IP header on, the RST that the segment's receiver would send back
 *      (RFC 9293 3.10.7.1): addresses and ports swapped, read from the packet (not from pi);
 *      from_saddr (pi's family size) / from_sport (host order), when not NULL, replace the
 *      RST's source. Segment with ACK: seq = its ack, ack 0, flags RST. Without ACK: seq 0,
 *      ack = its seq + payload length (+1 SYN, +1 FIN), flags RST|ACK. TCP header 20 bytes,
 *      window 0, urgent 0. IPv4: 0x45, TOS 0, ID 0, no DF, TTL 64, total length 40, header
 *      checksum. IPv6: traffic class / flow label 0, payload length 20, next header 6, hop
 *      limit 64. TCP checksum with the pseudo-header. Returns 40 (IPv4) or 60 (IPv6).
 *      -EINVAL: not TCP with PKT_F_L4 (or a non-first fragment), family not 4/6, the segment
 *      itself a RST (never answered, RFC 9293), a data offset < 5 or past the IP length
 *      (pi->l3_len), headers not within end. -ENOSPC: cap below the length (checked after
 *      the refusals). out may overlap the segment (everything is read first), e.g. to build
 *      the reply in the same buffer.
 *
 * SL_INLINE int nat_tcp_rst_fwd(uint8_t *out, size_t cap, const uint8_t *start,
 *                               const uint8_t *end, const struct pkt_info *pi,
 *                               const struct nat_rewrite *rw);
 *      Connection termination's other half: the segment itself, translated by rw (NULL: not
 *      translated), turned into a RST for its receiver. The IP header as received (IPv4
 *      options, IPv6 extension headers kept) with rw's addresses, its length for a 20-byte TCP
 *      header (IPv4 total length and header checksum; IPv6 payload length); the TCP header's
 *      first 20 bytes with rw's ports, data offset 5, flags RST plus the segment's ACK, window
 *      0, urgent 0, the checksum over the pseudo-header. Sequence numbers stay the segment's.
 *      Returns the IP header length + 20. -EINVAL: nat_tcp_rst's refusals (without the data
 *      offset check), rw of another family, IP headers + 20 above NAT_RST_FWD_MAX. -ENOSPC:
 *      cap below the length. out must not overlap the segment.
 *
 * All four also refuse (-EINVAL) a header offset (pi's l3_off / l4_off, the quote's) above
 * NAT_MAX_OFF (0x7FFF), for the BPF verifier (see nat_off); no real header lies there. On a
 * refusal nothing has been written.
 *
 * Not handled: an IPv6 routing header with segments left (the pseudo-header would use its
 * final destination; the updates assume the destination field). All checksum arithmetic is
 * csum.h's; every 16-bit field updated lies at an even offset from the start of the sum
 * it belongs to (IP headers and extension headers are multiples of 4 bytes).
 *
 * BPF: each entry point, called on its own with a pi whose offsets and lengths the verifier
 * cannot know, loads on Linux 6.x (bpftool prog load). The ICMP path inlines
 * pkt_parse_embedded; a program that also inlines pkt_parse_eth in the same function may
 * exceed the verifier's 1M instructions (pkt.h's two parsers alone do).
 */
#ifndef SL_CORE_NAT_H
#define SL_CORE_NAT_H

#include "dataplane/core/compat.h"
#include "dataplane/core/csum.h"
#include "dataplane/core/pkt.h"
#include "dataplane/core/stats.h"

#define NAT_TCP_FIN 0x01
#define NAT_TCP_SYN 0x02
#define NAT_TCP_RST 0x04
#define NAT_TCP_ACK 0x10
#define NAT_TCP_PSH 0x08
#define NAT_TCP_URG 0x20

/*
 * Flag combinations no TCP connection sends (scans, fingerprinting, state-table attacks), as
 * a stateful firewall's "invalid": no flag at all (NULL), SYN with FIN or RST, FIN+PSH+URG
 * without ACK (Xmas). 1 when f is one of them.
 */
SL_INLINE int nat_tcp_flags_bogus(uint8_t f)
{
	if (!(f &
	      (NAT_TCP_FIN | NAT_TCP_SYN | NAT_TCP_RST | NAT_TCP_PSH | NAT_TCP_ACK | NAT_TCP_URG)))
		return 1;
	if ((f & NAT_TCP_SYN) && (f & (NAT_TCP_FIN | NAT_TCP_RST)))
		return 1;
	return (f & (NAT_TCP_FIN | NAT_TCP_PSH | NAT_TCP_URG | NAT_TCP_ACK)) ==
	       (NAT_TCP_FIN | NAT_TCP_PSH | NAT_TCP_URG);
}

/*
 * A source no client can have (RFC 1122 3.2.1.3, RFC 4291): IPv4 0.0.0.0/8, 127.0.0.0/8,
 * 224.0.0.0/4 (multicast), 240.0.0.0/4 (reserved, with 255.255.255.255); IPv6 ::, ::1,
 * ff00::/8. a in network order (16 bytes, IPv4 in the first 4). 1 when martian.
 */
SL_INLINE int nat_source_martian(uint8_t family, const uint8_t *a)
{
	return pkt_addr_martian(family, a);
}

/*
 * May the packet pi (to a listener, matching no session) create a NAT session? SL_DROP_MAX if
 * it may, else the reason to drop it: nlb_martian_source, nlb_bad_tcp_flags. Packets of an
 * existing session are not asked. `src_kind`: what the node's tables say of the source
 * (PKT_DST_*): one of its own addresses or a subnet's network / broadcast address is no client
 * either, and a session with it would send the replies there (a martian destination).
 */
SL_INLINE unsigned int nat_new_session_refusal(const struct pkt_info *pi, unsigned int src_kind)
{
	if (src_kind != PKT_DST_OTHER || nat_source_martian(pi->family, pi->saddr))
		return SL_DROP_NLB_MARTIAN;
	if (pi->proto == IPPROTO_TCP_ && nat_tcp_flags_bogus(pi->tcp_flags))
		return SL_DROP_NLB_BAD_TCP_FLAGS;
	return SL_DROP_MAX;
}

#define NAT_RST4_LEN 40
#define NAT_RST6_LEN 60
/* nat_tcp_rst_fwd's limit on IP headers + 20 TCP bytes (a constant bound for BPF; a power of 2). */
#define NAT_RST_FWD_MAX 256

/* Header offsets (pi->l3_off, pi->l4_off, the quote's) above this are refused: see nat_off. */
#define NAT_MAX_OFF 0x7FFF

/*
 * An offset already checked <= NAT_MAX_OFF, for pointer arithmetic. The mask changes nothing;
 * it shows the BPF verifier a bound on the very register added to the packet pointer (clang
 * may compare one copy of the offset and add another; a pointer moved by an unbounded value
 * gets no range from a later `p + n > end` check). The empty asm (libbpf's barrier_var) keeps
 * the compiler from dropping the mask as redundant.
 */
SL_INLINE uint32_t nat_off(uint32_t off)
{
	__asm__ volatile("" : "+r"(off));
	return off & NAT_MAX_OFF;
}

/* A translation of one packet direction: new addresses (network order), ports (host order). */
struct nat_rewrite {
	uint8_t family; /* 4 or 6 */
	uint8_t set_src, set_dst;
	uint8_t saddr[16], daddr[16]; /* IPv4 in the first 4 bytes */
	uint16_t sport, dport;	      /* host order */
};

/*
 * pi read as the packet nat_rewrite(rw) made of it: the rewritten ends' addresses and ports
 * (offsets and the rest unchanged). Family-wide (all 16 address bytes).
 */
SL_INLINE void nat_pi_apply(struct pkt_info *pi, const struct nat_rewrite *rw)
{
	if (rw->set_src) {
		sl_memcpy(pi->saddr, rw->saddr, 16);
		pi->sport = rw->sport;
	}
	if (rw->set_dst) {
		sl_memcpy(pi->daddr, rw->daddr, 16);
		pi->dport = rw->dport;
	}
}

/*
 * out = pi as the whole (unfragmented) packet nat_rewrite(rw) made of it parses again from its
 * IP header (pkt_parse_ip): nat_pi_apply on a copy, less what only the Ethernet parse fills
 * (the VLAN tag). A fragment's ports are its first fragment's, not the packet's: parse it.
 */
SL_INLINE void nat_pi_reparsed(const struct pkt_info *pi, const struct nat_rewrite *rw,
			       struct pkt_info *out)
{
	sl_memcpy(out, pi, sizeof(*out));
	out->vlan_tci = 0;
	out->flags &= (uint16_t)~PKT_F_VLAN;
	nat_pi_apply(out, rw);
}

/*
 * The rewrite that takes a packet translated by rw back to what pi (the packet before rw)
 * says: the same ends rewritten, to pi's addresses and ports. A shell applies it (nat_rewrite)
 * to a translated packet that cannot be sent (too big for its egress port), so that the ICMP
 * error quotes the packet its sender sent (as conntrack's NAT does for errors).
 */
SL_INLINE void nat_undo_of(const struct pkt_info *pi, const struct nat_rewrite *rw,
			   struct nat_rewrite *undo)
{
	sl_memcpy(undo, rw, sizeof(*undo));
	sl_memcpy(undo->saddr, pi->saddr, 16);
	sl_memcpy(undo->daddr, pi->daddr, 16);
	undo->sport = pi->sport;
	undo->dport = pi->dport;
}

/*
 * BPF note: every API function dispatches on the family to an always-inline body that gets a
 * literal 4 or 6, so all offsets and csum.h loop counts are constants, and every packet byte
 * is read at a constant offset from a pointer whose bound was checked just before; a pointer
 * moved by a value the verifier cannot know has no proven range.
 */

/* Constant-size copies: a variable-length __builtin_memcpy would be a libc call in BPF. */
SL_INLINE void nat_put_addr(uint8_t *dst, const uint8_t *src, const uint8_t family)
{
	if (family == 4)
		sl_memcpy(dst, src, 4);
	else
		sl_memcpy(dst, src, 16);
}

/*
 * The checksums a rewrite keeps right, each with a flag: ip (IPv4 header), l4 (TCP/UDP), outer
 * (the ICMP message that quotes the packet). Flags, not pointers that may be NULL: clang may
 * turn "a stack address or NULL" into arithmetic the BPF verifier will not dereference.
 */
struct nat_sums {
	uint16_t ip, l4, outer;
	uint8_t has_ip, has_l4, has_outer;
};

/* Stores port v at p, updating the sums. */
SL_INLINE void nat_put_port(uint8_t *p, uint16_t v, struct nat_sums *s)
{
	uint16_t old = sl_get_be16(p);

	if (s->has_l4)
		s->l4 = csum_update16(s->l4, old, v);
	if (s->has_outer)
		s->outer = csum_update16(s->outer, old, v);
	sl_put_be16(p, v);
}

/* Stores address a at p (the header's source or destination field), updating the sums. */
SL_INLINE void nat_put_ip(uint8_t *p, const uint8_t *a, const uint8_t family, struct nat_sums *s)
{
	if (s->has_ip)
		s->ip = csum_update_addr(s->ip, 4, p, a);
	if (s->has_l4)
		s->l4 = csum_update_addr(s->l4, family, p, a);
	if (s->has_outer)
		s->outer = csum_update_addr(s->outer, family, p, a);
	nat_put_addr(p, a, family);
}

/*
 * Applies rw to the IP header at ip (20 / 40 bytes checked) and, with has_l4, to the ports at l4
 * (4 bytes checked). has_ck: the L4 checksum field at ck (2 bytes checked) is kept right; not
 * when it is cut off from an ICMP quote. udp: the UDP zero rules. has_outer: outer is the
 * checksum of an ICMP message holding all of these bytes (or, for ICMPv6, whose pseudo-header
 * holds the addresses); every change, the two checksums' included, is folded into it, and the
 * result returned (outer unchanged without has_outer).
 */
SL_INLINE uint16_t nat_apply(uint8_t *ip, const uint8_t family, uint8_t *l4, int has_l4,
			     uint8_t *ck, int has_ck, int udp, const struct nat_rewrite *rw,
			     int has_outer, uint16_t outer)
{
	struct nat_sums s = {0, 0, outer, 0, 0, (uint8_t) !!has_outer};
	uint16_t ip0 = 0, l40 = 0;
	uint8_t *sa, *da;

	if (family == 4) {
		sa = ip + 12;
		da = ip + 16;
		s.ip = ip0 = sl_get_be16(ip + 10);
		s.has_ip = 1;
	} else {
		sa = ip + 8;
		da = ip + 24;
	}
	if (has_ck) {
		s.l4 = l40 = sl_get_be16(ck);
		s.has_l4 = !(udp && l40 == 0); /* UDP 0: no checksum, and it stays so */
	}
	if (rw->set_src) {
		nat_put_ip(sa, rw->saddr, family, &s);
		if (has_l4)
			nat_put_port(l4, rw->sport, &s);
	}
	if (rw->set_dst) {
		nat_put_ip(da, rw->daddr, family, &s);
		if (has_l4)
			nat_put_port(l4 + 2, rw->dport, &s);
	}
	if (s.has_ip) {
		sl_put_be16(ip + 10, s.ip);
		if (s.has_outer)
			s.outer = csum_update16(s.outer, ip0, s.ip);
	}
	if (s.has_l4) {
		if (udp && s.l4 == 0)
			s.l4 = 0xFFFF;
		sl_put_be16(ck, s.l4);
		if (s.has_outer)
			s.outer = csum_update16(s.outer, l40, s.l4);
	}
	return s.outer;
}

SL_INLINE int nat_rewrite_fam(uint8_t *start, const uint8_t *end, const struct pkt_info *pi,
			      const struct nat_rewrite *rw, const uint8_t family)
{
	const uint32_t hlen = family == 4 ? 20 : 40;
	uint8_t *ip = start + nat_off(pi->l3_off);
	uint8_t *l4;

	if (rw->family != family)
		return -EINVAL;
	if (ip + hlen > end || (ip[0] >> 4) != family)
		return -EINVAL;
	if (pi->flags & PKT_F_FRAG_LATER) {
		nat_apply(ip, family, ip, 0, ip, 0, 0, rw, 0, 0);
		return 0;
	}
	if (!(pi->flags & PKT_F_L4) || (uint32_t)pi->l4_off < (uint32_t)pi->l3_off + hlen)
		return -EINVAL;
	l4 = start + nat_off(pi->l4_off);
	if (pi->proto == IPPROTO_TCP_) {
		if (l4 + 20 > end)
			return -EINVAL;
		nat_apply(ip, family, l4, 1, l4 + 16, 1, 0, rw, 0, 0);
	} else {
		if (l4 + 8 > end)
			return -EINVAL;
		nat_apply(ip, family, l4, 1, l4 + 6, 1, 1, rw, 0, 0);
	}
	return 0;
}

SL_INLINE int nat_rewrite(uint8_t *start, const uint8_t *end, const struct pkt_info *pi,
			  const struct nat_rewrite *rw)
{
	if (pi->proto != IPPROTO_TCP_ && pi->proto != IPPROTO_UDP_)
		return -EINVAL;
	if (pi->l3_off > NAT_MAX_OFF || pi->l4_off > NAT_MAX_OFF)
		return -EINVAL;
	if (pi->family == 4)
		return nat_rewrite_fam(start, end, pi, rw, 4);
	if (pi->family == 6)
		return nat_rewrite_fam(start, end, pi, rw, 6);
	return -EINVAL;
}

SL_INLINE int nat_icmp_error_fam(uint8_t *start, const uint8_t *end, const struct pkt_info *pi,
				 const struct nat_rewrite *outer, const struct nat_rewrite *inner,
				 const uint8_t family)
{
	const uint32_t hlen = family == 4 ? 20 : 40;
	uint8_t *ip = start + nat_off(pi->l3_off);
	uint8_t *icmp, *qip, *ql4;
	struct pkt_info q;
	uint32_t limit;
	uint16_t sum;

	if ((outer && outer->family != family) || (inner && inner->family != family))
		return -EINVAL;
	if (pi->proto != (family == 4 ? IPPROTO_ICMP_ : IPPROTO_ICMPV6_))
		return -EINVAL;
	if (ip + hlen > end || (ip[0] >> 4) != family)
		return -EINVAL;
	if ((uint32_t)pi->l4_off < (uint32_t)pi->l3_off + hlen)
		return -EINVAL;
	icmp = start + nat_off(pi->l4_off);
	if (icmp + 8 > end)
		return -EINVAL;

	if (pkt_parse_embedded(start, end, pi, &q))
		return -EINVAL;
	if (q.proto != IPPROTO_TCP_ && q.proto != IPPROTO_UDP_)
		return -EINVAL;
	if (q.l3_off > NAT_MAX_OFF || q.l4_off > NAT_MAX_OFF)
		return -EINVAL;
	qip = start + nat_off(q.l3_off);
	if (qip + hlen > end) /* the parser checked it; again for the verifier */
		return -EINVAL;
	/* The quote ends with the outer IP packet (not its padding), and with the bytes present. */
	limit = (uint32_t)pi->l3_off + pi->l3_len;
	sum = sl_get_be16(icmp + 2);
	if (q.flags & PKT_F_FRAG_LATER) {
		if (inner) /* no L4 header: addresses only */
			sum = nat_apply(qip, family, qip, 0, qip, 0, 0, inner, 1, sum);
	} else {
		if (!(q.flags & PKT_F_L4))
			return -EINVAL;
		ql4 = start + nat_off(q.l4_off);
		if (ql4 + 8 > end)
			return -EINVAL;
		if (!inner) {
			/* nothing to do in the quote */
		} else if (q.proto == IPPROTO_UDP_) {
			/* the checksum is within the 8 bytes the parser required */
			sum = nat_apply(qip, family, ql4, 1, ql4 + 6, 1, 1, inner, 1, sum);
		} else if ((uint32_t)q.l4_off + 18 <= limit && ql4 + 18 <= end) {
			sum = nat_apply(qip, family, ql4, 1, ql4 + 16, 1, 0, inner, 1, sum);
		} else {
			/* A TCP checksum cut off by the quote is left alone: nobody sees it. */
			sum = nat_apply(qip, family, ql4, 1, ql4, 0, 0, inner, 1, sum);
		}
	}
	if (outer) /* ICMPv6: the outer addresses are in the checksum's pseudo-header */
		sum = nat_apply(ip, family, ip, 0, ip, 0, 0, outer, family == 6, sum);
	sl_put_be16(icmp + 2, sum);
	return 0;
}

/*
 * The rewrites for nat_icmp_error of an error quoting a packet of a translated flow: that
 * packet as it was before translation is saddr:sport -> daddr:dport (the session's other
 * direction; addresses of family's length). The quote reads as that packet again; the error
 * goes to its source.
 */
SL_INLINE void nat_icmp_rewrites(const uint8_t family, const uint8_t *saddr, const uint8_t *daddr,
				 uint16_t sport, uint16_t dport, struct nat_rewrite *outer,
				 struct nat_rewrite *inner)
{
	__builtin_memset(outer, 0, sizeof(*outer));
	__builtin_memset(inner, 0, sizeof(*inner));
	outer->family = inner->family = family;
	inner->set_src = inner->set_dst = 1;
	nat_put_addr(inner->saddr, saddr, family);
	nat_put_addr(inner->daddr, daddr, family);
	inner->sport = sport;
	inner->dport = dport;
	outer->set_dst = 1;
	nat_put_addr(outer->daddr, saddr, family);
}

SL_INLINE int nat_icmp_error(uint8_t *start, const uint8_t *end, const struct pkt_info *pi,
			     const struct nat_rewrite *outer, const struct nat_rewrite *inner)
{
	if (!(pi->flags & PKT_F_ICMP_ERR) || !(pi->flags & PKT_F_L4) ||
	    (pi->flags & PKT_F_FRAG_LATER))
		return -EINVAL;
	if (pi->l3_off > NAT_MAX_OFF || pi->l4_off > NAT_MAX_OFF)
		return -EINVAL;
	if (pi->family == 4)
		return nat_icmp_error_fam(start, end, pi, outer, inner, 4);
	if (pi->family == 6)
		return nat_icmp_error_fam(start, end, pi, outer, inner, 6);
	return -EINVAL;
}

SL_INLINE int nat_tcp_rst_fam(uint8_t *out, size_t cap, const uint8_t *start, const uint8_t *end,
			      const struct pkt_info *pi, const uint8_t *from_saddr,
			      const uint16_t *from_sport, const uint8_t family)
{
	const uint32_t hlen = family == 4 ? 20 : 40;
	const uint8_t *ip = start + nat_off(pi->l3_off);
	const uint8_t *tcp = start + nat_off(pi->l4_off);
	uint32_t doff, plen, seq, ack, rseq, rack;
	uint8_t saddr[16], daddr[16];
	uint16_t sport, dport;
	uint8_t flags, rflags;
	uint8_t *th;

	if (ip + hlen > end || (ip[0] >> 4) != family)
		return -EINVAL;
	if ((uint32_t)pi->l4_off < (uint32_t)pi->l3_off + hlen)
		return -EINVAL;
	if (tcp + 20 > end)
		return -EINVAL;
	doff = (uint32_t)(tcp[12] >> 4) * 4;
	if (doff < 20 || (uint32_t)pi->l4_off + doff > (uint32_t)pi->l3_off + pi->l3_len)
		return -EINVAL;
	flags = tcp[13];
	if (flags & NAT_TCP_RST)
		return -EINVAL;
	if (cap < hlen + 20)
		return -ENOSPC;

	/* Everything is read before anything is written: out may overlap the segment. */
	plen = (uint32_t)pi->l3_off + pi->l3_len - pi->l4_off - doff;
	seq = sl_get_be32(tcp + 4);
	ack = sl_get_be32(tcp + 8);
	sport = from_sport ? *from_sport : sl_get_be16(tcp + 2);
	dport = sl_get_be16(tcp);
	if (family == 4) {
		sl_memcpy(saddr, from_saddr ? from_saddr : ip + 16, 4);
		sl_memcpy(daddr, ip + 12, 4);
	} else {
		sl_memcpy(saddr, from_saddr ? from_saddr : ip + 24, 16);
		sl_memcpy(daddr, ip + 8, 16);
	}
	if (flags & NAT_TCP_ACK) {
		rseq = ack;
		rack = 0;
		rflags = NAT_TCP_RST;
	} else {
		rseq = 0;
		rack = seq + plen + !!(flags & NAT_TCP_SYN) + !!(flags & NAT_TCP_FIN);
		rflags = NAT_TCP_RST | NAT_TCP_ACK;
	}

	if (family == 4) {
		out[0] = 0x45;
		out[1] = 0;
		sl_put_be16(out + 2, NAT_RST4_LEN);
		sl_put_be32(out + 4, 0); /* ID 0, no flags, offset 0 */
		out[8] = 64;
		out[9] = IPPROTO_TCP_;
		sl_put_be16(out + 10, 0);
		sl_memcpy(out + 12, saddr, 4);
		sl_memcpy(out + 16, daddr, 4);
		/* 20 bytes, no options: a constant-length sum */
		sl_put_be16(out + 10, csum_fold(csum_partial(out, 20, 0)));
	} else {
		sl_put_be32(out, 0x60000000u);
		sl_put_be16(out + 4, 20);
		out[6] = IPPROTO_TCP_;
		out[7] = 64;
		sl_memcpy(out + 8, saddr, 16);
		sl_memcpy(out + 24, daddr, 16);
	}
	th = out + hlen;
	sl_put_be16(th, sport);
	sl_put_be16(th + 2, dport);
	sl_put_be32(th + 4, rseq);
	sl_put_be32(th + 8, rack);
	th[12] = 5 << 4;
	th[13] = rflags;
	sl_put_be16(th + 14, 0); /* window */
	sl_put_be16(th + 16, 0); /* checksum, below */
	sl_put_be16(th + 18, 0); /* urgent pointer */
	sl_put_be16(th + 16, csum_l4(family, saddr, daddr, IPPROTO_TCP_, th, 20));
	return (int)(hlen + 20);
}

SL_INLINE int nat_tcp_rst(uint8_t *out, size_t cap, const uint8_t *start, const uint8_t *end,
			  const struct pkt_info *pi, const uint8_t *from_saddr,
			  const uint16_t *from_sport)
{
	if (pi->proto != IPPROTO_TCP_ || !(pi->flags & PKT_F_L4) || (pi->flags & PKT_F_FRAG_LATER))
		return -EINVAL;
	if (pi->l3_off > NAT_MAX_OFF || pi->l4_off > NAT_MAX_OFF)
		return -EINVAL;
	if (pi->family == 4)
		return nat_tcp_rst_fam(out, cap, start, end, pi, from_saddr, from_sport, 4);
	if (pi->family == 6)
		return nat_tcp_rst_fam(out, cap, start, end, pi, from_saddr, from_sport, 6);
	return -EINVAL;
}

SL_INLINE int nat_tcp_rst_fwd_fam(uint8_t *out, size_t cap, const uint8_t *start,
				  const uint8_t *end, const struct pkt_info *pi,
				  const struct nat_rewrite *rw, const uint8_t family)
{
	const uint32_t fixed = family == 4 ? 20 : 40;
	const uint8_t *ip = start + nat_off(pi->l3_off);
	const uint8_t *tcp = start + nat_off(pi->l4_off);
	uint32_t hl, n, i;
	uint8_t *th;

	if (ip + fixed > end || (ip[0] >> 4) != family)
		return -EINVAL;
	if ((uint32_t)pi->l4_off < (uint32_t)pi->l3_off + fixed)
		return -EINVAL;
	if (tcp + 20 > end || (tcp[13] & NAT_TCP_RST))
		return -EINVAL;
	if (rw && rw->family != family)
		return -EINVAL;
	hl = (uint32_t)pi->l4_off - pi->l3_off;
	n = hl + 20;
	if (n > NAT_RST_FWD_MAX)
		return -EINVAL;
	if (cap < n)
		return -ENOSPC;

	/* Constant bound for the BPF verifier; the per-byte test only proves what tcp + 20 did. */
	for (i = 0; i < NAT_RST_FWD_MAX; i++) {
		if (i >= n)
			break;
		if (ip + i + 1 > end)
			return -EINVAL;
		out[i] = ip[i];
	}
	/* a mask on the register added to out (nat_off's reason): hl < NAT_RST_FWD_MAX already */
	__asm__ volatile("" : "+r"(hl));
	th = out + (hl & (NAT_RST_FWD_MAX - 1));
	th[12] = 5 << 4;
	th[13] = (uint8_t)(NAT_TCP_RST | (th[13] & NAT_TCP_ACK));
	sl_put_be16(th + 14, 0); /* window */
	sl_put_be16(th + 18, 0); /* urgent */
	if (rw && rw->set_src)
		sl_put_be16(th, rw->sport);
	if (rw && rw->set_dst)
		sl_put_be16(th + 2, rw->dport);
	if (family == 4) {
		if (rw && rw->set_src)
			sl_memcpy(out + 12, rw->saddr, 4);
		if (rw && rw->set_dst)
			sl_memcpy(out + 16, rw->daddr, 4);
		sl_put_be16(out + 2, (uint16_t)n);
		sl_put_be16(out + 10, 0);
		sl_put_be16(out + 10, csum_ipv4_hdr(out));
	} else {
		if (rw && rw->set_src)
			sl_memcpy(out + 8, rw->saddr, 16);
		if (rw && rw->set_dst)
			sl_memcpy(out + 24, rw->daddr, 16);
		sl_put_be16(out + 4, (uint16_t)(n - 40));
	}
	sl_put_be16(th + 16, 0);
	sl_put_be16(th + 16, csum_l4(family, family == 4 ? out + 12 : out + 8,
				     family == 4 ? out + 16 : out + 24, IPPROTO_TCP_, th, 20));
	return (int)n;
}

SL_INLINE int nat_tcp_rst_fwd(uint8_t *out, size_t cap, const uint8_t *start, const uint8_t *end,
			      const struct pkt_info *pi, const struct nat_rewrite *rw)
{
	if (pi->proto != IPPROTO_TCP_ || !(pi->flags & PKT_F_L4) || (pi->flags & PKT_F_FRAG_LATER))
		return -EINVAL;
	if (pi->l3_off > NAT_MAX_OFF || pi->l4_off > NAT_MAX_OFF)
		return -EINVAL;
	if (pi->family == 4)
		return nat_tcp_rst_fwd_fam(out, cap, start, end, pi, rw, 4);
	if (pi->family == 6)
		return nat_tcp_rst_fwd_fam(out, cap, start, end, pi, rw, 6);
	return -EINVAL;
}

#endif /* SL_CORE_NAT_H */
