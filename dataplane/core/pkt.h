/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pkt.h - bounded parsers for Ethernet, 802.1Q, ARP, IPv4, IPv6 (+ extension headers), TCP, UDP,
 * ICMP and ICMPv6. Header-only and BPF-safe: every read is checked against `end`, every loop is
 * bounded. Offsets in struct pkt_info are relative to the `start` pointer given to the parser.
 *
 * Return values: 0 on success, or a negative enum pkt_err telling why the packet is malformed.
 */
#ifndef SL_CORE_PKT_H
#define SL_CORE_PKT_H

#include "dataplane/core/compat.h"

#define ETH_HLEN_	 14
#define ETHERTYPE_IPV4	 0x0800
#define ETHERTYPE_ARP	 0x0806
#define ETHERTYPE_VLAN	 0x8100
#define ETHERTYPE_QINQ	 0x88A8
#define ETHERTYPE_IPV6	 0x86DD
#define PKT_MAX_VLANS	 2
#define PKT_MAX_IPV6_EXT 8 /* extension headers walked before giving up */
#define IPPROTO_ICMP_	 1
#define IPPROTO_TCP_	 6
#define IPPROTO_UDP_	 17
#define IPPROTO_ICMPV6_	 58

enum pkt_err {
	PKT_OK = 0,
	PKT_ERR_L2 = 1, /* Ethernet or VLAN header truncated, too many tags */
	PKT_ERR_L3 = 2, /* IP header truncated or invalid (version, IHL, lengths, ext chain) */
	PKT_ERR_L4 = 3, /* L4 header truncated or invalid (TCP data offset < 5) */
	PKT_ERR_ETHERTYPE = 4, /* not IPv4, IPv6 or ARP (pkt_parse_eth only) */
};

/* flags */
#define PKT_F_VLAN	 0x01 /* at least one VLAN tag was present */
#define PKT_F_FRAG	 0x02 /* IP fragment (any) */
#define PKT_F_FRAG_LATER 0x04 /* non-first fragment: no L4 header */
#define PKT_F_DF	 0x08 /* IPv4 DF bit */
#define PKT_F_L4	 0x10 /* l4_off, ports / ICMP fields are valid */
#define PKT_F_IP_OPTS	 0x20 /* IPv4 options present (IHL > 5) */
#define PKT_F_ICMP_ERR	 0x40 /* ICMP/ICMPv6 error message (carries an embedded packet) */
#define PKT_F_ARP	 0x80 /* ARP: l3_off points at the ARP header, family 0 */
/* non-first fragment whose sport/dport (and PKT_F_L4) are its first fragment's (core/frag.h):
 * never set by the parsers; no L4 header is there to read or rewrite */
#define PKT_F_FRAG_PORTS 0x100

struct pkt_info {
	uint16_t l3_off;    /* IP or ARP header */
	uint16_t l4_off;    /* L4 header, valid with PKT_F_L4 */
	uint16_t l3_len;    /* IPv4 total length, or 40 + IPv6 payload length */
	uint16_t ethertype; /* host order, after VLAN tags */
	uint16_t vlan_tci;  /* host order, outermost tag */
	uint16_t sport;	    /* host order; ICMP echo: identifier in both sport and dport */
	uint16_t dport;	    /* host order */
	uint16_t flags;	    /* PKT_F_* */
	uint8_t family;	    /* 4, 6, or 0 (ARP) */
	uint8_t proto;	    /* final L4 protocol (after IPv6 extension headers) */
	uint8_t tcp_flags;
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint8_t ttl;	   /* TTL or hop limit */
	uint8_t saddr[16]; /* network order; IPv4 in the first 4 bytes, the rest zero */
	uint8_t daddr[16];
	uint32_t frag_id; /* PKT_F_FRAG: IPv4 identification / IPv6 fragment identification */
};

/*
 * Parse a frame from its Ethernet header: up to PKT_MAX_VLANS 802.1Q/802.1ad tags, then IPv4,
 * IPv6 (with pkt_parse_ip) or ARP (PKT_F_ARP, at least 28 bytes of ARP header).
 * SL_INLINE int pkt_parse_eth(const uint8_t *start, const uint8_t *end, struct pkt_info *pi);
 *      A truncated ARP header is PKT_ERR_L3. ethertype, vlan_tci and PKT_F_VLAN are filled
 *      even when the L3/L4 parse fails (counters), everything else only on success.
 *
 * Parse an IP packet at start + off (family 4 or 6, or 0 to take it from the version nibble).
 * IPv4: version 4, IHL >= 5, total length >= IHL*4 and <= bytes present (trailing padding past
 * total length is allowed and ignored). Fragments: PKT_F_FRAG and frag_id (IPv4 ID, IPv6
 * identification); offset != 0 -> PKT_F_FRAG_LATER and no L4.
 * IPv6: payload length must fit; walks hop-by-hop, routing, fragment, destination
 * options and AH, at most PKT_MAX_IPV6_EXT; ESP / no-next-header end the walk without L4.
 * L4: TCP (>= 20 bytes, doff >= 5, doff*4 present), UDP (8), ICMP/ICMPv6 (8: type, code, and
 * for echo request/reply the identifier goes into sport and dport; errors set PKT_F_ICMP_ERR).
 * Other protocols: no L4, not an error.
 * SL_INLINE int pkt_parse_ip(const uint8_t *start, uint16_t off, const uint8_t *end,
 *			      uint8_t family, struct pkt_info *pi);
 *      Clears *pi first (and sets ethertype 0x0800/0x86DD from the family). The L4 header
 *      must lie within the IP length, not in the padding after it. ICMP means protocol 1 in
 *      IPv4 and 58 in IPv6 only; PKT_F_L4 is set for every ICMP type (8 bytes present), the
 *      ports only for echo. A chain of more than PKT_MAX_IPV6_EXT extension headers is
 *      PKT_ERR_L3; for a non-first fragment, proto is the fragment header's next header.
 *      Packets whose end lies past offset 65535 from start are PKT_ERR_L3 (16-bit offsets).
 *
 * Parse the packet embedded in an ICMP/ICMPv6 error (outer must have PKT_F_ICMP_ERR): an IP
 * header whose length fields may exceed what is present (the embedded packet is truncated by
 * design) followed by at least 8 bytes of L4 for the ports; offsets relative to start.
 * SL_INLINE int pkt_parse_embedded(const uint8_t *start, const uint8_t *end,
 *				    const struct pkt_info *outer, struct pkt_info *inner);
 *      The embedded packet starts at outer->l4_off + 8 and ends with the outer IP packet (or
 *      end). Its version must be the outer family. Its IP header (and IPv6 extension
 *      headers) must be complete, else PKT_ERR_L3; IPv4 total length < IHL*4 is PKT_ERR_L3.
 *      TCP, UDP and ICMP need 8 bytes of L4, else PKT_ERR_L4; PKT_F_L4 (ports) for TCP, UDP
 *      and ICMP echo only; other protocols need nothing. Non-first fragment: no ports.
 *      inner->l3_len is the declared length (IPv6: 40 + payload length, saturated).
 *      Outer without PKT_F_ICMP_ERR: PKT_ERR_L4.
 */

#define PKT_IPV6_HOPOPTS  0
#define PKT_IPV6_ROUTING  43
#define PKT_IPV6_FRAGMENT 44
#define PKT_IPV6_ESP	  50
#define PKT_IPV6_AH	  51
#define PKT_IPV6_NONXT	  59
#define PKT_IPV6_DSTOPTS  60

/* Offsets are computed in 32 bits and must fit struct pkt_info's 16-bit fields. */
#define PKT_MAX_OFF 0xFFFF

SL_INLINE int pkt_icmp_is_err(uint8_t family, uint8_t type)
{
	if (family == 4)
		return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
	return type >= 1 && type <= 4;
}

/* The longest link header pkt_parse_eth accepts: Ethernet and two VLAN tags. */
#define PKT_MAX_L2_LEN (14 + 2 * 4)

/*
 * Is a frame of frame_len bytes, whose network header starts at l3_off, longer than the
 * receiving port's (L3) mtu allows? Such a frame should never have crossed the link: both
 * dataplanes drop it rx_oversize, before anything else (no ICMP error: "too big" tells a
 * sender about a path it chose, not about a link it broke). Before parsing, call it with
 * l3_off = PKT_MAX_L2_LEN (no header is longer); after, with the parsed offset.
 */
SL_INLINE int pkt_rx_oversize(uint32_t frame_len, uint32_t l3_off, uint32_t mtu)
{
	return frame_len > l3_off + mtu;
}

/* What to do with a packet that leaves a port (pkt_egress_mtu). */
enum pkt_mtu_verdict {
	PKT_MTU_FITS = 0,  /* send it */
	PKT_MTU_ICMP = 1,  /* too big: ICMP error sent, drop mtu_exceeded */
	PKT_MTU_NO_DF = 2, /* too big, IPv4 without DF: drop mtu_exceeded_no_df, no ICMP */
};

/*
 * Does the IP packet pi fit the egress port's (L3) mtu once `overhead` bytes are put in front
 * of it (GENEVE: GWLB_ENCAP_OVERHEAD; forwarding as it is: 0)? Every path that sends a packet
 * out of a port asks this once its egress port is known; the fast path is one compare.
 * Too big: IPv6 and IPv4 with DF get an ICMP error with the MTU left for the packet
 * (mtu - overhead); IPv4 without DF would be fragmented by a router, but sluice never
 * fragments (XDP cannot make two frames of one, and fragments lose the ports that choose an
 * appliance or target): it is dropped and counted (docs/dataplane.md "MTU").
 */
SL_INLINE int pkt_egress_mtu(const struct pkt_info *pi, uint32_t overhead, uint32_t mtu)
{
	if ((uint32_t)pi->l3_len + overhead <= mtu)
		return PKT_MTU_FITS;
	return pi->family == 4 && !(pi->flags & PKT_F_DF) ? PKT_MTU_NO_DF : PKT_MTU_ICMP;
}

/*
 * Can mac be a neighbour's address? 1 for a unicast, non-zero MAC; 0 for multicast and
 * broadcast (the group bit) and 00:00:00:00:00:00, which ARP and ND must never teach (the
 * config refuses them for static neighbours too).
 */
SL_INLINE int pkt_mac_learnable(const uint8_t *mac)
{
	return !(mac[0] & 1) && (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

/*
 * An address no host has as its unicast address (RFC 1122 3.2.1.3, RFC 1812 5.3.7, RFC 4291):
 * IPv4 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/4 (multicast), 240.0.0.0/4 (reserved, with
 * 255.255.255.255); IPv6 ::, ::1, ff00::/8. a in network order (16 bytes, IPv4 in the first
 * 4). 1 when martian. Neither a source (nat_source_martian) nor a destination (pkt_dst_martian).
 */
SL_INLINE int pkt_addr_martian(uint8_t family, const uint8_t *a)
{
	uint8_t any = 0;
	int i;

	if (family == 4)
		return a[0] == 0 || a[0] == 127 || a[0] >= 224;
	if (a[0] == 0xff)
		return 1;
	for (i = 0; i < 15; i++) /* a loop, not memcmp: BPF has no library call */
		any |= a[i];
	return !any && a[15] <= 1;
}

/* What the node's own tables say of a destination (the shells look it up: sluice-dp's local
 * addresses, sluice-xdp's sl_local map), for pkt_dst_martian. */
#define PKT_DST_OTHER 0 /* none of the below */
#define PKT_DST_OWN   1 /* one of the node's addresses (a port's, the zone IP) */
#define PKT_DST_EDGE  2 /* the network or broadcast address of a port's IPv4 subnet */

/*
 * The network and broadcast addresses of the IPv4 subnet addr/plen (network order), which no
 * neighbour has: 2, written to net and bcast. A /31 (RFC 3021) or /32 has none: 0.
 */
SL_INLINE int pkt_subnet_edges(const uint8_t *addr, uint8_t plen, uint8_t *net, uint8_t *bcast)
{
	uint32_t a = sl_get_be32(addr), mask;

	if (plen > 30)
		return 0;
	mask = plen ? ~0u << (32 - plen) : 0;
	sl_put_be32(net, a & mask);
	sl_put_be32(bcast, a | ~mask);
	return 2;
}

/*
 * May a packet to daddr be forwarded: routed, its next hop resolved? 0 yes, 1 no: it must be
 * dropped martian_destination (and no ARP/ND sent for it). No: the node's own addresses and its
 * subnets' network and broadcast addresses (`kind`, PKT_DST_*), the addresses of
 * pkt_addr_martian, and link-local destinations, which no router forwards (RFC 3927 7:
 * 169.254.0.0/16; RFC 4291 2.5.6: fe80::/10). Transit traffic and the inner packets of
 * GENEVE returns are asked before they are inspected or go on.
 */
SL_INLINE int pkt_dst_martian(uint8_t family, const uint8_t *daddr, unsigned int kind)
{
	if (kind != PKT_DST_OTHER || pkt_addr_martian(family, daddr))
		return 1;
	if (family == 4)
		return daddr[0] == 169 && daddr[1] == 254;
	return daddr[0] == 0xfe && (daddr[1] & 0xc0) == 0x80;
}

SL_INLINE int pkt_icmp_is_echo(uint8_t family, uint8_t type)
{
	if (family == 4)
		return type == 8 || type == 0;
	return type == 128 || type == 129;
}

/*
 * L4 header at start + off; `limit` is the offset where the IP packet's payload ends (never
 * past end). Embedded mode (inside an ICMP error): 8 bytes suffice for TCP/UDP ports, ports /
 * identifier taken only for TCP, UDP and ICMP echo, TCP data offset not checked.
 */
SL_INLINE int pkt_parse_l4(const uint8_t *start, uint32_t off, const uint8_t *end, uint32_t limit,
			   struct pkt_info *pi, int embedded)
{
	const uint8_t *p = start + off;
	uint8_t proto = pi->proto;
	uint32_t doff;

	pi->l4_off = (uint16_t)off;
	if (proto == IPPROTO_TCP_ && !embedded) {
		if (p + 20 > end || off + 20 > limit)
			return -PKT_ERR_L4;
		doff = (uint32_t)(p[12] >> 4) * 4;
		if (doff < 20)
			return -PKT_ERR_L4;
		if (off + doff > limit)
			return -PKT_ERR_L4;
		pi->sport = sl_get_be16(p);
		pi->dport = sl_get_be16(p + 2);
		pi->tcp_flags = p[13];
		pi->flags |= PKT_F_L4;
	} else if (proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_) {
		if (p + 8 > end || off + 8 > limit)
			return -PKT_ERR_L4;
		pi->sport = sl_get_be16(p);
		pi->dport = sl_get_be16(p + 2);
		if (proto == IPPROTO_TCP_ && p + 14 <= end && off + 14 <= limit)
			pi->tcp_flags = p[13];
		pi->flags |= PKT_F_L4;
	} else if ((proto == IPPROTO_ICMP_ && pi->family == 4) ||
		   (proto == IPPROTO_ICMPV6_ && pi->family == 6)) {
		if (p + 8 > end || off + 8 > limit)
			return -PKT_ERR_L4;
		pi->icmp_type = p[0];
		pi->icmp_code = p[1];
		if (pkt_icmp_is_echo(pi->family, p[0])) {
			pi->sport = sl_get_be16(p + 4);
			pi->dport = pi->sport;
		} else if (pkt_icmp_is_err(pi->family, p[0])) {
			pi->flags |= PKT_F_ICMP_ERR;
		}
		if (!embedded || pkt_icmp_is_echo(pi->family, p[0]))
			pi->flags |= PKT_F_L4;
	}
	return 0;
}

/*
 * IPv4 header at start + off. Outer packet (!embedded): the whole packet must be present and
 * the L4 header lies within the total length. Embedded: the header must be complete, the
 * declared total length may exceed what is present (`limit` bounds the L4 reads).
 */
SL_INLINE int pkt_parse_ipv4(const uint8_t *start, uint32_t off, const uint8_t *end, uint32_t limit,
			     struct pkt_info *pi, int embedded)
{
	const uint8_t *p = start + off;
	uint32_t hlen, tot, frag;

	if (p + 20 > end || off + 20 > limit)
		return -PKT_ERR_L3;
	if (p[0] >> 4 != 4)
		return -PKT_ERR_L3;
	hlen = (uint32_t)(p[0] & 0x0f) * 4;
	if (hlen < 20)
		return -PKT_ERR_L3;
	tot = sl_get_be16(p + 2);
	if (tot < hlen)
		return -PKT_ERR_L3;
	if (off + hlen > limit)
		return -PKT_ERR_L3;
	if (!embedded) {
		if (off + tot > limit || off + tot > PKT_MAX_OFF)
			return -PKT_ERR_L3;
		limit = off + tot;
	}
	pi->family = 4;
	pi->l3_len = (uint16_t)tot;
	pi->ttl = p[8];
	pi->proto = p[9];
	sl_memcpy(pi->saddr, p + 12, 4);
	sl_memcpy(pi->daddr, p + 16, 4);
	if (hlen > 20)
		pi->flags |= PKT_F_IP_OPTS;
	frag = sl_get_be16(p + 6);
	if (frag & 0x4000)
		pi->flags |= PKT_F_DF;
	if (frag & 0x3fff) {
		pi->flags |= PKT_F_FRAG;
		pi->frag_id = sl_get_be16(p + 4);
		if (frag & 0x1fff) {
			pi->flags |= PKT_F_FRAG_LATER;
			return 0;
		}
	}
	return pkt_parse_l4(start, off + hlen, end, limit, pi, embedded);
}

/* IPv6 header at start + off; same outer/embedded split as pkt_parse_ipv4. */
SL_INLINE int pkt_parse_ipv6(const uint8_t *start, uint32_t off, const uint8_t *end, uint32_t limit,
			     struct pkt_info *pi, int embedded)
{
	const uint8_t *p = start + off;
	uint32_t plen, len, i;
	uint8_t nh;

	if (p + 40 > end || off + 40 > limit)
		return -PKT_ERR_L3;
	if (p[0] >> 4 != 6)
		return -PKT_ERR_L3;
	plen = sl_get_be16(p + 4);
	if (!embedded) {
		if (off + 40 + plen > limit || off + 40 + plen > PKT_MAX_OFF)
			return -PKT_ERR_L3;
		limit = off + 40 + plen;
	}
	pi->family = 6;
	/* Embedded: the declared length, saturated (it may exceed what is present). */
	pi->l3_len = (uint16_t)(40 + plen > 0xFFFF ? 0xFFFF : 40 + plen);
	pi->ttl = p[7];
	sl_memcpy(pi->saddr, p + 8, 16);
	sl_memcpy(pi->daddr, p + 24, 16);
	nh = p[6];
	off += 40;

	for (i = 0; i < PKT_MAX_IPV6_EXT; i++) {
		p = start + off;
		if (nh == PKT_IPV6_ESP || nh == PKT_IPV6_NONXT) {
			pi->proto = nh;
			pi->l4_off = (uint16_t)off;
			return 0;
		}
		if (nh != PKT_IPV6_HOPOPTS && nh != PKT_IPV6_ROUTING && nh != PKT_IPV6_FRAGMENT &&
		    nh != PKT_IPV6_DSTOPTS && nh != PKT_IPV6_AH)
			break;
		if (p + 8 > end || off + 8 > limit)
			return -PKT_ERR_L3;
		if (nh == PKT_IPV6_FRAGMENT) {
			pi->flags |= PKT_F_FRAG;
			pi->frag_id = ((uint32_t)sl_get_be16(p + 4) << 16) | sl_get_be16(p + 6);
			if (sl_get_be16(p + 2) & 0xFFF8) {
				pi->flags |= PKT_F_FRAG_LATER;
				pi->proto = p[0];
				return 0;
			}
			len = 8;
		} else if (nh == PKT_IPV6_AH) {
			len = ((uint32_t)p[1] + 2) * 4;
		} else {
			len = ((uint32_t)p[1] + 1) * 8;
		}
		if (off + len > limit)
			return -PKT_ERR_L3;
		nh = p[0];
		off += len;
	}
	pi->proto = nh;
	if (nh == PKT_IPV6_ESP || nh == PKT_IPV6_NONXT) {
		pi->l4_off = (uint16_t)off;
		return 0;
	}
	if (nh == PKT_IPV6_HOPOPTS || nh == PKT_IPV6_ROUTING || nh == PKT_IPV6_FRAGMENT ||
	    nh == PKT_IPV6_DSTOPTS || nh == PKT_IPV6_AH)
		return -PKT_ERR_L3; /* chain longer than PKT_MAX_IPV6_EXT */
	return pkt_parse_l4(start, off, end, limit, pi, embedded);
}

SL_INLINE int pkt_parse_ip(const uint8_t *start, uint16_t off, const uint8_t *end, uint8_t family,
			   struct pkt_info *pi)
{
	const uint8_t *p = start + off;
	uint32_t limit;

	sl_memset(pi, 0, sizeof(*pi));
	pi->l3_off = off;
	if (p + 1 > end)
		return -PKT_ERR_L3;
	if (family == 0)
		family = p[0] >> 4;
	/* Bytes present from start, capped: offsets must fit 16 bits. */
	limit = (uint32_t)(end - start) > PKT_MAX_OFF ? PKT_MAX_OFF : (uint32_t)(end - start);
	if (family == 4) {
		pi->ethertype = ETHERTYPE_IPV4;
		return pkt_parse_ipv4(start, off, end, limit, pi, 0);
	}
	if (family == 6) {
		pi->ethertype = ETHERTYPE_IPV6;
		return pkt_parse_ipv6(start, off, end, limit, pi, 0);
	}
	return -PKT_ERR_L3;
}

SL_INLINE int pkt_parse_eth(const uint8_t *start, const uint8_t *end, struct pkt_info *pi)
{
	const uint8_t *p;
	uint16_t type, tci = 0, flags = 0;
	uint16_t off = ETH_HLEN_;
	int i, ret;

	sl_memset(pi, 0, sizeof(*pi));
	if (start + ETH_HLEN_ > end)
		return -PKT_ERR_L2;
	type = sl_get_be16(start + 12);
	for (i = 0; i < PKT_MAX_VLANS; i++) {
		if (type != ETHERTYPE_VLAN && type != ETHERTYPE_QINQ)
			break;
		p = start + off;
		if (p + 4 > end)
			return -PKT_ERR_L2;
		if (!(flags & PKT_F_VLAN))
			tci = sl_get_be16(p);
		flags |= PKT_F_VLAN;
		type = sl_get_be16(p + 2);
		off += 4;
	}
	if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ)
		return -PKT_ERR_L2; /* more than PKT_MAX_VLANS tags */

	if (type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6) {
		ret = pkt_parse_ip(start, off, end, type == ETHERTYPE_IPV4 ? 4 : 6, pi);
	} else if (type == ETHERTYPE_ARP) {
		p = start + off;
		pi->l3_off = off;
		ret = p + 28 > end ? -PKT_ERR_L3 : 0;
		if (!ret) {
			pi->l3_len = 28;
			pi->flags = PKT_F_ARP;
		}
	} else {
		ret = -PKT_ERR_ETHERTYPE;
	}
	/* L2 facts are filled even when L3/L4 parsing fails (for counters / debugging). */
	pi->ethertype = type;
	pi->vlan_tci = tci;
	pi->flags |= flags;
	return ret;
}

SL_INLINE int pkt_parse_embedded(const uint8_t *start, const uint8_t *end,
				 const struct pkt_info *outer, struct pkt_info *inner)
{
	uint32_t off = (uint32_t)outer->l4_off + 8;
	uint32_t limit = (uint32_t)outer->l3_off + outer->l3_len;
	const uint8_t *p = start + off;

	sl_memset(inner, 0, sizeof(*inner));
	if (!(outer->flags & PKT_F_ICMP_ERR) || !(outer->flags & PKT_F_L4))
		return -PKT_ERR_L4;
	/* The embedded packet ends with the outer IP packet, and with the bytes present. */
	if ((uint32_t)(end - start) < limit)
		limit = (uint32_t)(end - start);
	inner->l3_off = (uint16_t)off;
	if (p + 1 > end || off + 1 > limit)
		return -PKT_ERR_L3;
	if (p[0] >> 4 != outer->family)
		return -PKT_ERR_L3;
	if (outer->family == 4) {
		inner->ethertype = ETHERTYPE_IPV4;
		return pkt_parse_ipv4(start, off, end, limit, inner, 1);
	}
	if (outer->family == 6) {
		inner->ethertype = ETHERTYPE_IPV6;
		return pkt_parse_ipv6(start, off, end, limit, inner, 1);
	}
	return -PKT_ERR_L3;
}

#endif /* SL_CORE_PKT_H */
