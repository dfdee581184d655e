/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nlb_listener.h - a listener as both dataplanes read it per packet: compiled once from the
 * configuration (dataplane/lib/rt_model.c, rt_listener_compile; listeners and the NAT keys of
 * their groups change only with a restart), never read from the parsed configuration in the
 * packet path. sluice-dp keeps one per config listener (dataplane/dpdk/nlb.c); sluice-xdp
 * stores them as the values of its sl_listeners map (bpf/xdp_nlb.c) and, within struct
 * xdp_reply, of sl_replies. Header-only, BPF-includable.
 */
#ifndef SL_CORE_NLB_LISTENER_H
#define SL_CORE_NLB_LISTENER_H

#include "dataplane/core/compat.h"

#define NLB_LF_SNAT	 0x01 /* its group's preserve_client_ip: false (source NAT) */
#define NLB_LF_RESET	 0x02 /* its group's tcp_unknown_flow: reset */
#define NLB_LF_TERMINATE 0x04 /* its group's connection_termination: true */

#define NLB_NO_INSPECT 0xffff /* nlb_listener.inspect: no inspection before balancing */

struct nlb_listener {
	uint16_t index;	  /* config listener index (its counters) */
	uint16_t group;	  /* target group index */
	uint16_t inspect; /* inspection attachment index, or NLB_NO_INSPECT */
	uint8_t flags;	  /* NLB_LF_* */
	uint8_t pad;
};
_Static_assert(sizeof(struct nlb_listener) == 8, "nlb_listener: sl_listeners' value");

#endif /* SL_CORE_NLB_LISTENER_H */
