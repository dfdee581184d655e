/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cookie.h - the GWLB flow cookie (GENEVE option 0x0108/3): a keyed hash that any node with the
 * secret can check without per-flow state.
 *
 * cookie = low 32 bits of SipHash-2-4(secret, msg), msg (52 bytes) =
 *      the 40 bytes of struct flow_key (as built with the group's stickiness)
 *   || appliance IPv4 address (4 bytes, network order)
 *   || endpoint ID (8 bytes, big-endian)
 *
 * SL_INLINE uint32_t cookie_make(const uint8_t secret[16], const struct flow_key *k,
 *                                uint32_t appliance_be, uint64_t endpoint_id);
 */
#ifndef SL_CORE_COOKIE_H
#define SL_CORE_COOKIE_H

#include "dataplane/core/compat.h"
#include "dataplane/core/flow.h"
#include "dataplane/core/siphash.h"

#define COOKIE_MSG_LEN 52

SL_INLINE uint32_t cookie_make(const uint8_t secret[16], const struct flow_key *k,
			       uint32_t appliance_be, uint64_t endpoint_id)
{
	uint8_t msg[COOKIE_MSG_LEN];

	sl_memcpy(msg, k, 40);
	sl_memcpy(msg + 40, &appliance_be, 4); /* as in memory: network order */
	sl_put_be64(msg + 44, endpoint_id);
	return (uint32_t)sl_siphash24(secret, msg, COOKIE_MSG_LEN);
}

#endif /* SL_CORE_COOKIE_H */
