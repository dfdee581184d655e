/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * frag.h - all fragments of one IP datagram go where its first fragment goes (docs/dataplane.md
 * "Fragments"). Only the first fragment carries the L4 ports, so a fragment table keyed by
 * (source, destination, protocol, IP ID / IPv6 fragment identification) remembers them, and
 * later fragments take the normal path as if they had those ports: the same flow pin (the same
 * appliance), the same NLB session (the same target). Header-only, pure C; both dataplanes own
 * a table of struct frag_key -> uint64_t value (frag_val_*) and call frag_decide per fragment.
 *
 * A value is one 64-bit word (read and written whole, no lock): bits 0-15 the destination port,
 * 16-31 the source port, bit 32 "ports known" (written by a first fragment; clear: written by a
 * non-first fragment that came first, whose datagram is steered without ports), bits 33-63 the
 * time it was written, in ms modulo 2^31. An entry lives timeout_us from that time (never
 * refreshed: a reassembly timeout counts from the first fragment seen, RFC 791 / RFC 8200).
 *
 * SL_INLINE int frag_tracked(const struct pkt_info *pi);
 *      1 for a fragment (PKT_F_FRAG) of TCP, UDP or ICMP / ICMPv6 (of its family) that is not
 *      an ICMP error: the protocols whose flow key has ports. Others hash without ports anyway.
 * SL_INLINE void frag_key_make(const struct pkt_info *pi, struct frag_key *k);
 *      Directional (one datagram has one source): addresses, pi->frag_id, proto, family.
 * SL_INLINE int frag_decide(struct pkt_info *pi, const uint64_t *v, uint64_t now_us,
 *                           uint64_t timeout_us, int mode, uint64_t *write);
 *      v: the table's value for pi's key, NULL if absent. Returns enum frag_verdict; *write
 *      is the value to store when the verdict is FRAG_RECORD (else untouched). May change pi
 *      (FRAG_FOLLOW / FRAG_FOLLOW_NOPORTS). See enum frag_mode for the modes.
 * SL_INLINE void frag_own_view(const struct pkt_info *pi, struct pkt_info *out);
 *      pi as the packet itself reads: borrowed ports (PKT_F_FRAG_PORTS) taken away. The flow
 *      cookie is made from it, so that an appliance's return validates without any state.
 */
#ifndef SL_CORE_FRAG_H
#define SL_CORE_FRAG_H

#include "dataplane/core/compat.h"
#include "dataplane/core/pkt.h"

struct frag_key {
	uint8_t saddr[16]; /* network order, IPv4 in the first 4 bytes */
	uint8_t daddr[16];
	uint32_t id; /* host order: IPv4 identification (16 bits) or IPv6 (32 bits) */
	uint8_t proto;
	uint8_t family;
	uint8_t pad[2];
};
_Static_assert(sizeof(struct frag_key) == 40, "frag_key is hashed and stored: keep it 40 bytes");

/* node.fragment_table_size / node.fragment_timeout_ms: defaults and ranges (config.c). */
#define FRAG_TABLE_DEFAULT   65536
#define FRAG_TABLE_MIN	     16
#define FRAG_TABLE_MAX	     (1u << 24)
#define FRAG_TIMEOUT_DEFAULT 5000 /* ms */
#define FRAG_TIMEOUT_MIN     100
#define FRAG_TIMEOUT_MAX     60000 /* RFC 8200's reassembly time: no use waiting longer */

#define FRAG_V_PORTS	(1ull << 32)
#define FRAG_V_MS_SHIFT 33
#define FRAG_V_MS_MASK	0x7fffffffull
#define FRAG_V_SPORT(v) ((uint16_t)((v) >> 16))
#define FRAG_V_DPORT(v) ((uint16_t)(v))

/* Where a shell asks (the same table serves all three). */
enum frag_mode {
	/*
	 * The inspection path (gw_encap). A non-first fragment with no live entry came before its
	 * first: it is steered without ports (the (source, destination, protocol) key, as 3-tuple
	 * stickiness would) and recorded so, and its first fragment and the rest follow it.
	 */
	FRAG_MODE_STEER = 0,
	/*
	 * To the zone IP (nlb_to_zone_ip): the listener needs the destination port, so a
	 * non-first fragment with no live entry (or a portless one) is FRAG_EARLY, dropped
	 * frag_early by the caller. XDP cannot hold it until its first fragment comes.
	 */
	FRAG_MODE_NLB = 1,
	/*
	 * A possible target reply (nlb_try_session): a first fragment is recorded, a later one
	 * borrows known ports; with nothing known the packet goes on as before (FRAG_NONE).
	 */
	FRAG_MODE_REPLY = 2,
};

enum frag_verdict {
	FRAG_NONE = 0,		 /* not tracked, or nothing to do: go on with pi as it is */
	FRAG_RECORD = 1,	 /* store *write for pi's key (frag_tracked; frag_table_full if
				  * there is no room), then go on with pi as it is */
	FRAG_FOLLOW = 2,	 /* pi now has the first fragment's ports (PKT_F_FRAG_PORTS) */
	FRAG_FOLLOW_NOPORTS = 3, /* (STEER) a first fragment whose datagram is steered without
				  * ports: pi lost its ports (PKT_F_L4 cleared) for steering */
	FRAG_EARLY = 4,		 /* (NLB) no first fragment known: drop frag_early */
};

SL_INLINE int frag_tracked(const struct pkt_info *pi)
{
	if (!(pi->flags & PKT_F_FRAG) || (pi->flags & PKT_F_ICMP_ERR))
		return 0;
	return pi->proto == IPPROTO_TCP_ || pi->proto == IPPROTO_UDP_ ||
	       (pi->proto == IPPROTO_ICMP_ && pi->family == 4) ||
	       (pi->proto == IPPROTO_ICMPV6_ && pi->family == 6);
}

SL_INLINE void frag_key_make(const struct pkt_info *pi, struct frag_key *k)
{
	sl_memset(k, 0, sizeof(*k));
	sl_memcpy(k->saddr, pi->saddr, 16);
	sl_memcpy(k->daddr, pi->daddr, 16);
	k->id = pi->frag_id;
	k->proto = pi->proto;
	k->family = pi->family;
}

SL_INLINE uint64_t frag_val_make(uint64_t now_us, int ports, uint16_t sport, uint16_t dport)
{
	return (((now_us / 1000) & FRAG_V_MS_MASK) << FRAG_V_MS_SHIFT) |
	       (ports ? FRAG_V_PORTS : 0) | ((uint64_t)sport << 16) | dport;
}

/* Written less than timeout_us ago (ms modulo 2^31: timeouts are far below 24 days). */
SL_INLINE int frag_val_live(uint64_t v, uint64_t now_us, uint64_t timeout_us)
{
	uint64_t age = ((now_us / 1000) - (v >> FRAG_V_MS_SHIFT)) & FRAG_V_MS_MASK;

	return age * 1000 < timeout_us;
}

SL_INLINE int frag_decide(struct pkt_info *pi, const uint64_t *v, uint64_t now_us,
			  uint64_t timeout_us, int mode, uint64_t *write)
{
	uint64_t val = v ? *v : 0;
	int live = v && frag_val_live(val, now_us, timeout_us);

	if (!frag_tracked(pi))
		return FRAG_NONE;
	if (!(pi->flags & PKT_F_FRAG_LATER)) {
		/* the first fragment: it has its ports (a truncated one does not parse) */
		if (live && !(val & FRAG_V_PORTS)) {
			if (mode != FRAG_MODE_STEER)
				return FRAG_NONE; /* a session needs the real ports */
			pi->flags &= (uint16_t)~PKT_F_L4;
			pi->sport = 0;
			pi->dport = 0;
			return FRAG_FOLLOW_NOPORTS;
		}
		if (live && FRAG_V_SPORT(val) == pi->sport && FRAG_V_DPORT(val) == pi->dport)
			return FRAG_NONE; /* known already (a duplicate, or another path's record)
					   */
		/* new, expired, or an IP ID reused by a new datagram: this one decides */
		*write = frag_val_make(now_us, 1, pi->sport, pi->dport);
		return FRAG_RECORD;
	}
	if (live && (val & FRAG_V_PORTS)) {
		pi->sport = FRAG_V_SPORT(val);
		pi->dport = FRAG_V_DPORT(val);
		pi->flags |= PKT_F_L4 | PKT_F_FRAG_PORTS;
		return FRAG_FOLLOW;
	}
	if (mode == FRAG_MODE_NLB)
		return FRAG_EARLY;
	if (live || mode == FRAG_MODE_REPLY)
		return FRAG_NONE; /* steered without ports already (or, REPLY: as before) */
	*write = frag_val_make(now_us, 0, 0, 0);
	return FRAG_RECORD;
}

SL_INLINE void frag_own_view(const struct pkt_info *pi, struct pkt_info *out)
{
	*out = *pi;
	if (pi->flags & PKT_F_FRAG_PORTS) {
		out->flags &= (uint16_t) ~(PKT_F_L4 | PKT_F_FRAG_PORTS);
		out->sport = 0;
		out->dport = 0;
	}
}

#endif /* SL_CORE_FRAG_H */
