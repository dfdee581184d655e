/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * arp.h - ARP (RFC 826) for Ethernet/IPv4. Header-only, pure C. Frames start at the Ethernet
 * header, untagged.
 *
 * struct arp_info { uint16_t op; uint8_t sha[6]; uint32_t spa_be; uint8_t tha[6];
 *                   uint32_t tpa_be; };
 * SL_INLINE int arp_parse(const uint8_t *arp, const uint8_t *end, struct arp_info *a);
 *      arp points at the ARP header. Requires htype 1, ptype 0x0800, hlen 6, plen 4, op 1 or 2.
 *      Returns 0 or -EINVAL.
 * SL_INLINE int arp_reply_build(uint8_t *frame, size_t cap, const uint8_t mac[6],
 *                               const struct arp_info *req);
 *      A 42-byte reply (Ethernet + ARP) to req from (mac, req->tpa). Returns 42 or -ENOSPC.
 * SL_INLINE int arp_request_build(uint8_t *frame, size_t cap, const uint8_t smac[6],
 *                                 uint32_t sip_be, uint32_t tip_be);
 *      A 42-byte broadcast who-has tip_be. Returns 42 or -ENOSPC.
 *
 * op is in host order; spa_be / tpa_be / sip_be / tip_be are network order (the 4 bytes as on
 * the wire, copied into the integer). arp_parse needs the 28-byte header (end - arp >= 28,
 * else -EINVAL) and looks at nothing past it. Built frames are not padded to 60 bytes (the
 * NIC pads): Ethernet type 0x0806, then htype 1, ptype 0x0800, hlen 6, plen 4 and
 * - reply:   Ethernet dst req->sha, src mac; op 2, sha mac, spa req->tpa, tha req->sha,
 *            tpa req->spa;
 * - request: Ethernet dst ff:ff:ff:ff:ff:ff, src smac; op 1, sha smac, spa sip, tha zero,
 *            tpa tip.
 * req may point into frame (it is read whole before anything is written).
 */
#ifndef SL_CORE_ARP_H
#define SL_CORE_ARP_H

#include "dataplane/core/compat.h"
#include "dataplane/core/pkt.h"

#define ARP_HDR_LEN    28 /* Ethernet/IPv4 ARP header */
#define ARP_FRAME_LEN  42 /* Ethernet header + ARP header */
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY   2

struct arp_info {
	uint16_t op;
	uint8_t sha[6];
	uint32_t spa_be;
	uint8_t tha[6];
	uint32_t tpa_be;
};

SL_INLINE int arp_parse(const uint8_t *arp, const uint8_t *end, struct arp_info *a)
{
	uint16_t op;

	if (arp + ARP_HDR_LEN > end)
		return -EINVAL;
	if (sl_get_be16(arp) != 1 || sl_get_be16(arp + 2) != 0x0800 || arp[4] != 6 || arp[5] != 4)
		return -EINVAL;
	op = sl_get_be16(arp + 6);
	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY)
		return -EINVAL;
	a->op = op;
	sl_memcpy(a->sha, arp + 8, 6);
	sl_memcpy(&a->spa_be, arp + 14, 4);
	sl_memcpy(a->tha, arp + 18, 6);
	sl_memcpy(&a->tpa_be, arp + 24, 4);
	return 0;
}

/* Ethernet + ARP fixed part; sha/spa/tha/tpa are the caller's. */
SL_INLINE void arp_frame_write(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t op)
{
	sl_memcpy(f, dst, 6);
	sl_memcpy(f + 6, src, 6);
	sl_put_be16(f + 12, 0x0806);
	sl_put_be16(f + 14, 1);
	sl_put_be16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	sl_put_be16(f + 20, op);
}

SL_INLINE int arp_reply_build(uint8_t *frame, size_t cap, const uint8_t mac[6],
			      const struct arp_info *req)
{
	struct arp_info r;
	uint8_t m[6];

	if (cap < ARP_FRAME_LEN)
		return -ENOSPC;
	sl_memcpy(&r, req, sizeof(r));
	sl_memcpy(m, mac, 6);
	arp_frame_write(frame, r.sha, m, ARP_OP_REPLY);
	sl_memcpy(frame + 22, m, 6);
	sl_memcpy(frame + 28, &r.tpa_be, 4);
	sl_memcpy(frame + 32, r.sha, 6);
	sl_memcpy(frame + 38, &r.spa_be, 4);
	return ARP_FRAME_LEN;
}

SL_INLINE int arp_request_build(uint8_t *frame, size_t cap, const uint8_t smac[6], uint32_t sip_be,
				uint32_t tip_be)
{
	uint8_t m[6], bcast[6];

	if (cap < ARP_FRAME_LEN)
		return -ENOSPC;
	sl_memcpy(m, smac, 6);
	sl_memset(bcast, 0xFF, 6);
	arp_frame_write(frame, bcast, m, ARP_OP_REQUEST);
	sl_memcpy(frame + 22, m, 6);
	sl_memcpy(frame + 28, &sip_be, 4);
	sl_memset(frame + 32, 0, 6);
	sl_memcpy(frame + 38, &tip_be, 4);
	return ARP_FRAME_LEN;
}

/*
 * May this ARP teach a neighbour (and be answered)? Its sender hardware address and the
 * Ethernet source eth_src must both be pkt_mac_learnable: 1 yes, 0 refuse the frame whole.
 */
SL_INLINE int arp_macs_learnable(const struct arp_info *a, const uint8_t *eth_src)
{
	return pkt_mac_learnable(a->sha) && pkt_mac_learnable(eth_src);
}

#endif /* SL_CORE_ARP_H */
