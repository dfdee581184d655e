/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * csum.h - Internet checksums (RFC 1071) and incremental updates (RFC 1624). Header-only.
 * Convention: sums are of big-endian 16-bit words held in host integers, and every value that
 * goes in or comes out (checksums, old/new fields) is in host order: store with sl_put_be16.
 *
 * SL_INLINE uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);  odd len padded
 * SL_INLINE uint16_t csum_fold(uint32_t sum);           ~(folded sum): the value to store
 * SL_INLINE uint16_t csum_ipv4_hdr(const uint8_t *ip);  IHL from the header; the checksum field
 *                                                        is treated as zero
 * SL_INLINE int csum_ipv4_hdr_ok(const uint8_t *ip, uint32_t hlen);  1 if the header's
 *                                                        checksum verifies (hlen = IHL * 4)
 * SL_INLINE uint32_t csum_pseudo(uint8_t family, const uint8_t *saddr, const uint8_t *daddr,
 *                                uint8_t proto, uint32_t l4_len);   unfolded pseudo-header sum
 * SL_INLINE uint16_t csum_l4(uint8_t family, const uint8_t *saddr, const uint8_t *daddr,
 *                            uint8_t proto, const uint8_t *l4, uint32_t l4_len);
 *      the value to store in the TCP/UDP/ICMPv6 checksum field; the field itself must be zeroed
 *      by the caller first. (UDP: a computed 0 is returned as 0xFFFF.)
 *      Also ICMP over IPv4 (family 4, proto 1): no pseudo-header, as RFC 792 wants.
 * SL_INLINE int csum_l4_ok(uint8_t family, const uint8_t *saddr, const uint8_t *daddr,
 *                          uint8_t proto, const uint8_t *l4, uint32_t l4_len);   1 if valid
 *      Pure arithmetic over the segment as stored: a UDP checksum of 0 ("none") is the
 *      caller's case to handle before calling.
 * SL_INLINE uint16_t csum_update16(uint16_t csum, uint16_t old, uint16_t new_);
 * SL_INLINE uint16_t csum_update32(uint16_t csum, uint32_t old, uint32_t new_);
 * SL_INLINE uint16_t csum_update_addr(uint16_t csum, uint8_t family, const uint8_t *old,
 *                                     const uint8_t *new_);  4 or 16 bytes
 *      RFC 1624 eqn. 3. They may return 0: a UDP caller stores 0xFFFF instead, and never
 *      updates a UDP checksum that was 0 (none).
 *
 * csum_ipv4_hdr and the csum_update* functions read no packet bounds: the caller has checked
 * that the header / address bytes are present.
 */
#ifndef SL_CORE_CSUM_H
#define SL_CORE_CSUM_H

#include "dataplane/core/compat.h"

#define CSUM_IPPROTO_ICMP 1
#define CSUM_IPPROTO_UDP  17

/* Folds a 64-bit accumulator to a 32-bit one without losing carries (ones' complement). */
SL_INLINE uint32_t csum_fold64(uint64_t s)
{
	s = (s & 0xffffffffULL) + (s >> 32);
	s = (s & 0xffffffffULL) + (s >> 32);
	return (uint32_t)s;
}

SL_INLINE uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = (const uint8_t *)buf;
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return csum_fold64(s);
}

SL_INLINE uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

SL_INLINE uint16_t csum_ipv4_hdr(const uint8_t *ip)
{
	uint32_t ihl_words = (uint32_t)(ip[0] & 0x0f) * 2; /* 16-bit words */
	uint32_t s = 0;
	uint32_t i;

	/* Constant bound (IHL <= 15: 30 words) for the BPF verifier; skip the checksum word. */
	for (i = 0; i < 30; i++) {
		if (i >= ihl_words)
			break;
		if (i != 5)
			s += (uint32_t)ip[2 * i] << 8 | ip[2 * i + 1];
	}
	return csum_fold(s);
}

/*
 * Is the header checksum of the IPv4 header at ip right? hlen = IHL * 4 (20..60), all present.
 * RFC 1071: the one's complement sum of every 16-bit word, the checksum included, is 0xffff.
 * 1 yes, 0 no. RFC 1812 5.2.2: a router drops a packet whose header checksum is wrong.
 */
SL_INLINE int csum_ipv4_hdr_ok(const uint8_t *ip, uint32_t hlen)
{
	uint32_t s = 0;
	uint32_t i;

	for (i = 0; i < 60; i += 2) { /* constant bound for the BPF verifier */
		if (i + 2 > hlen)
			break;
		s += (uint32_t)ip[i] << 8 | ip[i + 1];
	}
	return csum_fold(s) == 0;
}

SL_INLINE uint32_t csum_pseudo(uint8_t family, const uint8_t *saddr, const uint8_t *daddr,
			       uint8_t proto, uint32_t l4_len)
{
	uint32_t alen = family == 6 ? 16 : 4;
	uint32_t s;

	s = csum_partial(saddr, alen, 0);
	s = csum_partial(daddr, alen, s);
	/* IPv4: 16-bit length; IPv6: 32-bit length. Both sum the same way. */
	return csum_fold64((uint64_t)s + proto + (l4_len >> 16) + (l4_len & 0xffff));
}

/* Unfolded sum of the pseudo-header (if the protocol has one) and the segment. */
SL_INLINE uint32_t csum_l4_sum(uint8_t family, const uint8_t *saddr, const uint8_t *daddr,
			       uint8_t proto, const uint8_t *l4, uint32_t l4_len)
{
	uint32_t s = 0;

	if (!(family == 4 && proto == CSUM_IPPROTO_ICMP))
		s = csum_pseudo(family, saddr, daddr, proto, l4_len);
	return csum_partial(l4, l4_len, s);
}

SL_INLINE uint16_t csum_l4(uint8_t family, const uint8_t *saddr, const uint8_t *daddr,
			   uint8_t proto, const uint8_t *l4, uint32_t l4_len)
{
	uint16_t c = csum_fold(csum_l4_sum(family, saddr, daddr, proto, l4, l4_len));

	if (proto == CSUM_IPPROTO_UDP && c == 0)
		c = 0xffff;
	return c;
}

SL_INLINE int csum_l4_ok(uint8_t family, const uint8_t *saddr, const uint8_t *daddr, uint8_t proto,
			 const uint8_t *l4, uint32_t l4_len)
{
	return csum_fold(csum_l4_sum(family, saddr, daddr, proto, l4, l4_len)) == 0;
}

SL_INLINE uint16_t csum_update16(uint16_t csum, uint16_t old, uint16_t new_)
{
	/* HC' = ~(~HC + ~m + m') */
	uint32_t s = (uint32_t)(uint16_t)~csum + (uint16_t)~old + new_;

	return csum_fold(s);
}

SL_INLINE uint16_t csum_update32(uint16_t csum, uint32_t old, uint32_t new_)
{
	uint32_t s = (uint32_t)(uint16_t)~csum;

	s += (uint16_t) ~(old >> 16) + (uint16_t) ~(old & 0xffff);
	s += (new_ >> 16) + (new_ & 0xffff);
	return csum_fold(s);
}

SL_INLINE uint16_t csum_update_addr(uint16_t csum, uint8_t family, const uint8_t *old,
				    const uint8_t *new_)
{
	uint32_t n = family == 6 ? 8 : 2; /* 16-bit words */
	uint32_t s = (uint32_t)(uint16_t)~csum;
	uint32_t i;

	for (i = 0; i < 8; i++) {
		if (i >= n)
			break;
		s += (uint16_t)~sl_get_be16(old + 2 * i);
		s += sl_get_be16(new_ + 2 * i);
	}
	return csum_fold(s);
}

#endif /* SL_CORE_CSUM_H */
