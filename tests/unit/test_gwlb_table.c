/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_gwlb_table.c - the inspection path's decisions over the compiled tables
 * (core/gwlb_table.h), as both dataplanes call them: target choice by group mode, the pin
 * verdict and what the shell must write, the GENEVE encapsulation, and where a validated
 * return goes next.
 */
#include <string.h>

#include "tests/unit/cu.h"
#include "dataplane/core/gwlb_table.h"

#define S  1000000ull /* one second in us */
#define MS 7	      /* a Maglev table of 7 entries */

static struct gwlb_group grp;
static struct gwlb_target tgt[GWLB_SLOTS];
static uint16_t ml[MS];

/* Three healthy targets in slots 0..2 (tags of incarnation 1), Maglev 0 1 2 0 1 2 EMPTY. */
static void setup(uint8_t mode)
{
	unsigned int i;

	memset(&grp, 0, sizeof(grp));
	memset(tgt, 0, sizeof(tgt));
	grp.mode = mode;
	grp.n_targets = 3;
	grp.idle_tcp_us = 350 * S;
	grp.idle_other_us = 120 * S;
	grp.dereg_delay_us = 300 * S;
	for (i = 0; i < 3; i++) {
		tgt[i].addr = 0x0a000001u + i;
		tgt[i].tag = gwlb_tag(1, i);
		tgt[i].state = TS_HEALTHY;
		tgt[i].present = 1;
		tgt[i].weight = 1;
	}
	for (i = 0; i < MS; i++)
		ml[i] = (uint16_t)(i % 3);
	ml[MS - 1] = GWLB_MAGLEV_EMPTY;
}

static void test_pick_follows_the_group_mode(void)
{
	uint8_t ev = 0;

	setup(GWLB_MODE_NORMAL);
	CU_ASSERT_EQUAL(gwlb_pick(&grp, ml, MS, 4, &ev), 1); /* 4 % 7 = 4 -> slot 1 */
	CU_ASSERT_EQUAL(ev, 0);
	CU_ASSERT_EQUAL(gwlb_pick(&grp, ml, MS, 6, &ev), GWLB_PICK_DROP(SL_DROP_NO_TARGET));
	grp.n_targets = 1; /* an entry past the slots in use is no target */
	CU_ASSERT_EQUAL(gwlb_pick(&grp, ml, MS, 2, &ev), GWLB_PICK_DROP(SL_DROP_NO_TARGET));
	setup(GWLB_MODE_FAIL_OPEN);
	CU_ASSERT_EQUAL(gwlb_pick(&grp, ml, MS, 9, &ev), 2);
	CU_ASSERT_EQUAL(ev, 1u << GWLB_EV_FAIL_OPEN);
	ev = 0;
	setup(GWLB_MODE_DROP);
	CU_ASSERT_EQUAL(gwlb_pick(&grp, ml, MS, 4, &ev),
			GWLB_PICK_DROP(SL_DROP_ALL_UNHEALTHY_DROP));
	setup(GWLB_MODE_BYPASS);
	CU_ASSERT_EQUAL(gwlb_pick(&grp, ml, MS, 4, &ev), GWLB_PICK_BYPASS);
	setup(GWLB_MODE_NO_TARGET);
	CU_ASSERT_EQUAL(gwlb_pick(&grp, ml, MS, 4, &ev), GWLB_PICK_DROP(SL_DROP_NO_TARGET));
	CU_ASSERT_EQUAL(ev, 0);
	CU_ASSERT_EQUAL(gwlb_event(GWLB_EV_FAIL_OPEN), SL_EV_FAIL_OPEN);
	CU_ASSERT_EQUAL(gwlb_event(GWLB_EV_NEW), SL_EV_FLOW_NEW);
}

/*
 * gwlb_pick_index, which sluice-xdp runs before its own map read (gwlb_pick is built from it):
 * the index it gives is < m in every mode and for every hash, and a table of no entries (m 0)
 * gives no index and no target. (That the parts make gwlb_pick is its definition; the XDP
 * program's use of them is checked by the golden cases on sluice-xdp.)
 */
static void test_pick_index_is_below_m(void)
{
	static const uint8_t modes[] = {GWLB_MODE_NORMAL, GWLB_MODE_FAIL_OPEN, GWLB_MODE_DROP,
					GWLB_MODE_BYPASS, GWLB_MODE_NO_TARGET};
	unsigned int i;
	uint32_t h;

	for (i = 0; i < sizeof(modes); i++)
		for (h = 0; h < 3 * MS; h++) {
			uint8_t ev = 0;
			uint64_t idx = UINT64_MAX;

			setup(modes[i]);
			if (gwlb_pick_index(&grp, h, MS, &idx, &ev) == GWLB_PICK_MAGLEV)
				CU_ASSERT(idx < MS);
		}
	setup(GWLB_MODE_NORMAL);
	{
		uint8_t ev = 0;
		uint64_t idx = 0;

		CU_ASSERT_EQUAL(gwlb_pick_index(&grp, 5, 0, &idx, &ev),
				GWLB_PICK_DROP(SL_DROP_NO_TARGET));
	}
}

static void test_choose_new_flow_is_pinned(void)
{
	struct gwlb_choice c;

	setup(GWLB_MODE_NORMAL);
	gwlb_choose(&grp, tgt, ml, MS, 0, 0, 10 * S, IPPROTO_TCP_, 5, &c);
	CU_ASSERT_EQUAL(c.slot, 2);
	CU_ASSERT_EQUAL(c.action, GWLB_PIN_NEW);
	CU_ASSERT_EQUAL(c.pin, gwlb_pin_val(gwlb_tag(1, 2), 10 * S));
	CU_ASSERT_EQUAL(c.ev, 1u << GWLB_EV_NEW);
}

static void test_choose_keeps_a_pin_and_touches_it_once_a_second(void)
{
	uint64_t pin = gwlb_pin_val(gwlb_tag(1, 0), 10 * S);
	struct gwlb_choice c;

	setup(GWLB_MODE_NORMAL);
	/* the same second: kept, nothing written, whatever Maglev says now */
	gwlb_choose(&grp, tgt, ml, MS, 1, pin, 10 * S + 500000, IPPROTO_TCP_, 5, &c);
	CU_ASSERT_EQUAL(c.slot, 0);
	CU_ASSERT_EQUAL(c.action, GWLB_PIN_KEEP);
	CU_ASSERT_EQUAL(c.ev, 0);
	/* a later second: kept, refreshed */
	gwlb_choose(&grp, tgt, ml, MS, 1, pin, 12 * S, IPPROTO_TCP_, 5, &c);
	CU_ASSERT_EQUAL(c.slot, 0);
	CU_ASSERT_EQUAL(c.action, GWLB_PIN_TOUCH);
	CU_ASSERT_EQUAL(c.pin, gwlb_pin_val(gwlb_tag(1, 0), 12 * S));
	/* an unhealthy target keeps its flows unless the group rebalances */
	tgt[0].state = TS_UNHEALTHY;
	gwlb_choose(&grp, tgt, ml, MS, 1, pin, 12 * S, IPPROTO_TCP_, 5, &c);
	CU_ASSERT_EQUAL(c.slot, 0);
	grp.rebalance = 1;
	gwlb_choose(&grp, tgt, ml, MS, 1, pin, 12 * S, IPPROTO_TCP_, 5, &c);
	CU_ASSERT_EQUAL(c.slot, 2);
	CU_ASSERT_EQUAL(c.action, GWLB_PIN_NEW);
	CU_ASSERT_EQUAL(c.ev, 1u << GWLB_EV_REBALANCED | 1u << GWLB_EV_NEW);
}

static void test_choose_repicks_expired_and_gone_pins(void)
{
	uint64_t pin = gwlb_pin_val(gwlb_tag(1, 0), 10 * S);
	struct gwlb_choice c;

	setup(GWLB_MODE_NORMAL);
	/* UDP idles out after 120 s, TCP after 350 s */
	gwlb_choose(&grp, tgt, ml, MS, 1, pin, 200 * S, IPPROTO_UDP_, 5, &c);
	CU_ASSERT_EQUAL(c.slot, 2);
	CU_ASSERT_EQUAL(c.ev, 1u << GWLB_EV_EXPIRED | 1u << GWLB_EV_NEW);
	gwlb_choose(&grp, tgt, ml, MS, 1, pin, 200 * S, IPPROTO_TCP_, 5, &c);
	CU_ASSERT_EQUAL(c.slot, 0);
	/* the slot now holds another target (next incarnation): the pin's target is gone */
	tgt[0].tag = gwlb_tag(2, 0);
	gwlb_choose(&grp, tgt, ml, MS, 1, pin, 11 * S, IPPROTO_TCP_, 5, &c);
	CU_ASSERT_EQUAL(c.slot, 2);
	CU_ASSERT_EQUAL(c.ev, 1u << GWLB_EV_REBALANCED | 1u << GWLB_EV_NEW);
	/* a pin naming a slot past the ones in use */
	pin = gwlb_pin_val(gwlb_tag(1, 200), 10 * S);
	gwlb_choose(&grp, tgt, ml, MS, 1, pin, 11 * S, IPPROTO_TCP_, 5, &c);
	CU_ASSERT_EQUAL(c.slot, 2);
	CU_ASSERT_EQUAL(c.action, GWLB_PIN_NEW);
}

static void test_choose_deletes_a_pin_only_when_no_pick_can_replace_it(void)
{
	uint64_t pin = gwlb_pin_val(gwlb_tag(1, 0), 10 * S);
	struct gwlb_choice c;

	setup(GWLB_MODE_DROP);
	gwlb_choose(&grp, tgt, ml, MS, 1, pin, 500 * S, IPPROTO_TCP_, 5, &c);
	CU_ASSERT_EQUAL(c.slot, GWLB_PICK_DROP(SL_DROP_ALL_UNHEALTHY_DROP));
	CU_ASSERT_EQUAL(c.action, GWLB_PIN_DELETE);
	CU_ASSERT_EQUAL(c.ev, 1u << GWLB_EV_EXPIRED);
	setup(GWLB_MODE_BYPASS);
	gwlb_choose(&grp, tgt, ml, MS, 1, pin, 500 * S, IPPROTO_TCP_, 5, &c);
	CU_ASSERT_EQUAL(c.slot, GWLB_PICK_BYPASS);
	CU_ASSERT_EQUAL(c.action, GWLB_PIN_DELETE);
	/* still the pin's mode-independent verdict: a kept pin stays in any mode */
	gwlb_choose(&grp, tgt, ml, MS, 1, pin, 11 * S, IPPROTO_TCP_, 5, &c);
	CU_ASSERT_EQUAL(c.slot, 0);
	/* Maglev mode, an empty entry: nothing written, the entry stays for the sweeper */
	setup(GWLB_MODE_NORMAL);
	gwlb_choose(&grp, tgt, ml, MS, 1, pin, 500 * S, IPPROTO_TCP_, 6, &c);
	CU_ASSERT_EQUAL(c.slot, GWLB_PICK_DROP(SL_DROP_NO_TARGET));
	CU_ASSERT_EQUAL(c.action, GWLB_PIN_KEEP);
}

static void test_encap_plan_writes_what_the_return_parses(void)
{
	static const uint8_t secret[16] = "0123456789abcdef";
	struct gwlb_attach a = {.endpoint_id = 0x1122334455667788ull, .attachment_id = 42};
	struct flow_key ck;
	struct gwlb_encap e;
	struct gwlb_meta m;
	uint8_t buf[GWLB_ENCAP_OVERHEAD + 20];
	uint16_t hlen;

	setup(GWLB_MODE_NORMAL);
	memset(&ck, 0, sizeof(ck));
	ck.proto = IPPROTO_TCP_;
	gwlb_encap_plan(secret, &a, &tgt[1], &ck, 12345, 6, sl_htonl(0xc0000201u), 64, &e);
	CU_ASSERT_EQUAL(e.dst, tgt[1].addr);
	CU_ASSERT_EQUAL(e.sport, geneve_sport(12345));
	CU_ASSERT_EQUAL(e.meta.proto, ETHERTYPE_IPV6);
	CU_ASSERT_EQUAL(e.meta.cookie, cookie_make(secret, &ck, tgt[1].addr, a.endpoint_id));
	memset(buf, 0, sizeof(buf));
	gwlb_encap_write(buf, &e, 20);
	CU_ASSERT_EQUAL(buf[8], 64); /* TTL */
	CU_ASSERT_EQUAL(sl_get_be32(buf + 12), 0xc0000201u);
	CU_ASSERT_EQUAL(sl_get_be16(buf + 20), e.sport);
	CU_ASSERT_EQUAL(sl_get_be16(buf + 22), GENEVE_UDP_PORT);
	CU_ASSERT_EQUAL(sl_get_be16(buf + 24), 8 + GWLB_GENEVE_LEN + 20);
	CU_ASSERT_EQUAL(geneve_gwlb_parse(buf + GWLB_OUTER_LEN, buf + sizeof(buf), &m, &hlen), 0);
	CU_ASSERT_EQUAL(m.endpoint_id, a.endpoint_id);
	CU_ASSERT_EQUAL(m.attachment_id, 42);
	CU_ASSERT_EQUAL(m.cookie, e.meta.cookie);
	CU_ASSERT_EQUAL(hlen, GWLB_GENEVE_LEN);
}

static void test_return_verdict(void)
{
	struct pkt_info in;

	memset(&in, 0, sizeof(in));
	in.family = 4;
	in.proto = IPPROTO_ICMP_;
	in.daddr[0] = 198, in.daddr[1] = 51, in.daddr[2] = 100, in.daddr[3] = 7;
	/* a chain of two: next group, then the destination */
	CU_ASSERT_EQUAL(gwlb_return_verdict(0, 2, &in, 0, PKT_DST_OTHER), GWLB_RET_NEXT);
	CU_ASSERT_EQUAL(gwlb_return_verdict(1, 2, &in, 0, PKT_DST_OTHER), GWLB_RET_FORWARD);
	/* martian destinations, in any position */
	CU_ASSERT_EQUAL(gwlb_return_verdict(0, 2, &in, 0, PKT_DST_OWN), GWLB_RET_MARTIAN);
	CU_ASSERT_EQUAL(gwlb_return_verdict(1, 2, &in, 0, PKT_DST_EDGE), GWLB_RET_MARTIAN);
	/* the zone IP: the next group, or the load balancer after the last, whatever the packet
	 * (this one is ICMP: the load balancer decides, on both dataplanes) */
	CU_ASSERT_EQUAL(gwlb_return_verdict(0, 2, &in, 1, PKT_DST_OTHER), GWLB_RET_NEXT);
	CU_ASSERT_EQUAL(gwlb_return_verdict(1, 2, &in, 1, PKT_DST_OTHER), GWLB_RET_NLB);
}

static void test_return_table_key(void)
{
	CU_ASSERT_EQUAL(gwlb_ret_key(3, 0x0100000au), 3ull << 32 | 0x0100000au);
	CU_ASSERT_EQUAL(gwlb_ret_pos(gwlb_ret_val(5, 200)), 5);
	CU_ASSERT_EQUAL(gwlb_ret_slot(gwlb_ret_val(5, 200)), 200);
}

static CU_TestInfo tests[] = {
	{"pick_follows_the_group_mode", test_pick_follows_the_group_mode},
	{"pick_index_is_below_m", test_pick_index_is_below_m},
	{"choose_new_flow_is_pinned", test_choose_new_flow_is_pinned},
	{"choose_keeps_a_pin_and_touches_it_once_a_second",
	 test_choose_keeps_a_pin_and_touches_it_once_a_second},
	{"choose_repicks_expired_and_gone_pins", test_choose_repicks_expired_and_gone_pins},
	{"choose_deletes_a_pin_only_when_no_pick_can_replace_it",
	 test_choose_deletes_a_pin_only_when_no_pick_can_replace_it},
	{"encap_plan_writes_what_the_return_parses", test_encap_plan_writes_what_the_return_parses},
	{"return_verdict", test_return_verdict},
	{"return_table_key", test_return_table_key},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("gwlb_table", tests);
}
