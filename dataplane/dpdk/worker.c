/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker.c - the packet loop: RX bursts from every (port, queue) this worker owns, one pass per
 * packet (parse, classify, local duty or inspection path), TX buffered per port and flushed
 * after each burst; then one burst from each kernel interface (excp.c). Reports RCU quiescence
 * after every round; with --idle-sleep, a round that received nothing sleeps.
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

/* Classification (core/classify.h), then this shell's action for the class. */
static void wk_packet(struct wctx *w, unsigned int port, struct rte_mbuf *m)
{
	const struct dp_port *p = &dp.ports[port];
	const struct sl_port_view pv = {
		.mac = p->mac.addr_bytes,
		.mtu = p->mtu,
		.has_attach = p->attach >= 0,
		.has_kif = p->has_kif,
	};
	const struct sl_node_view nv = wk_node_view();
	struct pkt_info pi;
	const uint8_t *data;
	unsigned int kind = SL_DST_OTHER;
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
	/* longer than any header plus the MTU: it would not fit an mbuf's data room either */
	if (unlikely(pkt_rx_oversize(m->pkt_len, PKT_MAX_L2_LEN, p->mtu))) {
		wk_drop(w, m, SL_DROP_RX_OVERSIZE);
		return;
	}
	if (unlikely(m->nb_segs > 1) && rte_pktmbuf_linearize(m)) {
		wk_drop(w, m, SL_DROP_NO_MBUF);
		return;
	}
	data = rte_pktmbuf_mtod(m, const uint8_t *);
	ret = pkt_parse_eth(data, data + m->data_len, &pi);
	c = sl_classify_frame(&pv, m->pkt_len, ret, &pi, data, &drop);
	if (unlikely(c == SL_CLASS_ARP)) {
		local_arp(w, port, m, &pi);
		return;
	}
	if (likely(c == SL_CLASS_IP)) {
		kind = localtab_kind(&dp.local, pi.family, pi.daddr);
		c = sl_classify_ip(&pv, &nv, &pi,
				   pi.family != 4 || wk_ipv4_csum_ok(m, data + pi.l3_off), kind,
				   &drop);
	}
	if (c == SL_CLASS_LOCAL) {
		local_ip(w, port, m, &pi, kind);
		return;
	}
	/* a target's reply (of a session, or to adopt), or an ICMP error about a session */
	if (c == SL_CLASS_NLB_TRANSIT) {
		if (nlb_try_session(w, (int)port, m, &pi) || nlb_reply_adopt(w, (int)port, m, &pi))
			return;
		c = sl_classify_encap(&pv, &drop);
	}
	if (unlikely(c == SL_CLASS_DROP)) {
		wk_drop(w, m, (enum sl_drop)drop);
		return;
	}
	gw_encap(w, (int)port, m, &pi, (unsigned int)p->attach, 0);
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
