/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * icmp.h - the ICMP messages a gateway must send, built into a caller's buffer from the L3
 * header on. Header-only, pure C. All return the number of bytes written, or a negative errno
 * (-EINVAL for a packet that must not get an error, -ENOSPC for a small buffer).
 *
 * SL_INLINE int icmp4_frag_needed(uint8_t *out, size_t cap, const uint8_t *orig, size_t orig_len,
 *                                 uint32_t src_be, uint16_t mtu);
 *      IPv4 header (src_be -> orig source, TTL 64, DF clear, ID 0) + ICMP type 3 code 4 with
 *      next-hop MTU, + the original IP header and as much of its payload as keeps the reply
 *      within 576 bytes. Refuses (-EINVAL) if the original is itself an ICMP error, a non-first
 *      fragment, or from 0.0.0.0 / a multicast or broadcast (255.255.255.255) source.
 * SL_INLINE int icmp6_too_big(uint8_t *out, size_t cap, const uint8_t *orig, size_t orig_len,
 *                             const uint8_t src[16], uint32_t mtu);
 *      IPv6 header (hop limit 64) + ICMPv6 type 2 code 0 with MTU + as much of the original as
 *      keeps the reply within 1280 bytes; checksum over the pseudo-header. Refuses ICMPv6 errors
 *      and unspecified / multicast sources.
 * SL_INLINE int icmp_echo_reply(uint8_t *l3, size_t len, uint8_t family);
 *      Turns an echo request (IPv4 type 8 / ICMPv6 128) in place into its reply: addresses
 *      swapped, type 0 / 129, TTL 64, checksums updated. Returns len, or -EINVAL if it is not
 *      a well-formed echo request.
 */
#ifndef SL_CORE_ICMP_H
#define SL_CORE_ICMP_H

#include "compat.h"

#endif /* SL_CORE_ICMP_H */
