/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nlb.c - the load balancer on DPDK. Sessions (sesstab.c) pin a client flow to a target and
 * carry both rewrites; the decisions (target choice, verdicts on existing flows) are the same
 * as the inspection path's (core/gwlb.h, rt.h). See docs/nlb.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/core/flow.h"
#include "dataplane/core/csum.h"
#include "dataplane/core/gwlb.h"
#include "dataplane/core/nat.h"
#include "dataplane/core/nlb.h"
#include "dataplane/core/nlb_verdict.h"
#include "dataplane/dpdk/fragtab.h"
#include "dataplane/dpdk/nlb.h"
#include "dataplane/dpdk/route.h"
#include "dataplane/dpdk/rt.h"
#include "dataplane/dpdk/sesstab.h"

#define NLB_RST_HEADROOM RTE_ETHER_HDR_LEN

static struct cfg_addr nlb_zone; /* family 0: no zone IP */
static int nlb_active;

/*
 * The listeners by (protocol, port), compiled once at start (listeners change only with a
 * restart): per protocol, the first listener of the config with the packet's port, else the
 * first one with port 0 (all ports); -1: none. The order of sluice-xdp's sl_listeners lookups
 * (exact, then the wildcard). 512 KiB, read-only once the workers run. The packet path reads
 * the listener's compiled record (nlb_lsn, rt_listener_compile: sluice-xdp's sl_listeners
 * values), never the parsed config.
 */
static int32_t nlb_by_port[2][65536];
static int32_t nlb_any_port[2];
static struct nlb_listener *nlb_lsn; /* [dp.cfg->n_listeners] */

static int nlb_listeners_compile(void)
{
	unsigned int i, p;

	nlb_lsn = calloc(dp.cfg->n_listeners, sizeof(*nlb_lsn));
	if (!nlb_lsn)
		return -ENOMEM;
	memset(nlb_by_port, 0xff, sizeof(nlb_by_port));
	nlb_any_port[0] = nlb_any_port[1] = -1;
	for (i = 0; i < dp.cfg->n_listeners; i++) {
		const struct cfg_listener *l = &dp.cfg->listeners[i];

		rt_listener_compile(dp.cfg, i, &nlb_lsn[i]);
		for (p = 0; p < 2; p++) {
			int32_t *slot = l->port ? &nlb_by_port[p][l->port] : &nlb_any_port[p];

			if ((l->protocol & (p ? CFG_LPROTO_UDP : CFG_LPROTO_TCP)) && *slot < 0)
				*slot = (int32_t)i;
		}
	}
	return 0;
}

int nlb_init(char *err, size_t errlen)
{
	unsigned int i;
	int ret;

	for (i = 0; i < dp.cfg->n_zones; i++)
		if (!strcmp(dp.cfg->zones[i].name, dp.cfg->node.zone))
			nlb_zone = dp.cfg->zones[i].address;
	if (!nlb_zone.family)
		return 0;
	if (!dp.cfg->n_listeners)
		return 0;
	ret = nlb_listeners_compile();
	if (ret) {
		snprintf(err, errlen, "listeners: %s", strerror(-ret));
		return ret;
	}
	ret = sesstab_init(RTE_MAX(dp.cfg->node.flow_table_size / 4, 4096u), dp.n_workers);
	if (ret) {
		snprintf(err, errlen, "NAT sessions: %s", strerror(-ret));
		return ret;
	}
	nlb_active = 1;
	return 0;
}

void nlb_free(void)
{
	if (nlb_active)
		sesstab_free();
	nlb_active = 0;
	free(nlb_lsn);
	nlb_lsn = NULL;
}

/* The listener of a TCP/UDP packet pi (PKT_F_L4), or -1 (an ICMP echo's ports are its ID). */
static int nlb_listener(const struct pkt_info *pi)
{
	unsigned int p = pi->proto != IPPROTO_TCP_;
	int32_t li;

	if (pi->proto != IPPROTO_TCP_ && pi->proto != IPPROTO_UDP_)
		return -1;
	li = nlb_by_port[p][pi->dport];

	return li >= 0 ? li : nlb_any_port[p];
}

/* Drop m for listener li: counted by reason globally and per listener. */
static void nlb_drop(struct wctx *w, struct rte_mbuf *m, unsigned int li, enum sl_drop r)
{
	w->st->l_drops[li]++;
	w->st->l_dreasons[(size_t)li * SL_DROP_MAX + r]++;
	wk_drop(w, m, r);
}

/* Re-read pi after a rewrite (addresses and ports changed, offsets did not). */
static int nlb_reparse(struct rte_mbuf *m, const struct pkt_info *old, struct pkt_info *pi)
{
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);

	return pkt_parse_ip(data, old->l3_off, data + m->data_len, old->family, pi);
}

/*
 * pi as m reads after nat_rewrite(rw) made it: what nlb_reparse would give, without parsing
 * again (core/nat.h nat_pi_reparsed). A fragment is parsed again: its ports are the first
 * fragment's (fragtab_apply), not the packet's.
 */
static int nlb_translated(struct rte_mbuf *m, const struct pkt_info *pi,
			  const struct nat_rewrite *rw, struct pkt_info *out)
{
	if (unlikely(pi->flags & (PKT_F_FRAG | PKT_F_FRAG_LATER)))
		return nlb_reparse(m, pi, out);
	nat_pi_reparsed(pi, rw, out);
	return 0;
}

static void nlb_count(struct wctx *w, const struct sess *s, uint32_t bytes)
{
	uint32_t gidx = s->gidx;

	w->st->l_pkts[s->listener]++;
	w->st->l_bytes[s->listener] += bytes;
	w->st->t_pkts[gidx]++;
	w->st->t_bytes[gidx] += bytes;
}

/* Send an IP packet built at l3 (len bytes) in a fresh mbuf towards its destination. */
static void nlb_send_built(struct wctx *w, struct rte_mbuf *r, int len, enum sl_event ev)
{
	struct pkt_info pi;
	uint8_t *data = rte_pktmbuf_mtod(r, uint8_t *);

	if (len < 0 || !rte_pktmbuf_append(r, (uint16_t)(NLB_RST_HEADROOM + len)) ||
	    pkt_parse_ip(data, NLB_RST_HEADROOM, data + r->data_len, 0, &pi)) {
		wk_drop(w, r, SL_DROP_OWN_UNSENT);
		return;
	}
	eg_send_own(w, r, &pi, ev);
}

/*
 * A RST answering the TCP segment pi in m (from its destination, or from `from`:`fport`
 * when given).
 */
static void nlb_rst_answer(struct wctx *w, struct rte_mbuf *m, const struct pkt_info *pi,
			   const uint8_t *from, const uint16_t *fport)
{
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
	struct rte_mbuf *r = rte_pktmbuf_alloc(dp.pool);
	int len;

	if (!r) {
		w->st->drops[SL_DROP_OWN_UNSENT]++;
		return;
	}
	len = nat_tcp_rst(rte_pktmbuf_mtod(r, uint8_t *) + NLB_RST_HEADROOM,
			  rte_pktmbuf_tailroom(r) - NLB_RST_HEADROOM, data, data + m->data_len, pi,
			  from, fport);
	nlb_send_built(w, r, len, SL_EV_NLB_RST);
}

/*
 * Connection termination: the sender of pi gets a RST answering it; the other end gets the
 * segment itself, translated, turned into a RST (same sequence numbers, no payload;
 * core/nat.h nat_tcp_rst_fwd, which the XDP program uses too).
 */
static void nlb_terminate(struct wctx *w, struct rte_mbuf *m, const struct pkt_info *pi,
			  const struct sess *s, int dir)
{
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
	struct rte_mbuf *r;

	nlb_rst_answer(w, m, pi, NULL, NULL);
	r = rte_pktmbuf_alloc(dp.pool);
	if (!r) {
		w->st->drops[SL_DROP_OWN_UNSENT]++;
		return;
	}
	nlb_send_built(w, r,
		       nat_tcp_rst_fwd(rte_pktmbuf_mtod(r, uint8_t *) + NLB_RST_HEADROOM,
				       rte_pktmbuf_tailroom(r) - NLB_RST_HEADROOM, data,
				       data + m->data_len, pi, &s->rw[dir]),
		       SL_EV_NLB_RST);
}

/*
 * Can the session keep going (core/nlb_verdict.h nlb_session_verdict)? 1 yes; 0 it went away
 * (expired or moved: m still ours, *consumed 0) or refused m (drained, terminated: m
 * consumed, *consumed 1).
 */
static int nlb_session_ok(struct wctx *w, struct rte_mbuf *m, const struct pkt_info *pi,
			  struct sess *s, int dir, int *consumed)
{
	const struct rt_group *g = &w->s->groups[s->group];
	const struct rt_target *t = rt_pin_target(g, s->tag);
	uint8_t flags = __atomic_load_n(&s->flags, __ATOMIC_RELAXED);
	uint64_t last = __atomic_load_n(&s->last_seen, __ATOMIC_RELAXED);
	int v = nlb_session_verdict(w->now, last,
				    nlb_idle(flags, s->proto, g->idle_tcp, g->idle_other), !!t,
				    t ? t->state : 0, t ? t->drain_start : 0, g->dereg_delay,
				    g->rebalance, flags, s->proto, pi->tcp_flags);

	*consumed = v == NLB_SV_TERMINATE || v == NLB_SV_DRAINED;
	switch (v) {
	case NLB_SV_KEEP:
		return 1;
	case NLB_SV_TERMINATE: /* the session stays (until idle): later packets alike */
		nlb_terminate(w, m, pi, s, dir);
		nlb_drop(w, m, s->listener, SL_DROP_NLB_TERMINATED);
		return 0;
	case NLB_SV_DRAINED:
		nlb_drop(w, m, s->listener, SL_DROP_NLB_DRAINED);
		return 0;
	case NLB_SV_EXPIRED:
		DP_EVENT(w->st, FLOW_EXPIRED);
		break;
	default:
		DP_EVENT(w->st, FLOW_REBALANCED);
		break;
	}
	sesstab_remove(s);
	return 0;
}

/* core/nlb_verdict.h nlb_touch on s (its clock and flags are read by the sweep: atomics). */
static void nlb_session_touch(struct wctx *w, struct sess *s, const struct pkt_info *pi)
{
	uint64_t last = __atomic_load_n(&s->last_seen, __ATOMIC_RELAXED);
	uint8_t flags = __atomic_load_n(&s->flags, __ATOMIC_RELAXED);
	int stamp;
	uint8_t add = nlb_touch(w->now, last, flags, pi->proto, pi->tcp_flags, &stamp);

	if (add)
		__atomic_fetch_or(&s->flags, add, __ATOMIC_RELAXED);
	if (stamp)
		__atomic_store_n(&s->last_seen, w->now, __ATOMIC_RELAXED);
}

/* Translate m (direction dir of s) and send it on. */
static void nlb_translate_send(struct wctx *w, struct rte_mbuf *m, const struct pkt_info *pi,
			       struct sess *s, int dir)
{
	const struct nlb_listener *l = &nlb_lsn[s->listener];
	uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);
	struct nat_rewrite undo;
	struct pkt_info out;

	nlb_session_touch(w, s, pi);
	nlb_count(w, s, pi->l3_len);
	if (nat_rewrite(data, data + m->data_len, pi, &s->rw[dir]) ||
	    nlb_translated(m, pi, &s->rw[dir], &out)) {
		wk_drop(w, m, SL_DROP_PARSE_L4);
		return;
	}
	nat_undo_of(pi, &s->rw[dir], &undo);
	if (dir == NLB_DIR_REPLY && l->inspect != NLB_NO_INSPECT) { /* inspected on the way out */
		wk_next_encap(w, -1, m, &out, (unsigned int)l->inspect, 0, &undo);
		return;
	}
	wk_next_forward(w, m, &out, dir == NLB_DIR_CLIENT ? SL_EV_NLB_FORWARD : SL_EV_NLB_REPLY,
			&undo);
}

/*
 * The destination-NAT half of the session (zeroed s) of the client packet pi of listener li
 * to the target in `slot` of the listener's group: keys, rewrites, target.
 */
static void nlb_session_fill(struct wctx *w, struct sess *s, const struct pkt_info *pi,
			     unsigned int li, int slot)
{
	const struct nlb_listener *l = &nlb_lsn[li];
	const struct rt_target *t = &w->s->groups[l->group].targets[slot];
	uint16_t tport = t->port ? t->port : pi->dport;

	s->listener = (uint16_t)li;
	s->group = l->group;
	s->flags = nlb_session_flags(l->flags);
	s->target = (uint16_t)slot;
	s->tag = t->tag;
	s->gidx = t->gidx;
	s->proto = pi->proto;
	s->last_seen = w->now;
	nlb_sess_build(pi, t->addr16, tport, &s->key[NLB_DIR_CLIENT], &s->key[NLB_DIR_REPLY],
		       &s->rw[NLB_DIR_CLIENT], &s->rw[NLB_DIR_REPLY]);
}

/*
 * Publish the new session s (filled) of client packet pi of listener li: s, or the session
 * another lcore published for pi a moment ago, or NULL (m dropped). fresh: s is a client
 * packet's (nlb_new_session), which joins that session only as core/nlb_verdict.h
 * nlb_join_verdict says (by pi's client key, else s's reply key: sluice-xdp's order); else
 * (reply adoption) the session holding pi's client key, which the caller judges
 * (nlb_adopt_taken).
 */
static struct sess *nlb_publish(struct wctx *w, struct rte_mbuf *m, const struct pkt_info *pi,
				unsigned int li, struct sess *s, int fresh)
{
	struct nlb_sess_key k, rk;
	struct sess *other;
	uint32_t tag;
	uint8_t flags;
	int dir, kdir = NLB_DIR_CLIENT;

	if (!sesstab_publish(s)) {
		DP_EVENT(w->st, NLB_NEW_FLOW);
		w->st->l_flows[li]++;
		w->st->t_flows[s->gidx]++;
		return s;
	}
	rk = s->key[NLB_DIR_REPLY];
	tag = s->tag;
	flags = s->flags;
	if (s->flags & NLB_SF_SNAT)
		sesstab_port_put(s->nport_owner, s->nport);
	sesstab_put(s);
	nlb_sess_key_of(pi, &k);
	other = sesstab_lookup(&k, &dir);
	if (!other && fresh) {
		kdir = NLB_DIR_REPLY;
		other = sesstab_lookup(&rk, &dir);
	}
	if (other &&
	    (fresh ? nlb_join_verdict(1, (uint8_t)dir, (uint8_t)kdir, other->tag, other->listener,
				      __atomic_load_n(&other->flags, __ATOMIC_RELAXED), tag,
				      (uint16_t)li, flags)
		   : dir == NLB_DIR_CLIENT))
		return other;
	nlb_drop(w, m, li, SL_DROP_NLB_SESSIONS_FULL);
	return NULL;
}

/* A new session for the client packet pi of listener li; NULL (m dropped) on failure. */
static struct sess *nlb_new_session(struct wctx *w, struct rte_mbuf *m, const struct pkt_info *pi,
				    unsigned int li)
{
	const struct nlb_listener *l = &nlb_lsn[li];
	const struct rt_group *g = &w->s->groups[l->group];
	const struct rt_target *t;
	struct flow_key fk;
	struct sess *s;
	uint8_t nh[16];
	unsigned int port;
	int slot;

	flow_key_make(pi, g->gw.stickiness, &fk);
	slot = rt_group_pick(g, flow_key_hash(&fk), w->st);
	if (slot < 0) {
		nlb_drop(w, m, li,
			 slot == RT_PICK_BYPASS ? SL_DROP_NO_TARGET : (enum sl_drop)(-slot - 1));
		return NULL;
	}
	t = &g->targets[slot];
	s = sesstab_alloc();
	if (!s) {
		nlb_drop(w, m, li, SL_DROP_NLB_SESSIONS_FULL);
		return NULL;
	}
	nlb_session_fill(w, s, pi, li, slot);
	if (l->flags & NLB_LF_SNAT) {
		uint8_t naddr[16] = {0};

		if (route_lookup(dp.routes, pi->family, t->addr16, &port, nh) ||
		    (pi->family == 4 ? !dp.ports[port].addr4 : !dp.ports[port].has6)) {
			sesstab_put(s);
			wk_drop(w, m, SL_DROP_NO_ROUTE);
			return NULL;
		}
		s->nport = sesstab_port_get(w->txq);
		if (!s->nport) {
			sesstab_put(s);
			nlb_drop(w, m, li, SL_DROP_NLB_PORTS_EXHAUSTED);
			return NULL;
		}
		s->nport_owner = (uint8_t)w->txq;
		s->flags |= NLB_SF_SNAT;
		if (pi->family == 4)
			memcpy(naddr, &dp.ports[port].addr4, 4);
		else
			memcpy(naddr, dp.ports[port].addr6, 16);
		nlb_sess_snat(pi, naddr, s->nport, &s->key[NLB_DIR_REPLY], &s->rw[NLB_DIR_CLIENT],
			      &s->rw[NLB_DIR_REPLY]);
	}
	return nlb_publish(w, m, pi, li, s, 1);
}

/* A target's reply (s found by its reply key): 1 if handled, 0 if it is no reply any more. */
static int nlb_reply(struct wctx *w, struct rte_mbuf *m, const struct pkt_info *pi, struct sess *s)
{
	int consumed;

	if (!nlb_session_ok(w, m, pi, s, NLB_DIR_REPLY, &consumed))
		return consumed; /* expired or moved: the packet is not a reply any more */
	nlb_translate_send(w, m, pi, s, NLB_DIR_REPLY);
	return 1;
}

void nlb_to_zone_ip(struct wctx *w, int in_port, struct rte_mbuf *m, const struct pkt_info *pi,
		    int inspected)
{
	const struct nlb_listener *l;
	struct pkt_info fp;
	struct nlb_sess_key k;
	struct sess *s;
	int li, dir, consumed;

	/*
	 * A non-first fragment has the ports its first fragment recorded (core/frag.h), or no
	 * listener can be known: dropped frag_early (docs/nlb.md "Fragments").
	 */
	if (unlikely(pi->flags & PKT_F_FRAG)) {
		fp = *pi;
		if (fragtab_apply(w, &fp, FRAG_MODE_NLB) == FRAG_EARLY) {
			wk_drop(w, m, SL_DROP_FRAG_EARLY);
			return;
		}
		pi = &fp;
	}
	li = nlb_active && (pi->flags & PKT_F_L4) ? nlb_listener(pi) : -1;
	if (li < 0) {
		if (!nlb_try_session(w, in_port, m, pi)) /* a source-NAT reply to the zone IP */
			wk_drop(w, m, SL_DROP_NLB_NO_LISTENER);
		return;
	}
	l = &nlb_lsn[li];
	if (l->inspect != NLB_NO_INSPECT && !inspected) {
		wk_next_encap(w, in_port, m, pi, (unsigned int)l->inspect, 0, NULL);
		return;
	}
	nlb_sess_key_of(pi, &k);
	s = sesstab_lookup(&k, &dir);
	if (s && dir == NLB_DIR_REPLY && nlb_reply(w, m, pi, s))
		return; /* a source-NAT reply to the zone IP: one lookup serves both */
	if (s && (dir != NLB_DIR_CLIENT || !nlb_session_ok(w, m, pi, s, dir, &consumed))) {
		if (s && dir == NLB_DIR_CLIENT && consumed)
			return;
		s = NULL;
	}
	if (!s) {
		unsigned int refused =
			nat_new_session_refusal(pi, wk_dst_kind(pi->family, pi->saddr));
		int v;

		if (pi->flags & PKT_F_FRAG_LATER) { /* its first fragment made no session */
			nlb_drop(w, m, (unsigned int)li, SL_DROP_FRAG_EARLY);
			return;
		}

		if (refused != SL_DROP_MAX) {
			nlb_drop(w, m, (unsigned int)li, (enum sl_drop)refused);
			return;
		}
		v = nlb_client_verdict(pi->proto, pi->tcp_flags, !!(l->flags & NLB_LF_RESET));

		if (v == NLB_CLIENT_DROP_RST) { /* a reset of nothing: nothing to do */
			wk_drop(w, m, SL_DROP_NLB_UNKNOWN_RESET);
			return;
		}
		if (v == NLB_CLIENT_RESET) {
			nlb_rst_answer(w, m, pi, NULL, NULL);
			nlb_drop(w, m, li, SL_DROP_NLB_UNKNOWN_RESET);
			return;
		}
		s = nlb_new_session(w, m, pi, (unsigned int)li);
		if (!s)
			return;
		if (v == NLB_CLIENT_ADOPT) /* another node's flow (or ours before a restart) */
			DP_EVENT(w->st, NLB_ADOPTED);
	}
	nlb_translate_send(w, m, pi, s, NLB_DIR_CLIENT);
}

/*
 * An ICMP error quoting a packet of a session: translate the quote and the destination. 0: no
 * session, or one whose target is gone (nothing of it goes to a removed target's address).
 */
static int nlb_icmp(struct wctx *w, struct rte_mbuf *m, const struct pkt_info *pi)
{
	uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);
	struct nat_rewrite outer, inner;
	struct pkt_info emb, out;
	const struct nlb_sess_key *orig;
	struct nlb_sess_key k;
	struct sess *s;
	int dir;

	if (pkt_parse_embedded(data, data + m->data_len, pi, &emb) || !(emb.flags & PKT_F_L4))
		return 0;
	nlb_sess_key_quoted(&emb, &k);
	s = sesstab_lookup(&k, &dir);
	if (!s || !rt_pin_target(&w->s->groups[s->group], s->tag))
		return 0;
	orig = &s->key[!dir]; /* the quoted packet as it was before translation */
	nlb_icmp_plan(orig, &outer, &inner);
	if (nat_icmp_error(data, data + m->data_len, pi, &outer, &inner) ||
	    nlb_reparse(m, pi, &out)) {
		wk_drop(w, m, SL_DROP_PARSE_L4);
		return 1;
	}
	wk_next_forward(w, m, &out, SL_EV_NLB_ICMP, NULL);
	return 1;
}

int nlb_try_session(struct wctx *w, int in_port, struct rte_mbuf *m, const struct pkt_info *pi)
{
	struct pkt_info fp;
	struct nlb_sess_key k;
	struct sess *s;
	int dir;

	(void)in_port;
	if (!nlb_active)
		return 0;
	if (pi->flags & PKT_F_ICMP_ERR)
		return nlb_icmp(w, m, pi);
	if (unlikely(pi->flags & PKT_F_FRAG_LATER)) { /* a reply's: its first fragment's ports */
		fp = *pi;
		fragtab_apply(w, &fp, FRAG_MODE_REPLY);
		pi = &fp;
	}
	if (!(pi->flags & PKT_F_L4) || (pi->proto != IPPROTO_TCP_ && pi->proto != IPPROTO_UDP_))
		return 0;
	nlb_sess_key_of(pi, &k);
	s = sesstab_lookup(&k, &dir);
	if (!s || dir != NLB_DIR_REPLY)
		return 0;
	/* a reply's first fragment records its ports (only a reply's: the rest are gw_encap's) */
	if (unlikely((pi->flags & (PKT_F_FRAG | PKT_F_FRAG_LATER)) == PKT_F_FRAG)) {
		fp = *pi;
		fragtab_apply(w, &fp, FRAG_MODE_REPLY);
	}
	return nlb_reply(w, m, pi, s);
}

int nlb_reply_adopt(struct wctx *w, int in_port, struct rte_mbuf *m, const struct pkt_info *pi)
{
	const struct rt_replies *r = &w->s->replies;
	const struct nlb_reply_owner *exact, *any;
	struct nlb_reply_owner o;
	struct rt_reply_key k;
	const struct rt_group *g;
	const struct rt_target *t;
	struct nlb_sess_key ck;
	struct pkt_info cpi;
	struct sess tmp, *s;
	uint32_t tag;
	int v, dir;

	/* not on a port with inspection: that traffic is inspected as before (core/nlb.h) */
	if (!nlb_active || !r->n || in_port < 0 || dp.ports[in_port].attach >= 0 ||
	    !(pi->flags & PKT_F_L4) || (pi->flags & PKT_F_ICMP_ERR) ||
	    (pi->proto != IPPROTO_TCP_ && pi->proto != IPPROTO_UDP_) ||
	    pi->family != nlb_zone.family)
		return 0;
	memset(&k, 0, sizeof(k));
	k.family = pi->family;
	k.proto = pi->proto;
	k.port = pi->sport;
	memcpy(k.addr, pi->saddr, 16);
	exact = rt_reply_find(r, &k);
	k.port = 0;
	any = rt_reply_find(r, &k);
	v = nlb_reply_resolve(exact, any, pi->sport, &o);
	if (v == NLB_REPLY_NONE)
		return 0;
	if (v == NLB_REPLY_AMBIGUOUS) {
		wk_drop(w, m, SL_DROP_NLB_REPLY_AMBIGUOUS);
		return 1;
	}
	g = &w->s->groups[o.group];
	t = &g->targets[o.slot];
	if (!nlb_reply_target_ok(t->present, t->addr16, t->port, pi->saddr, pi->sport))
		return 0;
	/* the client packet this reply answers: client -> zone IP:listener port */
	nlb_reply_client(pi, nlb_zone.addr, o.lport, &cpi);
	nlb_sess_key_of(&cpi, &ck);
	s = sesstab_lookup(&ck, &dir);
	if (nlb_adopt_taken(s && dir == NLB_DIR_CLIENT, s ? s->tag : 0, t->tag) ==
	    NLB_TAKEN_OTHER) {
		nlb_drop(w, m, o.listener, SL_DROP_NLB_REPLY_OTHER_TARGET);
		return 1;
	}
	DP_EVENT(w->st, NLB_REPLY_ADOPTED);
	if (!nlb_reply_keeps(pi->proto, pi->tcp_flags)) { /* a RST: translated, no session */
		memset(&tmp, 0, sizeof(tmp));
		nlb_session_fill(w, &tmp, &cpi, o.listener, o.slot);
		nlb_translate_send(w, m, pi, &tmp, NLB_DIR_REPLY);
		return 1;
	}
	s = sesstab_alloc();
	if (!s) {
		nlb_drop(w, m, o.listener, SL_DROP_NLB_SESSIONS_FULL);
		return 1;
	}
	nlb_session_fill(w, s, &cpi, o.listener, o.slot);
	tag = s->tag;
	s = nlb_publish(w, m, &cpi, o.listener, s, 0);
	if (!s)
		return 1;
	/* the client's key was taken meanwhile (nlb_publish returns the session that holds it) */
	if (nlb_adopt_taken(1, s->tag, tag) == NLB_TAKEN_OTHER) {
		nlb_drop(w, m, o.listener, SL_DROP_NLB_REPLY_OTHER_TARGET);
		return 1;
	}
	nlb_translate_send(w, m, pi, s, NLB_DIR_REPLY);
	return 1;
}

void nlb_sweep(uint64_t now_us, struct sweep *sw)
{
	if (nlb_active)
		sesstab_sweep(now_us, sw);
}
