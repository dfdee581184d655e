/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_return.c - the GENEVE return path as pure C, in sluice-dp's order (gw.c: gw_return):
 * outer Ethernet / IPv4 / UDP 6081 (pkt_parse_eth), UDP length, geneve_gwlb_parse, UDP
 * checksum (a group that verifies), pkt_parse_ip of the inner packet, gwlb_flow_key,
 * cookie_make. The IPv4 header checksums (outer, inner) are left out: a fuzzer would rarely
 * get past them (csum_ipv4_hdr_ok is a unit test's).
 * Input: one mode byte, then the frame. Mode bit 0: store the right outer UDP checksum; bit 1:
 * store the right cookie (so the fuzzer reaches the accept path); bits 2-3: the stickiness.
 * Invariants: offsets within the buffer and ordered (inner after the GENEVE header, inside the
 * UDP payload); after the cookie is fixed the packet is accepted; the inner packet sent as a
 * transit frame gets the same flow key (so the cookie we issue is the one we accept); and
 * encapsulating it again (geneve_outer_write + geneve_gwlb_write) comes back accepted with the
 * same options and key.
 */
#include "dataplane/core/cookie.h"
#include "dataplane/core/csum.h"
#include "dataplane/core/flow.h"
#include "dataplane/core/geneve.h"
#include "dataplane/core/gwlb.h"
#include "tests/fuzz/fuzz.h"

static const uint8_t fz_secret[16] = "fuzz-secret-0123";
static const uint8_t fz_local[4] = {192, 168, 50, 1};

struct fz_ret {
	struct pkt_info outer, in;
	struct gwlb_meta meta;
	struct flow_key fk;
	uint32_t appliance, cookie, cookie_off; /* cookie_off: of the cookie option's data */
	int accepted;
};

/* Where the data of the 0x0108/3 option is, relative to the GENEVE header. */
static uint32_t fz_cookie_off(const uint8_t *g, uint16_t hlen)
{
	uint32_t off = GENEVE_BASE_LEN;

	while (off + 4 <= hlen) {
		if (sl_get_be16(g + off) == GWLB_OPT_CLASS && g[off + 2] == GWLB_OPT_COOKIE)
			return off + 4;
		off += 4 + (uint32_t)(g[off + 3] & 0x1f) * 4;
	}
	FZ_CHECK(0);
	return 0;
}

/* 0: parsed to the end (r->accepted says whether the cookie matched); > 0: dropped at step n. */
static int fz_return_path(const uint8_t *data, size_t size, enum flow_stick s, struct fz_ret *r)
{
	const uint8_t *udp, *end;
	uint16_t udp_len, hlen;
	uint32_t in_off;
	int ret;

	memset(r, 0, sizeof(*r));
	if (pkt_parse_eth(data, data + size, &r->outer))
		return 1;
	if (r->outer.family != 4 || !(r->outer.flags & PKT_F_L4) ||
	    r->outer.proto != IPPROTO_UDP_ || r->outer.dport != GENEVE_UDP_PORT)
		return 2;
	fz_check_ip(data, size, &r->outer, 0);
	udp = data + r->outer.l4_off;
	end = data + r->outer.l3_off + r->outer.l3_len;
	udp_len = sl_get_be16(udp + 4);
	if (udp_len < 8 || udp + udp_len > end)
		return 3; /* geneve_truncated */
	end = udp + udp_len;
	ret = geneve_gwlb_parse(udp + 8, end, &r->meta, &hlen);
	FZ_CHECK(ret <= 0 && ret >= -GENEVE_ERR_PROTOCOL);
	if (ret)
		return 5;
	/* after the group is known (here: one group, verify) */
	if (gwlb_udp_csum_verify(sl_get_be16(udp + 6), GWLB_UDP_CSUM_VERIFY) &&
	    !csum_l4_ok(4, r->outer.saddr, r->outer.daddr, IPPROTO_UDP_, udp, udp_len))
		return 4; /* geneve_udp_checksum */
	FZ_CHECK(udp + 8 + hlen <= end);
	r->cookie_off = (uint32_t)(udp + 8 - data) + fz_cookie_off(udp + 8, hlen);
	FZ_CHECK(r->cookie_off + 4 <= (size_t)(end - data));
	in_off = r->outer.l4_off + 8u + hlen;
	ret = pkt_parse_ip(data, (uint16_t)in_off, end, r->meta.proto == GENEVE_PROTO_IPV4 ? 4 : 6,
			   &r->in);
	if (ret)
		return 6; /* geneve_bad_inner */
	fz_check_ip(data, (size_t)(end - data), &r->in, 0);
	FZ_CHECK(r->in.l3_off == in_off);
	FZ_CHECK(r->in.family == (r->meta.proto == GENEVE_PROTO_IPV4 ? 4 : 6));
	FZ_CHECK(data + r->in.l3_off + r->in.l3_len <= end);
	gwlb_flow_key(data, end, &r->in, s, &r->fk);
	memcpy(&r->appliance, r->outer.saddr, 4);
	r->cookie = cookie_make(fz_secret, &r->fk, r->appliance, r->meta.endpoint_id);
	r->accepted = r->cookie == r->meta.cookie;
	return 0;
}

/* The frame's outer UDP checksum, made right (if the frame is far enough along to have one). */
static void fz_fix_udp_csum(uint8_t *buf, size_t size)
{
	struct pkt_info pi;
	uint8_t *udp;
	uint16_t len;

	if (pkt_parse_eth(buf, buf + size, &pi) || pi.family != 4 || !(pi.flags & PKT_F_L4) ||
	    pi.proto != IPPROTO_UDP_)
		return;
	udp = buf + pi.l4_off;
	len = sl_get_be16(udp + 4);
	if (len < 8 || pi.l4_off + (uint32_t)len > (uint32_t)pi.l3_off + pi.l3_len)
		return;
	sl_put_be16(udp + 6, 0);
	sl_put_be16(udp + 6, csum_l4(4, pi.saddr, pi.daddr, IPPROTO_UDP_, udp, len));
}

/* The inner packet as transit traffic: Ethernet + the same bytes. Same key? */
static void fz_transit(const uint8_t *inner, uint16_t len, enum flow_stick s,
		       const struct fz_ret *r)
{
	uint8_t *f = malloc((size_t)ETH_HLEN_ + len);
	struct pkt_info pi;
	struct flow_key k;

	FZ_CHECK(f);
	memset(f, 0x02, 12);
	sl_put_be16(f + 12, r->in.family == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6);
	memcpy(f + ETH_HLEN_, inner, len);
	FZ_CHECK(pkt_parse_eth(f, f + ETH_HLEN_ + len, &pi) == 0);
	FZ_CHECK(pi.l3_len == r->in.l3_len && pi.proto == r->in.proto && pi.flags == r->in.flags);
	if (pi.flags & PKT_F_L4)
		FZ_CHECK(pi.l4_off - pi.l3_off == r->in.l4_off - r->in.l3_off);
	gwlb_flow_key(f, f + ETH_HLEN_ + len, &pi, s, &k);
	FZ_CHECK(!memcmp(&k, &r->fk, sizeof(k)));
	free(f);
}

/* What sluice-dp sends the appliance for this inner packet, returned as the appliance does. */
static void fz_reencap(const uint8_t *inner, uint16_t len, enum flow_stick s,
		       const struct fz_ret *r)
{
	size_t n = (size_t)ETH_HLEN_ + GWLB_ENCAP_OVERHEAD + len;
	uint8_t *f = malloc(n);
	struct gwlb_meta m = r->meta;
	uint32_t local;
	struct fz_ret r2;

	FZ_CHECK(f);
	memset(f, 0x02, 12);
	sl_put_be16(f + 12, ETHERTYPE_IPV4);
	memcpy(&local, fz_local, 4);
	m.cookie = cookie_make(fz_secret, &r->fk, r->appliance, m.endpoint_id);
	geneve_outer_write(f + ETH_HLEN_, r->appliance, local, 64,
			   geneve_sport(flow_key_hash(&r->fk)), (uint16_t)(GWLB_GENEVE_LEN + len));
	geneve_gwlb_write(f + ETH_HLEN_ + GWLB_OUTER_LEN, &m);
	memcpy(f + ETH_HLEN_ + GWLB_ENCAP_OVERHEAD, inner, len);
	FZ_CHECK(csum_ipv4_hdr(f + ETH_HLEN_) == sl_get_be16(f + ETH_HLEN_ + 10));
	FZ_CHECK(fz_return_path(f, n, s, &r2) == 0 && r2.accepted);
	FZ_CHECK(r2.meta.endpoint_id == m.endpoint_id && r2.meta.attachment_id == m.attachment_id);
	FZ_CHECK(r2.meta.proto == m.proto && r2.appliance == r->appliance);
	FZ_CHECK(r2.in.l3_off == ETH_HLEN_ + GWLB_ENCAP_OVERHEAD && r2.in.l3_len == len);
	FZ_CHECK(!memcmp(&r2.fk, &r->fk, sizeof(r2.fk)));
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum flow_stick s;
	struct fz_ret r;
	uint8_t *buf, mode;
	int ret;

	if (size < 1 || size > 16384)
		return 0;
	mode = data[0];
	s = (enum flow_stick)((mode >> 2) & 3);
	if (s > FLOW_STICK_2TUPLE)
		s = FLOW_STICK_5TUPLE;
	size--;
	buf = fz_dup(data + 1, size);
	if (mode & 1)
		fz_fix_udp_csum(buf, size);
	ret = fz_return_path(buf, size, s, &r);
	FZ_CHECK(ret >= 0 && ret <= 6);
	if (ret == 0 && (mode & 2) && !r.accepted) {
		sl_put_be32(buf + r.cookie_off, r.cookie);
		if (sl_get_be16(buf + r.outer.l4_off + 6))
			fz_fix_udp_csum(buf, size);
		FZ_CHECK(fz_return_path(buf, size, s, &r) == 0 && r.accepted);
	}
	if (ret == 0 && r.accepted) {
		fz_transit(buf + r.in.l3_off, r.in.l3_len, s, &r);
		fz_reencap(buf + r.in.l3_off, r.in.l3_len, s, &r);
	}
	free(buf);
	return 0;
}
