/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flow.h - symmetric flow keys and the flow hash. Both directions of a flow give the same key
 * (the endpoints are put in a canonical order), so both reach the same target.
 */
#ifndef SL_CORE_FLOW_H
#define SL_CORE_FLOW_H

#include "compat.h"
#include "pkt.h"

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
 *      Ports only for 5-tuple and only when PKT_F_L4 is set (non-first fragments get 0 ports).
 * SL_INLINE uint32_t flow_key_hash(const struct flow_key *k);
 *      Low 32 bits of SipHash-2-4(FLOW_HASH_KEY, the 40 key bytes).
 */

#endif /* SL_CORE_FLOW_H */
