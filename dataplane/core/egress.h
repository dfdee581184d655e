/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * egress.h - a packet over its egress port's MTU (pkt_egress_mtu's verdict), decided once for
 * both shells: sluice-dp's eg_too_big (dpdk/egress.c) and the XDP program's sl_too_big /
 * sl_forward_too_big (bpf/prog/too_big.h, route.h). The shells find the port the answer leaves
 * by and build the ICMP error (core/icmp.h); these say whether there is one.
 *
 *   egress_too_big_first   the verdict alone: IPv4 without DF is dropped, no error; else 0
 *                          (find the port back to the sender)
 *   egress_too_big_answer  with that port: 0 to send the error from src, else the drop reason
 * The packet itself always counts mtu_exceeded (or mtu_exceeded_no_df); so does it when no port
 * leads back to its sender (no route, no neighbour) or the error cannot be built.
 *
 * And where a packet cannot leave at all: egress_hop_drop names the drop reason of a route /
 * neighbour lookup's result (EGRESS_*), for sluice-dp's route_lookup + neighbour table
 * (dpdk/egress.c) and the XDP program's routes, static neighbours and FIB (bpf/prog/route.h).
 */
#ifndef SL_CORE_EGRESS_H
#define SL_CORE_EGRESS_H

#include "dataplane/core/bucket.h"
#include "dataplane/core/compat.h"
#include "dataplane/core/pkt.h"
#include "dataplane/core/stats.h"

/* The result of an egress lookup (route, then the next hop's neighbour entry). */
#define EGRESS_HOP_OK		0
#define EGRESS_NO_ROUTE		1 /* no route, or none out of one of the node's ports */
#define EGRESS_NEIGH_UNRESOLVED 2 /* the next hop's MAC unknown: incomplete, failed, none */
#define EGRESS_NEIGH_FULL	3 /* no entry for the next hop and no room for one */

/*
 * The drop reason of a packet the lookup found no way out for (hop not EGRESS_HOP_OK): own, a
 * frame this node made (a RST) counts own_unsent, so that every other reason is a received
 * frame's.
 */
SL_INLINE uint16_t egress_hop_drop(unsigned int hop, int own)
{
	if (own)
		return SL_DROP_OWN_UNSENT;
	if (hop == EGRESS_NO_ROUTE)
		return SL_DROP_NO_ROUTE;
	return hop == EGRESS_NEIGH_FULL ? SL_DROP_NEIGH_TABLE_FULL : SL_DROP_NEIGH_UNRESOLVED;
}

/* pkt_egress_mtu's verdict (not PKT_MTU_FITS): SL_DROP_MTU_EXCEEDED_NO_DF, or 0 (answer it). */
SL_INLINE uint16_t egress_too_big_first(int verdict)
{
	return verdict == PKT_MTU_NO_DF ? SL_DROP_MTU_EXCEEDED_NO_DF : 0;
}

/*
 * The answer to a family packet over the MTU, by the port back to its sender: src that port's
 * first address of the family (4 or 16 bytes, all zero: none to send from); b the ICMP errors'
 * bucket of this worker or CPU (BUCKET_ICMP_RATE, _BURST). 0: send the error; else the drop
 * reason of the packet (mtu_exceeded, icmp_ratelimit), no error sent.
 */
SL_INLINE uint16_t egress_too_big_answer(uint8_t family, const uint8_t *src, struct bucket *b,
					 uint64_t now)
{
	uint8_t any = 0;
	int i;

	for (i = 0; i < 16; i++) { /* a loop, not memcmp: BPF has no library call */
		if (i == (family == 4 ? 4 : 16))
			break;
		any |= src[i];
	}
	if (!any)
		return SL_DROP_MTU_EXCEEDED; /* no address to send the error from */
	if (!bucket_take(b, now, BUCKET_ICMP_RATE, BUCKET_ICMP_BURST))
		return SL_DROP_ICMP_RATELIMIT;
	return 0;
}

#endif /* SL_CORE_EGRESS_H */
