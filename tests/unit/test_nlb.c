/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_nlb.c - core/nlb.h: what a client packet without a session gets (new, adopted, reset),
 * the reply table's key rule per (listener port, target port), merging pairs into ambiguity,
 * the per-packet resolution of a reply without a session, and a session's keys and rewrites
 * (IPv4 and IPv6: destination NAT, source NAT, the client packet a reply answers);
 * core/nlb_verdict.h: a session's idle time, the verdict on its packets, its touch, the reply
 * adoption checks.
 */
#include <string.h>

#include "tests/unit/cu.h"
#include "dataplane/core/nlb.h"
#include "dataplane/core/nlb_verdict.h"

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

/* An IPv6 TCP packet 2001:db8::c:40000 -> zone 2001:db8::10:443. */
static void pi6(struct pkt_info *pi)
{
	static const uint8_t c[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x0c};
	static const uint8_t z[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x10};

	memset(pi, 0, sizeof(*pi));
	pi->family = 6;
	pi->proto = IPPROTO_TCP_;
	memcpy(pi->saddr, c, 16);
	memcpy(pi->daddr, z, 16);
	pi->sport = 40000;
	pi->dport = 443;
}

static void test_sess_key(void)
{
	struct nlb_sess_key k, q;
	struct pkt_info pi, emb;

	pi6(&pi);
	memset(&k, 0xaa, sizeof(k));
	nlb_sess_key_of(&pi, &k);
	CU_ASSERT_EQUAL(k.family, 6);
	CU_ASSERT_EQUAL(k.proto, IPPROTO_TCP_);
	CU_ASSERT_EQUAL(k.sport, 40000);
	CU_ASSERT_EQUAL(k.dport, 443);
	CU_ASSERT_EQUAL(k.pad[0] | k.pad[1], 0); /* hashed whole */
	CU_ASSERT_EQUAL(memcmp(k.saddr, pi.saddr, 16), 0);
	CU_ASSERT_EQUAL(memcmp(k.daddr, pi.daddr, 16), 0);
	/* an ICMP error quoting the packet the session sent back: the key turned round */
	emb = pi;
	memcpy(emb.saddr, pi.daddr, 16);
	memcpy(emb.daddr, pi.saddr, 16);
	emb.sport = pi.dport;
	emb.dport = pi.sport;
	memset(&q, 0x55, sizeof(q));
	nlb_sess_key_quoted(&emb, &q);
	CU_ASSERT_EQUAL(memcmp(&q, &k, sizeof(k)), 0);
}

static void test_sess_build(void)
{
	static const uint8_t t[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x16, [15] = 0x0b};
	static const uint8_t n[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x16, [15] = 0x01};
	struct nlb_sess_key ck, rk, want;
	struct nat_rewrite crw, rrw;
	struct pkt_info pi;

	pi6(&pi);
	memset(&rk, 0xaa, sizeof(rk));
	memset(&crw, 0xaa, sizeof(crw));
	memset(&rrw, 0xaa, sizeof(rrw));
	nlb_sess_build(&pi, t, 8443, &ck, &rk, &crw, &rrw);
	nlb_sess_key_of(&pi, &want);
	CU_ASSERT_EQUAL(memcmp(&ck, &want, sizeof(want)), 0);
	/* the target's reply: target:8443 -> client */
	CU_ASSERT_EQUAL(rk.family, 6);
	CU_ASSERT_EQUAL(rk.pad[0] | rk.pad[1], 0);
	CU_ASSERT_EQUAL(memcmp(rk.saddr, t, 16), 0);
	CU_ASSERT_EQUAL(rk.sport, 8443);
	CU_ASSERT_EQUAL(memcmp(rk.daddr, pi.saddr, 16), 0);
	CU_ASSERT_EQUAL(rk.dport, 40000);
	/* client -> target:8443; the reply back from the zone IP:443 */
	CU_ASSERT_EQUAL(crw.family, 6);
	CU_ASSERT_TRUE(crw.set_dst && !crw.set_src);
	CU_ASSERT_EQUAL(memcmp(crw.daddr, t, 16), 0);
	CU_ASSERT_EQUAL(crw.dport, 8443);
	CU_ASSERT_TRUE(rrw.set_src && !rrw.set_dst);
	CU_ASSERT_EQUAL(memcmp(rrw.saddr, pi.daddr, 16), 0);
	CU_ASSERT_EQUAL(rrw.sport, 443);
	/* source NAT: from n:1024, the reply to n:1024 back to the client */
	nlb_sess_snat(&pi, n, 1024, &rk, &crw, &rrw);
	CU_ASSERT_TRUE(crw.set_src && crw.set_dst);
	CU_ASSERT_EQUAL(memcmp(crw.saddr, n, 16), 0);
	CU_ASSERT_EQUAL(crw.sport, 1024);
	CU_ASSERT_EQUAL(memcmp(rk.daddr, n, 16), 0);
	CU_ASSERT_EQUAL(rk.dport, 1024);
	CU_ASSERT_TRUE(rrw.set_src && rrw.set_dst);
	CU_ASSERT_EQUAL(memcmp(rrw.daddr, pi.saddr, 16), 0);
	CU_ASSERT_EQUAL(rrw.dport, 40000);
	/* naddr may be rk's own (the XDP path's port search) */
	nlb_sess_snat(&pi, rk.daddr, 1025, &rk, &crw, &rrw);
	CU_ASSERT_EQUAL(memcmp(rk.daddr, n, 16), 0);
	CU_ASSERT_EQUAL(rk.dport, 1025);
}

static void test_reply_client(void)
{
	static const uint8_t z4[16] = {10, 0, 1,
				       10}; /* a zone buffer: 16 bytes, IPv4 in the first 4 */
	struct nlb_sess_key ck, rk, want;
	struct nat_rewrite crw, rrw;
	struct pkt_info pi, reply, cpi;

	/* IPv4: target 172.16.0.11:8443 -> client 198.51.100.7:40000, listener port 443 */
	memset(&reply, 0, sizeof(reply));
	reply.family = 4;
	reply.proto = IPPROTO_UDP_;
	memcpy(reply.saddr, (const uint8_t[]){172, 16, 0, 11}, 4);
	memcpy(reply.daddr, (const uint8_t[]){198, 51, 100, 7}, 4);
	reply.sport = 8443;
	reply.dport = 40000;
	memset(cpi.daddr, 0xaa, sizeof(cpi.daddr));
	nlb_reply_client(&reply, z4, 443, &cpi);
	memset(&pi, 0, sizeof(pi));
	pi.family = 4;
	pi.proto = IPPROTO_UDP_;
	memcpy(pi.saddr, reply.daddr, 4);
	memcpy(pi.daddr, z4, 4);
	pi.sport = 40000;
	pi.dport = 443;
	nlb_sess_key_of(&cpi, &ck);
	nlb_sess_key_of(&pi, &want);
	CU_ASSERT_EQUAL(memcmp(&ck, &want, sizeof(want)), 0); /* the rest of daddr zero */
	/* its session's reply key is the reply as it reads */
	nlb_sess_build(&cpi, reply.saddr, 8443, &ck, &rk, &crw, &rrw);
	nlb_sess_key_of(&reply, &want);
	CU_ASSERT_EQUAL(memcmp(&rk, &want, sizeof(want)), 0);
}

static void test_pi_apply(void)
{
	static const uint8_t t[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x16, [15] = 0x0b};
	struct nlb_sess_key ck, rk, k;
	struct nat_rewrite crw, rrw;
	struct pkt_info pi, out;

	/* the client's packet after its rewrite reads as the session's reply turned round */
	pi6(&pi);
	nlb_sess_build(&pi, t, 8443, &ck, &rk, &crw, &rrw);
	out = pi;
	nat_pi_apply(&out, &crw);
	nlb_sess_key_quoted(&out, &k);
	CU_ASSERT_EQUAL(memcmp(&k, &rk, sizeof(k)), 0); /* all 16 address bytes */
	/* and the reply, rewritten, reads as the client's packet turned round */
	memset(&out, 0, sizeof(out));
	out.family = 6;
	out.proto = IPPROTO_TCP_;
	memcpy(out.saddr, rk.saddr, 16);
	memcpy(out.daddr, rk.daddr, 16);
	out.sport = rk.sport;
	out.dport = rk.dport;
	nat_pi_apply(&out, &rrw);
	nlb_sess_key_quoted(&out, &k);
	CU_ASSERT_EQUAL(memcmp(&k, &ck, sizeof(k)), 0);
}

#define S 1000000ull

static void test_idle(void)
{
	CU_ASSERT_EQUAL(nlb_idle(0, IPPROTO_TCP_, 350 * S, 120 * S), 350 * S);
	CU_ASSERT_EQUAL(nlb_idle(0, IPPROTO_UDP_, 350 * S, 120 * S), 120 * S);
	CU_ASSERT_EQUAL(nlb_idle(NLB_SF_CLOSING, IPPROTO_TCP_, 350 * S, 120 * S), NLB_CLOSING_US);
	CU_ASSERT_EQUAL(nlb_idle(NLB_SF_CLOSING, IPPROTO_TCP_, 5 * S, 120 * S), 5 * S);
}

static void test_session_verdict(void)
{
	uint64_t now = 1000 * S, idle = 60 * S;

	/* healthy, seen lately: kept; idle too long: expired, whatever the target */
	CU_ASSERT_EQUAL(nlb_session_verdict(now, now - S, idle, 1, TS_HEALTHY, 0, 0, 0, 0,
					    IPPROTO_TCP_, NLB_TCP_ACK),
			NLB_SV_KEEP);
	CU_ASSERT_EQUAL(nlb_session_verdict(now, now - 61 * S, idle, 1, TS_HEALTHY, 0, 0, 0, 0,
					    IPPROTO_TCP_, NLB_TCP_ACK),
			NLB_SV_EXPIRED);
	CU_ASSERT_EQUAL(nlb_session_verdict(now, now - 61 * S, idle, 0, 0, 0, 0, 0, NLB_SF_TERM,
					    IPPROTO_TCP_, NLB_TCP_ACK),
			NLB_SV_EXPIRED);
	/* draining: kept until the delay, then drained, or terminated (TCP but RST) */
	CU_ASSERT_EQUAL(nlb_session_verdict(now, now, idle, 1, TS_DRAINING, now - S, 30 * S, 0, 0,
					    IPPROTO_TCP_, NLB_TCP_ACK),
			NLB_SV_KEEP);
	CU_ASSERT_EQUAL(nlb_session_verdict(now, now, idle, 1, TS_DRAINING, now - 30 * S, 30 * S, 0,
					    0, IPPROTO_TCP_, NLB_TCP_ACK),
			NLB_SV_DRAINED);
	CU_ASSERT_EQUAL(nlb_session_verdict(now, now, idle, 1, TS_DRAINING, now - 30 * S, 30 * S, 0,
					    NLB_SF_TERM, IPPROTO_TCP_, NLB_TCP_ACK),
			NLB_SV_TERMINATE);
	CU_ASSERT_EQUAL(nlb_session_verdict(now, now, idle, 1, TS_DRAINING, now - 30 * S, 30 * S, 0,
					    NLB_SF_TERM, IPPROTO_TCP_, NLB_TCP_RST),
			NLB_SV_DRAINED);
	CU_ASSERT_EQUAL(nlb_session_verdict(now, now, idle, 1, TS_DRAINING, now - 30 * S, 30 * S, 0,
					    NLB_SF_TERM, IPPROTO_UDP_, 0),
			NLB_SV_DRAINED);
	/* a target gone (not current): refused as drained, at once */
	CU_ASSERT_EQUAL(
		nlb_session_verdict(now, now, idle, 0, TS_HEALTHY, 0, 0, 0, 0, IPPROTO_UDP_, 0),
		NLB_SV_DRAINED);
	CU_ASSERT_EQUAL(nlb_session_verdict(now, now, idle, 0, TS_HEALTHY, 0, 0, 0, NLB_SF_TERM,
					    IPPROTO_TCP_, NLB_TCP_ACK),
			NLB_SV_TERMINATE);
	/* unhealthy: kept, or rebalanced (the session ends); unused: rebalanced */
	CU_ASSERT_EQUAL(nlb_session_verdict(now, now, idle, 1, TS_UNHEALTHY, 0, 0, 0, 0,
					    IPPROTO_TCP_, NLB_TCP_ACK),
			NLB_SV_KEEP);
	CU_ASSERT_EQUAL(nlb_session_verdict(now, now, idle, 1, TS_UNHEALTHY, 0, 0, 1, NLB_SF_TERM,
					    IPPROTO_TCP_, NLB_TCP_ACK),
			NLB_SV_REBALANCED);
	CU_ASSERT_EQUAL(
		nlb_session_verdict(now, now, idle, 1, TS_UNUSED, 0, 0, 0, 0, IPPROTO_UDP_, 0),
		NLB_SV_REBALANCED);
}

static void test_touch(void)
{
	int stamp;

	CU_ASSERT_EQUAL(nlb_touch(10, 5, 0, IPPROTO_TCP_, NLB_TCP_ACK, &stamp), 0);
	CU_ASSERT_EQUAL(stamp, 1);
	CU_ASSERT_EQUAL(nlb_touch(5, 10, 0, IPPROTO_UDP_, NLB_TCP_FIN, &stamp), 0);
	CU_ASSERT_EQUAL(stamp, 0);
	/* the first FIN or RST closes, and its short life counts from now */
	CU_ASSERT_EQUAL(nlb_touch(5, 10, 0, IPPROTO_TCP_, NLB_TCP_FIN | NLB_TCP_ACK, &stamp),
			NLB_SF_CLOSING);
	CU_ASSERT_EQUAL(stamp, 1);
	CU_ASSERT_EQUAL(nlb_touch(5, 10, NLB_SF_CLOSING, IPPROTO_TCP_, NLB_TCP_RST, &stamp), 0);
	CU_ASSERT_EQUAL(stamp, 0);
	CU_ASSERT_EQUAL(nlb_session_flags(NLB_LF_TERMINATE | NLB_LF_SNAT), NLB_SF_TERM);
	CU_ASSERT_EQUAL(nlb_session_flags(NLB_LF_RESET | NLB_LF_SNAT), 0);
}

static void test_adoption_checks(void)
{
	uint8_t t[16] = {172, 16, 0, 11}, other[16] = {172, 16, 0, 12};

	CU_ASSERT_TRUE(nlb_reply_target_ok(1, t, 8443, t, 8443));
	CU_ASSERT_TRUE(nlb_reply_target_ok(1, t, 0, t, 53));
	CU_ASSERT_FALSE(nlb_reply_target_ok(0, t, 8443, t, 8443));
	CU_ASSERT_FALSE(nlb_reply_target_ok(1, t, 8443, t, 8444));
	CU_ASSERT_FALSE(nlb_reply_target_ok(1, t, 8443, other, 8443));
	CU_ASSERT_EQUAL(nlb_adopt_taken(0, 0, 0x101), NLB_TAKEN_NONE);
	CU_ASSERT_EQUAL(nlb_adopt_taken(1, 0x101, 0x101), NLB_TAKEN_SAME);
	CU_ASSERT_EQUAL(nlb_adopt_taken(1, 0x100, 0x101), NLB_TAKEN_OTHER);
	CU_ASSERT_EQUAL(nlb_adopt_taken(1, 0x201, 0x101), NLB_TAKEN_OTHER); /* slot reused */
}

/* A new client session whose key another CPU took a moment ago: joined, or dropped. */
static void test_join_verdict(void)
{
	const uint8_t C = NLB_DIR_CLIENT, R = NLB_DIR_REPLY, SN = NLB_SF_SNAT;

	/* nothing holds it (gone meanwhile): dropped nlb_sessions_full */
	CU_ASSERT_FALSE(nlb_join_verdict(0, C, C, 0, 0, 0, 0x101, 3, 0));
	/* the same flow's session, destination NAT: by its client key or its reply key */
	CU_ASSERT_TRUE(nlb_join_verdict(1, C, C, 0x101, 3, 0, 0x101, 3, 0));
	CU_ASSERT_TRUE(nlb_join_verdict(1, R, R, 0x101, 3, 0, 0x101, 3, 0));
	/* closing, or terminating: still the session this packet would have made */
	CU_ASSERT_TRUE(nlb_join_verdict(1, C, C, 0x101, 3, NLB_SF_CLOSING | NLB_SF_TERM, 0x101, 3,
					NLB_SF_TERM));
	/* source NAT: by the client key (the other CPU's port), never by a reply key */
	CU_ASSERT_TRUE(nlb_join_verdict(1, C, C, 0x101, 3, SN, 0x101, 3, SN));
	CU_ASSERT_FALSE(nlb_join_verdict(1, R, R, 0x101, 3, SN, 0x101, 3, SN));
	CU_ASSERT_FALSE(nlb_join_verdict(1, R, R, 0x101, 3, 0, 0x101, 3, SN));
	/* the key held in the other direction: not this flow's session */
	CU_ASSERT_FALSE(nlb_join_verdict(1, R, C, 0x101, 3, 0, 0x101, 3, 0));
	CU_ASSERT_FALSE(nlb_join_verdict(1, C, R, 0x101, 3, 0, 0x101, 3, 0));
	/* another target (a reply adopted from it), or the slot reused */
	CU_ASSERT_FALSE(nlb_join_verdict(1, C, C, 0x100, 3, 0, 0x101, 3, 0));
	CU_ASSERT_FALSE(nlb_join_verdict(1, C, C, 0x201, 3, 0, 0x101, 3, 0));
	CU_ASSERT_FALSE(nlb_join_verdict(1, R, R, 0x100, 3, 0, 0x101, 3, 0));
	/* another listener, or another kind */
	CU_ASSERT_FALSE(nlb_join_verdict(1, C, C, 0x101, 4, 0, 0x101, 3, 0));
	CU_ASSERT_FALSE(nlb_join_verdict(1, C, C, 0x101, 3, SN, 0x101, 3, 0));
	CU_ASSERT_FALSE(nlb_join_verdict(1, C, C, 0x101, 3, 0, 0x101, 3, SN));
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"client packet without a session", test_client_verdict},
		{"reply table key per listener and target port", test_reply_key},
		{"reply table: merging pairs", test_reply_merge},
		{"reply without a session: resolve", test_reply_resolve},
		{"adopted reply keeps a session unless RST", test_reply_keeps},
		{"session key of a packet and of an ICMP quote", test_sess_key},
		{"a new session's keys and rewrites (DNAT, SNAT)", test_sess_build},
		{"the client packet an adopted reply answers", test_reply_client},
		{"a rewritten packet reads as the other direction", test_pi_apply},
		{"a session's idle time", test_idle},
		{"the verdict on a session's packet", test_session_verdict},
		{"a session's touch and flags", test_touch},
		{"reply adoption: target and client key checks", test_adoption_checks},
		{"a new session racing another CPU's: join or drop", test_join_verdict},
		CU_TEST_INFO_NULL,
	};

	return cu_run("nlb", tests);
}
