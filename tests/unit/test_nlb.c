/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_nlb.c - core/nlb.h: what a client packet without a session gets (new, adopted, reset),
 * the reply table's key rule per (listener port, target port), merging pairs into ambiguity,
 * and the per-packet resolution of a reply without a session.
 */
#include <string.h>

#include "tests/unit/cu.h"
#include "dataplane/core/nlb.h"

static void test_client_verdict(void)
{
	/* UDP and a bare SYN: new flows, whatever the switch */
	CU_ASSERT_EQUAL(nlb_client_verdict(IPPROTO_UDP_, 0, 1), NLB_CLIENT_NEW);
	CU_ASSERT_EQUAL(nlb_client_verdict(IPPROTO_UDP_, 0xff, 0), NLB_CLIENT_NEW);
	CU_ASSERT_EQUAL(nlb_client_verdict(IPPROTO_TCP_, NLB_TCP_SYN, 1), NLB_CLIENT_NEW);
	CU_ASSERT_EQUAL(nlb_client_verdict(IPPROTO_TCP_, NLB_TCP_SYN | NLB_TCP_FIN, 0),
			NLB_CLIENT_NEW);
	/* mid-flow: adopted, or reset */
	CU_ASSERT_EQUAL(nlb_client_verdict(IPPROTO_TCP_, NLB_TCP_ACK, 0), NLB_CLIENT_ADOPT);
	CU_ASSERT_EQUAL(nlb_client_verdict(IPPROTO_TCP_, NLB_TCP_ACK | NLB_TCP_FIN, 0),
			NLB_CLIENT_ADOPT);
	CU_ASSERT_EQUAL(nlb_client_verdict(IPPROTO_TCP_, 0, 0), NLB_CLIENT_ADOPT);
	CU_ASSERT_EQUAL(nlb_client_verdict(IPPROTO_TCP_, NLB_TCP_SYN | NLB_TCP_ACK, 0),
			NLB_CLIENT_ADOPT);
	CU_ASSERT_EQUAL(nlb_client_verdict(IPPROTO_TCP_, NLB_TCP_ACK, 1), NLB_CLIENT_RESET);
	CU_ASSERT_EQUAL(nlb_client_verdict(IPPROTO_TCP_, NLB_TCP_SYN | NLB_TCP_ACK, 1),
			NLB_CLIENT_RESET);
	/* a RST of nothing is never answered nor adopted */
	CU_ASSERT_EQUAL(nlb_client_verdict(IPPROTO_TCP_, NLB_TCP_RST, 0), NLB_CLIENT_DROP_RST);
	CU_ASSERT_EQUAL(nlb_client_verdict(IPPROTO_TCP_, NLB_TCP_RST | NLB_TCP_ACK, 1),
			NLB_CLIENT_DROP_RST);
}

static void test_reply_key(void)
{
	struct nlb_reply_owner o;

	/* fixed-port target: keyed by its port, the listener port is the listener's */
	memset(&o, 0, sizeof(o));
	CU_ASSERT_EQUAL(nlb_reply_key(8080, 443, &o), 8080);
	CU_ASSERT_EQUAL(o.lport, 443);
	CU_ASSERT_EQUAL(o.flags, NLB_RO_VALID);
	/* port-0 target of a port listener: keyed by the listener port */
	CU_ASSERT_EQUAL(nlb_reply_key(0, 443, &o), 443);
	CU_ASSERT_EQUAL(o.lport, 443);
	CU_ASSERT_EQUAL(o.flags, NLB_RO_VALID);
	/* port-0 target of an all-ports listener: any source port, which is the listener's */
	CU_ASSERT_EQUAL(nlb_reply_key(0, 0, &o), 0);
	CU_ASSERT_EQUAL(o.lport, 0);
	CU_ASSERT_EQUAL(o.flags, NLB_RO_VALID);
	/* fixed-port target of an all-ports listener: the listener port is unknowable */
	CU_ASSERT_EQUAL(nlb_reply_key(8080, 0, &o), 8080);
	CU_ASSERT_EQUAL(o.flags, NLB_RO_VALID | NLB_RO_AMBIGUOUS);
}

static struct nlb_reply_owner owner(uint16_t listener, uint16_t group, uint16_t slot,
				    uint16_t lport)
{
	struct nlb_reply_owner o;

	memset(&o, 0, sizeof(o));
	o.listener = listener;
	o.group = group;
	o.slot = slot;
	o.lport = lport;
	o.flags = NLB_RO_VALID;
	return o;
}

static void test_reply_merge(void)
{
	struct nlb_reply_owner a = owner(1, 2, 3, 443), b = owner(1, 2, 3, 443);

	nlb_reply_merge(&a, &b); /* the same pair twice (a tcp_udp listener walks twice) */
	CU_ASSERT_EQUAL(a.flags, NLB_RO_VALID);
	b = owner(4, 2, 3, 444); /* another listener of the same group */
	nlb_reply_merge(&a, &b);
	CU_ASSERT_EQUAL(a.flags, NLB_RO_VALID | NLB_RO_AMBIGUOUS);
	a = owner(1, 2, 3, 443);
	b = owner(1, 2, 5, 443); /* two targets of one address and port in a group */
	nlb_reply_merge(&a, &b);
	CU_ASSERT(a.flags & NLB_RO_AMBIGUOUS);
	a = owner(1, 2, 3, 443);
	b = owner(1, 2, 3, 443);
	b.flags |= NLB_RO_AMBIGUOUS; /* an ambiguous pair stays so */
	nlb_reply_merge(&a, &b);
	CU_ASSERT(a.flags & NLB_RO_AMBIGUOUS);
}

static void test_reply_resolve(void)
{
	struct nlb_reply_owner exact = owner(1, 2, 3, 443), any = owner(5, 6, 7, 0), out, empty;

	memset(&empty, 0, sizeof(empty));
	memset(&out, 0, sizeof(out));
	CU_ASSERT_EQUAL(nlb_reply_resolve(NULL, NULL, 80, &out), NLB_REPLY_NONE);
	CU_ASSERT_EQUAL(nlb_reply_resolve(&empty, &empty, 80, &out), NLB_REPLY_NONE);
	CU_ASSERT_EQUAL(nlb_reply_resolve(&exact, NULL, 8080, &out), NLB_REPLY_ADOPT);
	CU_ASSERT_EQUAL(out.listener, 1);
	CU_ASSERT_EQUAL(out.slot, 3);
	CU_ASSERT_EQUAL(out.lport, 443);
	CU_ASSERT_EQUAL(nlb_reply_resolve(&empty, &any, 5353, &out), NLB_REPLY_ADOPT);
	CU_ASSERT_EQUAL(out.listener, 5);
	CU_ASSERT_EQUAL(out.lport, 5353); /* all ports: the source port is the listener's */
	/* a port listener's pair and an all-ports listener's pair: two listeners */
	CU_ASSERT_EQUAL(nlb_reply_resolve(&exact, &any, 443, &out), NLB_REPLY_AMBIGUOUS);
	exact.flags |= NLB_RO_AMBIGUOUS;
	CU_ASSERT_EQUAL(nlb_reply_resolve(&exact, NULL, 443, &out), NLB_REPLY_AMBIGUOUS);
	any.flags |= NLB_RO_AMBIGUOUS;
	CU_ASSERT_EQUAL(nlb_reply_resolve(NULL, &any, 443, &out), NLB_REPLY_AMBIGUOUS);
}

static void test_reply_keeps(void)
{
	CU_ASSERT_TRUE(nlb_reply_keeps(IPPROTO_UDP_, NLB_TCP_RST));
	CU_ASSERT_TRUE(nlb_reply_keeps(IPPROTO_TCP_, NLB_TCP_ACK));
	CU_ASSERT_TRUE(nlb_reply_keeps(IPPROTO_TCP_, NLB_TCP_ACK | NLB_TCP_FIN));
	CU_ASSERT_FALSE(nlb_reply_keeps(IPPROTO_TCP_, NLB_TCP_RST));
	CU_ASSERT_FALSE(nlb_reply_keeps(IPPROTO_TCP_, NLB_TCP_RST | NLB_TCP_ACK));
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"client packet without a session", test_client_verdict},
		{"reply table key per listener and target port", test_reply_key},
		{"reply table: merging pairs", test_reply_merge},
		{"reply without a session: resolve", test_reply_resolve},
		{"adopted reply keeps a session unless RST", test_reply_keeps},
		CU_TEST_INFO_NULL,
	};

	return cu_run("nlb", tests);
}
