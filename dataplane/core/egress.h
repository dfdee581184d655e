/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * egress.h - a packet over its egress port's MTU (pkt_egress_mtu's verdict), decided once for
 * both shells: sluice-dp's local_too_big (dpdk/local.c) and the XDP program's sl_too_big /
 * sl_forward_too_big (bpf/prog/too_big.h, route.h). The shells find the port the answer leaves
 * by and build the ICMP error (core/icmp.h); these say whether there is one.
 *
 *   egress_too_big_first   the verdict alone: IPv4 without DF is dropped, no error; else 0
 *                          (find the port back to the sender)
 *   egress_too_big_answer  with that port: 0 to send the error from src, else the drop reason
 * The packet itself always counts mtu_exceeded (or mtu_exceeded_no_df); so does it when no port
 * leads back to its sender (no route, no neighbour) or the error cannot be built.
 */
#ifndef SL_CORE_EGRESS_H
#define SL_CORE_EGRESS_H

#include "dataplane/core/bucket.h"
#include "dataplane/core/compat.h"
#include "dataplane/core/pkt.h"
#include "dataplane/core/stats.h"

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
