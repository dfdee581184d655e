/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_rt_model.c - "any node, any packet" (docs/nlb.md "In a fleet"): two nodes built from the
 * same target set choose the same target for every flow, whatever order the targets were
 * registered in and whichever slots they got; and the generation's reply table (core/nlb.h's
 * rule for target replies without a session) names the listener a reply belongs to, or marks
 * it ambiguous; and that a pin never names a later target of its slot however often the slot
 * is reused (issue 12 item 8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/cu.h"
#include "dataplane/lib/config.h"
#include "dataplane/core/cookie.h"
#include "dataplane/core/flow.h"
#include "dataplane/core/gwlb.h"
#include "dataplane/core/maglev.h"
#include "dataplane/core/nlb.h"
#include "dataplane/lib/rt_model.h"

#define M MAGLEV_DEFAULT_SIZE

/*
 * Groups: fw (geneve, weights, one target of another zone, one unhealthy, one draining), web
 * (tcp, DNAT, fixed ports), bulk (tcp_udp, cross-zone, port-0 targets), sick (every target
 * unhealthy: fail open). TARGETS_* are the same targets in two orders.
 */
#define HEAD                                                                   \
	"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n" \
	"zones: {az1: 10.0.1.10, az2: 10.0.2.10}\n"                            \
	"ports:\n"                                                             \
	"  - {name: out, device: net_null0, addresses: [10.0.1.10/24]}\n"      \
	"  - {name: srv, device: net_null1, addresses: [172.16.0.1/24]}\n"     \
	"inspection:\n"                                                        \
	"  - {name: in, endpoint_id: 7, from: out, chain: [fw]}\n"             \
	"listeners:\n"                                                         \
	"  - {name: web, protocol: tcp, port: 443, target_group: web}\n"       \
	"  - {name: bulk, protocol: tcp_udp, port: all, target_group: bulk}\n" \
	"target_groups:\n"

#define FW_A                                                                      \
	"      - {id: fw-1, address: 172.16.0.21, zone: az1, weight: 3}\n"        \
	"      - {id: fw-2, address: 172.16.0.22, zone: az1}\n"                   \
	"      - {id: fw-3, address: 172.16.0.23, zone: az1, weight: 2}\n"        \
	"      - {id: fw-4, address: 172.16.0.24, zone: az2}\n"                   \
	"      - {id: fw-5, address: 172.16.0.25, zone: az1, state: unhealthy}\n" \
	"      - {id: fw-6, address: 172.16.0.26, zone: az1, state: draining}\n"  \
	"      - {id: fw-7, address: 172.16.0.27, zone: az1, weight: 5}\n"
#define FW_B                                                                      \
	"      - {id: fw-7, address: 172.16.0.27, zone: az1, weight: 5}\n"        \
	"      - {id: fw-5, address: 172.16.0.25, zone: az1, state: unhealthy}\n" \
	"      - {id: fw-3, address: 172.16.0.23, zone: az1, weight: 2}\n"        \
	"      - {id: fw-1, address: 172.16.0.21, zone: az1, weight: 3}\n"        \
	"      - {id: fw-6, address: 172.16.0.26, zone: az1, state: draining}\n"  \
	"      - {id: fw-4, address: 172.16.0.24, zone: az2}\n"                   \
	"      - {id: fw-2, address: 172.16.0.22, zone: az1}\n"
#define WEB_A                                                                                  \
	"      - {id: web-1, address: 172.16.0.11, port: 8443, zone: az1}\n"                   \
	"      - {id: web-2, address: 172.16.0.12, port: 8443, zone: az1, weight: 4}\n"        \
	"      - {id: web-3, address: 172.16.0.13, port: 8443, zone: az1, state: unhealthy}\n" \
	"      - {id: web-4, address: 172.16.0.14, port: 8443, zone: az2}\n"
#define WEB_B                                                                                  \
	"      - {id: web-4, address: 172.16.0.14, port: 8443, zone: az2}\n"                   \
	"      - {id: web-3, address: 172.16.0.13, port: 8443, zone: az1, state: unhealthy}\n" \
	"      - {id: web-2, address: 172.16.0.12, port: 8443, zone: az1, weight: 4}\n"        \
	"      - {id: web-1, address: 172.16.0.11, port: 8443, zone: az1}\n"
#define BULK_A                                                               \
	"      - {id: bulk-1, address: 172.16.0.31, zone: az1}\n"            \
	"      - {id: bulk-2, address: 172.16.0.32, zone: az2, weight: 2}\n" \
	"      - {id: bulk-3, address: 172.16.0.33, zone: az1}\n"
#define BULK_B                                                               \
	"      - {id: bulk-3, address: 172.16.0.33, zone: az1}\n"            \
	"      - {id: bulk-2, address: 172.16.0.32, zone: az2, weight: 2}\n" \
	"      - {id: bulk-1, address: 172.16.0.31, zone: az1}\n"
#define SICK_A                                                                   \
	"      - {id: s-1, address: 172.16.0.41, zone: az1, state: unhealthy}\n" \
	"      - {id: s-2, address: 172.16.0.42, zone: az1, state: unhealthy}\n"
#define SICK_B                                                                   \
	"      - {id: s-2, address: 172.16.0.42, zone: az1, state: unhealthy}\n" \
	"      - {id: s-1, address: 172.16.0.41, zone: az1, state: unhealthy}\n"

#define CONFIG(FW, WEB, BULK, SICK)                                                             \
	HEAD "  - name: fw\n    protocol: geneve\n    targets:\n" FW                            \
	     "  - name: web\n    protocol: tcp\n    targets:\n" WEB                             \
	     "  - name: bulk\n    protocol: tcp_udp\n    cross_zone: true\n    targets:\n" BULK \
	     "  - name: sick\n    protocol: geneve\n    targets:\n" SICK

static const char cfg_a[] = CONFIG(FW_A, WEB_A, BULK_A, SICK_A);
static const char cfg_b[] = CONFIG(FW_B, WEB_B, BULK_B, SICK_B);

static struct config *load(const char *yaml)
{
	struct config *cfg = NULL;
	char err[CFG_ERR_MAX];
	int rc = config_load_string(yaml, strlen(yaml), "t.yaml", &cfg, err, sizeof(err));

	if (rc)
		fprintf(stderr, "config: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	return cfg;
}

static struct rt_state *build(const struct config *cfg)
{
	char err[256];
	struct rt_state *s = rt_state_build(cfg, M, err, sizeof(err));

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	return s;
}

/*
 * Node C: cfg's targets removed and registered again through the control path's calls, in
 * reverse order, after decoys filled every never-used slot: the targets reuse freed slots
 * (the oldest first, with the next incarnation), so slots and tags differ from A's and B's.
 * Every member is copied from cfg's targets as a sync would set it.
 */
static struct rt_state *build_reregistered(const struct config *cfg)
{
	struct rt_state *s = build(cfg), *n = rt_state_clone(s, 0);
	unsigned int gi, i;
	char id[CFG_NAME_MAX];

	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	rt_state_free(s);
	for (gi = 0; gi < n->n_groups; gi++) {
		const struct cfg_group *cg = &cfg->groups[gi];
		struct rt_group *g = &n->groups[gi];

		for (i = 0; i < g->n_targets; i++)
			rt_group_remove(g, i);
		for (i = 0; n->groups[gi].n_targets < RT_SLOTS; i++) {
			snprintf(id, sizeof(id), "decoy-%u", i);
			CU_ASSERT_FATAL(rt_group_add(n, gi, id, 0) >= 0);
		}
		g = &n->groups[gi];
		for (i = cg->n_targets; i < RT_SLOTS; i++)
			if (i != RT_SLOTS - 3) /* one decoy stays until the end: a hole */
				rt_group_remove(g, i);
		for (i = cg->n_targets; i-- > 0;) {
			const struct cfg_target *ct = &cg->targets[i];
			struct rt_target *t;
			int slot = rt_group_add(n, gi, ct->id, 0);

			CU_ASSERT_FATAL(slot >= 0);
			g = &n->groups[gi];
			t = &g->targets[slot];
			memcpy(t->addr16, ct->address.addr, 16);
			t->family = ct->address.family;
			memcpy(&t->addr, ct->address.addr, 4);
			t->port = ct->port;
			snprintf(t->zone, sizeof(t->zone), "%s", ct->zone);
			t->in_zone = (uint8_t)rt_in_zone(cfg, cg, ct->zone);
			t->weight = ct->weight;
			t->state = (uint8_t)ct->state;
		}
		rt_group_remove(g, RT_SLOTS - 3);
	}
	CU_ASSERT_EQUAL_FATAL(rt_state_finalize(n, M), 0);
	return n;
}

/* The id behind Maglev entry i of group g ("" for none). */
static const char *entry_id(const struct rt_group *g, uint32_t i)
{
	uint32_t slot;

	if (!g->maglev)
		return "";
	slot = g->maglev[i % M];
	return slot == GWLB_MAGLEV_EMPTY ? "" : g->targets[slot].id;
}

/* The same table, slot -> id, in every group; the same mode. */
static void assert_same_tables(const struct rt_state *a, const struct rt_state *b)
{
	unsigned int gi;
	uint32_t i, diff;

	CU_ASSERT_EQUAL_FATAL(a->n_groups, b->n_groups);
	for (gi = 0; gi < a->n_groups; gi++) {
		CU_ASSERT_EQUAL(a->groups[gi].mode, b->groups[gi].mode);
		CU_ASSERT_EQUAL(!a->groups[gi].maglev, !b->groups[gi].maglev);
		for (i = 0, diff = 0; i < M; i++)
			diff += strcmp(entry_id(&a->groups[gi], i), entry_id(&b->groups[gi], i)) !=
				0;
		CU_ASSERT_EQUAL(diff, 0);
	}
}

/* A test flow: client 198.51.100.(n % 250 + 1):(1024 + n) -> 10.0.1.10:443 (TCP or UDP). */
static void flow_of(uint32_t n, struct pkt_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->family = 4;
	pi->proto = n & 1 ? IPPROTO_UDP_ : IPPROTO_TCP_;
	pi->flags = PKT_F_L4;
	pi->saddr[0] = 198;
	pi->saddr[1] = 51;
	pi->saddr[2] = 100;
	pi->saddr[3] = (uint8_t)(n % 250 + 1);
	pi->daddr[0] = 10;
	pi->daddr[2] = 1;
	pi->daddr[3] = 10;
	pi->sport = (uint16_t)(1024 + n);
	pi->dport = 443;
}

/* The choice group g makes for pi: its target's id and the flow cookie, as gw.c / nlb.c. */
static void choose(const struct rt_group *g, const struct pkt_info *pi, const char **id,
		   uint32_t *cookie)
{
	static const uint8_t secret[16] = "0123456789abcdef";
	struct flow_key fk;
	uint8_t ev = 0;
	int slot;

	flow_key_make(pi, g->gw.stickiness, &fk);
	slot = gwlb_pick(&g->gw, g->maglev, M, flow_key_hash(&fk), &ev);
	CU_ASSERT_FATAL(slot >= 0 && slot < (int)g->n_targets);
	*id = g->targets[slot].id;
	*cookie = cookie_make(secret, &fk, g->targets[slot].addr, 7);
}

static void assert_same_choices(const struct rt_state *a, const struct rt_state *b)
{
	unsigned int gi, n, diff = 0;

	for (gi = 0; gi < a->n_groups; gi++) {
		for (n = 0; n < 20000; n++) {
			struct pkt_info pi;
			const char *ia, *ib;
			uint32_t ca, cb;

			flow_of(n, &pi);
			choose(&a->groups[gi], &pi, &ia, &ca);
			choose(&b->groups[gi], &pi, &ib, &cb);
			diff += strcmp(ia, ib) != 0 || ca != cb;
		}
	}
	CU_ASSERT_EQUAL(diff, 0);
}

static void test_same_targets_any_order_same_choices(void)
{
	struct config *ca = load(cfg_a), *cb = load(cfg_b);
	struct rt_state *a = build(ca), *b = build(cb), *c = build_reregistered(ca);
	unsigned int gi, moved = 0;

	/* the orders did give different slots (else the test proves nothing) */
	for (gi = 0; gi < a->n_groups; gi++)
		moved += strcmp(a->groups[gi].targets[0].id, b->groups[gi].targets[0].id) != 0;
	CU_ASSERT_EQUAL(moved, a->n_groups);
	for (gi = 0; gi < a->n_groups; gi++) { /* C reused slot 0 for the last target listed */
		const struct cfg_group *cg = &ca->groups[gi];

		CU_ASSERT_STRING_EQUAL(c->groups[gi].targets[0].id,
				       cg->targets[cg->n_targets - 1].id);
		CU_ASSERT_EQUAL(c->groups[gi].targets[0].tag, RT_TAG(1, 0));
	}
	CU_ASSERT_EQUAL(a->groups[0].mode, GWLB_MODE_NORMAL);
	CU_ASSERT_EQUAL(a->groups[3].mode, GWLB_MODE_FAIL_OPEN);
	assert_same_tables(a, b);
	assert_same_tables(a, c);
	assert_same_choices(a, b);
	assert_same_choices(a, c);
	rt_state_free(a);
	rt_state_free(b);
	rt_state_free(c);
	config_free(ca);
	config_free(cb);
}

/* Whom a reply from addr:sport (IPv4 text) belongs to in s: verdict, listener name, target id. */
static int reply_owner(const struct rt_state *s, uint8_t proto, const char *addr, uint16_t sport,
		       const char **listener, const char **target, uint16_t *lport)
{
	struct rt_reply_key k;
	const struct nlb_reply_owner *exact, *any;
	struct nlb_reply_owner o;
	unsigned int a, b, c, d;
	int v;

	CU_ASSERT_FATAL(sscanf(addr, "%u.%u.%u.%u", &a, &b, &c, &d) == 4);
	memset(&k, 0, sizeof(k));
	k.family = 4;
	k.proto = proto;
	k.addr[0] = (uint8_t)a;
	k.addr[1] = (uint8_t)b;
	k.addr[2] = (uint8_t)c;
	k.addr[3] = (uint8_t)d;
	k.port = sport;
	exact = rt_reply_find(&s->replies, &k);
	k.port = 0;
	any = rt_reply_find(&s->replies, &k);
	v = nlb_reply_resolve(exact, any, sport, &o);
	if (v == NLB_REPLY_ADOPT) {
		*listener = s->cfg->listeners[o.listener].name;
		*target = s->groups[o.group].targets[o.slot].id;
		*lport = o.lport;
	}
	return v;
}

static void test_reply_table(void)
{
	struct config *ca = load(cfg_a), *cb = load(cfg_b);
	struct rt_state *a = build(ca), *b = build(cb), *c = build_reregistered(ca);
	struct rt_state *all[] = {a, b, c};
	const char *l, *t;
	uint16_t lp;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		const struct rt_state *s = all[i];

		/* web: fixed-port targets, a port listener: the target port identifies it */
		CU_ASSERT_EQUAL(reply_owner(s, 6, "172.16.0.12", 8443, &l, &t, &lp),
				NLB_REPLY_ADOPT);
		CU_ASSERT_STRING_EQUAL(l, "web");
		CU_ASSERT_STRING_EQUAL(t, "web-2");
		CU_ASSERT_EQUAL(lp, 443);
		/* an unhealthy target's sessions are still its own */
		CU_ASSERT_EQUAL(reply_owner(s, 6, "172.16.0.13", 8443, &l, &t, &lp),
				NLB_REPLY_ADOPT);
		/* another port, another protocol, another zone's target (no cross-zone): none */
		CU_ASSERT_EQUAL(reply_owner(s, 6, "172.16.0.12", 443, &l, &t, &lp), NLB_REPLY_NONE);
		CU_ASSERT_EQUAL(reply_owner(s, 17, "172.16.0.12", 8443, &l, &t, &lp),
				NLB_REPLY_NONE);
		CU_ASSERT_EQUAL(reply_owner(s, 6, "172.16.0.14", 8443, &l, &t, &lp),
				NLB_REPLY_NONE);
		/* bulk: port-0 targets of an all-ports listener, cross-zone: the source port is
		 * the listener port, both protocols */
		CU_ASSERT_EQUAL(reply_owner(s, 17, "172.16.0.32", 5353, &l, &t, &lp),
				NLB_REPLY_ADOPT);
		CU_ASSERT_STRING_EQUAL(l, "bulk");
		CU_ASSERT_STRING_EQUAL(t, "bulk-2");
		CU_ASSERT_EQUAL(lp, 5353);
		CU_ASSERT_EQUAL(reply_owner(s, 6, "172.16.0.31", 22, &l, &t, &lp), NLB_REPLY_ADOPT);
		CU_ASSERT_EQUAL(lp, 22);
		/* appliances are no listener's targets */
		CU_ASSERT_EQUAL(reply_owner(s, 6, "172.16.0.21", 80, &l, &t, &lp), NLB_REPLY_NONE);
	}
	rt_state_free(a);
	rt_state_free(b);
	rt_state_free(c);
	config_free(ca);
	config_free(cb);
}

/* One target in two listeners' groups, fixed ports, all-ports listeners, source NAT. */
static void test_reply_table_ambiguity(void)
{
	static const char yaml[] =
		"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		"zones: {az1: 10.0.1.10}\n"
		"ports:\n"
		"  - {name: out, device: net_null0, addresses: [10.0.1.10/24]}\n"
		"listeners:\n"
		"  - {name: a, protocol: tcp, port: 80, target_group: g1}\n"
		"  - {name: b, protocol: tcp, port: 81, target_group: g1}\n"
		"  - {name: c, protocol: tcp, port: 90, target_group: g2}\n"
		"  - {name: d, protocol: udp, port: all, target_group: g3}\n"
		"  - {name: e, protocol: tcp, port: 91, target_group: g2}\n"
		"  - {name: f, protocol: udp, port: 53, target_group: g4}\n"
		"target_groups:\n"
		"  - name: g1\n    protocol: tcp\n    targets:\n"
		"      - {id: x, address: 10.0.1.50, port: 8080, zone: az1}\n" /* a and b: ambiguous
										*/
		"      - {id: y, address: 10.0.1.51, zone: az1}\n" /* 80 -> a, 81 -> b */
		"  - name: g2\n    protocol: tcp\n    targets:\n"
		"      - {id: y, address: 10.0.1.51, zone: az1}\n" /* 90 -> c, 91 -> e */
		"  - name: g3\n    protocol: udp\n    targets:\n"
		"      - {id: z, address: 10.0.1.52, port: 5000, zone: az1}\n" /* all-ports: port
										  unknown */
		"      - {id: w, address: 10.0.1.53, zone: az1}\n"	       /* any port: d */
		"  - name: g4\n    protocol: udp\n    preserve_client_ip: false\n    targets:\n"
		"      - {id: w, address: 10.0.1.53, zone: az1}\n"; /* source NAT: not in the table
								     */
	struct config *cfg = load(yaml);
	struct rt_state *s = build(cfg);
	const char *l, *t;
	uint16_t lp;

	CU_ASSERT_EQUAL(reply_owner(s, 6, "10.0.1.50", 8080, &l, &t, &lp), NLB_REPLY_AMBIGUOUS);
	CU_ASSERT_EQUAL(reply_owner(s, 6, "10.0.1.51", 80, &l, &t, &lp), NLB_REPLY_ADOPT);
	CU_ASSERT_STRING_EQUAL(l, "a");
	CU_ASSERT_EQUAL(reply_owner(s, 6, "10.0.1.51", 81, &l, &t, &lp), NLB_REPLY_ADOPT);
	CU_ASSERT_STRING_EQUAL(l, "b");
	CU_ASSERT_EQUAL(reply_owner(s, 6, "10.0.1.51", 91, &l, &t, &lp), NLB_REPLY_ADOPT);
	CU_ASSERT_STRING_EQUAL(l, "e");
	CU_ASSERT_STRING_EQUAL(t, "y");
	CU_ASSERT_EQUAL(reply_owner(s, 6, "10.0.1.51", 92, &l, &t, &lp), NLB_REPLY_NONE);
	CU_ASSERT_EQUAL(reply_owner(s, 17, "10.0.1.52", 5000, &l, &t, &lp), NLB_REPLY_AMBIGUOUS);
	CU_ASSERT_EQUAL(reply_owner(s, 17, "10.0.1.53", 1234, &l, &t, &lp), NLB_REPLY_ADOPT);
	CU_ASSERT_STRING_EQUAL(l, "d");
	CU_ASSERT_EQUAL(lp, 1234);
	/* f is source NAT: its replies go to the node's address, the table ignores it */
	CU_ASSERT_EQUAL(reply_owner(s, 17, "10.0.1.53", 53, &l, &t, &lp), NLB_REPLY_ADOPT);
	CU_ASSERT_STRING_EQUAL(l, "d");
	rt_state_free(s);
	config_free(cfg);
}

/* The table follows the generation: a removed target's replies are nobody's any more. */
static void test_reply_table_follows_generation(void)
{
	struct config *cfg = load(cfg_a);
	struct rt_state *s = build(cfg), *n = rt_state_clone(s, 0);
	const char *l, *t;
	uint16_t lp;
	int slot;

	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	slot = rt_group_find(&n->groups[1], "web-2");
	CU_ASSERT_FATAL(slot >= 0);
	rt_group_remove(&n->groups[1], (unsigned int)slot);
	CU_ASSERT_EQUAL_FATAL(rt_state_finalize(n, M), 0);
	CU_ASSERT_EQUAL(reply_owner(s, 6, "172.16.0.12", 8443, &l, &t, &lp), NLB_REPLY_ADOPT);
	CU_ASSERT_EQUAL(reply_owner(n, 6, "172.16.0.12", 8443, &l, &t, &lp), NLB_REPLY_NONE);
	CU_ASSERT_EQUAL(reply_owner(n, 6, "172.16.0.11", 8443, &l, &t, &lp), NLB_REPLY_ADOPT);
	rt_state_free(s);
	rt_state_free(n);
	config_free(cfg);
}

/* A copy of s with group gi's never used slots filled by weight-0 decoys: reuse starts. */
static struct rt_state *filled(const struct rt_state *s, unsigned int gi, uint64_t now)
{
	struct rt_state *n = rt_state_clone(s, now);
	char id[CFG_NAME_MAX];
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	for (i = 0; n->groups[gi].n_targets < RT_SLOTS; i++) {
		snprintf(id, sizeof(id), "decoy-%u", i);
		CU_ASSERT_FATAL(rt_group_add(n, gi, id, now) >= 0);
	}
	return n;
}

/*
 * Issue 12 item 8: a removed target's slot reused 70,000 times, one generation per removal
 * and addition (remove the occupant, add the next one: the slot is the only free one). A pin
 * (flow-table value or NLB session) of the first target, and one of every earlier occupant,
 * never names the slot's current target: with 8 bits of incarnation the 256th reuse did.
 */
static void test_slot_reuse_never_revives_a_pin(void)
{
	struct config *cfg = load(cfg_a);
	struct rt_state *s = build(cfg), *cur;
	uint64_t now = 1000 * 1000000ull, pin;
	uint32_t first_tag, prev_tag;
	unsigned int k, revived = 0, wrong_slot = 0, prev_revived = 0;
	char id[CFG_NAME_MAX];
	int slot = rt_group_find(&s->groups[0], "fw-1");

	CU_ASSERT_EQUAL_FATAL(slot, 0);
	cur = filled(s, 0, now);
	rt_state_free(s);
	first_tag = cur->groups[0].targets[0].tag;
	pin = gwlb_pin_val(first_tag, now); /* fw-1's flow, last seen now */
	prev_tag = first_tag;
	for (k = 1; k <= 70000; k++) {
		struct rt_state *n = rt_state_clone(cur, now);
		int got;

		CU_ASSERT_PTR_NOT_NULL_FATAL(n);
		rt_group_remove(&n->groups[0], 0);
		snprintf(id, sizeof(id), "occ-%u", k);
		got = rt_group_add(n, 0, id, now);
		wrong_slot += got != 0;
		revived += rt_pin_target(&n->groups[0], gwlb_pin_tag(pin)) != NULL;
		prev_revived += rt_pin_target(&n->groups[0], prev_tag) != NULL;
		prev_tag = n->groups[0].targets[0].tag;
		rt_state_free(cur);
		cur = n;
		now += 1000; /* one generation a millisecond */
	}
	CU_ASSERT_EQUAL(wrong_slot, 0);
	CU_ASSERT_EQUAL(revived, 0);
	CU_ASSERT_EQUAL(prev_revived, 0);
	CU_ASSERT_EQUAL(gwlb_tag_inc(cur->groups[0].targets[0].tag), 70000);
	CU_ASSERT_STRING_EQUAL(rt_pin_target(&cur->groups[0], prev_tag)->id, "occ-70000");
	rt_state_free(cur);
	config_free(cfg);
}

/*
 * When a slot's 24-bit incarnation would wrap (its 2^24th reuse), the slot is taken only once
 * every pin of its earlier targets is expired on lookup: the group's longer idle timeout and
 * RT_PIN_MARGIN_US after the generation that freed it was the only one in use. Meanwhile other
 * free slots are taken, and with none, the addition is refused (-EBUSY).
 */
static void test_incarnation_wraps_only_after_every_pin_expired(void)
{
	struct config *cfg = load(cfg_a);
	struct rt_state *s = build(cfg), *a, *b;
	const uint64_t t0 = 5000 * 1000000ull, t1 = t0 + 2000000;
	const struct rt_group *g;
	uint64_t pin, life;
	int slot;

	a = filled(s, 0, t0);
	g = &a->groups[0];
	life = rt_group_pin_life(g);
	CU_ASSERT_EQUAL(life, 350 * 1000000ull + RT_PIN_MARGIN_US); /* TCP's 350 s, other 120 s */
	/* slot 0 had 2^24 - 1 targets before this one (as if so many reuses had happened) */
	a->groups[0].targets[0].tag = RT_TAG(GWLB_TAG_INC_MASK, 0);
	pin = gwlb_pin_val(a->groups[0].targets[0].tag, t0); /* its flow's last packet at t0 */
	rt_group_remove(&a->groups[0], 0); /* removed in a (a's workers may still touch pins) */
	CU_ASSERT_EQUAL(rt_group_add(a, 0, "x", t0), -EBUSY);

	b = rt_state_clone(a, t1); /* a published, the only generation in use since t1 */
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(b->groups[0].targets[0].freed_us, t1);
	CU_ASSERT_EQUAL(rt_group_add(b, 0, "x", t1 + life - 1), -EBUSY);
	/* another free slot (freed later, not wrapping) is taken meanwhile */
	rt_group_remove(&b->groups[0], 9);
	slot = rt_group_add(b, 0, "y", t1 + 1);
	CU_ASSERT_EQUAL(slot, 9);
	CU_ASSERT_EQUAL(b->groups[0].targets[9].tag, RT_TAG(1, 9));
	CU_ASSERT_EQUAL(rt_group_add(b, 0, "x", t1 + life - 1), -EBUSY);
	/* every pin of the old incarnations is dead on lookup from here on: the wrap is safe */
	CU_ASSERT_EQUAL(gwlb_flow_verdict(t1 + life, gwlb_pin_seen_us(pin), b->groups[0].idle_tcp,
					  TS_HEALTHY, 0, 0, 0),
			GWLB_EXPIRED);
	CU_ASSERT_EQUAL(gwlb_flow_verdict(t1 + life, gwlb_pin_seen_us(pin), b->groups[0].idle_other,
					  TS_HEALTHY, 0, 0, 0),
			GWLB_EXPIRED);
	slot = rt_group_add(b, 0, "x", t1 + life);
	CU_ASSERT_EQUAL(slot, 0);
	CU_ASSERT_EQUAL(b->groups[0].targets[0].tag, RT_TAG(0, 0));
	/* no free slot at all: the group is full */
	CU_ASSERT_EQUAL(rt_group_add(b, 0, "z", t1 + life), -ENOSPC);
	rt_state_free(s);
	rt_state_free(a);
	rt_state_free(b);
	config_free(cfg);
}

/*
 * The inspection tables compiled per generation (core/gwlb_table.h): attachments, endpoint ID
 * -> attachment, (attachment, appliance) -> chain position and slot, where the first position
 * wins and, within it, a present target over a removed one with the same address.
 */
#define GW_CFG                                                             \
	"node: {zone: az1, ttl: 33, geneve_address: 10.0.1.10,\n"          \
	"       cookie_secret: 00112233445566778899aabbccddeeff}\n"        \
	"zones: {az1: 10.0.1.10}\n"                                        \
	"ports:\n"                                                         \
	"  - {name: out, device: net_null0, addresses: [10.0.1.10/24]}\n"  \
	"  - {name: srv, device: net_null1, addresses: [172.16.0.1/24]}\n" \
	"inspection:\n"                                                    \
	"  - {name: a, endpoint_id: 7, from: out, chain: [g1, g2]}\n"      \
	"  - {name: b, endpoint_id: 9, from: srv, chain: [g2]}\n"          \
	"target_groups:\n"                                                 \
	"  - name: g1\n    protocol: geneve\n"                             \
	"    geneve_udp_checksum: ignore\n    targets:\n"                  \
	"      - {id: x-1, address: 172.16.0.21, zone: az1}\n"             \
	"      - {id: x-2, address: 172.16.0.22, zone: az1}\n"             \
	"  - name: g2\n    protocol: geneve\n    targets:\n"               \
	"      - {id: y-1, address: 172.16.0.31, zone: az1}\n"             \
	"      - {id: y-2, address: 172.16.0.32, zone: az1}\n"

static int appliance(const struct rt_state *s, uint32_t a, uint8_t last)
{
	uint32_t addr = sl_htonl(0xac100000u | last);
	const uint32_t *v = rt_map_find(&s->by_appliance, gwlb_ret_key(a, addr));

	return v ? (int)*v : -1;
}

static void test_gwlb_tables(void)
{
	struct config *cfg = load(GW_CFG);
	struct rt_state *s = build(cfg), *n;
	const uint32_t *a;
	int slot;

	CU_ASSERT_EQUAL(s->n_attach, 2);
	CU_ASSERT_EQUAL(s->attach[0].n_chain, 2);
	CU_ASSERT_EQUAL(s->attach[0].chain[1], 1);
	CU_ASSERT_EQUAL(s->attach[1].endpoint_id, 9);
	CU_ASSERT_EQUAL(s->ttl, 33);
	CU_ASSERT_EQUAL(s->geneve_src, sl_htonl(0x0a00010au));
	a = rt_map_find(&s->by_endpoint, 9);
	CU_ASSERT_FATAL(a && *a == 1);
	CU_ASSERT_PTR_NULL(rt_map_find(&s->by_endpoint, 8));
	CU_ASSERT_EQUAL(s->groups[0].gw.stickiness, cfg->groups[0].stickiness);
	CU_ASSERT_EQUAL(s->groups[0].gw.udp_csum, GWLB_UDP_CSUM_IGNORE);
	CU_ASSERT_EQUAL(s->groups[1].gw.udp_csum, GWLB_UDP_CSUM_VERIFY);
	CU_ASSERT_EQUAL(s->groups[0].gw.n_targets, 2);
	CU_ASSERT_EQUAL(s->groups[0].gw.generation, s->generation);
	CU_ASSERT_EQUAL(s->groups[1].tgt[1].addr, s->groups[1].targets[1].addr);
	CU_ASSERT_EQUAL(s->groups[1].tgt[1].tag, RT_TAG(0, 1));
	CU_ASSERT_EQUAL(appliance(s, 0, 22), (int)gwlb_ret_val(0, 1));
	CU_ASSERT_EQUAL(appliance(s, 0, 32), (int)gwlb_ret_val(1, 1));
	CU_ASSERT_EQUAL(appliance(s, 1, 32), (int)gwlb_ret_val(0, 1));
	CU_ASSERT_EQUAL(appliance(s, 1, 22), -1); /* not in b's chain */
	CU_ASSERT_EQUAL(appliance(s, 0, 99), -1);

	/* x-1 removed: its returns still validate; x-3 takes its address: it wins */
	n = rt_state_clone(s, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	rt_group_remove(&n->groups[0], 0);
	CU_ASSERT_EQUAL_FATAL(rt_state_finalize(n, M), 0);
	CU_ASSERT_EQUAL(appliance(n, 0, 21), (int)gwlb_ret_val(0, 0));
	CU_ASSERT_EQUAL(n->groups[0].tgt[0].present, 0);
	rt_state_free(s);
	s = n;
	n = rt_state_clone(s, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	slot = rt_group_add(n, 0, "x-3", 0);
	CU_ASSERT_EQUAL_FATAL(slot, 2);
	n->groups[0].targets[2].addr = sl_htonl(0xac100015u);
	n->groups[0].targets[2].family = 4;
	CU_ASSERT_EQUAL_FATAL(rt_state_finalize(n, M), 0);
	CU_ASSERT_EQUAL(appliance(n, 0, 21), (int)gwlb_ret_val(0, 2));
	CU_ASSERT_EQUAL(n->groups[0].gw.n_targets, 3);
	CU_ASSERT_EQUAL(n->groups[0].gw.generation, s->generation + 1);
	rt_state_free(s);
	rt_state_free(n);
	config_free(cfg);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"same targets, any order: same tables and choices",
		 test_same_targets_any_order_same_choices},
		{"reply table: owners by address and port", test_reply_table},
		{"reply table: ambiguity, all ports, source NAT", test_reply_table_ambiguity},
		{"reply table follows the generation", test_reply_table_follows_generation},
		{"slot reused 70,000 times: no pin names a later target",
		 test_slot_reuse_never_revives_a_pin},
		{"incarnation wraps only after every pin expired",
		 test_incarnation_wraps_only_after_every_pin_expired},
		{"inspection tables: attachments, endpoints, appliances", test_gwlb_tables},
		CU_TEST_INFO_NULL,
	};

	return cu_run("rt_model", tests);
}
