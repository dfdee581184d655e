/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gwlb.h - the decisions of the inspection path that both dataplanes make identically: which
 * flow key a packet hashes on, whether a pinned flow may keep its target, and which targets
 * take new flows. Header-only, pure C; times are microseconds on the dataplane's clock.
 */
#ifndef SL_CORE_GWLB_H
#define SL_CORE_GWLB_H

#include "dataplane/core/compat.h"
#include "dataplane/core/flow.h"
#include "dataplane/core/geneve.h"
#include "dataplane/core/pkt.h"
#include "dataplane/core/stats.h"

/* Target states; the values are shared with the config and the control protocol. */
enum target_state {
	TS_HEALTHY = 0,
	TS_UNHEALTHY = 1,
	TS_DRAINING = 2,
	TS_INITIAL = 3,
	TS_UNUSED = 4,
};

/* What a group does with a new flow when no target is eligible. */
enum gwlb_policy {
	GWLB_ALL_TARGETS = 0, /* fail open: choose among all non-draining candidates */
	GWLB_DROP = 1,
	GWLB_BYPASS = 2, /* forward uninspected */
};

/*
 * The key a packet is steered and cookied by. ICMP errors use the packet they quote, so they
 * follow their flow to the same appliance (the quoted packet travels the other way, which the
 * symmetric key absorbs). An error whose quote does not parse uses its own addresses.
 */
SL_INLINE void gwlb_flow_key(const uint8_t *start, const uint8_t *end, const struct pkt_info *pi,
			     enum flow_stick s, struct flow_key *k)
{
	struct pkt_info emb;

	if ((pi->flags & PKT_F_ICMP_ERR) && pkt_parse_embedded(start, end, pi, &emb) == 0) {
		flow_key_make(&emb, s, k);
		return;
	}
	flow_key_make(pi, s, k);
}

/*
 * Is the ICMP error `pi` (to one of our addresses) about one of our own GENEVE datagrams to an
 * appliance? Its quote must parse (pkt_parse_embedded: a quote cut to the IP header + 8 bytes
 * is enough) as IPv4 UDP to port 6081 from `src` (network order): the address GENEVE is sent
 * from, node.geneve_address or else the first IPv4 address of the port facing the appliance.
 * Typically an appliance whose process died: its kernel answers port unreachable until health
 * checks mark it down. 1: drop it SL_DROP_GENEVE_ICMP (never forwarded; sluice learns no MTU
 * from it either); 0: not ours (not an IPv4 error, malformed quote, other protocol, port or
 * source), the caller goes on as before.
 */
SL_INLINE int gwlb_icmp_is_geneve(const uint8_t *start, const uint8_t *end,
				  const struct pkt_info *pi, uint32_t src)
{
	struct pkt_info emb;
	uint32_t qsrc;

	if (pi->family != 4 || !(pi->flags & PKT_F_ICMP_ERR) ||
	    pkt_parse_embedded(start, end, pi, &emb))
		return 0;
	if (emb.proto != IPPROTO_UDP_ || !(emb.flags & PKT_F_L4) || emb.dport != GENEVE_UDP_PORT)
		return 0;
	sl_memcpy(&qsrc, emb.saddr, 4);
	return src && qsrc == src;
}

/* A target takes new flows only when healthy with a non-zero weight. */
SL_INLINE int gwlb_target_eligible(uint8_t state, uint32_t weight)
{
	return state == TS_HEALTHY && weight > 0;
}

/* The drop reason of a GENEVE return that geneve_gwlb_parse refused with -err. */
SL_INLINE uint8_t gwlb_geneve_drop(unsigned int err)
{
	switch (err) {
	case GENEVE_ERR_VERSION:
		return SL_DROP_GENEVE_VERSION;
	case GENEVE_ERR_OAM:
		return SL_DROP_GENEVE_OAM;
	case GENEVE_ERR_CRITICAL:
		return SL_DROP_GENEVE_CRITICAL;
	case GENEVE_ERR_OPT_MISSING:
		return SL_DROP_GENEVE_OPT_MISSING;
	case GENEVE_ERR_OPT_LENGTH:
		return SL_DROP_GENEVE_OPT_LENGTH;
	case GENEVE_ERR_OPT_DUPLICATE:
		return SL_DROP_GENEVE_OPT_DUPLICATE;
	case GENEVE_ERR_PROTOCOL:
		return SL_DROP_GENEVE_PROTOCOL;
	default: /* GENEVE_ERR_TRUNCATED, and anything unknown */
		return SL_DROP_GENEVE_TRUNCATED;
	}
}

/* A geneve group's geneve_udp_checksum (config.h cfg_group, xdp_group). */
enum gwlb_udp_csum {
	GWLB_UDP_CSUM_VERIFY = 0, /* default: a non-zero outer UDP checksum must verify */
	GWLB_UDP_CSUM_IGNORE = 1, /* appliances that send garbage there: not looked at */
};

/*
 * Is the outer UDP checksum of a GENEVE return to be verified? `csum` is its checksum field
 * (0: none sent, RFC 768), `policy` the geneve_udp_checksum of the group whose appliance sent
 * it: the return path finds that group first (endpoint, then chain position), so a return
 * both broken and with a bad checksum counts its other reason.
 */
SL_INLINE int gwlb_udp_csum_verify(uint16_t csum, uint8_t policy)
{
	return csum && policy != GWLB_UDP_CSUM_IGNORE;
}

/*
 * May the inner packet `in` of a valid return go on (next group, NLB, destination)? 1: drop
 * it martian_destination (pkt_dst_martian), before any appliance, ARP or ND sees it. `kind`:
 * what the node's tables say of its destination (PKT_DST_*); `to_zone`: it is for the zone IP
 * and goes on to the next group or the load balancer, which owns that address.
 */
SL_INLINE int gwlb_inner_martian(const struct pkt_info *in, unsigned int kind, int to_zone)
{
	return !to_zone && pkt_dst_martian(in->family, in->daddr, kind);
}

/* With no eligible target, fail-open chooses among these. */
SL_INLINE int gwlb_target_fail_open(uint8_t state)
{
	return state == TS_HEALTHY || state == TS_UNHEALTHY || state == TS_INITIAL;
}

enum gwlb_verdict {
	GWLB_KEEP = 0,	    /* the flow stays on its target */
	GWLB_EXPIRED = 1,   /* idle past its timeout: choose again, as a new flow */
	GWLB_REBALANCE = 2, /* its target may no longer carry it: choose again */
};

/*
 * Pin tags. A group's target slot is named by its tag, incarnation << 8 | slot, where the
 * incarnation counts the targets the slot has held (24 bits; the config's targets are
 * incarnation 0). Pins (flow-table values, NLB sessions) carry the tag of the target they were
 * made for: a pin whose tag is not its slot's current one belongs to a target that is gone.
 * An incarnation value comes back only after 2^24 reuses of the slot, and then only once every
 * pin that could carry it has expired (rt_model.c, rt_group_add: docs/dataplane.md "Slot
 * tags"), so a pin can never name a later target of its slot.
 */
#define GWLB_TAG_SLOT_BITS 8
#define GWLB_TAG_INC_MASK  0xffffffu

SL_INLINE uint32_t gwlb_tag(uint32_t inc, uint32_t slot)
{
	return (inc & GWLB_TAG_INC_MASK) << GWLB_TAG_SLOT_BITS | (slot & 0xffu);
}

SL_INLINE uint32_t gwlb_tag_slot(uint32_t tag)
{
	return tag & 0xffu;
}

SL_INLINE uint32_t gwlb_tag_inc(uint32_t tag)
{
	return tag >> GWLB_TAG_SLOT_BITS;
}

/*
 * Does a pin with `tag` name the target now in its slot? n_slots: the group's slots in use;
 * present, slot_tag: that slot's (gwlb_tag_slot(tag), read by the caller when below n_slots).
 * No: the pin's target is gone (removed, or the slot now holds another target).
 */
SL_INLINE int gwlb_pin_current(uint32_t tag, uint32_t n_slots, uint8_t present, uint32_t slot_tag)
{
	return gwlb_tag_slot(tag) < n_slots && present && slot_tag == tag;
}

/*
 * A flow-table key (both dataplanes: sluice-dp's rte_hash, sluice-xdp's sl_flows map): the
 * flow key within its group. Zero the whole key, pad included, before filling it.
 */
struct gwlb_pin_key {
	struct flow_key fk;
	uint16_t group;
	uint8_t pad[6];
};
_Static_assert(sizeof(struct gwlb_pin_key) == 48, "gwlb_pin_key is a hash key: no hidden pad");

/*
 * A flow-table value (both dataplanes): last seen in whole seconds << 32 | the pin's tag. One
 * 64-bit word, read and compare-and-swapped whole. The second is rounded down, so an entry
 * looks idle a little longer than it was, never shorter: the idle timeouts are whole seconds
 * and a flow is refreshed at most once a second anyway (gwlb_pin_touch_due).
 */
SL_INLINE uint64_t gwlb_pin_val(uint32_t tag, uint64_t now_us)
{
	return (now_us / 1000000) << 32 | tag;
}

SL_INLINE uint32_t gwlb_pin_tag(uint64_t val)
{
	return (uint32_t)val;
}

SL_INLINE uint64_t gwlb_pin_seen_us(uint64_t val)
{
	return (val >> 32) * 1000000;
}

/* Is a refresh of val at now_us worth a write? Once a second, not per packet. */
SL_INLINE int gwlb_pin_touch_due(uint64_t val, uint64_t now_us)
{
	return now_us / 1000000 != val >> 32;
}

/*
 * May a pinned flow keep its target? Draining targets keep their flows until the
 * deregistration delay has passed since the drain began; unhealthy ones keep them unless the
 * group rebalances. Unused (removed) targets lose them at once.
 */
SL_INLINE int gwlb_flow_verdict(uint64_t now, uint64_t last_seen, uint64_t idle_timeout,
				uint8_t state, uint64_t drain_start, uint64_t dereg_delay,
				int rebalance)
{
	if (now > last_seen && now - last_seen > idle_timeout)
		return GWLB_EXPIRED;
	switch (state) {
	case TS_DRAINING:
		return now >= drain_start + dereg_delay ? GWLB_REBALANCE : GWLB_KEEP;
	case TS_UNHEALTHY:
		return rebalance ? GWLB_REBALANCE : GWLB_KEEP;
	case TS_UNUSED:
		return GWLB_REBALANCE;
	default:
		return GWLB_KEEP;
	}
}

#endif /* SL_CORE_GWLB_H */
