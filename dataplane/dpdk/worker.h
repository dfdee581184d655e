/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker.h - a worker lcore's context and the verbs the packet path modules share: send a
 * frame on a port, drop it with a reason. Everything here is per lcore: no locks.
 */
#ifndef SL_WORKER_H
#define SL_WORKER_H

#include <errno.h>

#include <rte_mbuf.h>

#include "dataplane/core/bucket.h"
#include "dataplane/core/classify.h"
#include "dataplane/core/pkt.h"
#include "dataplane/dpdk/dp.h"
#include "dataplane/dpdk/stats.h"

#define WK_NCACHE    256    /* power of two */
#define WK_NCACHE_US 500000 /* us an lcore's cached MAC is used without the table */

struct wctx {
	unsigned int lcore;
	uint16_t txq;	 /* this worker's TX queue on every port */
	uint16_t n_poll; /* the (port, RX queue) pairs this worker polls */
	struct {
		uint16_t port, queue;
	} poll[DP_MAX_PORTS * DP_MAX_RXQ];
	struct dp_stats *st;
	const struct rt_state *s;
	uint64_t now;	    /* us, dataplane clock */
	struct bucket icmp; /* ICMP errors we send (local.c) */
	struct bucket excp; /* frames to the kernel interfaces (excp.c) */
	/*
	 * IPv4 next hop -> MAC, direct-mapped, valid while gen == neigh_gen() + 1 and now < until
	 * (the table sees each next hop's use at least that often: neigh.h)
	 */
	struct {
		uint32_t addr;
		uint32_t gen;
		struct rte_ether_addr mac;
		uint64_t until;
	} ncache[WK_NCACHE];
	uint16_t n_tx[DP_MAX_PORTS];
	struct rte_mbuf *tx[DP_MAX_PORTS][DP_TX_BUF];
	uint16_t n_ktx[DP_MAX_PORTS]; /* to each port's kernel interface, this round */
	struct rte_mbuf *ktx[DP_MAX_PORTS][DP_BURST];
};

void wk_flush(struct wctx *w, unsigned int port);

static inline void wk_tx(struct wctx *w, unsigned int port, struct rte_mbuf *m)
{
	w->tx[port][w->n_tx[port]++] = m;
	if (w->n_tx[port] == DP_TX_BUF)
		wk_flush(w, port);
}

static inline void wk_drop(struct wctx *w, struct rte_mbuf *m, enum sl_drop r)
{
	w->st->drops[r]++;
	rte_pktmbuf_free(m);
}

/* The node as classification sees it (core/classify.h): this shell's NLB serves both families. */
static inline struct sl_node_view wk_node_view(void)
{
	return (struct sl_node_view){.has_listeners = !!dp.cfg->n_listeners, .nlb_v6 = 1};
}

/* worker.c: lcore entry point */
int worker_main(void *arg);
/* What the node's addresses say of family/addr: PKT_DST_OWN, _EDGE or _OTHER (dp.local). */
static inline unsigned int wk_dst_kind(uint8_t family, const uint8_t *addr)
{
	return sl_dst_pkt_kind(localtab_kind(&dp.local, family, addr));
}

/* local.c: what a host does: ARP, ping, ICMP errors */
void local_arp(struct wctx *w, unsigned int port, struct rte_mbuf *m, const struct pkt_info *pi);
/* a packet sl_classify_ip found ours (SL_CLASS_LOCAL), kind its destination's SL_DST_* */
void local_ip(struct wctx *w, unsigned int port, struct rte_mbuf *m, const struct pkt_info *pi,
	      unsigned int kind);
void local_arp_request(struct wctx *w, unsigned int port, const uint8_t *target);
/*
 * m (packet pi) is too big for its egress port: `verdict` is pkt_egress_mtu's (PKT_MTU_ICMP:
 * send the ICMP error quoting pi, with `mtu` for the packet, and drop m mtu_exceeded;
 * PKT_MTU_NO_DF: drop m mtu_exceeded_no_df). `reply_port` >= 0: out of that port back to the
 * frame's source MAC; < 0: routed to pi's source.
 */
void local_too_big(struct wctx *w, int reply_port, struct rte_mbuf *m, const struct pkt_info *pi,
		   uint16_t mtu, int verdict);
/*
 * Resolve family/addr's MAC (neigh.h neigh_resolve), asking for it when a request is due: 0,
 * -ENOENT (unresolved) or -ENOSPC (no entry and no room for one); local_resolve_drop names the
 * drop reason.
 */
int local_resolve(struct wctx *w, unsigned int port, uint8_t family, const uint8_t *addr,
		  struct rte_ether_addr *mac);

static inline enum sl_drop local_resolve_drop(int ret)
{
	return ret == -ENOSPC ? SL_DROP_NEIGH_TABLE_FULL : SL_DROP_NEIGH_UNRESOLVED;
}

/*
 * excp.c: the exception path. excp_to_kernel: m, received on `port` (which has a kernel
 * interface), goes to that interface (rate-limited; consumed either way). excp_flush: write
 * what is buffered for the port's kernel interface. excp_poll: one burst from each kernel
 * interface's queue of this worker, out of its port; the number of frames.
 */
void excp_to_kernel(struct wctx *w, unsigned int port, struct rte_mbuf *m);
void excp_flush(struct wctx *w, unsigned int port);
unsigned int excp_poll(struct wctx *w);

/* gw.c: the inspection path */
struct nat_rewrite;
void gw_encap(struct wctx *w, int reply_port, struct rte_mbuf *m, const struct pkt_info *pi,
	      unsigned int attach, unsigned int pos);
/* gw_encap of a translated packet: `undo` as for gw_forward_nat. */
void gw_encap_nat(struct wctx *w, int reply_port, struct rte_mbuf *m, const struct pkt_info *pi,
		  unsigned int attach, unsigned int pos, const struct nat_rewrite *undo);
void gw_return(struct wctx *w, unsigned int port, struct rte_mbuf *m, const struct pkt_info *pi);
/* The IPv4 source (network order) of GENEVE sent out of `port`: node.geneve_address or its own. */
uint32_t gw_geneve_src(unsigned int port);
/*
 * Route the IP packet pi (inside m) to its destination unchanged; counts `ev`. Too big for
 * the egress port (pkt_egress_mtu): no `ev`, local_too_big's answer, the error routed to pi's
 * source (docs/dataplane.md "MTU").
 */
void gw_forward(struct wctx *w, struct rte_mbuf *m, const struct pkt_info *pi, enum sl_event ev);
/*
 * gw_forward of a packet that nat_rewrite translated: `undo` translates it back (the packet
 * as it arrived), which is what a too-big error must quote for its sender to know it.
 */
void gw_forward_nat(struct wctx *w, struct rte_mbuf *m, const struct pkt_info *pi, enum sl_event ev,
		    const struct nat_rewrite *undo);

#endif /* SL_WORKER_H */
