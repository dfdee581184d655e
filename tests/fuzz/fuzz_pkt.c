/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_pkt.c - pkt_parse_eth on any frame, and pkt_parse_embedded on every ICMP error it finds.
 * Invariants: the documented return codes; offsets inside the buffer and inside the IP packet
 * (l4_off past the IP header, the L4 header before the IP end); fields equal to the bytes;
 * pkt_parse_ip at l3_off gives the same answer; so does a copy cut right after the IP packet
 * (the padding is never looked at); flow keys are symmetric and their unused bytes zero.
 */
#include "dataplane/core/flow.h"
#include "dataplane/core/gwlb.h"
#include "tests/fuzz/fuzz.h"

/* Same fields, ignoring the L2 facts that pkt_parse_ip does not fill. */
static void fz_same(const struct pkt_info *a, const struct pkt_info *b)
{
	FZ_CHECK(a->l3_off == b->l3_off && a->l3_len == b->l3_len && a->family == b->family);
	FZ_CHECK(a->proto == b->proto && a->ttl == b->ttl);
	FZ_CHECK((a->flags & ~PKT_F_VLAN) == (b->flags & ~PKT_F_VLAN));
	FZ_CHECK(!memcmp(a->saddr, b->saddr, 16) && !memcmp(a->daddr, b->daddr, 16));
	if (a->flags & PKT_F_L4)
		FZ_CHECK(a->l4_off == b->l4_off && a->sport == b->sport && a->dport == b->dport &&
			 a->icmp_type == b->icmp_type && a->icmp_code == b->icmp_code &&
			 a->tcp_flags == b->tcp_flags);
}

/* Both directions of a flow make one key; the bytes a stickiness does not use are zero. */
static void fz_check_keys(const struct pkt_info *pi)
{
	static const uint8_t zero[16];
	struct pkt_info rev = *pi;
	struct flow_key k, kr;
	int s;

	memcpy(rev.saddr, pi->daddr, 16);
	memcpy(rev.daddr, pi->saddr, 16);
	rev.sport = pi->dport;
	rev.dport = pi->sport;
	for (s = FLOW_STICK_5TUPLE; s <= FLOW_STICK_2TUPLE; s++) {
		flow_key_make(pi, (enum flow_stick)s, &k);
		flow_key_make(&rev, (enum flow_stick)s, &kr);
		FZ_CHECK(!memcmp(&k, &kr, sizeof(k)));
		FZ_CHECK(flow_key_hash(&k) == flow_key_hash(&kr));
		FZ_CHECK(k.family == pi->family && !k.pad[0] && !k.pad[1]);
		FZ_CHECK(flow_ep_cmp(k.a, k.pa, k.b, k.pb) <= 0);
		if (pi->family == 4)
			FZ_CHECK(!memcmp(k.a + 4, zero, 12) && !memcmp(k.b + 4, zero, 12));
		if (s != FLOW_STICK_5TUPLE || !(pi->flags & PKT_F_L4))
			FZ_CHECK(!k.pa && !k.pb);
		FZ_CHECK(k.proto == (s == FLOW_STICK_2TUPLE ? 0 : pi->proto));
	}
}

static void fz_embedded(const uint8_t *data, size_t size, const struct pkt_info *pi)
{
	struct pkt_info emb, emb2;
	struct flow_key k, ke;
	uint32_t limit = (uint32_t)pi->l3_off + pi->l3_len;
	uint8_t *cut;
	int ret;

	if (limit > size)
		limit = (uint32_t)size;
	ret = pkt_parse_embedded(data, data + size, pi, &emb);
	FZ_CHECK(ret == 0 || ret == -PKT_ERR_L3 || ret == -PKT_ERR_L4);
	/* The quote ends with the outer IP packet: a copy cut there parses the same. */
	cut = fz_dup(data, limit);
	FZ_CHECK(pkt_parse_embedded(cut, cut + limit, pi, &emb2) == ret);
	free(cut);
	gwlb_flow_key(data, data + size, pi, FLOW_STICK_5TUPLE, &k);
	if (ret) {
		/* An error whose quote does not parse is keyed on its own addresses. */
		flow_key_make(pi, FLOW_STICK_5TUPLE, &ke);
		FZ_CHECK(!memcmp(&k, &ke, sizeof(k)));
		return;
	}
	FZ_CHECK(!memcmp(&emb, &emb2, sizeof(emb)));
	FZ_CHECK(emb.l3_off == (uint32_t)pi->l4_off + 8);
	FZ_CHECK(emb.family == pi->family);
	fz_check_ip(data, limit, &emb, 1);
	if (emb.flags & PKT_F_L4)
		FZ_CHECK(emb.proto == IPPROTO_TCP_ || emb.proto == IPPROTO_UDP_ ||
			 (fz_is_icmp(&emb) && pkt_icmp_is_echo(emb.family, emb.icmp_type)));
	/* The error follows the flow it quotes. */
	flow_key_make(&emb, FLOW_STICK_5TUPLE, &ke);
	FZ_CHECK(!memcmp(&k, &ke, sizeof(k)));
	fz_check_keys(&emb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size;
	struct pkt_info pi, pi2;
	uint8_t *cut;
	size_t n;
	int ret;

	ret = pkt_parse_eth(data, end, &pi);
	FZ_CHECK(ret <= 0 && ret >= -PKT_ERR_ETHERTYPE);
	if (ret == -PKT_ERR_L2 && size < ETH_HLEN_)
		return 0;
	/* The L2 facts are there even when the rest failed. */
	if (size >= ETH_HLEN_ && ret != -PKT_ERR_L2) {
		n = 12;
		while (sl_get_be16(data + n) == ETHERTYPE_VLAN ||
		       sl_get_be16(data + n) == ETHERTYPE_QINQ)
			n += 4;
		FZ_CHECK(n <= 12 + 4 * PKT_MAX_VLANS);
		FZ_CHECK(pi.ethertype == sl_get_be16(data + n));
		FZ_CHECK(!!(pi.flags & PKT_F_VLAN) == (n > 12));
		if (n > 12)
			FZ_CHECK(pi.vlan_tci == sl_get_be16(data + 14));
		FZ_CHECK((ret == -PKT_ERR_ETHERTYPE) ==
			 (pi.ethertype != ETHERTYPE_IPV4 && pi.ethertype != ETHERTYPE_IPV6 &&
			  pi.ethertype != ETHERTYPE_ARP));
	}
	if (ret)
		return 0;

	FZ_CHECK(pi.l3_off == ETH_HLEN_ || pi.l3_off == ETH_HLEN_ + 4 ||
		 pi.l3_off == ETH_HLEN_ + 8);
	if (pi.flags & PKT_F_ARP) {
		FZ_CHECK(pi.family == 0 && pi.ethertype == ETHERTYPE_ARP);
		FZ_CHECK((size_t)pi.l3_off + 28 <= size && pi.l3_len == 28);
		return 0;
	}
	fz_check_ip(data, size, &pi, 0);

	/* The same IP packet parsed on its own, and from a copy without the padding. */
	FZ_CHECK(pkt_parse_ip(data, pi.l3_off, end, 0, &pi2) == 0);
	fz_same(&pi, &pi2);
	n = (size_t)pi.l3_off + pi.l3_len;
	cut = fz_dup(data, n);
	FZ_CHECK(pkt_parse_ip(cut, pi.l3_off, cut + n, pi.family, &pi2) == 0);
	fz_same(&pi, &pi2);
	free(cut);

	fz_check_keys(&pi);
	if (pi.flags & PKT_F_ICMP_ERR)
		fz_embedded(data, size, &pi);
	else
		FZ_CHECK(pkt_parse_embedded(data, end, &pi, &pi2) == -PKT_ERR_L4);
	return 0;
}
