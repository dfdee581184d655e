/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz.h - what the libFuzzer harnesses share: an invariant check that aborts (libFuzzer saves
 * the input), exact-size heap copies (so ASan sees any read past `end`), and the field checks
 * every parsed struct pkt_info must pass whatever the input.
 */
#ifndef SL_FUZZ_H
#define SL_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/core/pkt.h"

#define FZ_CHECK(c)                                                                               \
	do {                                                                                      \
		if (!(c)) {                                                                       \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                                  \
		}                                                                                 \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A heap copy of exactly n bytes (n may be 0: one byte is allocated, none is readable). */
static inline uint8_t *fz_dup(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	FZ_CHECK(c);
	if (n)
		memcpy(c, p, n);
	return c;
}

/* Is this the ICMP of the packet's family (1 in IPv4, 58 in IPv6)? */
static inline int fz_is_icmp(const struct pkt_info *pi)
{
	return (pi->family == 4 && pi->proto == IPPROTO_ICMP_) ||
	       (pi->family == 6 && pi->proto == IPPROTO_ICMPV6_);
}

/*
 * A successful parse of an IP packet at pi->l3_off, out of `size` bytes from `start`: offsets
 * inside the buffer and inside the IP packet, fields as in the bytes. `embedded`: the IP
 * packet may be cut short (ICMP quote): its lengths may exceed the bytes, `limit` bounds it.
 */
static inline void fz_check_ip(const uint8_t *start, size_t limit, const struct pkt_info *pi,
			       int embedded)
{
	const uint8_t *ip = start + pi->l3_off;
	uint32_t hlen, end;
	int i;

	FZ_CHECK(pi->family == 4 || pi->family == 6);
	FZ_CHECK(pi->ethertype == (pi->family == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6));
	FZ_CHECK(!(pi->flags & PKT_F_ARP));
	hlen = pi->family == 4 ? (uint32_t)(ip[0] & 0x0f) * 4 : 40;
	FZ_CHECK(ip[0] >> 4 == pi->family);
	FZ_CHECK((size_t)pi->l3_off + hlen <= limit);
	FZ_CHECK(pi->l3_len >= hlen);
	if (pi->family == 4) {
		FZ_CHECK(hlen >= 20);
		FZ_CHECK(pi->l3_len == sl_get_be16(ip + 2));
		FZ_CHECK(pi->ttl == ip[8]);
		FZ_CHECK(!!(pi->flags & PKT_F_IP_OPTS) == (hlen > 20));
		FZ_CHECK(!!(pi->flags & PKT_F_DF) == !!(ip[6] & 0x40));
		FZ_CHECK(!!(pi->flags & PKT_F_FRAG) == !!(sl_get_be16(ip + 6) & 0x3fff));
		FZ_CHECK(!memcmp(pi->saddr, ip + 12, 4) && !memcmp(pi->daddr, ip + 16, 4));
		for (i = 4; i < 16; i++)
			FZ_CHECK(!pi->saddr[i] && !pi->daddr[i]);
	} else {
		uint32_t l = 40 + (uint32_t)sl_get_be16(ip + 4);

		FZ_CHECK(pi->l3_len == (l > 0xffff ? 0xffff : l));
		FZ_CHECK(pi->ttl == ip[7]);
		FZ_CHECK(!(pi->flags & (PKT_F_DF | PKT_F_IP_OPTS)));
		FZ_CHECK(!memcmp(pi->saddr, ip + 8, 16) && !memcmp(pi->daddr, ip + 24, 16));
	}
	/*
	 * Where the IP packet's bytes end: its own length; a quoted packet ends with the packet
	 * quoting it (its own length may say more, or less, than is there).
	 */
	end = embedded ? (uint32_t)limit : (uint32_t)pi->l3_off + pi->l3_len;
	FZ_CHECK(end <= limit);
	if (pi->flags & PKT_F_FRAG_LATER)
		FZ_CHECK((pi->flags & PKT_F_FRAG) && !(pi->flags & PKT_F_L4));
	if (pi->flags & PKT_F_ICMP_ERR) {
		FZ_CHECK(fz_is_icmp(pi) && pkt_icmp_is_err(pi->family, pi->icmp_type));
		FZ_CHECK(embedded || (pi->flags & PKT_F_L4));
	}
	if (pi->flags & PKT_F_L4) {
		const uint8_t *l4 = start + pi->l4_off;

		FZ_CHECK(pi->l4_off >= pi->l3_off + hlen);
		FZ_CHECK((uint32_t)pi->l4_off + 8 <= end);
		if (pi->proto == IPPROTO_TCP_ || pi->proto == IPPROTO_UDP_) {
			FZ_CHECK(pi->sport == sl_get_be16(l4) && pi->dport == sl_get_be16(l4 + 2));
		} else {
			FZ_CHECK(fz_is_icmp(pi) && pi->icmp_type == l4[0] &&
				 pi->icmp_code == l4[1]);
			if (pkt_icmp_is_echo(pi->family, l4[0]))
				FZ_CHECK(pi->sport == sl_get_be16(l4 + 4) &&
					 pi->dport == pi->sport);
			else
				FZ_CHECK(!pi->sport && !pi->dport);
		}
		if (pi->proto == IPPROTO_TCP_ && !embedded) {
			uint32_t doff = (uint32_t)(l4[12] >> 4) * 4;

			FZ_CHECK(doff >= 20 && (uint32_t)pi->l4_off + doff <= end);
			FZ_CHECK(pi->tcp_flags == l4[13]);
		}
	} else if (!embedded && !(pi->flags & PKT_F_FRAG_LATER)) {
		/* An outer TCP/UDP/ICMP packet either has its L4 header or is an error. */
		FZ_CHECK(pi->proto != IPPROTO_TCP_ && pi->proto != IPPROTO_UDP_ && !fz_is_icmp(pi));
	}
}

#endif /* SL_FUZZ_H */
