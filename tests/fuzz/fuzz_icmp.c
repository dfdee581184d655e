/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_icmp.c - the ICMP builders as sluice-dp calls them (local.c) on any parsed frame:
 * icmp4_frag_needed / icmp6_too_big on the IP packet (orig_len = its L3 length), also in place
 * (out overlapping orig), and icmp_echo_reply.
 * Invariants: refusals as documented (never an error about an ICMP error, a non-first IPv4
 * fragment or a bad source); replies within 576 / 1280 bytes that parse as the right ICMP
 * error with valid checksums, quote the original from its IP header on, come back keyed on
 * the original's flow (errors follow their flow), and are byte-identical when built in place;
 * an echo reply keeps the length, swaps the addresses and checksums right.
 */
#include "dataplane/core/flow.h"
#include "dataplane/core/gwlb.h"
#include "dataplane/core/icmp.h"
#include "tests/fuzz/fuzz.h"

#define FZ_CAP 2048

static const uint8_t fz_src4[4] = {10, 0, 1, 10};
static const uint8_t fz_src6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x0a, [15] = 0x10};

static int fz_build(uint8_t *out, size_t cap, const uint8_t *orig, size_t len, uint8_t family)
{
	uint32_t src;

	memcpy(&src, fz_src4, 4);
	if (family == 4)
		return icmp4_frag_needed(out, cap, orig, len, src, 1432);
	return icmp6_too_big(out, cap, orig, len, fz_src6, 1232);
}

static void fz_too_big(const uint8_t *l3, const struct pkt_info *pi)
{
	const size_t hdr = pi->family == 4 ? ICMP4_ERR_HDR_LEN : ICMP6_ERR_HDR_LEN;
	const size_t max = pi->family == 4 ? ICMP4_ERR_MAX_LEN : ICMP6_ERR_MAX_LEN;
	uint8_t *orig = fz_dup(l3, pi->l3_len), *out = malloc(FZ_CAP), *big;
	struct pkt_info e, q, o = *pi;
	struct flow_key k1, k2;
	size_t qlen;
	int ret, s;

	FZ_CHECK(out);
	ret = fz_build(out, FZ_CAP, orig, pi->l3_len, pi->family);
	FZ_CHECK(ret > 0 || ret == -EINVAL);
	if (pi->flags & PKT_F_ICMP_ERR)
		FZ_CHECK(ret == -EINVAL);
	if (pi->family == 4 && ((pi->flags & PKT_F_FRAG_LATER) || icmp4_addr_bad(pi->saddr)))
		FZ_CHECK(ret == -EINVAL);
	if (pi->family == 6 && icmp6_addr_bad(pi->saddr))
		FZ_CHECK(ret == -EINVAL);
	if (ret == -EINVAL) {
		/* refused only for a reason the contract gives */
		FZ_CHECK((pi->flags & (PKT_F_ICMP_ERR | PKT_F_FRAG_LATER)) ||
			 (pi->family == 4 && icmp4_addr_bad(pi->saddr)) ||
			 (pi->family == 6 && icmp6_addr_bad(pi->saddr)) ||
			 (pi->family == 6 && pi->proto == IPPROTO_ICMPV6_ && pi->icmp_type < 128));
		goto out;
	}
	qlen = pi->l3_len < max - hdr ? pi->l3_len : max - hdr;
	FZ_CHECK((size_t)ret == hdr + qlen && (size_t)ret <= max);
	FZ_CHECK(!memcmp(out + hdr, l3, qlen));
	FZ_CHECK(fz_build(out, hdr + qlen - 1, orig, pi->l3_len, pi->family) == -ENOSPC);

	/* The reply: an ICMP error to the original source, checksums right. */
	FZ_CHECK(pkt_parse_ip(out, 0, out + ret, 0, &e) == 0);
	fz_check_ip(out, (size_t)ret, &e, 0);
	FZ_CHECK(e.family == pi->family && e.l3_len == ret && (e.flags & PKT_F_ICMP_ERR));
	FZ_CHECK(!memcmp(e.daddr, pi->saddr, 16));
	if (pi->family == 4) {
		FZ_CHECK(!memcmp(e.saddr, fz_src4, 4) && e.icmp_type == 3 && e.icmp_code == 4);
		FZ_CHECK(csum_fold(csum_partial(out, 20, 0)) == 0);
		FZ_CHECK(csum_fold(csum_partial(out + 20, (size_t)ret - 20, 0)) == 0);
		FZ_CHECK(sl_get_be16(out + 26) == 1432);
	} else {
		FZ_CHECK(!memcmp(e.saddr, fz_src6, 16) && e.icmp_type == 2 && e.icmp_code == 0);
		FZ_CHECK(csum_l4_ok(6, out + 8, out + 24, 58, out + 40, (uint32_t)ret - 40));
		FZ_CHECK(sl_get_be32(out + 44) == 1232);
	}

	/* It follows the original's flow whenever the quote holds the ports. */
	if (pkt_parse_embedded(out, out + ret, &e, &q) == 0) {
		o.l3_off = 0;
		FZ_CHECK(q.proto == pi->proto && !memcmp(q.saddr, pi->saddr, 16));
		if ((pi->flags & PKT_F_L4) &&
		    (pi->proto == IPPROTO_TCP_ || pi->proto == IPPROTO_UDP_))
			FZ_CHECK((q.flags & PKT_F_L4) && q.sport == pi->sport &&
				 q.dport == pi->dport);
		for (s = FLOW_STICK_5TUPLE; s <= FLOW_STICK_2TUPLE; s++) {
			gwlb_flow_key(out, out + ret, &e, (enum flow_stick)s, &k1);
			flow_key_make(&q, (enum flow_stick)s, &k2);
			FZ_CHECK(!memcmp(&k1, &k2, sizeof(k1)));
			if (q.flags & PKT_F_L4 || s != FLOW_STICK_5TUPLE || !(o.flags & PKT_F_L4)) {
				flow_key_make(&o, (enum flow_stick)s, &k2);
				FZ_CHECK(!memcmp(&k1, &k2, sizeof(k1)));
			}
		}
	} else if ((pi->flags & PKT_F_L4) && pi->l4_off - pi->l3_off + 8u <= qlen) {
		FZ_CHECK(0); /* the quote has the IP header and 8 bytes of L4: it must parse */
	}

	/* In place: the headers prepended before the original, as the contract allows. */
	big = malloc(hdr + pi->l3_len);
	FZ_CHECK(big);
	memcpy(big + hdr, l3, pi->l3_len);
	FZ_CHECK(fz_build(big, hdr + pi->l3_len, big + hdr, pi->l3_len, pi->family) == ret);
	FZ_CHECK(!memcmp(big, out, (size_t)ret));
	free(big);
out:
	free(orig);
	free(out);
}

static void fz_echo(const uint8_t *l3, const struct pkt_info *pi)
{
	uint8_t *c = fz_dup(l3, pi->l3_len);
	struct pkt_info r;
	uint32_t ihl;
	int ret;

	ret = icmp_echo_reply(c, pi->l3_len, pi->family);
	FZ_CHECK(ret == pi->l3_len || ret == -EINVAL);
	if (ret < 0)
		goto out;
	FZ_CHECK(fz_is_icmp(pi) && (pi->icmp_type == 8 || pi->icmp_type == 128));
	FZ_CHECK(pkt_parse_ip(c, 0, c + ret, 0, &r) == 0);
	FZ_CHECK(!memcmp(r.saddr, pi->daddr, 16) && !memcmp(r.daddr, pi->saddr, 16));
	FZ_CHECK(r.ttl == 64 && r.icmp_type == (pi->family == 4 ? 0 : 129));
	FZ_CHECK(r.sport == pi->sport && r.l3_len == pi->l3_len);
	if (pi->family == 4) {
		ihl = (uint32_t)(c[0] & 0x0f) * 4;
		FZ_CHECK(csum_fold(csum_partial(c, ihl, 0)) == 0);
		FZ_CHECK(csum_fold(csum_partial(c + ihl, (size_t)ret - ihl, 0)) == 0);
		FZ_CHECK(!memcmp(c + ihl + 4, l3 + ihl + 4, (size_t)ret - ihl - 4));
	} else {
		FZ_CHECK(csum_l4_ok(6, c + 8, c + 24, 58, c + 40, (uint32_t)ret - 40));
		FZ_CHECK(!memcmp(c + 44, l3 + 44, (size_t)ret - 44));
	}
out:
	free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_info pi;

	if (pkt_parse_eth(data, data + size, &pi) || (pi.flags & PKT_F_ARP))
		return 0;
	fz_too_big(data + pi.l3_off, &pi);
	fz_echo(data + pi.l3_off, &pi);
	return 0;
}
