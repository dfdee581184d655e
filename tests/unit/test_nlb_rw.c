/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_nlb_rw.c - core/nlb_rw.h: a direction's rewrite rebuilt from the other direction's key
 * and its ends is, byte for byte, the rewrite nlb_sess_build / nlb_sess_snat made (IPv4 and
 * IPv6, destination NAT and source NAT, both directions), so a table may keep the ends only.
 */
#include <string.h>

#include "tests/unit/cu.h"
#include "dataplane/core/nlb_rw.h"

/* A client packet of family `family` from client:cport to zone:lport. */
static void client_pkt(struct pkt_info *pi, uint8_t family)
{
	memset(pi, 0, sizeof(*pi));
	pi->family = family;
	pi->proto = IPPROTO_TCP_;
	pi->sport = 40001;
	pi->dport = 443;
	if (family == 4) {
		memcpy(pi->saddr, (const uint8_t[]){198, 51, 100, 7}, 4);
		memcpy(pi->daddr, (const uint8_t[]){203, 0, 113, 10}, 4);
	} else {
		memcpy(pi->saddr, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8, [15] = 7}, 16);
		memcpy(pi->daddr, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8, 1, [15] = 10}, 16);
	}
}

/* Both directions' rewrites, rebuilt from the other key, equal what the session got. */
static void check_session(uint8_t family, int snat)
{
	uint8_t taddr[16] = {0}, naddr[16] = {0};
	struct nat_rewrite crw, rrw, got;
	struct nlb_sess_key ck, rk;
	struct pkt_info pi;

	client_pkt(&pi, family);
	if (family == 4) {
		memcpy(taddr, (const uint8_t[]){10, 0, 2, 21}, 4);
		memcpy(naddr, (const uint8_t[]){10, 0, 2, 1}, 4);
	} else {
		memcpy(taddr, (const uint8_t[]){0xfd, 0, [14] = 2, 21}, 16);
		memcpy(naddr, (const uint8_t[]){0xfd, 0, [14] = 2, 1}, 16);
	}
	nlb_sess_build(&pi, taddr, 8443, &ck, &rk, &crw, &rrw);
	if (snat)
		nlb_sess_snat(&pi, naddr, 1024, &rk, &crw, &rrw);
	nlb_rw_of(&rk, nlb_rw_ends(&crw), &got); /* the client entry keeps the reply key */
	CU_ASSERT_EQUAL(memcmp(&got, &crw, sizeof(got)), 0);
	nlb_rw_of(&ck, nlb_rw_ends(&rrw), &got); /* the reply entry keeps the client key */
	CU_ASSERT_EQUAL(memcmp(&got, &rrw, sizeof(got)), 0);
	CU_ASSERT_EQUAL(nlb_rw_ends(&crw), snat ? NLB_RW_SRC | NLB_RW_DST : NLB_RW_DST);
	CU_ASSERT_EQUAL(nlb_rw_ends(&rrw), snat ? NLB_RW_SRC | NLB_RW_DST : NLB_RW_SRC);
}

static void dnat_ipv4(void)
{
	check_session(4, 0);
}

static void snat_ipv4(void)
{
	check_session(4, 1);
}

static void dnat_ipv6(void)
{
	check_session(6, 0);
}

static void snat_ipv6(void)
{
	check_session(6, 1);
}

static CU_TestInfo tests[] = {
	{"destination NAT, IPv4", dnat_ipv4},
	{"source NAT, IPv4", snat_ipv4},
	{"destination NAT, IPv6", dnat_ipv6},
	{"source NAT, IPv6", snat_ipv6},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("nlb_rw", tests);
}
