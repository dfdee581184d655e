/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker.c - the packet loop: RX bursts from every (port, queue) this worker owns, each packet
 * run through its stages (core/stage.h: classify, then the stage each one returns, until done),
 * TX buffered per port and flushed after each burst; then one burst from each kernel interface
 * (excp.c). Reports RCU quiescence after every round; with --idle-sleep, a round that received
 * nothing sleeps.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_prefetch.h>

#include "dataplane/core/csum.h"
#include "dataplane/dpdk/events.h"
#include "dataplane/dpdk/nlb.h"
#include "dataplane/dpdk/worker.h"

#define WK_PREFETCH 3

void wk_flush(struct wctx *w, unsigned int port)
{
	uint16_t n = w->n_tx[port], sent, i;
	uint64_t bytes = 0;

	if (!n)
		return;
	sent = rte_eth_tx_burst(dp.ports[port].port_id, w->txq, w->tx[port], n);
	for (i = 0; i < sent; i++)
		bytes += w->tx[port][i]->pkt_len;
	w->st->tx_pkts[port] += sent;
	w->st->tx_bytes[port] += bytes;
	for (i = sent; i < n; i++)
		wk_drop(w, w->tx[port][i], SL_DROP_TX_FULL);
	w->n_tx[port] = 0;
}

/*
 * RFC 1812 5.2.2: the IPv4 header checksum of every packet, before anything else looks at it.
 * A NIC that checked it says so in ol_flags (RX_IP_CKSUM_GOOD / BAD; NONE: the header was
 * verified, the field in the data may be stale), port.c enabling the offload where offered;
 * else (UNKNOWN: net_pcap, af_packet, ...) the 20-60 bytes are summed here.
 */
static inline int wk_ipv4_csum_ok(const struct rte_mbuf *m, const uint8_t *ip)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	if (f == RTE_MBUF_F_RX_IP_CKSUM_GOOD || f == RTE_MBUF_F_RX_IP_CKSUM_NONE)
		return 1;
	if (f == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return 0;
	return csum_ipv4_hdr_ok(ip, (uint32_t)(ip[0] & 0x0f) * 4);
}

static inline uint64_t wk_clock(const struct rte_mbuf *m, uint64_t fallback)
{
	if (dp.pcap_clock && (m->ol_flags & dp.ts_flag))
		return *RTE_MBUF_DYNFIELD(m, dp.ts_offset, const uint64_t *);
	return fallback;
}

/*
 * SL_ST_CLASSIFY: count, parse, classify the frame (core/classify.h): its first stage, or
 * SL_ST_DONE (dropped). Fills the packet in flight (w->pkt).
 */
static inline enum sl_stage wk_classify(struct wctx *w, unsigned int port, struct rte_mbuf *m)
{
	const struct dp_port *p = &dp.ports[port];
	const struct sl_port_view pv = {
		.mac = p->mac.addr_bytes,
		.mtu = p->mtu,
		.has_attach = p->attach >= 0,
		.has_kif = p->has_kif,
	};
	const struct sl_node_view nv = wk_node_view();
	struct wk_pkt *k = &w->pkt;
	struct pkt_info *pi = &k->c.pi;
	const uint8_t *data;
	enum sl_class c;
	uint16_t drop;
	int ret;

	w->st->rx_pkts[port]++;
	w->st->rx_bytes[port] += m->pkt_len;
	if (dp.pcap_clock) {
		w->now = wk_clock(m, w->now);
		if (dp.next_event < dp.n_events)
			w->s = events_apply(w->now, w->s);
	}
	k->m = m;
	k->c.port = port;
	k->c.reply_port = (int32_t)port;
	k->c.nat_undo = 0;
	k->kind = SL_DST_OTHER;
	/* longer than any header plus the MTU: it would not fit an mbuf's data room either */
	if (unlikely(pkt_rx_oversize(m->pkt_len, PKT_MAX_L2_LEN, p->mtu))) {
		wk_drop(w, m, SL_DROP_RX_OVERSIZE);
		return SL_ST_DONE;
	}
	if (unlikely(m->nb_segs > 1) && rte_pktmbuf_linearize(m)) {
		wk_drop(w, m, SL_DROP_NO_MBUF);
		return SL_ST_DONE;
	}
	data = rte_pktmbuf_mtod(m, const uint8_t *);
	ret = pkt_parse_eth(data, data + m->data_len, pi);
	c = sl_classify_frame(&pv, m->pkt_len, ret, pi, data, &drop);
	if (unlikely(c == SL_CLASS_ARP))
		return SL_ST_ARP;
	if (likely(c == SL_CLASS_IP)) {
		k->kind = localtab_kind(&dp.local, pi->family, pi->daddr);
		c = sl_classify_ip(&pv, &nv, pi,
				   pi->family != 4 || wk_ipv4_csum_ok(m, data + pi->l3_off),
				   k->kind, &drop);
	}
	if (c == SL_CLASS_LOCAL)
		return SL_ST_LOCAL;
	/* a target's reply (of a session, or to adopt), or an ICMP error about a session */
	if (c == SL_CLASS_NLB_TRANSIT) {
		k->c.nlb_mode = SL_NLB_TRANSIT;
		return SL_ST_NLB;
	}
	if (unlikely(c == SL_CLASS_DROP)) {
		wk_drop(w, m, (enum sl_drop)drop);
		return SL_ST_DONE;
	}
	k->c.attach = (uint32_t)p->attach;
	k->c.pos = 0;
	return SL_ST_GW_ENCAP;
}

/*
 * SL_ST_NLB: the load balancer (nlb.c) by the packet's SL_NLB_* mode. nlb.c consumes the
 * packet (sent on, via wk_next_*: w->pkt.next; else dropped) or leaves it: then, ours, the host
 * sorts it (SL_ST_UNCLAIMED); in transit, it may be a target's reply to adopt.
 */
static inline enum sl_stage wk_nlb(struct wctx *w)
{
	struct wk_pkt *k = &w->pkt;

	k->next = SL_ST_DONE;
	switch (k->c.nlb_mode) {
	case SL_NLB_ZONE:
	case SL_NLB_INSPECTED:
		nlb_to_zone_ip(w, k->c.reply_port, k->m, &k->c.pi,
			       k->c.nlb_mode == SL_NLB_INSPECTED);
		return k->next;
	case SL_NLB_LOCAL:
		if (nlb_try_session(w, k->c.reply_port, k->m, &k->c.pi))
			return k->next;
		return SL_ST_UNCLAIMED;
	default:
		if (nlb_try_session(w, k->c.reply_port, k->m, &k->c.pi))
			return k->next;
		return SL_ST_NLB_REPLY;
	}
}

/* SL_ST_NLB_REPLY: a transit packet no session took: a target's reply to adopt, else inspected. */
static inline enum sl_stage wk_nlb_reply(struct wctx *w)
{
	const struct dp_port *p = &dp.ports[w->pkt.c.port];
	const struct sl_port_view pv = {.has_attach = p->attach >= 0};
	struct wk_pkt *k = &w->pkt;
	uint16_t drop;

	k->next = SL_ST_DONE;
	if (nlb_reply_adopt(w, k->c.reply_port, k->m, &k->c.pi))
		return k->next;
	if (sl_classify_encap(&pv, &drop) == SL_CLASS_DROP) {
		wk_drop(w, k->m, (enum sl_drop)drop);
		return SL_ST_DONE;
	}
	k->c.attach = (uint32_t)p->attach;
	k->c.pos = 0;
	return SL_ST_GW_ENCAP;
}

/*
 * The dispatcher: one packet through its stages (core/stage.h), each returning the next. A
 * switch over direct calls: no indirect call per packet.
 */
static void wk_packet(struct wctx *w, unsigned int port, struct rte_mbuf *m)
{
	enum sl_stage st = wk_classify(w, port, m);

	while (st != SL_ST_DONE) {
		switch (st) {
		case SL_ST_GW_ENCAP:
			st = gw_encap(w);
			break;
		/*
		 * LOCAL -> NLB -> FORWARD (the zone IP's established flows) falls through
		 * from stage to stage: no dispatch between them.
		 */
		case SL_ST_LOCAL:
			st = local_ip(w);
			if (st != SL_ST_NLB)
				break;
			/* fall through */
		case SL_ST_NLB:
			st = wk_nlb(w);
			if (st != SL_ST_FORWARD)
				break;
			/* fall through */
		case SL_ST_FORWARD:
			st = eg_forward(w);
			break;
		case SL_ST_GW_RETURN:
			st = gw_return(w);
			break;
		case SL_ST_NLB_REPLY:
			st = wk_nlb_reply(w);
			break;
		case SL_ST_UNCLAIMED:
			st = local_unclaimed(w);
			break;
		case SL_ST_ARP:
			st = local_arp(w);
			break;
		case SL_ST_TOO_BIG:
			st = eg_too_big(w);
			break;
		default: /* SL_ST_ICMP, SL_ST_NLB_TERM: inside nlb.c on this shell */
			wk_drop(w, w->pkt.m, SL_DROP_LOCAL_UNHANDLED);
			st = SL_ST_DONE;
			break;
		}
	}
}

int worker_main(void *arg)
{
	struct wctx *w = arg;
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int p, q, i, got;
	uint16_t n;

	rte_rcu_qsbr_thread_register(dp.qsbr, w->lcore);
	rte_rcu_qsbr_thread_online(dp.qsbr, w->lcore);
	while (!__atomic_load_n(&dp.stop, __ATOMIC_RELAXED)) {
		/* proof of life for the liveness op (a stuck loop stops stamping) */
		__atomic_store_n(&w->st->heartbeat_tsc, rte_get_tsc_cycles(), __ATOMIC_RELAXED);
		if (!dp.pcap_clock) {
			w->now = dp_tsc_to_us(rte_get_tsc_cycles());
			w->s = __atomic_load_n(&dp.state, __ATOMIC_ACQUIRE);
		} else if (!w->s) {
			w->s = __atomic_load_n(&dp.state, __ATOMIC_ACQUIRE);
		}
		got = 0;
		for (q = 0; q < w->n_poll; q++) {
			p = w->poll[q].port;
			n = rte_eth_rx_burst(dp.ports[p].port_id, w->poll[q].queue, pkts, DP_BURST);
			if (!n)
				continue;
			got += n;
			for (i = 0; i < n && i < WK_PREFETCH; i++)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
			for (i = 0; i < n; i++) {
				if (i + WK_PREFETCH < n)
					rte_prefetch0(
						rte_pktmbuf_mtod(pkts[i + WK_PREFETCH], void *));
				wk_packet(w, p, pkts[i]);
			}
		}
		got += excp_poll(w);
		for (p = 0; p < dp.n_ports; p++) {
			excp_flush(w, p);
			wk_flush(w, p);
		}
		rte_rcu_qsbr_quiescent(dp.qsbr, w->lcore);
		if (!got && dp.idle_sleep_us)
			rte_delay_us_sleep(dp.idle_sleep_us);
	}
	for (p = 0; p < dp.n_ports; p++) {
		excp_flush(w, p);
		wk_flush(w, p);
	}
	rte_rcu_qsbr_thread_offline(dp.qsbr, w->lcore);
	rte_rcu_qsbr_thread_unregister(dp.qsbr, w->lcore);
	return 0;
}
