/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * geneve.h - GENEVE (RFC 8926) as AWS GWLB uses it: outer IPv4 + UDP 6081, VNI 0, protocol type
 * 0x0800/0x86DD (inner packet without Ethernet header), options of class 0x0108 in the order
 * type 1 (endpoint ID, 8 bytes), type 2 (attachment ID, 8 bytes), type 3 (flow cookie, 4 bytes).
 */
#ifndef SL_CORE_GENEVE_H
#define SL_CORE_GENEVE_H

#include "dataplane/core/compat.h"
#include "dataplane/core/csum.h"

#define GENEVE_UDP_PORT	    6081
#define GENEVE_BASE_LEN	    8
#define GWLB_OPT_CLASS	    0x0108
#define GWLB_OPT_ENDPOINT   1
#define GWLB_OPT_ATTACHMENT 2
#define GWLB_OPT_COOKIE	    3
#define GWLB_OPTS_LEN	    32 /* three options with their 4-byte headers */
#define GWLB_GENEVE_LEN	    (GENEVE_BASE_LEN + GWLB_OPTS_LEN)  /* 40 */
#define GWLB_OUTER_LEN	    (20 + 8)			       /* outer IPv4 + UDP */
#define GWLB_ENCAP_OVERHEAD (GWLB_OUTER_LEN + GWLB_GENEVE_LEN) /* 68 */
#define GENEVE_SPORT_BASE   49152 /* source ports 49152..65535 from the flow hash */

struct gwlb_meta {
	uint64_t endpoint_id;
	uint64_t attachment_id;
	uint32_t cookie;
	uint16_t proto; /* inner protocol type, host order: 0x0800 or 0x86DD */
};

enum geneve_err {
	GENEVE_OK = 0,
	GENEVE_ERR_TRUNCATED = 1,     /* shorter than the header + options it announces */
	GENEVE_ERR_VERSION = 2,	      /* Ver != 0 */
	GENEVE_ERR_OAM = 3,	      /* O bit set */
	GENEVE_ERR_CRITICAL = 4,      /* unknown option (any class/type not ours) with C bit */
	GENEVE_ERR_OPT_MISSING = 5,   /* one of 0x0108/1,2,3 absent */
	GENEVE_ERR_OPT_LENGTH = 6,    /* 0x0108 option with the wrong length, or an option
				       * running past Opt Len */
	GENEVE_ERR_OPT_DUPLICATE = 7, /* a 0x0108 option twice */
	GENEVE_ERR_PROTOCOL = 8,      /* protocol type not 0x0800 / 0x86DD */
};

/*
 * SL_INLINE void geneve_gwlb_write(uint8_t *p, const struct gwlb_meta *m);
 *      Writes the 40-byte GENEVE header + 3 options at p: ver 0, opt len 8 words, O=0, C=0,
 *      protocol m->proto, VNI 0, then options 1, 2, 3 (critical bit clear).
 * SL_INLINE int geneve_gwlb_parse(const uint8_t *p, const uint8_t *end, struct gwlb_meta *m,
 *                                 uint16_t *hdr_len);
 *      p points at the GENEVE header (after UDP). Returns 0 and fills m and *hdr_len (8 + opt
 *      len * 4: where the inner packet starts), or -enum geneve_err. Checks in this order:
 *      truncated base header, version, O bit, options fit, options walk (bounded, 63 max;
 *      unknown critical -> CRITICAL; our options' lengths; duplicates), all three present,
 *      protocol type. Unknown non-critical options are skipped. Options may come in any order.
 *      Per option: it must fit within Opt Len (else OPT_LENGTH, before anything else about
 *      it); "ours" is class 0x0108 with type exactly 1, 2 or 3 (the type's 0x80 bit is the
 *      critical bit, so 0x0108/0x81 is an unknown critical option). C bit, VNI and reserved
 *      bits of the base header are not checked. *m and *hdr_len are written on success only.
 * SL_INLINE uint16_t geneve_sport(uint32_t flow_hash);   GENEVE_SPORT_BASE + hash % 16384
 * SL_INLINE void geneve_outer_write(uint8_t *ip, uint32_t saddr_be, uint32_t daddr_be,
 *                                   uint8_t ttl, uint16_t sport, uint16_t udp_payload_len);
 *      Writes outer IPv4 (20 bytes, DF set, ID 0, header checksum) and UDP (dport 6081,
 *      checksum 0, length 8 + udp_payload_len) at ip. udp_payload_len = 40 + inner length.
 *      saddr_be / daddr_be are as in memory (network order). The caller keeps
 *      28 + udp_payload_len <= 65535 (the MTU check does).
 */

#define GENEVE_MAX_OPTS	    63	 /* Opt Len is 6 bits: at most 63 four-byte option headers */
#define GENEVE_OPT_CRITICAL 0x80 /* in the option type */
#define GENEVE_PROTO_IPV4   0x0800
#define GENEVE_PROTO_IPV6   0x86DD

SL_INLINE void geneve_gwlb_opt_hdr(uint8_t *o, uint8_t type, uint8_t len_words)
{
	sl_put_be16(o, GWLB_OPT_CLASS);
	o[2] = type;
	o[3] = len_words;
}

SL_INLINE void geneve_gwlb_write(uint8_t *p, const struct gwlb_meta *m)
{
	p[0] = GWLB_OPTS_LEN / 4; /* Ver 0, Opt Len in words */
	p[1] = 0;		  /* O = 0, C = 0 */
	sl_put_be16(p + 2, m->proto);
	p[4] = p[5] = p[6] = 0; /* VNI 0 */
	p[7] = 0;
	geneve_gwlb_opt_hdr(p + 8, GWLB_OPT_ENDPOINT, 2);
	sl_put_be64(p + 12, m->endpoint_id);
	geneve_gwlb_opt_hdr(p + 20, GWLB_OPT_ATTACHMENT, 2);
	sl_put_be64(p + 24, m->attachment_id);
	geneve_gwlb_opt_hdr(p + 32, GWLB_OPT_COOKIE, 1);
	sl_put_be32(p + 36, m->cookie);
}

SL_INLINE int geneve_gwlb_parse(const uint8_t *p, const uint8_t *end, struct gwlb_meta *m,
				uint16_t *hdr_len)
{
	const uint8_t *o;
	uint32_t opt_end, off, len, i;
	uint64_t endpoint = 0, attachment = 0;
	uint32_t cookie = 0;
	uint16_t proto;
	unsigned int seen = 0, bit;
	uint8_t type;

	if (p + GENEVE_BASE_LEN > end)
		return -GENEVE_ERR_TRUNCATED;
	if (p[0] >> 6)
		return -GENEVE_ERR_VERSION;
	if (p[1] & 0x80)
		return -GENEVE_ERR_OAM;
	opt_end = GENEVE_BASE_LEN + (uint32_t)(p[0] & 0x3f) * 4;
	if (p + opt_end > end)
		return -GENEVE_ERR_TRUNCATED;

	off = GENEVE_BASE_LEN;
	for (i = 0; i < GENEVE_MAX_OPTS; i++) {
		if (off >= opt_end)
			break;
		o = p + off;
		if (off + 4 > opt_end || o + 4 > end)
			return -GENEVE_ERR_OPT_LENGTH;
		len = (uint32_t)(o[3] & 0x1f) * 4;
		if (off + 4 + len > opt_end)
			return -GENEVE_ERR_OPT_LENGTH;
		type = o[2];
		if (sl_get_be16(o) != GWLB_OPT_CLASS || type < GWLB_OPT_ENDPOINT ||
		    type > GWLB_OPT_COOKIE) {
			if (type & GENEVE_OPT_CRITICAL)
				return -GENEVE_ERR_CRITICAL;
			off += 4 + len;
			continue;
		}
		if (len != (type == GWLB_OPT_COOKIE ? 4u : 8u))
			return -GENEVE_ERR_OPT_LENGTH;
		bit = 1u << type;
		if (seen & bit)
			return -GENEVE_ERR_OPT_DUPLICATE;
		seen |= bit;
		/* The pointer checks are implied by the ones above; they are for the verifier. */
		if (type == GWLB_OPT_COOKIE) {
			if (o + 8 > end)
				return -GENEVE_ERR_OPT_LENGTH;
			cookie = sl_get_be32(o + 4);
		} else {
			if (o + 12 > end)
				return -GENEVE_ERR_OPT_LENGTH;
			if (type == GWLB_OPT_ENDPOINT)
				endpoint = sl_get_be64(o + 4);
			else
				attachment = sl_get_be64(o + 4);
		}
		off += 4 + len;
	}
	if (seen != (1u << GWLB_OPT_ENDPOINT | 1u << GWLB_OPT_ATTACHMENT | 1u << GWLB_OPT_COOKIE))
		return -GENEVE_ERR_OPT_MISSING;
	proto = sl_get_be16(p + 2);
	if (proto != GENEVE_PROTO_IPV4 && proto != GENEVE_PROTO_IPV6)
		return -GENEVE_ERR_PROTOCOL;

	m->endpoint_id = endpoint;
	m->attachment_id = attachment;
	m->cookie = cookie;
	m->proto = proto;
	*hdr_len = (uint16_t)opt_end;
	return 0;
}

SL_INLINE uint16_t geneve_sport(uint32_t flow_hash)
{
	return (uint16_t)(GENEVE_SPORT_BASE + flow_hash % 16384);
}

SL_INLINE void geneve_outer_write(uint8_t *ip, uint32_t saddr_be, uint32_t daddr_be, uint8_t ttl,
				  uint16_t sport, uint16_t udp_payload_len)
{
	uint8_t *udp = ip + 20;

	ip[0] = 0x45;
	ip[1] = 0;
	sl_put_be16(ip + 2, (uint16_t)(GWLB_OUTER_LEN + udp_payload_len));
	sl_put_be16(ip + 4, 0);	     /* ID */
	sl_put_be16(ip + 6, 0x4000); /* DF, offset 0 */
	ip[8] = ttl;
	ip[9] = 17;
	sl_put_be16(ip + 10, 0);
	sl_memcpy(ip + 12, &saddr_be, 4);
	sl_memcpy(ip + 16, &daddr_be, 4);
	sl_put_be16(ip + 10, csum_ipv4_hdr(ip));

	sl_put_be16(udp, sport);
	sl_put_be16(udp + 2, GENEVE_UDP_PORT);
	sl_put_be16(udp + 4, (uint16_t)(8 + udp_payload_len));
	sl_put_be16(udp + 6, 0);
}

#endif /* SL_CORE_GENEVE_H */
