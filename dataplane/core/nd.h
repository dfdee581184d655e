/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nd.h - IPv6 neighbour discovery (RFC 4861), the part a router port needs: check a neighbour
 * solicitation or advertisement, answer a solicitation for our address, solicit an unknown
 * next hop. Header-only, pure C. Frames start at the Ethernet header, untagged.
 */
#ifndef SL_CORE_ND_H
#define SL_CORE_ND_H

#include "dataplane/core/compat.h"
#include "dataplane/core/csum.h"
#include "dataplane/core/pkt.h"

#define ND_NS		135
#define ND_NA		136
#define ND_OPT_SRC_LL	1
#define ND_OPT_TGT_LL	2
#define ND_FRAME_LEN	(14 + 40 + 24 + 8) /* Ethernet + IPv6 + NS/NA + one link-layer option */
#define ND_NA_ROUTER	0x80
#define ND_NA_SOLICITED 0x40
#define ND_NA_OVERRIDE	0x20

struct nd_info {
	uint8_t type;  /* ND_NS or ND_NA */
	uint8_t flags; /* NA: R/S/O */
	uint8_t target[16];
	uint8_t ll[6]; /* source (NS) or target (NA) link-layer address */
	uint8_t has_ll;
};

/*
 * Validate an NS or NA (RFC 4861 7.1.1/7.1.2): ip6 points at the IPv6 header, whose next header
 * is ICMPv6 (no extension headers); hop limit 255, code 0, length >= 24, checksum valid,
 * target not multicast, options with non-zero length inside the packet (at most 8 walked).
 * Returns 0 or -EINVAL.
 */
SL_INLINE int nd_parse(const uint8_t *ip6, const uint8_t *end, struct nd_info *nd)
{
	const uint8_t *icmp = ip6 + 40, *opt;
	uint32_t plen;
	int i;

	if (ip6 + 40 > end || (ip6[0] >> 4) != 6 || ip6[6] != 58 || ip6[7] != 255)
		return -EINVAL;
	plen = sl_get_be16(ip6 + 4);
	if (plen < 24 || icmp + plen > end)
		return -EINVAL;
	if ((icmp[0] != ND_NS && icmp[0] != ND_NA) || icmp[1] != 0)
		return -EINVAL;
	if (!csum_l4_ok(6, ip6 + 8, ip6 + 24, 58, icmp, plen))
		return -EINVAL;
	sl_memset(nd, 0, sizeof(*nd));
	nd->type = icmp[0];
	nd->flags = icmp[4];
	sl_memcpy(nd->target, icmp + 8, 16);
	if (nd->target[0] == 0xff)
		return -EINVAL;
	opt = icmp + 24;
	for (i = 0; i < 8 && opt + 2 <= icmp + plen; i++) {
		uint32_t olen = (uint32_t)opt[1] * 8;

		if (!olen || opt + olen > icmp + plen)
			return -EINVAL;
		if (olen >= 8 && ((nd->type == ND_NS && opt[0] == ND_OPT_SRC_LL) ||
				  (nd->type == ND_NA && opt[0] == ND_OPT_TGT_LL))) {
			sl_memcpy(nd->ll, opt + 2, 6);
			nd->has_ll = 1;
		}
		opt += olen;
	}
	return 0;
}

/* Ethernet + IPv6 + ICMPv6 (checksummed) of an NS or NA with one link-layer option. */
SL_INLINE void nd_frame_write(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6],
			      const uint8_t src[16], const uint8_t dst[16], uint8_t type,
			      uint8_t flags, const uint8_t target[16], uint8_t opt_type)
{
	uint8_t *ip6 = f + 14, *icmp = f + 54;

	sl_memcpy(f, dmac, 6);
	sl_memcpy(f + 6, smac, 6);
	sl_put_be16(f + 12, 0x86DD);
	sl_memset(ip6, 0, 8);
	ip6[0] = 0x60;
	sl_put_be16(ip6 + 4, 32);
	ip6[6] = 58;
	ip6[7] = 255;
	sl_memcpy(ip6 + 8, src, 16);
	sl_memcpy(ip6 + 24, dst, 16);
	sl_memset(icmp, 0, 8);
	icmp[0] = type;
	icmp[4] = flags;
	sl_memcpy(icmp + 8, target, 16);
	icmp[24] = opt_type;
	icmp[25] = 1;
	sl_memcpy(icmp + 26, smac, 6);
	sl_put_be16(icmp + 2, csum_l4(6, src, dst, 58, icmp, 32));
}

/*
 * The advertisement answering ns (received from src/smac) for our address ns->target:
 * solicited + override, to the solicitor; to all-nodes if it solicited from :: (DAD).
 * Returns ND_FRAME_LEN or -ENOSPC.
 */
SL_INLINE int nd_na_build(uint8_t *frame, size_t cap, const uint8_t mac[6],
			  const struct nd_info *ns, const uint8_t src[16], const uint8_t smac[6])
{
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
	static const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
	uint8_t zero[16] = {0};
	int dad = !__builtin_memcmp(src, zero, 16);

	if (cap < ND_FRAME_LEN)
		return -ENOSPC;
	nd_frame_write(frame, dad ? all_nodes_mac : smac, mac, ns->target, dad ? all_nodes : src,
		       ND_NA, (uint8_t)(dad ? ND_NA_OVERRIDE : ND_NA_SOLICITED | ND_NA_OVERRIDE),
		       ns->target, ND_OPT_TGT_LL);
	return ND_FRAME_LEN;
}

/*
 * A solicitation for target from (smac, src), to target's solicited-node multicast address
 * ff02::1:ffXX:XXXX (MAC 33:33:ff:XX:XX:XX). Returns ND_FRAME_LEN or -ENOSPC.
 */
SL_INLINE int nd_ns_build(uint8_t *frame, size_t cap, const uint8_t smac[6], const uint8_t src[16],
			  const uint8_t target[16])
{
	uint8_t dst[16] = {0xff, 0x02, [11] = 1, [12] = 0xff};
	uint8_t dmac[6] = {0x33, 0x33, 0xff};

	if (cap < ND_FRAME_LEN)
		return -ENOSPC;
	sl_memcpy(dst + 13, target + 13, 3);
	sl_memcpy(dmac + 3, target + 13, 3);
	nd_frame_write(frame, dmac, smac, src, dst, ND_NS, 0, target, ND_OPT_SRC_LL);
	return ND_FRAME_LEN;
}

/*
 * May this NS/NA teach a neighbour (and be answered)? Its link-layer option, when present, and
 * the Ethernet source eth_src must be pkt_mac_learnable: 1 yes, 0 refuse the frame whole.
 */
SL_INLINE int nd_macs_learnable(const struct nd_info *nd, const uint8_t *eth_src)
{
	return pkt_mac_learnable(eth_src) && (!nd->has_ll || pkt_mac_learnable(nd->ll));
}

#endif /* SL_CORE_ND_H */
