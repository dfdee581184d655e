/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_arp.c - arp_parse on any bytes at the ARP header, then the reply and request builders.
 * Invariants: accepted exactly when the 28 bytes are there with htype 1, ptype 0x0800, hlen 6,
 * plen 4 and op 1 or 2; the fields are the bytes; nothing past 28 bytes is read; the reply to
 * an accepted request parses as its answer, and a request for its sender parses back.
 */
#include "dataplane/core/arp.h"
#include "tests/fuzz/fuzz.h"

static const uint8_t fz_mac[6] = {0x02, 0, 0, 0, 0, 0x01};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size;
	struct arp_info a, b;
	uint8_t frame[ARP_FRAME_LEN], *cut;
	int ret, ok;

	ret = arp_parse(data, end, &a);
	FZ_CHECK(ret == 0 || ret == -EINVAL);
	ok = size >= ARP_HDR_LEN && sl_get_be16(data) == 1 && sl_get_be16(data + 2) == 0x0800 &&
	     data[4] == 6 && data[5] == 4 &&
	     (sl_get_be16(data + 6) == ARP_OP_REQUEST || sl_get_be16(data + 6) == ARP_OP_REPLY);
	FZ_CHECK(ok == (ret == 0));
	if (ret)
		return 0;
	FZ_CHECK(a.op == sl_get_be16(data + 6));
	FZ_CHECK(!memcmp(a.sha, data + 8, 6) && !memcmp(&a.spa_be, data + 14, 4));
	FZ_CHECK(!memcmp(a.tha, data + 18, 6) && !memcmp(&a.tpa_be, data + 24, 4));

	cut = fz_dup(data, ARP_HDR_LEN);
	FZ_CHECK(arp_parse(cut, cut + ARP_HDR_LEN, &b) == 0);
	FZ_CHECK(a.op == b.op && !memcmp(a.sha, b.sha, 6) && a.spa_be == b.spa_be);
	FZ_CHECK(!memcmp(a.tha, b.tha, 6) && a.tpa_be == b.tpa_be);
	free(cut);

	FZ_CHECK(arp_reply_build(frame, sizeof(frame) - 1, fz_mac, &a) == -ENOSPC);
	FZ_CHECK(arp_reply_build(frame, sizeof(frame), fz_mac, &a) == ARP_FRAME_LEN);
	FZ_CHECK(!memcmp(frame, a.sha, 6) && !memcmp(frame + 6, fz_mac, 6));
	FZ_CHECK(sl_get_be16(frame + 12) == 0x0806);
	FZ_CHECK(arp_parse(frame + 14, frame + sizeof(frame), &b) == 0);
	FZ_CHECK(b.op == ARP_OP_REPLY && !memcmp(b.sha, fz_mac, 6) && b.spa_be == a.tpa_be);
	FZ_CHECK(!memcmp(b.tha, a.sha, 6) && b.tpa_be == a.spa_be);

	FZ_CHECK(arp_request_build(frame, sizeof(frame), fz_mac, a.tpa_be, a.spa_be) ==
		 ARP_FRAME_LEN);
	FZ_CHECK(arp_parse(frame + 14, frame + sizeof(frame), &b) == 0);
	FZ_CHECK(b.op == ARP_OP_REQUEST && !memcmp(b.sha, fz_mac, 6) && b.spa_be == a.tpa_be);
	FZ_CHECK(b.tpa_be == a.spa_be && !memcmp(frame, "\xff\xff\xff\xff\xff\xff", 6));
	return 0;
}
