/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_appliance_reflect.c - the appliance's packet side: GENEVE datagrams accepted or
 * counted by reason, the return datagram (outer IPs swapped, ports as given, checksums valid,
 * GENEVE + inner unchanged), and the --delay FIFO (order, wrap-around, overflow).
 * Checks run on heap copies of the exact length, so valgrind/ASan see any read past the end.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/core/csum.h"
#include "dataplane/core/geneve.h"
#include "appliance/delayq.h"
#include "appliance/reflect.h"

#include "tests/unit/cu.h"

static const struct gwlb_meta meta0 = {
	.endpoint_id = 0x0a0b0c0d01020304ULL,
	.attachment_id = 0x1122334455667788ULL,
	.cookie = 0xdeadbeef,
	.proto = GENEVE_PROTO_IPV4,
};

/* GENEVE (40 bytes, meta m) + an inner UDP packet of the family m->proto says, payload plen
 * bytes. Returns the length. */
static size_t dgram(uint8_t *b, const struct gwlb_meta *m, size_t plen)
{
	uint8_t *ip = b + GWLB_GENEVE_LEN, *udp;
	size_t hl = m->proto == GENEVE_PROTO_IPV6 ? 40 : 20, i;

	geneve_gwlb_write(b, m);
	memset(ip, 0, hl);
	if (hl == 20) {
		ip[0] = 0x45;
		sl_put_be16(ip + 2, (uint16_t)(20 + 8 + plen));
		ip[8] = 63;
		ip[9] = 17;
		inet_pton(AF_INET, "10.0.1.2", ip + 12);
		inet_pton(AF_INET, "10.0.2.2", ip + 16);
		sl_put_be16(ip + 10, csum_ipv4_hdr(ip));
	} else {
		ip[0] = 0x60;
		sl_put_be16(ip + 4, (uint16_t)(8 + plen));
		ip[6] = 17;
		ip[7] = 63;
		inet_pton(AF_INET6, "2001:db8:a::2", ip + 8);
		inet_pton(AF_INET6, "2001:db8:b::2", ip + 24);
	}
	udp = ip + hl;
	sl_put_be16(udp, 40000);
	sl_put_be16(udp + 2, 5001);
	sl_put_be16(udp + 4, (uint16_t)(8 + plen));
	sl_put_be16(udp + 6, 0);
	for (i = 0; i < plen; i++)
		udp[8 + i] = (uint8_t)(i * 7 + 3);
	return GWLB_GENEVE_LEN + hl + 8 + plen;
}

/* reflect_check on an exact-length heap copy; returns its rc, *reason set on failure. */
static int check(const uint8_t *b, size_t len, struct pkt_info *pi, unsigned int *reason)
{
	uint8_t *c = malloc(len ? len : 1);
	struct gwlb_meta m;
	int rc;

	CU_ASSERT_FATAL(c != NULL);
	memcpy(c, b, len);
	*reason = 999;
	rc = reflect_check(c, len, &m, pi, reason);
	if (!rc) {
		CU_ASSERT_EQUAL(m.endpoint_id, meta0.endpoint_id);
		CU_ASSERT_EQUAL(m.cookie, meta0.cookie);
	}
	free(c);
	return rc;
}

static unsigned int reason_of(const uint8_t *b, size_t len)
{
	struct pkt_info pi;
	unsigned int reason;

	CU_ASSERT_EQUAL(check(b, len, &pi, &reason), -EBADMSG);
	return reason;
}

static void accepts_ipv4_and_ipv6_inner(void)
{
	struct gwlb_meta m6 = meta0;
	struct pkt_info pi;
	unsigned int reason;
	uint8_t b[2048];
	size_t n;

	n = dgram(b, &meta0, 100);
	CU_ASSERT_EQUAL(check(b, n, &pi, &reason), 0);
	CU_ASSERT_EQUAL(pi.family, 4);
	CU_ASSERT_EQUAL(pi.l3_off, GWLB_GENEVE_LEN);
	CU_ASSERT_EQUAL(pi.proto, 17);
	CU_ASSERT_EQUAL(pi.sport, 40000);
	CU_ASSERT_EQUAL(pi.dport, 5001);
	m6.proto = GENEVE_PROTO_IPV6;
	n = dgram(b, &m6, 0);
	CU_ASSERT_EQUAL(check(b, n, &pi, &reason), 0);
	CU_ASSERT_EQUAL(pi.family, 6);
	CU_ASSERT_EQUAL(pi.dport, 5001);
}

static void malformed_counted_by_reason(void)
{
	struct gwlb_meta m = meta0;
	uint8_t b[2048];
	size_t n = dgram(b, &meta0, 20);

	CU_ASSERT_STRING_EQUAL(reflect_reason_name(reason_of(b, 7)), "geneve_truncated");
	CU_ASSERT_EQUAL(reason_of(b, 30), SL_DROP_GENEVE_TRUNCATED); /* options cut */
	b[0] |= 0x40;
	CU_ASSERT_EQUAL(reason_of(b, n), SL_DROP_GENEVE_VERSION);
	CU_ASSERT_STRING_EQUAL(reflect_reason_name(SL_DROP_GENEVE_VERSION), "geneve_bad_version");
	n = dgram(b, &meta0, 20);
	b[1] |= 0x80;
	CU_ASSERT_EQUAL(reason_of(b, n), SL_DROP_GENEVE_OAM);
	n = dgram(b, &meta0, 20);
	b[22] = 0x81; /* type 2 -> 0x81: an unknown option with the critical bit */
	CU_ASSERT_EQUAL(reason_of(b, n), SL_DROP_GENEVE_CRITICAL);
	n = dgram(b, &meta0, 20);
	b[34] = 0x04; /* cookie type 3 -> 4: unknown, not critical, so the cookie is missing */
	CU_ASSERT_EQUAL(reason_of(b, n), SL_DROP_GENEVE_OPT_MISSING);
	n = dgram(b, &meta0, 20);
	b[22] = 0x03; /* attachment option type 2 -> 3: a second cookie of 8 bytes */
	CU_ASSERT_EQUAL(reason_of(b, n), SL_DROP_GENEVE_OPT_LENGTH);
	n = dgram(b, &meta0, 20);
	b[22] = 0x01; /* attachment -> a second endpoint option */
	CU_ASSERT_EQUAL(reason_of(b, n), SL_DROP_GENEVE_OPT_DUPLICATE);
	m.proto = 0x6558; /* Ethernet: sluice never sends an L2 header */
	n = dgram(b, &m, 20);
	CU_ASSERT_EQUAL(reason_of(b, n), SL_DROP_GENEVE_PROTOCOL);

	/* Inner packet: version against the protocol type, length against the datagram. */
	n = dgram(b, &meta0, 20);
	sl_put_be16(b + 2, GENEVE_PROTO_IPV6);
	CU_ASSERT_EQUAL(reason_of(b, n), SL_DROP_GENEVE_BAD_INNER);
	n = dgram(b, &meta0, 20);
	CU_ASSERT_EQUAL(reason_of(b, n + 1), SL_DROP_GENEVE_BAD_INNER); /* a byte after it */
	CU_ASSERT_EQUAL(reason_of(b, n - 1), SL_DROP_GENEVE_BAD_INNER); /* one short */
	CU_ASSERT_EQUAL(reason_of(b, GWLB_GENEVE_LEN), SL_DROP_GENEVE_BAD_INNER); /* none */
	CU_ASSERT_STRING_EQUAL(reflect_reason_name(SL_DROP_GENEVE_BAD_INNER), "geneve_bad_inner");
}

static void return_frame_swaps_ips_keeps_payload(void)
{
	uint8_t b[2048], out[2100], *udp = out + 20;
	uint32_t me, peer;
	size_t n = dgram(b, &meta0, 333);
	int len;

	inet_pton(AF_INET, "192.168.50.11", &me);
	inet_pton(AF_INET, "192.168.50.1", &peer);
	len = reflect_build(out, sizeof(out), b, n, me, peer, 51234, 6081);
	CU_ASSERT_EQUAL_FATAL(len, (int)(28 + n));
	CU_ASSERT_EQUAL(out[0], 0x45);
	CU_ASSERT_EQUAL(sl_get_be16(out + 2), 28 + n);
	CU_ASSERT_EQUAL(out[6] & 0x40, 0x40); /* DF */
	CU_ASSERT_EQUAL(out[8], 64);
	CU_ASSERT_EQUAL(out[9], 17);
	CU_ASSERT_EQUAL(memcmp(out + 12, &me, 4), 0);
	CU_ASSERT_EQUAL(memcmp(out + 16, &peer, 4), 0);
	CU_ASSERT_EQUAL(csum_fold(csum_partial(out, 20, 0)), 0); /* header checksum valid */
	CU_ASSERT_EQUAL(sl_get_be16(udp), 51234);
	CU_ASSERT_EQUAL(sl_get_be16(udp + 2), 6081);
	CU_ASSERT_EQUAL(sl_get_be16(udp + 4), 8 + n);
	CU_ASSERT_NOT_EQUAL(sl_get_be16(udp + 6), 0);
	CU_ASSERT_TRUE(csum_l4_ok(4, out + 12, out + 16, 17, udp, (uint32_t)(8 + n)));
	CU_ASSERT_EQUAL(memcmp(udp + 8, b, n), 0);

	/* Another port pair (a --geneve-port other than 6081), odd length: still valid. */
	n = dgram(b, &meta0, 0);
	b[n] = 0;
	len = reflect_build(out, sizeof(out), b, n, peer, me, 49152, 7000);
	CU_ASSERT_EQUAL(len, (int)(28 + n));
	CU_ASSERT_EQUAL(sl_get_be16(udp + 2), 7000);
	CU_ASSERT_TRUE(csum_l4_ok(4, out + 12, out + 16, 17, udp, (uint32_t)(8 + n)));
	udp[8 + 5] ^= 1; /* and the checksum does cover the payload */
	CU_ASSERT_FALSE(csum_l4_ok(4, out + 12, out + 16, 17, udp, (uint32_t)(8 + n)));

	/* No room, or more than an IPv4 packet holds: refused. */
	CU_ASSERT_EQUAL(reflect_build(out, 28 + n - 1, b, n, me, peer, 1, 2), -EMSGSIZE);
}

static void return_frame_of_max_size(void)
{
	uint8_t *g = calloc(1, 65536), *out = malloc(65536);
	size_t max = REFLECT_FRAME_MAX - REFLECT_HDR_LEN;

	CU_ASSERT_FATAL(g && out);
	CU_ASSERT_EQUAL(reflect_build(out, 65536, g, max, 1, 2, 3, 4), REFLECT_FRAME_MAX);
	CU_ASSERT_TRUE(csum_l4_ok(4, out + 12, out + 16, 17, out + 20, (uint32_t)(8 + max)));
	CU_ASSERT_EQUAL(reflect_build(out, 65536, g, max + 1, 1, 2, 3, 4), -EMSGSIZE);
	free(g);
	free(out);
}

static void delayq_fifo_wraps_and_overflows(void)
{
	const struct delayq_item *it;
	struct delayq q;
	uint8_t f[300];
	unsigned int i, next = 0, pushed = 0;

	memset(f, 0, sizeof(f));
	/* 1024 bytes: three 300-byte frames (320-byte records) at a time. */
	CU_ASSERT_EQUAL_FATAL(delayq_init(&q, 1024, 100), 0);
	CU_ASSERT_PTR_NULL(delayq_peek(&q));
	for (i = 0; i < 3; i++) {
		f[0] = (uint8_t)pushed;
		CU_ASSERT_EQUAL(delayq_push(&q, pushed, 7, f, sizeof(f)), 0);
		pushed++;
	}
	CU_ASSERT_EQUAL(delayq_push(&q, 99, 7, f, sizeof(f)), -ENOBUFS); /* bytes */
	/* Steady state: pop one, push one, many times round the ring; order is kept. */
	for (i = 0; i < 50; i++) {
		it = delayq_peek(&q);
		CU_ASSERT_FATAL(it != NULL);
		CU_ASSERT_EQUAL(it->due_us, next);
		CU_ASSERT_EQUAL(it->len, next < 3 || (next - 3) % 2 ? 300u : 100u);
		CU_ASSERT_EQUAL(it->dst_be, 7);
		CU_ASSERT_EQUAL(((const uint8_t *)(it + 1))[0], (uint8_t)next);
		delayq_pop(&q);
		next++;
		f[0] = (uint8_t)pushed;
		CU_ASSERT_EQUAL(delayq_push(&q, pushed, 7, f, (uint32_t)(i % 2 ? 300 : 100)), 0);
		pushed++;
	}
	while ((it = delayq_peek(&q))) {
		CU_ASSERT_EQUAL(it->due_us, next);
		delayq_pop(&q);
		next++;
	}
	CU_ASSERT_EQUAL(next, pushed);
	CU_ASSERT_EQUAL(q.count, 0);
	delayq_fini(&q);

	/* The frame limit. */
	CU_ASSERT_EQUAL_FATAL(delayq_init(&q, 1 << 20, 2), 0);
	CU_ASSERT_EQUAL(delayq_push(&q, 1, 1, f, 10), 0);
	CU_ASSERT_EQUAL(delayq_push(&q, 2, 1, f, 10), 0);
	CU_ASSERT_EQUAL(delayq_push(&q, 3, 1, f, 10), -ENOBUFS);
	delayq_pop(&q);
	CU_ASSERT_EQUAL(delayq_push(&q, 3, 1, f, 10), 0);
	delayq_fini(&q);
}

static CU_TestInfo tests[] = {
	{"accepts_ipv4_and_ipv6_inner", accepts_ipv4_and_ipv6_inner},
	{"malformed_counted_by_reason", malformed_counted_by_reason},
	{"return_frame_swaps_ips_keeps_payload", return_frame_swaps_ips_keeps_payload},
	{"return_frame_of_max_size", return_frame_of_max_size},
	{"delayq_fifo_wraps_and_overflows", delayq_fifo_wraps_and_overflows},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("appliance_reflect", tests);
}
