/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nlb.h - the load balancer's decisions about packets of flows this node has no session for,
 * made identically by both dataplanes (docs/nlb.md "In a fleet"): in a fleet, ECMP may hand
 * any packet of a flow to a node that never saw its first one. Header-only, pure C.
 *
 * Client packets (to a listener, no session): nlb_client_verdict.
 *
 * Target replies (no session): a reply from target T of a destination-NAT listener L
 * identifies L, and so the session it belongs to, when T's address and the reply's source
 * port p name exactly one (L, T) pair. For each DNAT listener L (group G) and each candidate
 * target T of G (present, in this node's zone or cross-zone), a reply from T with source
 * port p matches L when
 *   T.port != 0 and T.port == p                    (listener port: L.port), or
 *   T.port == 0 and L.port == p                    (listener port: p), or
 *   T.port == 0 and L is an all-ports listener     (listener port: p).
 * A fixed-port target of an all-ports listener matches too, but its listener port cannot be
 * known (any port could have been the client's): such a reply is ambiguous.
 * The control path turns every (L, T) pair into one entry of a lookup table keyed by
 * (protocol, T's address, source port or 0 = any), nlb_reply_key; two pairs with one key
 * make it ambiguous (nlb_reply_merge). Per packet, nlb_reply_resolve reads the entry of the
 * reply's exact source port and the any-port entry of its source address.
 *
 * SL_INLINE int nlb_client_verdict(uint8_t proto, uint8_t tcp_flags, int reset);
 * SL_INLINE int nlb_reply_key(uint16_t tport, uint16_t lport, struct nlb_reply_owner *o);
 * SL_INLINE void nlb_reply_merge(struct nlb_reply_owner *have,
 *                                const struct nlb_reply_owner *add);
 * SL_INLINE int nlb_reply_resolve(const struct nlb_reply_owner *exact,
 *                                 const struct nlb_reply_owner *any, uint16_t sport,
 *                                 struct nlb_reply_owner *out);
 * SL_INLINE int nlb_reply_keeps(uint8_t proto, uint8_t tcp_flags);
 */
#ifndef SL_CORE_NLB_H
#define SL_CORE_NLB_H

#include "dataplane/core/compat.h"
#include "dataplane/core/nat.h"
#include "dataplane/core/pkt.h"

#define NLB_TCP_FIN 0x01
#define NLB_TCP_SYN 0x02
#define NLB_TCP_RST 0x04
#define NLB_TCP_ACK 0x10

/*
 * NAT sessions (docs/nlb.md "Sessions"): both shells key a session's two directions by this
 * record, the packet as it reads (IPv4 or IPv6): sluice-dp's rte_hash (dataplane/dpdk/sesstab.h,
 * one object reached by both keys) and sluice-xdp's sl_sess (one entry per key). Zero the pad.
 */
struct nlb_sess_key {
	uint8_t family; /* 4 or 6 */
	uint8_t proto;
	uint16_t sport; /* host order */
	uint16_t dport;
	uint8_t pad[2];
	uint8_t saddr[16]; /* network order; IPv4 in the first 4 bytes, the rest zero */
	uint8_t daddr[16];
};
_Static_assert(sizeof(struct nlb_sess_key) == 40, "nlb_sess_key: the session tables' key");

#define NLB_DIR_CLIENT 0 /* client -> zone IP: rewrite towards the target */
#define NLB_DIR_REPLY  1 /* target -> client (DNAT) or -> node IP:nport (SNAT): rewrite back */

#define NLB_SF_CLOSING 0x01 /* FIN or RST seen: short life (NLB_CLOSING_US) */
#define NLB_SF_SNAT    0x02 /* owns a source-NAT port */
#define NLB_SF_TERM    0x04 /* connection_termination: refused TCP packets get a RST each way */

#define NLB_CLOSING_US (10ull * 1000000) /* a closing session's idle time at most */

/* The session key of a packet of pi's family and protocol from saddr:sport to daddr:dport. */
SL_INLINE void nlb_sess_key_set(const struct pkt_info *pi, const uint8_t *saddr, uint16_t sport,
				const uint8_t *daddr, uint16_t dport, struct nlb_sess_key *k)
{
	sl_memset(k, 0, sizeof(*k));
	k->family = pi->family;
	k->proto = pi->proto;
	k->sport = sport;
	k->dport = dport;
	sl_memcpy(k->saddr, saddr, 16);
	sl_memcpy(k->daddr, daddr, 16);
}

/* The session key of the packet pi (addresses, ports, protocol as it reads). */
SL_INLINE void nlb_sess_key_of(const struct pkt_info *pi, struct nlb_sess_key *k)
{
	nlb_sess_key_set(pi, pi->saddr, pi->sport, pi->daddr, pi->dport, k);
}

/*
 * The session key of the packet an ICMP error quotes (q, pkt_parse_embedded), the other way
 * round: the quote went one way (out of the node), its session key is the other's.
 */
SL_INLINE void nlb_sess_key_quoted(const struct pkt_info *q, struct nlb_sess_key *k)
{
	nlb_sess_key_set(q, q->daddr, q->dport, q->saddr, q->sport, k);
}

/*
 * A new session of the client packet pi to the target at taddr (16 bytes, IPv4 in the first
 * 4), port tport: destination NAT (docs/nlb.md "Sessions"). Writes whole: ck, rk the keys of
 * the client's packets and of the target's replies; crw, rrw the rewrites of each direction
 * (client -> target; reply back from the zone IP and listener port). nlb_sess_snat adds
 * source NAT.
 */
SL_INLINE void nlb_sess_build(const struct pkt_info *pi, const uint8_t *taddr, uint16_t tport,
			      struct nlb_sess_key *ck, struct nlb_sess_key *rk,
			      struct nat_rewrite *crw, struct nat_rewrite *rrw)
{
	nlb_sess_key_of(pi, ck);
	nlb_sess_key_set(pi, taddr, tport, pi->saddr, pi->sport, rk);
	sl_memset(crw, 0, sizeof(*crw));
	crw->family = pi->family;
	crw->set_dst = 1;
	sl_memcpy(crw->daddr, taddr, 16);
	crw->dport = tport;
	sl_memset(rrw, 0, sizeof(*rrw));
	rrw->family = pi->family;
	rrw->set_src = 1;
	sl_memcpy(rrw->saddr, pi->daddr, 16);
	rrw->sport = pi->dport;
}

/*
 * Source NAT (preserve_client_ip: false) on the session nlb_sess_build made for pi: the
 * client's packets leave from naddr:nport (the egress port's address, 16 bytes; it may be
 * rk->daddr already, as the XDP path's port search leaves it), so the target replies there
 * (rk) and the reply goes back to the client.
 */
SL_INLINE void nlb_sess_snat(const struct pkt_info *pi, const uint8_t *naddr, uint16_t nport,
			     struct nlb_sess_key *rk, struct nat_rewrite *crw,
			     struct nat_rewrite *rrw)
{
	crw->set_src = 1;
	sl_memcpy(crw->saddr, naddr, 16);
	crw->sport = nport;
	if (naddr != rk->daddr)
		sl_memcpy(rk->daddr, naddr, 16);
	rk->dport = nport;
	rrw->set_dst = 1;
	sl_memcpy(rrw->daddr, pi->saddr, 16);
	rrw->dport = pi->sport;
}

/*
 * The client packet a target's reply answers (reply adoption, nlb_reply_resolve's lport):
 * client -> zone IP (the reply's family size):lport, the rest of the reply's pi as it is.
 */
SL_INLINE void nlb_reply_client(const struct pkt_info *reply, const uint8_t *zone, uint16_t lport,
				struct pkt_info *cpi)
{
	*cpi = *reply;
	sl_memcpy(cpi->saddr, reply->daddr, 16);
	cpi->sport = reply->dport;
	sl_memset(cpi->daddr, 0, 16);
	if (reply->family == 4)
		sl_memcpy(cpi->daddr, zone, 4);
	else
		sl_memcpy(cpi->daddr, zone, 16);
	cpi->dport = lport;
}

/* A group's tcp_unknown_flow (struct cfg_group.tcp_unknown_reset): adopt (0) or reset (1). */

/* What a client packet of a listener that finds no session gets. */
enum nlb_client {
	NLB_CLIENT_NEW = 0, /* a new flow (TCP SYN without ACK, any UDP): a session, nlb_new_flow */
	NLB_CLIENT_ADOPT,   /* a non-SYN TCP segment adopted: a session as for a new flow,
			     * nlb_new_flow and nlb_adopted */
	NLB_CLIENT_RESET,   /* tcp_unknown_flow reset: a RST to the client, dropped
			     * nlb_unknown_flow_reset */
	NLB_CLIENT_DROP_RST, /* a RST of no flow: nothing to answer, dropped
			      * nlb_unknown_flow_reset */
};

/* The verdict on a TCP/UDP client packet without a session; reset: the group's switch. */
SL_INLINE int nlb_client_verdict(uint8_t proto, uint8_t tcp_flags, int reset)
{
	if (proto != IPPROTO_TCP_ || (tcp_flags & (NLB_TCP_SYN | NLB_TCP_ACK)) == NLB_TCP_SYN)
		return NLB_CLIENT_NEW;
	if (tcp_flags & NLB_TCP_RST)
		return NLB_CLIENT_DROP_RST;
	return reset ? NLB_CLIENT_RESET : NLB_CLIENT_ADOPT;
}

#define NLB_RO_AMBIGUOUS 0x01 /* several (listener, target) pairs, or no knowable port */
#define NLB_RO_VALID	 0x02 /* the entry exists (tables that keep empty entries) */

/*
 * Whom a target's reply belongs to: one entry of the lookup table. lport 0 = the reply's
 * source port is the listener port (an all-ports listener with a port-0 target). The XDP
 * path stores it as the value of sl_replies (within struct xdp_reply).
 */
struct nlb_reply_owner {
	uint16_t listener; /* config listener index */
	uint16_t group;	   /* its target group */
	uint16_t slot;	   /* the target's slot in the group (its tag is the generation's) */
	uint16_t lport;	   /* the listener port, or 0: the reply's source port */
	uint8_t flags;	   /* NLB_RO_* */
	uint8_t pad[3];
};
_Static_assert(sizeof(struct nlb_reply_owner) == 12, "nlb_reply_owner size");

/*
 * The table entry of target port tport (0: the listener packet's port) under listener port
 * lport (0: all ports): sets o->lport and o->flags (NLB_RO_VALID, NLB_RO_AMBIGUOUS for a
 * fixed-port target of an all-ports listener) and returns the source port to key it by
 * (0: any source port). o->listener, group and slot are the caller's.
 */
SL_INLINE int nlb_reply_key(uint16_t tport, uint16_t lport, struct nlb_reply_owner *o)
{
	o->flags = NLB_RO_VALID;
	o->lport = lport;
	if (tport) {
		if (!lport)
			o->flags |= NLB_RO_AMBIGUOUS;
		return tport;
	}
	return lport; /* 0: an all-ports listener, the listener port is the source port */
}

/* A second (listener, target) pair `add` for the key of `have`: the same pair or ambiguous. */
SL_INLINE void nlb_reply_merge(struct nlb_reply_owner *have, const struct nlb_reply_owner *add)
{
	if (have->listener != add->listener || have->group != add->group ||
	    have->slot != add->slot || have->lport != add->lport)
		have->flags |= NLB_RO_AMBIGUOUS;
	have->flags |= add->flags & NLB_RO_AMBIGUOUS;
}

/* nlb_reply_resolve's verdicts. */
enum nlb_reply {
	NLB_REPLY_NONE = 0,  /* no listener: the packet goes on as any other */
	NLB_REPLY_ADOPT,     /* exactly one: *out, lport set; translate (nlb_reply_adopted) */
	NLB_REPLY_AMBIGUOUS, /* several: dropped nlb_reply_ambiguous */
};

/*
 * A reply with source port sport and no session: exact = the entry of its source address and
 * port, any = the entry of its source address and port 0 (all-ports listeners); NULL or
 * without NLB_RO_VALID when absent. Both present means two listeners: ambiguous.
 */
SL_INLINE int nlb_reply_resolve(const struct nlb_reply_owner *exact,
				const struct nlb_reply_owner *any, uint16_t sport,
				struct nlb_reply_owner *out)
{
	int has_exact = exact && (exact->flags & NLB_RO_VALID);
	int has_any = any && (any->flags & NLB_RO_VALID);
	const struct nlb_reply_owner *o = has_exact ? exact : any;

	if (!has_exact && !has_any)
		return NLB_REPLY_NONE;
	if ((has_exact && has_any) || (o->flags & NLB_RO_AMBIGUOUS))
		return NLB_REPLY_AMBIGUOUS;
	*out = *o;
	if (!out->lport)
		out->lport = sport;
	return NLB_REPLY_ADOPT;
}

/*
 * Only a reply arriving on a port without an inspection attachment is looked up at all: on a
 * port named in an attachment's `from`, a packet no session claims may be a packet of an
 * inspected flow (a client talking to the target's own address on the listener's port),
 * which no stateless rule can tell from a listener's reply; it goes on to inspection as
 * before, on every node alike (docs/nlb.md "In a fleet").
 */

/*
 * Does an adopted reply leave a session behind? Not a TCP RST: it ends the flow, and a session
 * made from it would only wait out its idle time. (It is translated all the same.)
 */
SL_INLINE int nlb_reply_keeps(uint8_t proto, uint8_t tcp_flags)
{
	return proto != IPPROTO_TCP_ || !(tcp_flags & NLB_TCP_RST);
}

#endif /* SL_CORE_NLB_H */
