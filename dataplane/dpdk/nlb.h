/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nlb.h - the load balancer (docs/nlb.md): listeners on this node's zone IP, target choice by
 * Maglev, destination / source NAT with sessions, ICMP error translation, inspect-then-balance.
 */
#ifndef SL_NLB_H
#define SL_NLB_H

#include <stddef.h>

#include "dataplane/dpdk/worker.h"

/* Zone addresses and sessions; call after the ports and tables are set up. */
int nlb_init(char *err, size_t errlen);
void nlb_free(void);

/*
 * A TCP/UDP packet to the zone IP, or any packet to it back from inspection (`inspected`):
 * balance it (or send it through the listener's inspection first unless `inspected`); no
 * listener's (not TCP/UDP, or no listener on its port): a session's reply or ICMP error, else
 * dropped nlb_no_listener. Consumes m.
 */
void nlb_to_zone_ip(struct wctx *w, int in_port, struct rte_mbuf *m, const struct pkt_info *pi,
		    int inspected);
/*
 * A packet that may belong to a session as a target's reply (or an ICMP error about one):
 * returns 1 when it did (m consumed), 0 otherwise (m untouched).
 */
int nlb_try_session(struct wctx *w, int in_port, struct rte_mbuf *m, const struct pkt_info *pi);
/*
 * A TCP/UDP packet in transit (not to one of our addresses), arrived on in_port, that no
 * session took: a target's reply for a session this node never saw (docs/nlb.md "In a
 * fleet")? When the generation's reply table names exactly one destination-NAT listener for
 * its source address and port, the session is made as if its client packet had been seen
 * (none for a RST) and the reply translated (nlb_reply_adopted); several: dropped
 * nlb_reply_ambiguous. Not on a port with an inspection attachment (core/nlb.h): such a
 * port's traffic is inspected as before. Returns 1 when m was consumed, 0 when the packet is
 * no such reply (m untouched).
 */
int nlb_reply_adopt(struct wctx *w, int in_port, struct rte_mbuf *m, const struct pkt_info *pi);
/* sesstab_sweep when the NLB is configured (main lcore). */
struct sweep;
void nlb_sweep(uint64_t now_us, struct sweep *sw);

#endif /* SL_NLB_H */
