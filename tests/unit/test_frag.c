/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_frag.c - core/frag.h: later fragments take their first fragment's ports; a non-first
 * fragment that comes first decides (steering) or is early (NLB) or changes nothing (replies);
 * entries expire after the timeout (ms modulo 2^31, wrap included); a first fragment with
 * other ports (an IP ID reused) takes the entry over; the own view drops borrowed ports; the
 * parser fills frag_id for IPv4 and IPv6.
 */
#include "tests/unit/cu.h"
#include "dataplane/core/frag.h"

#define T0	1000000000ull /* us */
#define TIMEOUT 5000000ull    /* 5 s */

static struct pkt_info frag(int later, uint8_t proto)
{
	struct pkt_info pi = {0};

	pi.family = 4;
	pi.proto = proto;
	pi.saddr[0] = 10;
	pi.daddr[0] = 192;
	pi.frag_id = 0x4242;
	pi.flags = PKT_F_FRAG;
	if (later) {
		pi.flags |= PKT_F_FRAG_LATER;
	} else {
		pi.flags |= PKT_F_L4;
		pi.sport = 40001;
		pi.dport = 5004;
	}
	return pi;
}

static void first_fragment_records_and_later_ones_follow(void)
{
	struct pkt_info first = frag(0, IPPROTO_UDP_), later = frag(1, IPPROTO_UDP_);
	uint64_t v = 0, w = 0;

	CU_ASSERT_EQUAL(frag_decide(&first, NULL, T0, TIMEOUT, FRAG_MODE_STEER, &v), FRAG_RECORD);
	CU_ASSERT_EQUAL(first.flags, PKT_F_FRAG | PKT_F_L4); /* unchanged */
	CU_ASSERT_EQUAL(frag_decide(&later, &v, T0 + 1000, TIMEOUT, FRAG_MODE_NLB, &w),
			FRAG_FOLLOW);
	CU_ASSERT_EQUAL(w, 0);
	CU_ASSERT_EQUAL(later.sport, 40001);
	CU_ASSERT_EQUAL(later.dport, 5004);
	CU_ASSERT_EQUAL(later.flags, PKT_F_FRAG | PKT_F_FRAG_LATER | PKT_F_L4 | PKT_F_FRAG_PORTS);
	/* the same first fragment again (another path, or a duplicate): nothing to write */
	first = frag(0, IPPROTO_UDP_);
	CU_ASSERT_EQUAL(frag_decide(&first, &v, T0 + 2000, TIMEOUT, FRAG_MODE_REPLY, &w),
			FRAG_NONE);
}

static void an_early_fragment_decides_steering_only(void)
{
	struct pkt_info later = frag(1, IPPROTO_UDP_), first = frag(0, IPPROTO_UDP_);
	uint64_t v = 0, w = 0;

	CU_ASSERT_EQUAL(frag_decide(&later, NULL, T0, TIMEOUT, FRAG_MODE_NLB, &v), FRAG_EARLY);
	CU_ASSERT_EQUAL(frag_decide(&later, NULL, T0, TIMEOUT, FRAG_MODE_REPLY, &v), FRAG_NONE);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(frag_decide(&later, NULL, T0, TIMEOUT, FRAG_MODE_STEER, &v), FRAG_RECORD);
	CU_ASSERT((v & FRAG_V_PORTS) == 0);
	CU_ASSERT_FALSE(later.flags & PKT_F_L4);
	/* its first fragment follows it when steered, keeps its ports for a session */
	CU_ASSERT_EQUAL(frag_decide(&first, &v, T0 + 10, TIMEOUT, FRAG_MODE_REPLY, &w), FRAG_NONE);
	CU_ASSERT(first.flags & PKT_F_L4);
	CU_ASSERT_EQUAL(frag_decide(&first, &v, T0 + 10, TIMEOUT, FRAG_MODE_STEER, &w),
			FRAG_FOLLOW_NOPORTS);
	CU_ASSERT_FALSE(first.flags & PKT_F_L4);
	CU_ASSERT_EQUAL(first.sport, 0);
	CU_ASSERT_EQUAL(first.dport, 0);
	/* the rest: steered without ports already; early for the load balancer */
	later = frag(1, IPPROTO_UDP_);
	CU_ASSERT_EQUAL(frag_decide(&later, &v, T0 + 20, TIMEOUT, FRAG_MODE_STEER, &w), FRAG_NONE);
	CU_ASSERT_EQUAL(frag_decide(&later, &v, T0 + 20, TIMEOUT, FRAG_MODE_NLB, &w), FRAG_EARLY);
	CU_ASSERT_EQUAL(w, 0);
}

static void entries_expire_after_the_timeout(void)
{
	struct pkt_info first = frag(0, IPPROTO_TCP_), later = frag(1, IPPROTO_TCP_);
	uint64_t v = 0, w = 0;

	frag_decide(&first, NULL, T0, TIMEOUT, FRAG_MODE_STEER, &v);
	CU_ASSERT(frag_val_live(v, T0 + TIMEOUT - 1000, TIMEOUT));
	CU_ASSERT_FALSE(frag_val_live(v, T0 + TIMEOUT, TIMEOUT));
	CU_ASSERT_EQUAL(frag_decide(&later, &v, T0 + TIMEOUT, TIMEOUT, FRAG_MODE_NLB, &w),
			FRAG_EARLY);
	CU_ASSERT_EQUAL(frag_decide(&later, &v, T0 + TIMEOUT, TIMEOUT, FRAG_MODE_STEER, &w),
			FRAG_RECORD);
	CU_ASSERT((w & FRAG_V_PORTS) == 0);
	/* an expired entry is taken over by a new first fragment */
	first = frag(0, IPPROTO_TCP_);
	CU_ASSERT_EQUAL(frag_decide(&first, &v, T0 + TIMEOUT, TIMEOUT, FRAG_MODE_NLB, &w),
			FRAG_RECORD);
	CU_ASSERT((w & FRAG_V_PORTS) != 0);
}

static void the_ms_clock_wraps(void)
{
	uint64_t wrap = (FRAG_V_MS_MASK + 1) * 1000; /* us at which ms modulo 2^31 is 0 again */
	uint64_t v = frag_val_make(wrap - 2000, 1, 1, 2);

	CU_ASSERT(frag_val_live(v, wrap + 1000, TIMEOUT));
	CU_ASSERT_FALSE(frag_val_live(v, wrap + TIMEOUT, TIMEOUT));
	CU_ASSERT_EQUAL(FRAG_V_SPORT(v), 1);
	CU_ASSERT_EQUAL(FRAG_V_DPORT(v), 2);
}

static void a_reused_ip_id_takes_the_entry_over(void)
{
	struct pkt_info first = frag(0, IPPROTO_UDP_), other = frag(0, IPPROTO_UDP_);
	struct pkt_info later = frag(1, IPPROTO_UDP_);
	uint64_t v = 0, w = 0;

	frag_decide(&first, NULL, T0, TIMEOUT, FRAG_MODE_STEER, &v);
	other.sport = 40002;
	CU_ASSERT_EQUAL(frag_decide(&other, &v, T0 + 1000, TIMEOUT, FRAG_MODE_STEER, &w),
			FRAG_RECORD);
	CU_ASSERT_EQUAL(FRAG_V_SPORT(w), 40002);
	CU_ASSERT_EQUAL(frag_decide(&later, &w, T0 + 2000, TIMEOUT, FRAG_MODE_STEER, &v),
			FRAG_FOLLOW);
	CU_ASSERT_EQUAL(later.sport, 40002);
}

static void only_port_protocols_are_tracked(void)
{
	struct pkt_info pi = frag(1, 47), whole = frag(0, IPPROTO_UDP_), err = frag(0, 1);
	uint64_t v = 0;

	CU_ASSERT_FALSE(frag_tracked(&pi)); /* GRE */
	CU_ASSERT_EQUAL(frag_decide(&pi, NULL, T0, TIMEOUT, FRAG_MODE_NLB, &v), FRAG_NONE);
	whole.flags = PKT_F_L4;
	CU_ASSERT_FALSE(frag_tracked(&whole));
	CU_ASSERT(frag_tracked(&err)); /* ICMP echo: its identifier is its "ports" */
	err.flags |= PKT_F_ICMP_ERR;
	CU_ASSERT_FALSE(frag_tracked(&err));
	pi = frag(1, IPPROTO_ICMPV6_); /* ICMPv6 over IPv4: no */
	CU_ASSERT_FALSE(frag_tracked(&pi));
}

static void the_own_view_drops_borrowed_ports(void)
{
	struct pkt_info first = frag(0, IPPROTO_UDP_), later = frag(1, IPPROTO_UDP_), own;
	uint64_t v = 0, w = 0;

	frag_decide(&first, NULL, T0, TIMEOUT, FRAG_MODE_STEER, &v);
	frag_decide(&later, &v, T0, TIMEOUT, FRAG_MODE_STEER, &w);
	frag_own_view(&later, &own);
	CU_ASSERT_EQUAL(own.flags, PKT_F_FRAG | PKT_F_FRAG_LATER);
	CU_ASSERT_EQUAL(own.sport, 0);
	frag_own_view(&first, &own);
	CU_ASSERT_EQUAL(own.flags, PKT_F_FRAG | PKT_F_L4);
	CU_ASSERT_EQUAL(own.sport, 40001);
}

static void the_key_is_directional_and_has_the_id(void)
{
	struct pkt_info a = frag(0, IPPROTO_UDP_), b = frag(0, IPPROTO_UDP_);
	struct frag_key ka, kb;

	b.saddr[0] = 192;
	b.daddr[0] = 10;
	frag_key_make(&a, &ka);
	frag_key_make(&b, &kb);
	CU_ASSERT_NOT_EQUAL(memcmp(&ka, &kb, sizeof(ka)), 0);
	CU_ASSERT_EQUAL(ka.id, 0x4242);
	CU_ASSERT_EQUAL(ka.pad[0] | ka.pad[1], 0);
}

static void the_parser_fills_frag_id(void)
{
	uint8_t v4[28] = {0x45, 0, 0,  28, 0x12, 0x34, 0x20, 0x00, 64,	 17,   0, 0, 10, 0,
			  0,	1, 10, 0,  0,	 2,    0x9c, 0x41, 0x13, 0x8c, 0, 8, 0,	 0};
	uint8_t v6[40 + 8 + 8] = {0x60, 0, 0, 0, 0, 16, 44, 64};
	struct pkt_info pi;

	CU_ASSERT_EQUAL(pkt_parse_ip(v4, 0, v4 + sizeof(v4), 0, &pi), 0);
	CU_ASSERT_EQUAL(pi.flags, PKT_F_FRAG | PKT_F_L4); /* MF, offset 0 */
	CU_ASSERT_EQUAL(pi.frag_id, 0x1234);
	v6[40] = 17;						    /* next header UDP */
	v6[42] = 0x00, v6[43] = 0x01;				    /* offset 0, M */
	v6[44] = 0xde, v6[45] = 0xad, v6[46] = 0xbe, v6[47] = 0xef; /* identification */
	CU_ASSERT_EQUAL(pkt_parse_ip(v6, 0, v6 + sizeof(v6), 0, &pi), 0);
	CU_ASSERT(pi.flags & PKT_F_FRAG);
	CU_ASSERT(pi.flags & PKT_F_L4);
	CU_ASSERT_EQUAL(pi.frag_id, 0xdeadbeef);
	v6[42] = 0x05; /* offset 80 bytes: a later fragment */
	CU_ASSERT_EQUAL(pkt_parse_ip(v6, 0, v6 + sizeof(v6), 0, &pi), 0);
	CU_ASSERT(pi.flags & PKT_F_FRAG_LATER);
	CU_ASSERT_EQUAL(pi.frag_id, 0xdeadbeef);
}

static CU_TestInfo tests[] = {
	{"first fragment records and later ones follow",
	 first_fragment_records_and_later_ones_follow},
	{"an early fragment decides steering only", an_early_fragment_decides_steering_only},
	{"entries expire after the timeout", entries_expire_after_the_timeout},
	{"the ms clock wraps", the_ms_clock_wraps},
	{"a reused IP ID takes the entry over", a_reused_ip_id_takes_the_entry_over},
	{"only port protocols are tracked", only_port_protocols_are_tracked},
	{"the own view drops borrowed ports", the_own_view_drops_borrowed_ports},
	{"the key is directional and has the ID", the_key_is_directional_and_has_the_id},
	{"the parser fills frag_id", the_parser_fills_frag_id},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("frag", tests);
}
