/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_nd.c - nd_parse on any bytes at the IPv6 header, then the NA / NS builders.
 * Input: one mode byte, then the IPv6 packet. Mode bit 0: set version 6, next header 58 and
 * hop limit 255; bit 1: store the right ICMPv6 checksum (random bytes almost never have one),
 * so the fuzzer gets past the checks into the option walk.
 * Invariants: accepted only with every documented condition true; the fields are the bytes;
 * the link-layer address is the one of an option of the right type; nothing past the payload
 * length is read; the advertisement answering an accepted message, and a solicitation for its
 * target, parse back with the right fields.
 */
#include "dataplane/core/nd.h"
#include "tests/fuzz/fuzz.h"

static const uint8_t fz_mac[6] = {0x02, 0, 0, 0, 0, 0x01};

/* The link-layer address of the last option of type t among the first 8, or NULL. */
static const uint8_t *fz_find_ll(const uint8_t *icmp, uint32_t plen, uint8_t t)
{
	const uint8_t *ll = NULL;
	uint32_t off = 24;
	int i;

	for (i = 0; i < 8 && off + 2 <= plen && icmp[off + 1]; i++) {
		if (icmp[off] == t)
			ll = icmp + off + 2;
		off += icmp[off + 1] * 8u;
	}
	return ll;
}

static void fz_builders(const uint8_t *ip6, const struct nd_info *nd)
{
	static const uint8_t unspec[16];
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
	uint8_t frame[ND_FRAME_LEN], smac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
	const uint8_t *src = ip6 + 8;
	struct nd_info r;
	int dad = !memcmp(src, unspec, 16);

	FZ_CHECK(nd_na_build(frame, ND_FRAME_LEN - 1, fz_mac, nd, src, smac) == -ENOSPC);
	FZ_CHECK(nd_na_build(frame, ND_FRAME_LEN, fz_mac, nd, src, smac) == ND_FRAME_LEN);
	FZ_CHECK(sl_get_be16(frame + 12) == 0x86DD && !memcmp(frame + 6, fz_mac, 6));
	FZ_CHECK(nd_parse(frame + 14, frame + ND_FRAME_LEN, &r) == 0);
	FZ_CHECK(r.type == ND_NA && !memcmp(r.target, nd->target, 16));
	FZ_CHECK(r.has_ll && !memcmp(r.ll, fz_mac, 6));
	FZ_CHECK(!memcmp(frame + 14 + 8, nd->target, 16));
	if (dad) {
		FZ_CHECK(!memcmp(frame + 14 + 24, all_nodes, 16));
		FZ_CHECK(r.flags == ND_NA_OVERRIDE);
	} else {
		FZ_CHECK(!memcmp(frame + 14 + 24, src, 16) && !memcmp(frame, smac, 6));
		FZ_CHECK(r.flags == (ND_NA_SOLICITED | ND_NA_OVERRIDE));
	}

	FZ_CHECK(nd_ns_build(frame, ND_FRAME_LEN, smac, ip6 + 24, nd->target) == ND_FRAME_LEN);
	FZ_CHECK(nd_parse(frame + 14, frame + ND_FRAME_LEN, &r) == 0);
	FZ_CHECK(r.type == ND_NS && !memcmp(r.target, nd->target, 16));
	FZ_CHECK(r.has_ll && !memcmp(r.ll, smac, 6));
	FZ_CHECK(frame[14 + 24] == 0xff && frame[14 + 25] == 0x02 && frame[14 + 36] == 0xff);
	FZ_CHECK(!memcmp(frame + 14 + 37, nd->target + 13, 3) &&
		 !memcmp(frame + 3, nd->target + 13, 3));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nd_info nd, nd2;
	const uint8_t *icmp, *ll;
	uint8_t *ip6, *cut, mode;
	uint32_t plen = 0;
	int ret;

	if (size < 1)
		return 0;
	mode = data[0];
	size--;
	ip6 = fz_dup(data + 1, size);
	if ((mode & 1) && size >= 8) {
		ip6[0] = (uint8_t)(0x60 | (ip6[0] & 0x0f));
		ip6[6] = 58;
		ip6[7] = 255;
	}
	if (size >= 40)
		plen = sl_get_be16(ip6 + 4);
	if ((mode & 2) && size >= 44 && plen >= 4 && 40 + plen <= size) {
		sl_put_be16(ip6 + 42, 0);
		sl_put_be16(ip6 + 42, csum_l4(6, ip6 + 8, ip6 + 24, 58, ip6 + 40, plen));
	}

	ret = nd_parse(ip6, ip6 + size, &nd);
	FZ_CHECK(ret == 0 || ret == -EINVAL);
	if (ret)
		goto out;
	icmp = ip6 + 40;
	FZ_CHECK(size >= 40 + 24 && ip6[0] >> 4 == 6 && ip6[6] == 58 && ip6[7] == 255);
	FZ_CHECK(plen >= 24 && 40 + plen <= size);
	FZ_CHECK((icmp[0] == ND_NS || icmp[0] == ND_NA) && icmp[1] == 0);
	FZ_CHECK(csum_l4_ok(6, ip6 + 8, ip6 + 24, 58, icmp, plen));
	FZ_CHECK(nd.type == icmp[0] && nd.flags == icmp[4] && !memcmp(nd.target, icmp + 8, 16));
	FZ_CHECK(nd.target[0] != 0xff);
	ll = fz_find_ll(icmp, plen, nd.type == ND_NS ? ND_OPT_SRC_LL : ND_OPT_TGT_LL);
	FZ_CHECK(!nd.has_ll || (ll && !memcmp(nd.ll, ll, 6)));

	cut = fz_dup(ip6, 40 + plen);
	FZ_CHECK(nd_parse(cut, cut + 40 + plen, &nd2) == 0);
	FZ_CHECK(!memcmp(&nd, &nd2, sizeof(nd)));
	free(cut);

	fz_builders(ip6, &nd);
out:
	free(ip6);
	return 0;
}
