/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stage.h - the stages of a packet, one list for both shells, and the per-packet context they
 * hand each other.
 *
 * The XDP program runs a stage as a tail-called program (bpf/prog/st_<stage>.h; its sl_progs
 * index is the stage's value: the first SL_ST_N_PROGS stages, in bpf/xdp_shared.h's
 * XDP_STAGE_* order, which bpf/sluice.bpf.c asserts) or inline (the entry's classification,
 * bpf/prog/route.h's sl_forward). sluice-dp's worker runs every packet through
 * `for (st = SL_ST_CLASSIFY; st != SL_ST_DONE;) st = stage(st)` (dataplane/dpdk/worker.c): each
 * stage function returns the next stage instead of calling it, so the modules (local.c, gw.c,
 * nlb.c, egress.c) never call each other.
 *
 * struct sl_pktctx is what a stage hands the next: the parsed packet and where it is in its
 * path. The XDP program's scratch (bpf/sluice.bpf.h struct sl_scratch) starts with these very
 * fields (SL_PKTCTX_FIELDS); sluice-dp's packet in flight (dataplane/dpdk/worker.h struct
 * wk_pkt) holds one.
 */
#ifndef SL_CORE_STAGE_H
#define SL_CORE_STAGE_H

#include "dataplane/core/compat.h"
#include "dataplane/core/pkt.h"

enum sl_stage {
	/* the XDP program's tail-called stages (sl_progs index) */
	SL_ST_GW_ENCAP = 0, /* choose the appliance, build GENEVE, send */
	SL_ST_GW_RETURN,    /* validate a GENEVE return: next in chain, NLB or forward */
	SL_ST_NLB,	    /* listener traffic (zone IP), target replies: SL_NLB_* mode */
	SL_ST_ICMP,	    /* ICMP errors about a flow: follow the flow */
	SL_ST_NLB_TERM,	    /* connection termination: a RST each way */
	SL_ST_NLB_REPLY,    /* transit TCP/UDP of no session: a target's reply to adopt? */
	SL_ST_TOO_BIG,	    /* too big for its egress port: the ICMP error, NAT undone */
	SL_ST_N_PROGS,
	/* run inline by the XDP program */
	SL_ST_CLASSIFY = SL_ST_N_PROGS, /* entry: parse, classify (sl_xdp) */
	SL_ST_ARP,			/* ARP: answer, learn (XDP: the kernel's) */
	SL_ST_LOCAL,			/* ours (core/classify.h sl_classify_local) */
	SL_ST_UNCLAIMED, /* ours, no session took it: the kernel's, or dropped (classify.h) */
	SL_ST_FORWARD,	 /* egress: route, neighbour, MTU, Ethernet header (sl_forward) */
	SL_ST_DONE,	 /* sent, dropped or handed to the kernel */
};

/* SL_ST_NLB: why the packet came (struct sl_pktctx nlb_mode) */
#define SL_NLB_ZONE	 0 /* TCP/UDP to the zone IP */
#define SL_NLB_TRANSIT	 1 /* transit traffic: a target's reply or an ICMP error about a flow */
#define SL_NLB_LOCAL	 2 /* to one of our addresses: a source-NAT reply or an ICMP error */
#define SL_NLB_INSPECTED 3 /* back from the listener's inspection chain: balance it */

/*
 * The per-packet context, as fields (the XDP scratch embeds them at its start, where its
 * stages name them directly).
 */
#define SL_PKTCTX_FIELDS                                                                       \
	struct pkt_info pi; /* the packet the next stage works on, offsets from the frame */   \
	uint64_t now;	    /* us; XDP: not set for a GENEVE return until sl_gw_return */      \
	uint32_t port;	    /* ingress port index */                                           \
	uint32_t ifindex;   /* ingress ifindex (XDP) */                                        \
	int32_t reply_port; /* too-big errors: back to the frame's sender (ingress), or -1 */  \
	uint32_t attach;    /* SL_ST_GW_ENCAP: the inspection attachment */                    \
	uint32_t pos;	    /* SL_ST_GW_ENCAP: the position in its chain */                    \
	uint8_t nlb_mode;   /* SL_ST_NLB: SL_NLB_* */                                          \
	uint8_t has_attach; /* the ingress port has an inspection attachment */                \
	uint8_t nat_undo;   /* pi is translated: the shell holds the rewrite back */           \
	uint8_t pad;                                                                           \
	uint32_t nlb_li, nlb_why; /* XDP sl_icmp: the RST answer's listener and drop reason */ \
	uint32_t mtu;		  /* SL_ST_TOO_BIG: what fits the egress port */

struct sl_pktctx {
	SL_PKTCTX_FIELDS
};

/* one layout for both shells' compilers (gcc, clang for the BPF target): no hidden padding */
_Static_assert(__builtin_offsetof(struct sl_pktctx, now) == (sizeof(struct pkt_info) + 7) / 8 * 8,
	       "sl_pktctx layout: pi, then now");
_Static_assert(__builtin_offsetof(struct sl_pktctx, nlb_mode) ==
		       __builtin_offsetof(struct sl_pktctx, now) + 28,
	       "sl_pktctx layout: now, then five 32-bit fields");
_Static_assert(sizeof(struct sl_pktctx) == __builtin_offsetof(struct sl_pktctx, now) + 48,
	       "sl_pktctx layout: four bytes, then three 32-bit fields");

#endif /* SL_CORE_STAGE_H */
