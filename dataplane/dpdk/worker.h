/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker.h - a worker lcore's context, the packet in flight, the stage functions the
 * dispatcher (worker.c) runs, and the verbs the packet path modules share: send a frame on a
 * port, drop it with a reason. Everything here is per lcore: no locks.
 */
#ifndef SL_WORKER_H
#define SL_WORKER_H

#include <errno.h>
#include <string.h>

#include <rte_mbuf.h>

#include "dataplane/core/bucket.h"
#include "dataplane/core/classify.h"
#include "dataplane/core/egress.h"
#include "dataplane/core/nat.h"
#include "dataplane/core/pkt.h"
#include "dataplane/core/stage.h"
#include "dataplane/dpdk/dp.h"
#include "dataplane/dpdk/stats.h"

#define WK_NCACHE    256    /* power of two */
#define WK_NCACHE_US 500000 /* us an lcore's cached MAC is used without the table */

/*
 * The packet in flight: core/stage.h's context and what this shell adds. A stage reads it and
 * writes what the next one needs; one per worker (a packet's stages run to SL_ST_DONE before
 * the next packet starts).
 */
struct wk_pkt {
	struct sl_pktctx c;
	struct rte_mbuf *m;
	struct nat_rewrite undo; /* c.nat_undo: translates c.pi back to the packet as it arrived */
	unsigned int kind;	 /* SL_ST_LOCAL: the destination's SL_DST_* */
	int verdict;		 /* SL_ST_TOO_BIG: pkt_egress_mtu's */
	enum sl_event ev;	 /* SL_ST_FORWARD: counted when sent */
	enum sl_stage next;	 /* wk_next_*: the stage a module outside the dispatch chose */
};

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
	struct bucket icmp; /* ICMP errors we send (egress.c) */
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
	struct wk_pkt pkt;	      /* the packet in flight */
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

/* Keep only the IP packet described by pi in m (drop L2 header, VLAN tags, padding). */
static inline void wk_strip_to_l3(struct rte_mbuf *m, const struct pkt_info *pi)
{
	rte_pktmbuf_adj(m, pi->l3_off);
	if (m->pkt_len > pi->l3_len)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - pi->l3_len));
}

/* The node as classification sees it (core/classify.h), compiled at start (local_compile). */
static inline struct sl_node_view wk_node_view(void)
{
	return dp.node_view;
}

/* worker.c: lcore entry point */
int worker_main(void *arg);
/* What the node's addresses say of family/addr: PKT_DST_OWN, _EDGE or _OTHER (dp.local). */
static inline unsigned int wk_dst_kind(uint8_t family, const uint8_t *addr)
{
	return sl_dst_pkt_kind(localtab_kind(&dp.local, family, addr));
}

/* Is addr this node's zone IP (dp.zone)? */
static inline int wk_is_zone_ip(uint8_t family, const uint8_t *addr)
{
	return dp.zone.family && dp.zone.family == family &&
	       !memcmp(dp.zone.addr, addr, family == 4 ? 4 : 16);
}

/* node.geneve_address (the same in every generation), else the port's first IPv4 address */
static inline uint32_t wk_geneve_src(const struct rt_state *s, unsigned int port)
{
	return s->geneve_src ? s->geneve_src : dp.ports[port].addr4;
}

/*
 * The stage functions: each works on the packet in flight (w->pkt) and returns the next stage
 * (core/stage.h); worker.c's dispatcher runs them, so these modules never call each other.
 *
 * local.c: what a host does (ARP, ND, ping, what is ours). local_compile: the per-port address
 * arrays, the zone IP and the node view, from cfg once at start (ports and zones change only
 * with a restart): the packet path never reads the parsed configuration.
 */
void local_compile(const struct config *cfg);
enum sl_stage local_arp(struct wctx *w);       /* SL_ST_ARP */
enum sl_stage local_ip(struct wctx *w);	       /* SL_ST_LOCAL: p->kind its SL_DST_* */
enum sl_stage local_unclaimed(struct wctx *w); /* SL_ST_UNCLAIMED */

/* gw.c: the inspection path */
enum sl_stage gw_encap(struct wctx *w);	 /* SL_ST_GW_ENCAP: c.attach, c.pos, c.reply_port */
enum sl_stage gw_return(struct wctx *w); /* SL_ST_GW_RETURN */

/*
 * egress.c: route, neighbour, MTU. eg_forward: SL_ST_FORWARD, the packet to its destination,
 * counting p->ev (too big: SL_ST_TOO_BIG, the error routed to its source). eg_too_big:
 * SL_ST_TOO_BIG, the ICMP error for a packet over p->c.mtu (p->verdict, pkt_egress_mtu's),
 * quoting it as it arrived (translated back when c.nat_undo), back out of c.reply_port to the
 * frame's sender when >= 0, else routed to its source. eg_send_own: a frame this node built
 * (a RST) in r, not the packet in flight, to its destination (any failure: own_unsent).
 */
enum sl_stage eg_forward(struct wctx *w);
enum sl_stage eg_too_big(struct wctx *w);
void eg_send_own(struct wctx *w, struct rte_mbuf *r, const struct pkt_info *pi, enum sl_event ev);
/*
 * The MAC of family/addr, a next hop out of `port` (neigh.h neigh_resolve), asking for it when
 * a request is due: EGRESS_HOP_OK, EGRESS_NEIGH_UNRESOLVED or EGRESS_NEIGH_FULL (core/egress.h).
 */
unsigned int eg_resolve(struct wctx *w, unsigned int port, uint8_t family, const uint8_t *addr,
			struct rte_ether_addr *mac);

/*
 * For a stage outside this shell's modules (nlb.c): the packet in flight m goes on as pi (a
 * copy is taken) to SL_ST_FORWARD counting ev, or to SL_ST_GW_ENCAP (attachment attach,
 * chain position pos, too-big errors out of reply_port or routed: -1); undo, when not NULL,
 * translates pi back to the packet as it arrived. The stage returns, and the dispatcher runs
 * w->pkt.next.
 */
static inline void wk_next_forward(struct wctx *w, struct rte_mbuf *m, const struct pkt_info *pi,
				   enum sl_event ev, const struct nat_rewrite *undo)
{
	struct wk_pkt *p = &w->pkt;

	p->m = m;
	if (pi != &p->c.pi) /* the stage may hand on the packet as it got it */
		p->c.pi = *pi;
	p->ev = ev;
	p->c.nat_undo = !!undo;
	if (undo)
		p->undo = *undo;
	p->next = SL_ST_FORWARD;
}

static inline void wk_next_encap(struct wctx *w, int reply_port, struct rte_mbuf *m,
				 const struct pkt_info *pi, unsigned int attach, unsigned int pos,
				 const struct nat_rewrite *undo)
{
	struct wk_pkt *p = &w->pkt;

	p->m = m;
	if (pi != &p->c.pi) /* the stage may hand on the packet as it got it */
		p->c.pi = *pi;
	p->c.reply_port = reply_port;
	p->c.attach = attach;
	p->c.pos = pos;
	p->c.nat_undo = !!undo;
	if (undo)
		p->undo = *undo;
	p->next = SL_ST_GW_ENCAP;
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

#endif /* SL_WORKER_H */
