/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * csum.h - Internet checksums (RFC 1071) and incremental updates (RFC 1624). Header-only.
 * Convention: sums are of big-endian 16-bit words held in host integers, and every value that
 * goes in or comes out (checksums, old/new fields) is in host order: store with sl_put_be16.
 *
 * SL_INLINE uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);  odd len padded
 * SL_INLINE uint16_t csum_fold(uint32_t sum);           ~(folded sum): the value to store
 * SL_INLINE uint16_t csum_ipv4_hdr(const uint8_t *ip);  IHL from the header; the checksum field
 *                                                        is treated as zero
 * SL_INLINE uint32_t csum_pseudo(uint8_t family, const uint8_t *saddr, const uint8_t *daddr,
 *                                uint8_t proto, uint32_t l4_len);   unfolded pseudo-header sum
 * SL_INLINE uint16_t csum_l4(uint8_t family, const uint8_t *saddr, const uint8_t *daddr,
 *                            uint8_t proto, const uint8_t *l4, uint32_t l4_len);
 *      the value to store in the TCP/UDP/ICMPv6 checksum field; the field itself must be zeroed
 *      by the caller first. (UDP: a computed 0 is returned as 0xFFFF.)
 * SL_INLINE int csum_l4_ok(uint8_t family, const uint8_t *saddr, const uint8_t *daddr,
 *                          uint8_t proto, const uint8_t *l4, uint32_t l4_len);   1 if valid
 * SL_INLINE uint16_t csum_update16(uint16_t csum, uint16_t old, uint16_t new_);
 * SL_INLINE uint16_t csum_update32(uint16_t csum, uint32_t old, uint32_t new_);
 * SL_INLINE uint16_t csum_update_addr(uint16_t csum, uint8_t family, const uint8_t *old,
 *                                     const uint8_t *new_);  4 or 16 bytes
 */
#ifndef SL_CORE_CSUM_H
#define SL_CORE_CSUM_H

#include "compat.h"

#endif /* SL_CORE_CSUM_H */
