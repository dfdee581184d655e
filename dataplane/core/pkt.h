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

#include "compat.h"

#define ETH_HLEN_	  14
#define ETHERTYPE_IPV4	  0x0800
#define ETHERTYPE_ARP	  0x0806
#define ETHERTYPE_VLAN	  0x8100
#define ETHERTYPE_QINQ	  0x88A8
#define ETHERTYPE_IPV6	  0x86DD
#define PKT_MAX_VLANS	  2
#define PKT_MAX_IPV6_EXT  8 /* extension headers walked before giving up */
#define IPPROTO_ICMP_	  1
#define IPPROTO_TCP_	  6
#define IPPROTO_UDP_	  17
#define IPPROTO_ICMPV6_	  58

enum pkt_err {
	PKT_OK = 0,
	PKT_ERR_L2 = 1,	 /* Ethernet or VLAN header truncated, too many tags */
	PKT_ERR_L3 = 2,	 /* IP header truncated or invalid (version, IHL, lengths, ext chain) */
	PKT_ERR_L4 = 3,	 /* L4 header truncated or invalid (TCP data offset < 5) */
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
	uint8_t ttl; /* TTL or hop limit */
	uint8_t saddr[16]; /* network order; IPv4 in the first 4 bytes, the rest zero */
	uint8_t daddr[16];
};

/*
 * Parse a frame from its Ethernet header: up to PKT_MAX_VLANS 802.1Q/802.1ad tags, then IPv4,
 * IPv6 (with pkt_parse_ip) or ARP (PKT_F_ARP, at least 28 bytes of ARP header).
 * SL_INLINE int pkt_parse_eth(const uint8_t *start, const uint8_t *end, struct pkt_info *pi);
 *
 * Parse an IP packet at start + off (family 4 or 6, or 0 to take it from the version nibble).
 * IPv4: version 4, IHL >= 5, total length >= IHL*4 and <= bytes present (trailing padding past
 * total length is allowed and ignored). Fragments: PKT_F_FRAG; offset != 0 -> PKT_F_FRAG_LATER
 * and no L4. IPv6: payload length must fit; walks hop-by-hop, routing, fragment, destination
 * options and AH, at most PKT_MAX_IPV6_EXT; ESP / no-next-header end the walk without L4.
 * L4: TCP (>= 20 bytes, doff >= 5, doff*4 present), UDP (8), ICMP/ICMPv6 (8: type, code, and
 * for echo request/reply the identifier goes into sport and dport; errors set PKT_F_ICMP_ERR).
 * Other protocols: no L4, not an error.
 * SL_INLINE int pkt_parse_ip(const uint8_t *start, uint16_t off, const uint8_t *end,
 *			      uint8_t family, struct pkt_info *pi);
 *
 * Parse the packet embedded in an ICMP/ICMPv6 error (outer must have PKT_F_ICMP_ERR): an IP
 * header whose length fields may exceed what is present (the embedded packet is truncated by
 * design) followed by at least 8 bytes of L4 for the ports; offsets relative to start.
 * SL_INLINE int pkt_parse_embedded(const uint8_t *start, const uint8_t *end,
 *				    const struct pkt_info *outer, struct pkt_info *inner);
 */

#endif /* SL_CORE_PKT_H */
