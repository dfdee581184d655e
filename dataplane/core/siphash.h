/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * siphash.h - SipHash-2-4 (Aumasson & Bernstein), 64-bit output, 128-bit key. Header-only,
 * BPF-safe (len is a compile-time constant at every call site, so the loop is bounded).
 *
 * SL_INLINE uint64_t sl_siphash24(const uint8_t key[16], const uint8_t *data, size_t len);
 *      Matches the reference implementation's test vectors. Key and message words are read
 *      little-endian, as in the reference, whatever the host byte order.
 */
#ifndef SL_CORE_SIPHASH_H
#define SL_CORE_SIPHASH_H

#include "dataplane/core/compat.h"

#define SL_SIPHASH_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

SL_INLINE uint64_t sl_siphash_le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	       (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	       (uint64_t)p[7] << 56;
}

/* One SipRound on the state v[0..3]. */
SL_INLINE void sl_siphash_round(uint64_t *v)
{
	v[0] += v[1];
	v[1] = SL_SIPHASH_ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = SL_SIPHASH_ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = SL_SIPHASH_ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = SL_SIPHASH_ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = SL_SIPHASH_ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = SL_SIPHASH_ROTL(v[2], 32);
}

SL_INLINE uint64_t sl_siphash24(const uint8_t key[16], const uint8_t *data, size_t len)
{
	uint64_t k0 = sl_siphash_le64(key);
	uint64_t k1 = sl_siphash_le64(key + 8);
	uint64_t v[4];
	uint64_t m, b;
	size_t i, blocks = len / 8, tail = len & 7;

	v[0] = k0 ^ 0x736f6d6570736575ULL;
	v[1] = k1 ^ 0x646f72616e646f6dULL;
	v[2] = k0 ^ 0x6c7967656e657261ULL;
	v[3] = k1 ^ 0x7465646279746573ULL;

	for (i = 0; i < blocks; i++) {
		m = sl_siphash_le64(data + 8 * i);
		v[3] ^= m;
		sl_siphash_round(v);
		sl_siphash_round(v);
		v[0] ^= m;
	}

	b = (uint64_t)len << 56;
	for (i = 0; i < tail; i++)
		b |= (uint64_t)data[8 * blocks + i] << (8 * i);

	v[3] ^= b;
	sl_siphash_round(v);
	sl_siphash_round(v);
	v[0] ^= b;

	v[2] ^= 0xff;
	sl_siphash_round(v);
	sl_siphash_round(v);
	sl_siphash_round(v);
	sl_siphash_round(v);

	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

#endif /* SL_CORE_SIPHASH_H */
