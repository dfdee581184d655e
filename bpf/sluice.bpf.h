/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice.bpf.h - private to the XDP program: the per-CPU scratch state handed from one
 * tail-called stage to the next, and the constants it mirrors from sluice-dp.
 */
#ifndef SL_SLUICE_BPF_H
#define SL_SLUICE_BPF_H

#include "dataplane/core/bucket.h"
#include "dataplane/core/frag.h"
#include "dataplane/core/nat.h"
#include "dataplane/core/stage.h"
#include "bpf/xdp_shared.h"

#define SL_ETH_ALEN 6

/*
 * Offsets the stages accept from the scratch state. A frame without the frags flag is at most
 * one page, so these never refuse a real packet; the explicit bounds are what lets the
 * verifier accept packet accesses at offsets read back from a map.
 */
#define SL_MAX_L3_OFF 22   /* Ethernet + two VLAN tags */
#define SL_MAX_L4_OFF 2048 /* after IPv4 options or IPv6 extension headers */
#define SL_MAX_FRAME  9216 /* a 9001-byte MTU frame (generic mode hands XDP whole frames) */
#define SL_FRAME_MASK 0x3fff
_Static_assert(SL_MAX_FRAME <= SL_FRAME_MASK, "a mask of SL_FRAME_MASK keeps every frame length");

/*
 * The scratch buffer: a UDP segment (checksum, GENEVE parse) or the too-big ICMP. Sized for
 * the verifier rather than for frames: a length masked with SL_FRAME_MASK, and the GENEVE
 * option walk where clang tests one copy of the offset and indexes with another (the verifier
 * then only knows it grew by at most 128 bytes per option), must both stay inside it.
 */
#define SL_BUF_SIZE (SL_FRAME_MASK + 1 + 256)

/*
 * sl_scratch[0], per CPU. A frame's whole tail-call chain runs on one CPU without preemption
 * (XDP runs in softirq / under rcu_read_lock with migration disabled), so a stage reads what
 * the one before it wrote for the same frame.
 */
struct sl_scratch {
	/*
	 * per packet, from one stage to the next: core/stage.h's struct sl_pktctx (pi, now,
	 * port, ifindex, reply_port, attach, pos, nlb_mode, has_attach, nat_undo: rw[1]
	 * translates pi back, nlb_li, nlb_why, mtu)
	 */
	SL_PKTCTX_FIELDS
	/* work areas of the stages (the stack of a stage and its calls is 512 bytes) */
	struct flow_key fk;
	struct flow_key ck;  /* sl_gw_encap: the cookie's key (a fragment's own view) */
	struct pkt_info fpi; /* sl_gw_encap: the packet as its datagram is steered */
	struct frag_key frk; /* sl_frag: the fragment table key */
	struct gwlb_pin_key ftk;
	struct gwlb_choice gch;	  /* sl_choose: core/gwlb_table.h gwlb_choose's verdict */
	struct gwlb_encap genc;	  /* sl_gw_encap: the GENEVE to write (gwlb_encap_plan) */
	struct nlb_sess_key sk;	  /* sl_nlb: the session key being looked up / inserted */
	struct nlb_listener lsn;  /* sl_nlb: the packet's listener (a copy) */
	struct xdp_sess sess[2];  /* sl_nlb: a session's entries (by direction), or the one found */
	struct nat_rewrite rw[2]; /* sl_nlb: the rewrites (outer, quoted) */
	struct bpf_fib_lookup fib; /* sl_fib */
	struct xdp_nh_key nhk;	   /* sl_fib: a next hop to resolve, or used */
	uint64_t nh_now;	   /* sl_fib: its time (ns), for sl_resolve / sl_nh_used */
	/* per CPU, kept across packets */
	struct bucket icmp;	  /* ICMP errors sent (core/bucket.h, as sluice-dp's per lcore) */
	uint8_t buf[SL_BUF_SIZE]; /* checksum and ICMP work area */
};
_Static_assert(__builtin_offsetof(struct sl_scratch, mtu) ==
		       __builtin_offsetof(struct sl_pktctx, mtu),
	       "the scratch starts with the per-packet context of core/stage.h");

#endif /* SL_SLUICE_BPF_H */
