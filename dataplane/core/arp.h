/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * arp.h - ARP (RFC 826) for Ethernet/IPv4. Header-only, pure C. Frames start at the Ethernet
 * header, untagged.
 *
 * struct arp_info { uint16_t op; uint8_t sha[6]; uint32_t spa_be; uint8_t tha[6]; uint32_t tpa_be; };
 * SL_INLINE int arp_parse(const uint8_t *arp, const uint8_t *end, struct arp_info *a);
 *      arp points at the ARP header. Requires htype 1, ptype 0x0800, hlen 6, plen 4, op 1 or 2.
 *      Returns 0 or -EINVAL.
 * SL_INLINE int arp_reply_build(uint8_t *frame, size_t cap, const uint8_t mac[6],
 *                               const struct arp_info *req);
 *      A 42-byte reply (Ethernet + ARP) to req from (mac, req->tpa). Returns 42 or -ENOSPC.
 * SL_INLINE int arp_request_build(uint8_t *frame, size_t cap, const uint8_t smac[6],
 *                                 uint32_t sip_be, uint32_t tip_be);
 *      A 42-byte broadcast who-has tip_be. Returns 42 or -ENOSPC.
 */
#ifndef SL_CORE_ARP_H
#define SL_CORE_ARP_H

#include "compat.h"

#endif /* SL_CORE_ARP_H */
