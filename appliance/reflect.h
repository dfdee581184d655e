/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reflect.h - what the appliance checks in a received GENEVE datagram, and the datagram it
 * sends back. The checks are those sluice makes on a return (DESIGN.md "Wire format"), done
 * with the same core parsers, so a datagram this appliance accepts is one sluice would accept
 * (bar the cookie, which only sluice can verify).
 */
#ifndef SL_APPLIANCE_REFLECT_H
#define SL_APPLIANCE_REFLECT_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/core/geneve.h"
#include "dataplane/core/pkt.h"
#include "dataplane/core/stats.h"

#define REFLECT_HDR_LEN	  28 /* the outer IPv4 + UDP headers the appliance writes */
#define REFLECT_TTL	  64
#define REFLECT_FRAME_MAX 65535 /* an IPv4 packet */

/* The malformed reasons the appliance counts, in report order (core/stats.h names). */
#define REFLECT_REASONS(X)              \
	X(SL_DROP_GENEVE_TRUNCATED)     \
	X(SL_DROP_GENEVE_VERSION)       \
	X(SL_DROP_GENEVE_OAM)           \
	X(SL_DROP_GENEVE_CRITICAL)      \
	X(SL_DROP_GENEVE_OPT_MISSING)   \
	X(SL_DROP_GENEVE_OPT_LENGTH)    \
	X(SL_DROP_GENEVE_OPT_DUPLICATE) \
	X(SL_DROP_GENEVE_PROTOCOL)      \
	X(SL_DROP_GENEVE_BAD_INNER)

/*
 * Checks the UDP payload g[0..len) of a received datagram: the GENEVE header and options
 * (geneve_gwlb_parse: ver 0, O bit clear, no unknown critical option, 0x0108/1, /2, /3 present
 * once with exact lengths, protocol 0x0800 or 0x86DD), then the inner packet: an IPv4 or IPv6
 * packet of the version the protocol type says (pkt_parse_ip) whose length is exactly the
 * rest of the datagram. Returns 0 with *m and *inner filled (inner offsets are from g), or
 * -EBADMSG with *reason one of REFLECT_REASONS.
 */
int reflect_check(const uint8_t *g, size_t len, struct gwlb_meta *m, struct pkt_info *inner,
		  unsigned int *reason);

/*
 * Builds the return: outer IPv4 from saddr_be to daddr_be (network order; the appliance's
 * address and the sender's), DF, TTL 64, UDP sport -> dport (host order), UDP checksum
 * computed, then g[0..len) unchanged. Returns the frame length (28 + len), or -EMSGSIZE when
 * it would exceed cap or an IPv4 packet.
 */
int reflect_build(uint8_t *out, size_t cap, const uint8_t *g, size_t len, uint32_t saddr_be,
		  uint32_t daddr_be, uint16_t sport, uint16_t dport);

/* The counter name of a drop reason ("geneve_truncated", ...). */
const char *reflect_reason_name(unsigned int reason);

#endif /* SL_APPLIANCE_REFLECT_H */
