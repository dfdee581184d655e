/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stats.h - the names of every counter a sluice dataplane keeps. Both dataplanes (DPDK and XDP)
 * count with these enums and report these names, so operators and tests see one vocabulary.
 * Names are stable: they appear in JSON output, telemetry and (later) Prometheus metrics.
 */
#ifndef SL_CORE_STATS_H
#define SL_CORE_STATS_H

#include "dataplane/core/compat.h"

/* Why a packet was dropped. One counter each, per lcore / per CPU, summed on read. */
#define SL_DROP_REASONS(X)                                                                         \
	X(PARSE_L2, "parse_l2")			/* truncated Ethernet / VLAN header */             \
	X(PARSE_L3, "parse_l3")			/* bad or truncated IPv4/IPv6 header */            \
	X(PARSE_L4, "parse_l4")			/* truncated TCP/UDP/ICMP header */                \
	X(ETHERTYPE, "unsupported_ethertype")	/* neither IPv4, IPv6 nor ARP */                   \
	X(L2_OTHER_HOST, "l2_other_host")	/* unicast to another MAC address */               \
	X(ARP_INVALID, "arp_invalid")		/* malformed or not for us */                      \
	X(ND_INVALID, "nd_invalid")		/* malformed or unexpected IPv6 ND message */      \
	X(LOCAL_UNHANDLED, "local_unhandled")	/* to one of our addresses, no service for it */   \
	X(NO_ATTACHMENT, "no_attachment")	/* transit traffic on a port with no attachment */ \
	X(NO_ROUTE, "no_route")			/* no connected subnet or route for the dest */    \
	X(NEIGH_UNRESOLVED, "neigh_unresolved") /* next hop MAC unknown (ARP request sent) */      \
	X(NO_TARGET, "no_target")		/* group has no usable target */                   \
	X(ALL_UNHEALTHY_DROP, "all_unhealthy_drop") /* every target unhealthy, policy drop */      \
	X(MTU_EXCEEDED, "mtu_exceeded")		    /* too big to encapsulate; ICMP sent */        \
	X(MTU_EXCEEDED_NO_DF, "mtu_exceeded_no_df") /* too big, IPv4 without DF: no ICMP */        \
	X(GENEVE_TRUNCATED, "geneve_truncated")	    /* lengths do not add up */                    \
	X(GENEVE_VERSION, "geneve_bad_version")	    /* Ver != 0 */                                 \
	X(GENEVE_OAM, "geneve_oam") /* O bit set: control packet, never forwarded */               \
	X(GENEVE_CRITICAL, "geneve_unknown_critical")  /* unknown option with the C bit */         \
	X(GENEVE_OPT_MISSING, "geneve_option_missing") /* a 0x0108 option absent */                \
	X(GENEVE_OPT_LENGTH, "geneve_option_length")   /* a 0x0108 option with a wrong length */   \
	X(GENEVE_OPT_DUPLICATE, "geneve_option_duplicate") /* a 0x0108 option twice */             \
	X(GENEVE_PROTOCOL, "geneve_bad_protocol")	   /* protocol type not IPv4/IPv6 */       \
	X(GENEVE_UDP_CHECKSUM, "geneve_udp_checksum")	   /* non-zero UDP checksum that fails */  \
	X(GENEVE_UNKNOWN_APPLIANCE, "geneve_unknown_appliance") /* outer source not a target */    \
	X(GENEVE_UNKNOWN_ENDPOINT, "geneve_unknown_endpoint")	/* endpoint ID not configured */   \
	X(GENEVE_BAD_COOKIE, "geneve_bad_cookie")		/* cookie not the one we issued */ \
	X(GENEVE_BAD_INNER, "geneve_bad_inner")			/* inner packet does not parse */  \
	X(TX_FULL, "tx_full")					/* TX ring full */                 \
	X(ICMP_RATELIMIT, "icmp_ratelimit") /* ICMP error suppressed by the rate limit */          \
	X(OTHER_ZONE_IP, "other_zone_ip")   /* to another zone's static IP: its node serves it */  \
	X(NLB_NO_LISTENER, "nlb_no_listener")	       /* TCP/UDP to the zone IP, no listener */   \
	X(NLB_UNKNOWN_RESET, "nlb_unknown_flow_reset") /* non-SYN without state, answered RST */   \
	X(NLB_PORTS_EXHAUSTED, "nlb_ports_exhausted")  /* no source-NAT port left */               \
	X(NLB_SESSIONS_FULL, "nlb_sessions_full")      /* no room for a new NAT session */         \
	X(NLB_REPLY_AMBIGUOUS, "nlb_reply_ambiguous")  /* reply, no session, several listeners */  \
	X(NLB_DRAINED, "nlb_drained")		  /* flow of a target drained past its delay */    \
	X(NLB_TERMINATED, "nlb_terminated")	  /* same, connection reset both ways */           \
	X(NLB_ICMP_UNKNOWN, "nlb_icmp_unknown")	  /* ICMP error to us about no known flow */       \
	X(NO_MBUF, "no_mbuf")			  /* mbuf pool empty while building a reply */     \
	X(NLB_RST_RING_FULL, "nlb_rst_ring_full") /* XDP: a termination RST lost, sl_rst full */   \
	X(GENEVE_ICMP, "geneve_icmp_error")	/* ICMP error about our GENEVE to an appliance */  \
	X(KERNEL_RATELIMIT, "kernel_ratelimit") /* to the kernel interface, over exception_rate */ \
	X(KERNEL_TX_FULL, "kernel_tx_full")	/* the kernel interface's queue refused it */      \
	X(ND_IGNORED, "nd_ignored")	  /* valid ND that teaches and asks nothing of ours */     \
	X(NEIGH_BAD_MAC, "neigh_bad_mac") /* ARP/ND sender MAC multicast, broadcast or zero */     \
	X(RX_OVERSIZE, "rx_oversize")	  /* longer than the receiving port's MTU */               \
	X(OWN_UNSENT, "own_frame_unsent") /* a frame of our own (RST, ARP/ND request) not sent */  \
	X(NLB_BAD_TCP_FLAGS, "nlb_bad_tcp_flags") /* SYN+FIN, SYN+RST, NULL, Xmas: no session */   \
	X(NLB_MARTIAN, "nlb_martian_source") /* from 0/8, loopback, multicast, broadcast, ::, ::1  \
					      */                                                   \
	X(FRAG_EARLY, "frag_early") /* non-first fragment to the zone IP, its first unseen */      \
	X(IPV4_CHECKSUM, "ipv4_checksum")	/* IPv4 header checksum wrong (outer, or inner) */ \
	X(MARTIAN_DST, "martian_destination")	/* to ours, a subnet edge, 0/8, 127/8, ... */      \
	X(NEIGH_TABLE_FULL, "neigh_table_full") /* next hop needs an entry, none can be evicted */ \
	X(NEIGH_UNSOLICITED, "neigh_unsolicited") /* ARP/ND of a neighbour with no entry */        \
	X(NLB_REPLY_OTHER_TARGET, "nlb_reply_other_target") /* reply; client has another target */

enum sl_drop {
#define SL_X(e, s) SL_DROP_##e,
	SL_DROP_REASONS(SL_X)
#undef SL_X
		SL_DROP_MAX
};

/* What happened to packets that were not dropped, and other events worth counting. */
#define SL_EVENTS(X)                                                                               \
	X(ENCAP, "geneve_encap")	      /* sent to an appliance */                           \
	X(DECAP, "geneve_decap")	      /* valid return from an appliance */                 \
	X(FORWARD, "forwarded")		      /* left towards its destination after inspection */  \
	X(BYPASS, "bypass")		      /* all-unhealthy with policy bypass: uninspected */  \
	X(FAIL_OPEN, "fail_open")	      /* all-unhealthy: chose among all targets */         \
	X(FLOW_NEW, "flow_new")		      /* new flow table entries */                         \
	X(FLOW_EXPIRED, "flow_expired")	      /* entries found idle past their timeout */          \
	X(FLOW_REBALANCED, "flow_rebalanced") /* moved off a failed / drained target */            \
	X(FLOW_UNPINNED, "flow_unpinned")     /* table full: steered by hash alone, not pinned */  \
	X(ARP_REPLY, "arp_reply")	      /* ARP replies we sent */                            \
	X(ARP_REQUEST, "arp_request")	      /* ARP requests we sent to resolve a next hop */     \
	X(ARP_LEARNED, "arp_learned")	      /* neighbour entries learned or refreshed */         \
	X(ND_ADVERT, "nd_advert")	      /* IPv6 neighbour advertisements we sent */          \
	X(ND_SOLICIT, "nd_solicit")	      /* IPv6 neighbour solicitations we sent */           \
	X(ND_LEARNED, "nd_learned")	      /* IPv6 neighbour entries learned or refreshed */    \
	X(NLB_NEW_FLOW, "nlb_new_flow")	      /* NAT sessions created */                           \
	X(NLB_FORWARD, "nlb_forward")	      /* client -> target, translated */                   \
	X(NLB_REPLY, "nlb_reply")	      /* target -> client, translated back */              \
	X(NLB_ICMP, "nlb_icmp_translated")    /* ICMP errors about a translated flow */            \
	X(NLB_RST, "nlb_rst_sent")	      /* TCP resets we sent */                             \
	X(ICMP_ECHO_REPLY, "icmp_echo_reply") /* pings answered (IPv4 and IPv6) */                 \
	/* docs/nlb.md "In a fleet": mid-flow TCP of no session, a session made; */                \
	/* a target's reply of no session, translated (a session made unless RST) */               \
	X(NLB_ADOPTED, "nlb_adopted")                                                              \
	X(NLB_REPLY_ADOPTED, "nlb_reply_adopted")                                                  \
	X(ICMP_FRAG_NEEDED, "icmp_frag_needed")	 /* IPv4 fragmentation-needed sent */              \
	X(ICMP6_TOO_BIG, "icmp6_packet_too_big") /* IPv6 packet-too-big sent */                    \
	X(KERNEL_IN, "kernel_in")		 /* handed to the port's kernel interface */       \
	X(KERNEL_OUT, "kernel_out")		 /* written by the kernel, sent out of the port */ \
	X(ARP_CONSUMED, "arp_consumed") /* ARP that taught a neighbour and needs no answer */      \
	X(ND_CONSUMED, "nd_consumed")	/* ND that taught a neighbour and needs no answer */       \
	X(FRAG_TRACKED, "frag_tracked") /* fragment table entries written (core/frag.h) */         \
	X(FRAG_TABLE_FULL, "frag_table_full") /* no room: the datagram goes on untracked */

enum sl_event {
#define SL_X(e, s) SL_EV_##e,
	SL_EVENTS(SL_X)
#undef SL_X
		SL_EV_MAX
};

/* The name of drop reason r (as every report spells it), or NULL past the end. User space. */
SL_INLINE const char *stats_drop_name(unsigned int r)
{
	static const char *const names[] = {
#define SL_X(e, s) s,
		SL_DROP_REASONS(SL_X)
#undef SL_X
	};

	return r < SL_DROP_MAX ? names[r] : NULL;
}

/* The name of event e, or NULL past the end. User space. */
SL_INLINE const char *stats_event_name(unsigned int e)
{
	static const char *const names[] = {
#define SL_X(e, s) s,
		SL_EVENTS(SL_X)
#undef SL_X
	};

	return e < SL_EV_MAX ? names[e] : NULL;
}

#endif /* SL_CORE_STATS_H */
