/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp.h - the state of sluice-dp shared by its modules.
 *
 * Static for the process lifetime: ports, routes, the flow and neighbour tables.
 * Swapped by generation (RCU): struct rt_state (rt_model.h), the target states and Maglev tables.
 * Workers read dp.state once per burst and report quiescence to dp.qsbr after each burst; writers
 * publish a new generation and free the old one after rte_rcu_qsbr_synchronize().
 */
#ifndef SL_DP_H
#define SL_DP_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "dataplane/lib/config.h"
#include "dataplane/lib/localtab.h"
#include "dataplane/core/stats.h"
#include "dataplane/lib/rt_model.h"

#define DP_BURST     32
#define DP_MAX_PORTS 16
#define DP_TX_BUF    (DP_BURST * 2)
#define DP_MAX_RXQ   16 /* RX queues per port */

/* An address of a port (or the zone IP), compiled from the configuration (local_compile). */
struct dp_addr {
	uint8_t family;	  /* 4 or 6 */
	uint8_t plen;	  /* prefix length: the port's subnet */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
};

struct dp_port {
	uint16_t port_id;
	uint16_t mtu;
	uint16_t n_rxq;
	uint16_t n_txq;
	struct rte_ether_addr mac;
	uint32_t addr4;	   /* first IPv4 address, network order; 0 if none */
	uint8_t addr6[16]; /* first IPv6 address */
	uint8_t has6;
	int attach; /* inspection attachment whose `from` names this port, or -1 */
	/* ARP/ND: the port's addresses (its subnets), and whether the zone IP lives here */
	uint8_t n_addrs;
	uint8_t zone_here;
	struct dp_addr addrs[CFG_PORT_ADDRS_MAX];
	char name[CFG_NAME_MAX];
	/* exception path (excp.c): the port's kernel interface, a net_tap ethdev */
	uint8_t has_kif;
	uint16_t kif_id;
};

/* Per-lcore counters: plain increments, summed on read. */
struct dp_stats {
	uint64_t drops[SL_DROP_MAX];
	uint64_t events[SL_EV_MAX];
	uint64_t rx_pkts[DP_MAX_PORTS], rx_bytes[DP_MAX_PORTS];
	uint64_t tx_pkts[DP_MAX_PORTS], tx_bytes[DP_MAX_PORTS];
	uint64_t *t_pkts, *t_bytes, *t_flows;		/* [dp.n_targets_total], by gidx */
	uint64_t *t_returns;				/* GENEVE returns accepted, by gidx */
	uint64_t *l_pkts, *l_bytes, *l_flows, *l_drops; /* [listeners] */
	uint64_t *l_dreasons;				/* [listeners][SL_DROP_MAX] */
	uint64_t last_rx_tsc;
	uint64_t heartbeat_tsc; /* stamped every loop round: the liveness op's proof of life */
} __rte_cache_aligned;

struct evfile_event; /* evfile.h */

struct dp {
	struct config *cfg;
	struct dp_port ports[DP_MAX_PORTS];
	unsigned int n_ports;
	struct localtab local; /* the node's addresses, zone IPs, subnet edges (lib/localtab.h) */
	/* compiled at start (local_compile): what the packet path reads instead of dp.cfg */
	struct dp_addr zone;	       /* this node's zone IP; family 0: none */
	struct sl_node_view node_view; /* core/classify.h */
	uint64_t excp_rate;	       /* node.exception_rate (excp.c) */
	uint32_t maglev_size;
	uint32_t n_targets_total; /* counter slots: n_groups * RT_SLOTS */
	/*
	 * Per counter slot (gidx), written by the control path when a target takes the slot:
	 * the tag of its occupant (sessions of an older one do not count as its closed flows)
	 * and the counters' values then (subtracted on read: a new target starts at zero).
	 */
	uint32_t *t_tag;
	uint64_t (*t_base)[5]; /* packets, bytes, new flows, closed sessions, returns */
	uint8_t secret[16];

	struct rt_state *volatile state;
	struct rte_rcu_qsbr *qsbr;
	struct rte_mempool *pool;
	struct rte_hash *flows;	    /* flowtab.c */
	uint64_t *flow_vals;	    /* indexed by hash position */
	struct route_table *routes; /* route.c */

	/* replay */
	int pcap_clock;
	int ts_offset; /* mbuf dynfield of the rx timestamp, -1 if none */
	uint64_t ts_flag;
	struct evfile_event *events;
	unsigned int n_events;
	struct rt_state **event_states; /* event_states[i]: the state after event i */
	unsigned int next_event;

	unsigned int n_workers;
	uint32_t idle_sleep_us; /* --idle-sleep: a worker whose round got nothing sleeps */
	struct dp_stats *stats; /* [RTE_MAX_LCORE] */
	volatile int stop;
	volatile int stopping; /* SIGTERM with node.drain_time: forwarding until the drain ends */
	uint64_t run_start_tsc, run_stop_tsc; /* workers launched / stopped */
	uint64_t tsc_hz;
};

extern struct dp dp;

/* TSC cycles to us: tsc * 1000000 would overflow after a few hours of uptime. */
static inline uint64_t dp_tsc_to_us(uint64_t tsc)
{
	return tsc / dp.tsc_hz * 1000000 + tsc % dp.tsc_hz * 1000000 / dp.tsc_hz;
}

#endif /* SL_DP_H */
