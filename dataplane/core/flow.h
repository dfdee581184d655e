/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flow.h - symmetric flow keys and the flow hash. Both directions of a flow give the same key
 * (the endpoints are put in a canonical order), so both reach the same target.
 */
#ifndef SL_CORE_FLOW_H
#define SL_CORE_FLOW_H

#include "dataplane/core/compat.h"
#include "dataplane/core/pkt.h"
#include "dataplane/core/siphash.h"

enum flow_stick {
	FLOW_STICK_5TUPLE = 0, /* src/dst IP, protocol, src/dst port */
	FLOW_STICK_3TUPLE = 1, /* src/dst IP, protocol */
	FLOW_STICK_2TUPLE = 2, /* src/dst IP */
};

/*
 * Canonical order: (a, pa) is the lexicographically smaller of (addr, port) of the two ends,
 * comparing the 16 address bytes then the port. Unused fields are zero.
 */
struct flow_key {
	uint8_t a[16];
	uint8_t b[16];
	uint16_t pa; /* host order; 5-tuple with ports only (TCP, UDP, ICMP echo id) */
	uint16_t pb;
	uint8_t proto;	/* 0 for 2-tuple */
	uint8_t family; /* 4 or 6 */
	uint8_t pad[2];
};
_Static_assert(sizeof(struct flow_key) == 40, "flow_key is hashed and stored: keep it 40 bytes");

/* Fixed SipHash key of the flow hash: every node must compute the same hash (Maglev). */
#define FLOW_HASH_KEY "sluice-flowhash!"

/*
 * SL_INLINE void flow_key_make(const struct pkt_info *pi, enum flow_stick s, struct flow_key *k);
 *      Ports only for 5-tuple and only when PKT_F_L4 is set (non-first fragments get 0 ports),
 *      and only for TCP, UDP (ports) and ICMP/ICMPv6 (the echo identifier pkt_parse puts in
 *      both sport and dport; 0 for other ICMP types). 3-tuple: addresses and protocol;
 *      2-tuple: addresses only. family is always set; everything unused, pad included, is 0.
 * SL_INLINE uint32_t flow_key_hash(const struct flow_key *k);
 *      Low 32 bits of SipHash-2-4(FLOW_HASH_KEY, the 40 key bytes).
 *      The struct is hashed as raw memory: a, b in network order, pa and pb in HOST order
 *      (little-endian on x86 and in BPF on x86 hosts), then proto, family, pad. A reference
 *      implementation packs it as a + b + struct.pack('<HHBBxx', pa, pb, proto, family).
 */

/* <0, 0, >0 as (a, pa) sorts before, equal to, after (b, pb): address bytes, then port. */
SL_INLINE int flow_ep_cmp(const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb)
{
	int i;

	for (i = 0; i < 16; i++) {
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	}
	if (pa != pb)
		return pa < pb ? -1 : 1;
	return 0;
}

SL_INLINE void flow_key_make(const struct pkt_info *pi, enum flow_stick s, struct flow_key *k)
{
	uint16_t sport = 0, dport = 0;

	sl_memset(k, 0, sizeof(*k));
	k->family = pi->family;
	if (s != FLOW_STICK_2TUPLE)
		k->proto = pi->proto;
	if (s == FLOW_STICK_5TUPLE && (pi->flags & PKT_F_L4) &&
	    (pi->proto == IPPROTO_TCP_ || pi->proto == IPPROTO_UDP_ || pi->proto == IPPROTO_ICMP_ ||
	     pi->proto == IPPROTO_ICMPV6_)) {
		sport = pi->sport;
		dport = pi->dport;
	}
	if (flow_ep_cmp(pi->saddr, sport, pi->daddr, dport) <= 0) {
		sl_memcpy(k->a, pi->saddr, 16);
		sl_memcpy(k->b, pi->daddr, 16);
		k->pa = sport;
		k->pb = dport;
	} else {
		sl_memcpy(k->a, pi->daddr, 16);
		sl_memcpy(k->b, pi->saddr, 16);
		k->pa = dport;
		k->pb = sport;
	}
}

SL_INLINE uint32_t flow_key_hash(const struct flow_key *k)
{
	return (uint32_t)sl_siphash24((const uint8_t *)FLOW_HASH_KEY, (const uint8_t *)k,
				      sizeof(*k));
}

#endif /* SL_CORE_FLOW_H */
