/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * icmp.h - the ICMP messages a gateway must send, built into a caller's buffer from the L3
 * header on. Header-only, pure C. All return the number of bytes written, or a negative errno
 * (-EINVAL for a packet that must not get an error, -ENOSPC for a small buffer).
 *
 * SL_INLINE int icmp4_frag_needed(uint8_t *out, size_t cap, const uint8_t *orig, size_t orig_len,
 *                                 uint32_t src_be, uint16_t mtu);
 *      IPv4 header (src_be -> orig source, TTL 64, DF clear, ID 0) + ICMP type 3 code 4 with
 *      next-hop MTU, + the original IP header and as much of its payload as keeps the reply
 *      within 576 bytes. Refuses (-EINVAL) if the original is itself an ICMP error, a non-first
 *      fragment, or from 0.0.0.0 / a multicast or broadcast (255.255.255.255) source.
 * SL_INLINE int icmp6_too_big(uint8_t *out, size_t cap, const uint8_t *orig, size_t orig_len,
 *                             const uint8_t src[16], uint32_t mtu);
 *      IPv6 header (hop limit 64) + ICMPv6 type 2 code 0 with MTU + as much of the original as
 *      keeps the reply within 1280 bytes; checksum over the pseudo-header. Refuses ICMPv6 errors
 *      and unspecified / multicast sources.
 * SL_INLINE int icmp_echo_reply(uint8_t *l3, size_t len, uint8_t family);
 *      Turns an echo request (IPv4 type 8 / ICMPv6 128) in place into its reply: addresses
 *      swapped, type 0 / 129, TTL 64, checksums updated. Returns len, or -EINVAL if it is not
 *      a well-formed echo request.
 *
 * Details of the contract (the golden pcaps depend on them):
 * - Errors: the quote is the original from its IP header on, cut at the smaller of orig_len
 *   and the original's own length (IPv4 total length, IPv6 40 + payload length), so Ethernet
 *   padding is never quoted; then cut to fit 576 (IPv4: at most 548 quoted bytes) or 1280
 *   (IPv6: at most 1232). The reply is exactly ICMP4_ERR_HDR_LEN / ICMP6_ERR_HDR_LEN + quote
 *   bytes; cap smaller than that: -ENOSPC (checked after the refusals).
 * - IPv4 reply header: 0x45, TOS 0, ID 0, flags/fragment 0, TTL 64, protocol 1, header
 *   checksum. ICMP: type 3, code 4, bytes 4-5 zero, bytes 6-7 the MTU, checksum over the ICMP
 *   message. src_be is in network order (as loaded from the packet), mtu in host order.
 * - IPv6 reply header: version 6, traffic class and flow label 0, next header 58, hop limit 64,
 *   src, destination = the original source. ICMPv6: type 2, code 0, MTU (host order in, stored
 *   big-endian), checksum with the pseudo-header.
 * - -EINVAL also for an original that is not the right IP version, shorter than its header
 *   (IPv4: 20 bytes or IHL * 4; IPv6: 40), or with an IPv4 total length below IHL * 4. An
 *   ICMP error is recognised by its type (IPv4: 3, 4, 5, 11, 12; ICMPv6: below 128; IPv6
 *   extension headers are walked, at most ICMP6_MAX_EXT); when the original is ICMP but its
 *   type byte is not present, or the IPv6 extension chain is truncated or too long, it is
 *   refused too (cannot prove it is not an error). An IPv6 non-first fragment is quoted.
 * - out may overlap orig (e.g. out == orig - ICMP4_ERR_HDR_LEN to prepend the headers in
 *   place): the quote is moved first, with memmove semantics, then the headers are written.
 * - Echo: IPv4 needs version 4, IHL >= 5, total length >= IHL * 4 + 8 and <= len, protocol 1,
 *   not a fragment (MF or offset), type 8, a valid header checksum and a valid ICMP checksum
 *   (over total length - IHL * 4). IPv6 needs version 6, next header 58 directly (no
 *   extension headers), 40 + payload length <= len, payload length >= 8, type 128 and a valid
 *   checksum. Both refuse a source that is unspecified, multicast or (IPv4) broadcast: a reply
 *   must not go there. Everything else (ID, TOS, options, flow label, data, code, bytes past
 *   the L3 length) is kept. IPv4: header checksum recomputed, ICMP checksum updated
 *   incrementally (RFC 1624); IPv6: ICMPv6 checksum recomputed.
 * - The copy loops are bounded by the 576 / 1280 limits; the checksum sums are csum.h's.
 */
#ifndef SL_CORE_ICMP_H
#define SL_CORE_ICMP_H

#include "dataplane/core/compat.h"
#include "dataplane/core/csum.h"

#define ICMP4_ERR_HDR_LEN 28   /* IPv4 header + ICMP header of an error we send */
#define ICMP6_ERR_HDR_LEN 48   /* IPv6 header + ICMPv6 header */
#define ICMP4_ERR_MAX_LEN 576  /* RFC 1812 4.3.2.3 */
#define ICMP6_ERR_MAX_LEN 1280 /* RFC 4443 2.4 (c): the IPv6 minimum MTU */
#define ICMP6_MAX_EXT	  8    /* extension headers walked looking for an ICMPv6 error */

/* Moves len bytes (at most max) from src to dst, which may overlap. */
SL_INLINE void icmp_move(uint8_t *dst, const uint8_t *src, uint32_t len, uint32_t max)
{
	uint32_t i;

	if (dst == src)
		return;
	if (dst < src) {
		for (i = 0; i < max; i++) {
			if (i >= len)
				break;
			dst[i] = src[i];
		}
	} else {
		for (i = 0; i < max; i++) {
			if (i >= len)
				break;
			dst[len - 1 - i] = src[len - 1 - i];
		}
	}
}

/* 0.0.0.0, 224.0.0.0/4, 255.255.255.255: not a host one may answer. */
SL_INLINE int icmp4_addr_bad(const uint8_t *a)
{
	uint32_t v = sl_get_be32(a);

	return v == 0 || (v & 0xF0000000u) == 0xE0000000u || v == 0xFFFFFFFFu;
}

/* :: or ff00::/8 */
SL_INLINE int icmp6_addr_bad(const uint8_t *a)
{
	uint8_t any = 0;
	int i;

	if (a[0] == 0xFF)
		return 1;
	for (i = 0; i < 16; i++)
		any |= a[i];
	return any == 0;
}

/* Destination unreachable, source quench, redirect, time exceeded, parameter problem. */
SL_INLINE int icmp4_type_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/*
 * 1 if the IPv6 packet (len >= 40) is an ICMPv6 error or cannot be shown not to be one
 * (truncated or over-long extension chain, missing type byte); 0 otherwise.
 */
SL_INLINE int icmp6_orig_is_error(const uint8_t *p, size_t len)
{
	uint8_t nh = p[6];
	size_t off = 40;
	int i;

	for (i = 0; i <= ICMP6_MAX_EXT; i++) {
		switch (nh) {
		case 58: /* ICMPv6 */
			if (off >= len)
				return 1;
			return p[off] < 128;
		case 0:	 /* hop-by-hop */
		case 43: /* routing */
		case 60: /* destination options */
			if (off + 2 > len)
				return 1;
			nh = p[off];
			off += ((size_t)p[off + 1] + 1) * 8;
			break;
		case 51: /* AH: length in 4-byte units, minus 2 */
			if (off + 2 > len)
				return 1;
			nh = p[off];
			off += ((size_t)p[off + 1] + 2) * 4;
			break;
		case 44: /* fragment */
			if (off + 8 > len)
				return 1;
			if (sl_get_be16(p + off + 2) & 0xFFF8)
				return 0; /* non-first fragment: no upper-layer header */
			nh = p[off];
			off += 8;
			break;
		default: /* another upper layer, ESP, no next header */
			return 0;
		}
	}
	return 1;
}

SL_INLINE int icmp4_frag_needed(uint8_t *out, size_t cap, const uint8_t *orig, size_t orig_len,
				uint32_t src_be, uint16_t mtu)
{
	const uint32_t qmax = ICMP4_ERR_MAX_LEN - ICMP4_ERR_HDR_LEN;
	uint8_t osrc[4];
	uint32_t ihl, tot, qlen;
	uint8_t *icmp;

	if (orig_len < 20 || (orig[0] >> 4) != 4)
		return -EINVAL;
	ihl = (uint32_t)(orig[0] & 0x0F) * 4;
	tot = sl_get_be16(orig + 2);
	if (ihl < 20 || ihl > orig_len || tot < ihl)
		return -EINVAL;
	if (sl_get_be16(orig + 6) & 0x1FFF)
		return -EINVAL; /* non-first fragment */
	if (icmp4_addr_bad(orig + 12))
		return -EINVAL;
	if (orig[9] == 1) {
		if (ihl >= orig_len || ihl >= tot)
			return -EINVAL; /* ICMP without a type: cannot tell */
		if (icmp4_type_is_error(orig[ihl]))
			return -EINVAL;
	}

	qlen = tot < orig_len ? tot : (uint32_t)orig_len;
	if (qlen > qmax)
		qlen = qmax;
	if (cap < ICMP4_ERR_HDR_LEN + qlen)
		return -ENOSPC;

	sl_memcpy(osrc, orig + 12, 4);
	icmp_move(out + ICMP4_ERR_HDR_LEN, orig, qlen, qmax);

	out[0] = 0x45;
	out[1] = 0;
	sl_put_be16(out + 2, (uint16_t)(ICMP4_ERR_HDR_LEN + qlen));
	sl_put_be32(out + 4, 0); /* ID 0, no flags, offset 0 */
	out[8] = 64;
	out[9] = 1;
	sl_put_be16(out + 10, 0);
	sl_memcpy(out + 12, &src_be, 4);
	sl_memcpy(out + 16, osrc, 4);
	sl_put_be16(out + 10, csum_ipv4_hdr(out));

	icmp = out + 20;
	icmp[0] = 3;
	icmp[1] = 4;
	sl_put_be16(icmp + 2, 0);
	sl_put_be16(icmp + 4, 0);
	sl_put_be16(icmp + 6, mtu);
	sl_put_be16(icmp + 2, csum_fold(csum_partial(icmp, 8 + qlen, 0)));
	return (int)(ICMP4_ERR_HDR_LEN + qlen);
}

SL_INLINE int icmp6_too_big(uint8_t *out, size_t cap, const uint8_t *orig, size_t orig_len,
			    const uint8_t src[16], uint32_t mtu)
{
	const uint32_t qmax = ICMP6_ERR_MAX_LEN - ICMP6_ERR_HDR_LEN;
	uint8_t osrc[16], nsrc[16];
	uint32_t tot, qlen;
	uint8_t *icmp;

	if (orig_len < 40 || (orig[0] >> 4) != 6)
		return -EINVAL;
	if (icmp6_addr_bad(orig + 8))
		return -EINVAL;
	if (icmp6_orig_is_error(orig, orig_len))
		return -EINVAL;

	tot = 40 + (uint32_t)sl_get_be16(orig + 4);
	qlen = tot < orig_len ? tot : (uint32_t)orig_len;
	if (qlen > qmax)
		qlen = qmax;
	if (cap < ICMP6_ERR_HDR_LEN + qlen)
		return -ENOSPC;

	sl_memcpy(osrc, orig + 8, 16);
	sl_memcpy(nsrc, src, 16);
	icmp_move(out + ICMP6_ERR_HDR_LEN, orig, qlen, qmax);

	sl_put_be32(out, 0x60000000u);
	sl_put_be16(out + 4, (uint16_t)(8 + qlen));
	out[6] = 58;
	out[7] = 64;
	sl_memcpy(out + 8, nsrc, 16);
	sl_memcpy(out + 24, osrc, 16);

	icmp = out + 40;
	icmp[0] = 2;
	icmp[1] = 0;
	sl_put_be16(icmp + 2, 0);
	sl_put_be32(icmp + 4, mtu);
	sl_put_be16(icmp + 2, csum_l4(6, out + 8, out + 24, 58, icmp, 8 + qlen));
	return (int)(ICMP6_ERR_HDR_LEN + qlen);
}

SL_INLINE int icmp4_echo_reply(uint8_t *l3, size_t len)
{
	uint32_t ihl, tot;
	uint8_t tmp[4];
	uint8_t *icmp;
	uint16_t csum;

	if (len < 28 || (l3[0] >> 4) != 4)
		return -EINVAL;
	ihl = (uint32_t)(l3[0] & 0x0F) * 4;
	tot = sl_get_be16(l3 + 2);
	if (ihl < 20 || tot < ihl + 8 || tot > len)
		return -EINVAL;
	if (l3[9] != 1 || (sl_get_be16(l3 + 6) & 0x3FFF))
		return -EINVAL; /* not ICMP, or a fragment (MF or offset) */
	icmp = l3 + ihl;
	if (icmp[0] != 8)
		return -EINVAL;
	if (csum_fold(csum_partial(l3, ihl, 0)) != 0 ||
	    csum_fold(csum_partial(icmp, tot - ihl, 0)) != 0)
		return -EINVAL;
	if (icmp4_addr_bad(l3 + 12))
		return -EINVAL;

	sl_memcpy(tmp, l3 + 12, 4);
	sl_memcpy(l3 + 12, l3 + 16, 4);
	sl_memcpy(l3 + 16, tmp, 4);
	l3[8] = 64;
	sl_put_be16(l3 + 10, csum_ipv4_hdr(l3));

	csum = sl_get_be16(icmp + 2);
	icmp[0] = 0;
	sl_put_be16(icmp + 2, csum_update16(csum, (uint16_t)(8 << 8 | icmp[1]), icmp[1]));
	return (int)len;
}

SL_INLINE int icmp6_echo_reply(uint8_t *l3, size_t len)
{
	uint8_t tmp[16];
	uint32_t plen;

	if (len < 48 || (l3[0] >> 4) != 6)
		return -EINVAL;
	plen = sl_get_be16(l3 + 4);
	if (plen < 8 || 40 + plen > len)
		return -EINVAL;
	if (l3[6] != 58 || l3[40] != 128)
		return -EINVAL;
	if (!csum_l4_ok(6, l3 + 8, l3 + 24, 58, l3 + 40, plen))
		return -EINVAL;
	if (icmp6_addr_bad(l3 + 8))
		return -EINVAL;

	sl_memcpy(tmp, l3 + 8, 16);
	sl_memcpy(l3 + 8, l3 + 24, 16);
	sl_memcpy(l3 + 24, tmp, 16);
	l3[7] = 64;
	l3[40] = 129;
	sl_put_be16(l3 + 42, 0);
	sl_put_be16(l3 + 42, csum_l4(6, l3 + 8, l3 + 24, 58, l3 + 40, plen));
	return (int)len;
}

/* family: 4 or 6 (as in struct pkt_info); anything else -EINVAL. */
SL_INLINE int icmp_echo_reply(uint8_t *l3, size_t len, uint8_t family)
{
	if (family == 4)
		return icmp4_echo_reply(l3, len);
	if (family == 6)
		return icmp6_echo_reply(l3, len);
	return -EINVAL;
}

#endif /* SL_CORE_ICMP_H */
