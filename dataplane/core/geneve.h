/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * geneve.h - GENEVE (RFC 8926) as AWS GWLB uses it: outer IPv4 + UDP 6081, VNI 0, protocol type
 * 0x0800/0x86DD (inner packet without Ethernet header), options of class 0x0108 in the order
 * type 1 (endpoint ID, 8 bytes), type 2 (attachment ID, 8 bytes), type 3 (flow cookie, 4 bytes).
 */
#ifndef SL_CORE_GENEVE_H
#define SL_CORE_GENEVE_H

#include "compat.h"

#define GENEVE_UDP_PORT		 6081
#define GENEVE_BASE_LEN		 8
#define GWLB_OPT_CLASS		 0x0108
#define GWLB_OPT_ENDPOINT	 1
#define GWLB_OPT_ATTACHMENT	 2
#define GWLB_OPT_COOKIE		 3
#define GWLB_OPTS_LEN		 32 /* three options with their 4-byte headers */
#define GWLB_GENEVE_LEN		 (GENEVE_BASE_LEN + GWLB_OPTS_LEN) /* 40 */
#define GWLB_OUTER_LEN		 (20 + 8) /* outer IPv4 + UDP */
#define GWLB_ENCAP_OVERHEAD	 (GWLB_OUTER_LEN + GWLB_GENEVE_LEN) /* 68 */
#define GENEVE_SPORT_BASE	 49152 /* source ports 49152..65535 from the flow hash */

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
 * SL_INLINE uint16_t geneve_sport(uint32_t flow_hash);   GENEVE_SPORT_BASE + hash % 16384
 * SL_INLINE void geneve_outer_write(uint8_t *ip, uint32_t saddr_be, uint32_t daddr_be,
 *                                   uint8_t ttl, uint16_t sport, uint16_t udp_payload_len);
 *      Writes outer IPv4 (20 bytes, DF set, ID 0, header checksum) and UDP (dport 6081,
 *      checksum 0, length 8 + udp_payload_len) at ip. udp_payload_len = 40 + inner length.
 */

#endif /* SL_CORE_GENEVE_H */
