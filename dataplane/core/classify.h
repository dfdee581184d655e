/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * classify.h - what a received frame is, decided once for both shells: sluice-dp (dpdk/worker.c,
 * local.c) and the XDP program's entry (bpf/sluice.bpf.c sl_xdp). docs/dataplane.md "Per packet".
 *
 * A shell parses the frame (pkt_parse_eth), looks its destination up in the node's local-address
 * table (a kind SL_DST_*: lib/localtab.h compiles it once for both) and verifies the IPv4 header
 * checksum its own way (NIC flags; a copy on BPF); then it acts on the class these functions
 * return, each shell with its own actions only: sluice-dp answers ARP, ND and ping itself, the
 * XDP program passes them to the kernel after the MAC check (pcaps/<case>/xdp.json).
 *
 * The steps, one function each (a stage dispatcher calls them in this order):
 *   sl_classify_frame      parse result, size, L2 destination     -> DROP, ARP, IP
 *   sl_classify_ip         IP: checksum, destination kind         -> DROP, LOCAL, NLB_TRANSIT,
 *                                                                    GW_ENCAP
 *   sl_classify_local      LOCAL                                  -> GW_RETURN, KERNEL, ND, ECHO,
 *                                                                    NLB_ZONE, NLB_LOCAL, ICMP_ERR
 *   sl_classify_unclaimed  after NLB_LOCAL: what the NLB left     -> ICMP_ERR, KERNEL
 *   sl_classify_encap      after NLB_TRANSIT: what the NLB left   -> GW_ENCAP, DROP
 * `*drop` is the reason of a DROP; of KERNEL and ICMP_ERR, the reason a shell without a kernel
 * interface for the port drops it with.
 */
#ifndef SL_CORE_CLASSIFY_H
#define SL_CORE_CLASSIFY_H

#include "dataplane/core/compat.h"
#include "dataplane/core/geneve.h"
#include "dataplane/core/nd.h"
#include "dataplane/core/pkt.h"
#include "dataplane/core/stats.h"

/*
 * What the node's local-address table says of an address (lib/localtab.h). The first three are
 * core/pkt.h's PKT_DST_* (pkt_dst_martian, nat_new_session_refusal: sl_dst_pkt_kind).
 */
#define SL_DST_OTHER	  PKT_DST_OTHER
#define SL_DST_OWN	  PKT_DST_OWN  /* a port's address */
#define SL_DST_EDGE	  PKT_DST_EDGE /* a port IPv4 subnet's network or broadcast address */
#define SL_DST_ZONE	  3	       /* this node's zone IP (listeners): ours, the NLB's */
#define SL_DST_OTHER_ZONE 4	       /* another zone's IP: its node serves it, dropped here */

/* The PKT_DST_* of a kind: the zone IP is one of ours; another zone's IP is no address of ours. */
SL_INLINE unsigned int sl_dst_pkt_kind(unsigned int kind)
{
	if (kind == SL_DST_ZONE)
		return PKT_DST_OWN;
	return kind == SL_DST_OTHER_ZONE ? PKT_DST_OTHER : kind;
}

enum sl_class {
	SL_CLASS_DROP,	      /* *drop */
	SL_CLASS_IP,	      /* sl_classify_frame: an IP packet for us, sl_classify_ip next */
	SL_CLASS_ARP,	      /* the shell's ARP duties (answer, learn; or the kernel's) */
	SL_CLASS_LOCAL,	      /* to one of our addresses, multicast: sl_classify_local next */
	SL_CLASS_NLB_TRANSIT, /* a target's reply, an ICMP error about a flow? else
				 sl_classify_encap */
	SL_CLASS_GW_ENCAP,    /* transit from a port with an attachment: inspect it */
	SL_CLASS_GW_RETURN,   /* GENEVE to us: an appliance's return */
	SL_CLASS_KERNEL,      /* ours, not sluice's: the kernel's (else dropped *drop) */
	SL_CLASS_ND,	      /* a neighbour solicitation or advertisement */
	SL_CLASS_ECHO,	      /* an echo request to a unicast address of ours */
	SL_CLASS_NLB_ZONE,    /* TCP/UDP to the zone IP: the listeners' (one session lookup) */
	SL_CLASS_NLB_LOCAL,   /* a source-NAT reply or an ICMP error about a session? else
				 sl_classify_unclaimed */
	SL_CLASS_ICMP_ERR,    /* an ICMP error nothing claimed: about our GENEVE
				 (gwlb_icmp_is_geneve) dropped geneve_icmp, else as KERNEL */
};

/* The port a frame came in on, as classification sees it. */
struct sl_port_view {
	const uint8_t *mac; /* its MAC address */
	uint16_t mtu;
	uint8_t has_attach; /* an inspection attachment's `from` names it */
	/* a kernel interface (sluice-dp's TAP) owns its IPv6 link-local address; the XDP program
	 * says 0: its link-local destinations are martian there (docs/xdp.md) */
	uint8_t has_kif;
};

/* The node, as classification sees it. */
struct sl_node_view {
	uint8_t has_listeners; /* the load balancer is on */
	uint8_t nlb_v6;	       /* the shell's load balancer takes IPv6 transit (sluice-dp) */
};

/* The drop reason of pkt_parse_eth's error `ret` (< 0). */
SL_INLINE uint16_t pkt_parse_drop(int ret)
{
	switch (-ret) {
	case PKT_ERR_L3:
		return SL_DROP_PARSE_L3;
	case PKT_ERR_L4:
		return SL_DROP_PARSE_L4;
	case PKT_ERR_ETHERTYPE:
		return SL_DROP_ETHERTYPE;
	default:
		return SL_DROP_PARSE_L2;
	}
}

/* Multicast and broadcast destinations are never transit: ours (ND, routing protocols). */
SL_INLINE int sl_dst_multicast(const struct pkt_info *pi)
{
	if (pi->family == 6)
		return pi->daddr[0] == 0xff;
	return (pi->daddr[0] & 0xf0) == 0xe0 || (pi->daddr[0] == 255 && pi->daddr[1] == 255 &&
						 pi->daddr[2] == 255 && pi->daddr[3] == 255);
}

/* fe80::/10: never transit; on a port with a kernel interface, the kernel's (its link-local). */
SL_INLINE int sl_dst_link_local6(const struct pkt_info *pi)
{
	return pi->family == 6 && pi->daddr[0] == 0xfe && (pi->daddr[1] & 0xc0) == 0x80;
}

/*
 * A frame of `len` bytes that pkt_parse_eth returned `parse_ret` for (0: parsed into pi), with
 * Ethernet destination eth_dst (6 bytes), after the shell's check against PKT_MAX_L2_LEN:
 * DROP (a parse error's reason; rx_oversize; l2_other_host: unicast to another MAC), ARP or IP.
 */
SL_INLINE enum sl_class sl_classify_frame(const struct sl_port_view *p, uint32_t len, int parse_ret,
					  const struct pkt_info *pi, const uint8_t *eth_dst,
					  uint16_t *drop)
{
	uint32_t d4, m4;
	uint16_t d2, m2;

	if (parse_ret) {
		*drop = pkt_parse_drop(parse_ret);
		return SL_CLASS_DROP;
	}
	if (pkt_rx_oversize(len, pi->l3_off, p->mtu)) {
		*drop = SL_DROP_RX_OVERSIZE;
		return SL_CLASS_DROP;
	}
	/* a 4- and a 2-byte load each, not memcmp: BPF has no library call */
	sl_memcpy(&d4, eth_dst, 4);
	sl_memcpy(&m4, p->mac, 4);
	sl_memcpy(&d2, eth_dst + 4, 2);
	sl_memcpy(&m2, p->mac + 4, 2);
	if (!(eth_dst[0] & 1) && ((d4 ^ m4) | (uint32_t)(d2 ^ m2))) {
		*drop = SL_DROP_L2_OTHER_HOST;
		return SL_CLASS_DROP;
	}
	return pi->flags & PKT_F_ARP ? SL_CLASS_ARP : SL_CLASS_IP;
}

/* Transit the load balancer did not claim: inspected if the port has an attachment. */
SL_INLINE enum sl_class sl_classify_encap(const struct sl_port_view *p, uint16_t *drop)
{
	if (!p->has_attach) {
		*drop = SL_DROP_NO_ATTACHMENT;
		return SL_CLASS_DROP;
	}
	return SL_CLASS_GW_ENCAP;
}

/*
 * An IP packet (SL_CLASS_IP), csum_ok 0 if an IPv4 header checksum is wrong (RFC 1812 5.2.2),
 * kind its destination's SL_DST_*: DROP (ipv4_checksum; martian_destination: pkt_dst_martian;
 * other_zone_ip), LOCAL (ours: an address, the zone IP, multicast, a link-local address of a
 * kernel interface), NLB_TRANSIT (the load balancer may own it: listeners, a family it serves)
 * or sl_classify_encap's verdict.
 */
SL_INLINE enum sl_class sl_classify_ip(const struct sl_port_view *p, const struct sl_node_view *n,
				       const struct pkt_info *pi, int csum_ok, unsigned int kind,
				       uint16_t *drop)
{
	if (!csum_ok) {
		*drop = SL_DROP_IPV4_CHECKSUM;
		return SL_CLASS_DROP;
	}
	if (kind == SL_DST_OWN || kind == SL_DST_ZONE || sl_dst_multicast(pi) ||
	    (p->has_kif && sl_dst_link_local6(pi)))
		return SL_CLASS_LOCAL;
	/* never forwarded, inspected or resolved: a subnet's broadcast, 0/8, loopback, ... */
	if (pkt_dst_martian(pi->family, pi->daddr, sl_dst_pkt_kind(kind))) {
		*drop = SL_DROP_MARTIAN_DST;
		return SL_CLASS_DROP;
	}
	if (kind == SL_DST_OTHER_ZONE) {
		*drop = SL_DROP_OTHER_ZONE_IP;
		return SL_CLASS_DROP;
	}
	if (n->has_listeners && (pi->family == 4 || n->nlb_v6))
		return SL_CLASS_NLB_TRANSIT;
	return sl_classify_encap(p, drop);
}

/* Ours and nobody claimed it: an ICMP error (about our GENEVE?) or the kernel's. */
SL_INLINE enum sl_class sl_classify_unclaimed(const struct sl_node_view *n,
					      const struct pkt_info *pi, uint16_t *drop)
{
	*drop = SL_DROP_LOCAL_UNHANDLED;
	if (!(pi->flags & PKT_F_ICMP_ERR))
		return SL_CLASS_KERNEL; /* BGP, BFD, SSH, multicast, ... */
	if (n->has_listeners)
		*drop = SL_DROP_NLB_ICMP_UNKNOWN;
	return SL_CLASS_ICMP_ERR; /* the host's own PMTU errors, ... */
}

/*
 * A packet for us (SL_CLASS_LOCAL), kind its destination's SL_DST_*. A non-first TCP/UDP
 * fragment goes on to the load balancer (its first fragment's ports, core/frag.h; to the zone
 * IP, frag_early without them); other packets without an L4 header are the kernel's.
 */
SL_INLINE enum sl_class sl_classify_local(const struct sl_node_view *n, const struct pkt_info *pi,
					  unsigned int kind, uint16_t *drop)
{
	int tcp_udp = pi->proto == IPPROTO_TCP_ || pi->proto == IPPROTO_UDP_;

	if (!(pi->flags & PKT_F_L4) && !((pi->flags & PKT_F_FRAG_LATER) && tcp_udp))
		return sl_classify_unclaimed(n, pi, drop); /* no L4, no ICMP error: the kernel's */
	if ((pi->flags & PKT_F_L4) && pi->proto == IPPROTO_UDP_ && pi->dport == GENEVE_UDP_PORT)
		return SL_CLASS_GW_RETURN;
	if (pi->proto == IPPROTO_ICMPV6_ && (pi->icmp_type == ND_NS || pi->icmp_type == ND_NA))
		return SL_CLASS_ND;
	/* to our address only: a reply to a group would come from the group address */
	if (((pi->proto == IPPROTO_ICMP_ && pi->family == 4 && pi->icmp_type == 8) ||
	     (pi->proto == IPPROTO_ICMPV6_ && pi->family == 6 && pi->icmp_type == 128)) &&
	    !sl_dst_multicast(pi))
		return SL_CLASS_ECHO;
	if (!n->has_listeners)
		return sl_classify_unclaimed(n, pi, drop);
	if (kind == SL_DST_ZONE && tcp_udp)
		return SL_CLASS_NLB_ZONE; /* one session lookup, either direction */
	/* source-NAT replies, ICMP errors about flows */
	if (!sl_dst_multicast(pi) && (tcp_udp || (pi->flags & PKT_F_ICMP_ERR)))
		return SL_CLASS_NLB_LOCAL;
	return sl_classify_unclaimed(n, pi, drop);
}

#endif /* SL_CORE_CLASSIFY_H */
