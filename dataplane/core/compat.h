/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * compat.h - the few primitives the core library needs, usable from user space C and from BPF
 * programs (clang -target bpf): fixed-width types, byte order, branch hints. No libc calls.
 */
#ifndef SL_CORE_COMPAT_H
#define SL_CORE_COMPAT_H

#ifdef __bpf__
#include <linux/types.h>
typedef __u8 uint8_t;
typedef __u16 uint16_t;
typedef __u32 uint32_t;
typedef __u64 uint64_t;
typedef __s32 int32_t;
typedef __s64 int64_t;
typedef unsigned long size_t;
#include <asm-generic/errno-base.h>
#else
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#endif

#define SL_INLINE static inline __attribute__((always_inline))

/*
 * SL_BOUND(x): on BPF, hide the value of x from the optimiser (an empty asm that "changes"
 * it), so that a bounds check written after it stays in the program and is done on the very
 * register the access uses (clang's `hash % M` is computed as hash - hash / M * M, which loses
 * the verifier's bounds otherwise). A no-op in C.
 */
#ifdef __bpf__
#define SL_BOUND(x) asm volatile("" : "+r"(x))
#else
#define SL_BOUND(x) ((void)0)
#endif

#define sl_likely(x)   __builtin_expect(!!(x), 1)
#define sl_unlikely(x) __builtin_expect(!!(x), 0)

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define sl_htons(x)  ((uint16_t)__builtin_bswap16((uint16_t)(x)))
#define sl_htonl(x)  ((uint32_t)__builtin_bswap32((uint32_t)(x)))
#define sl_htonll(x) ((uint64_t)__builtin_bswap64((uint64_t)(x)))
#else
#define sl_htons(x)  ((uint16_t)(x))
#define sl_htonl(x)  ((uint32_t)(x))
#define sl_htonll(x) ((uint64_t)(x))
#endif
#define sl_ntohs(x)  sl_htons(x)
#define sl_ntohl(x)  sl_htonl(x)
#define sl_ntohll(x) sl_htonll(x)

#define sl_memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define sl_memset(d, c, n) __builtin_memset((d), (c), (n))

/* Unaligned big-endian loads and stores: packet fields are not aligned in general. */
SL_INLINE uint16_t sl_get_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

SL_INLINE uint32_t sl_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

SL_INLINE uint64_t sl_get_be64(const uint8_t *p)
{
	return (uint64_t)sl_get_be32(p) << 32 | sl_get_be32(p + 4);
}

SL_INLINE void sl_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

SL_INLINE void sl_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

SL_INLINE void sl_put_be64(uint8_t *p, uint64_t v)
{
	sl_put_be32(p, (uint32_t)(v >> 32));
	sl_put_be32(p + 4, (uint32_t)v);
}

#endif /* SL_CORE_COMPAT_H */
