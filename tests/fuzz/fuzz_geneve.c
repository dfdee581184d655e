/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_geneve.c - geneve_gwlb_parse on any bytes after the UDP header.
 * Invariants: return codes in range; the first checks exactly as documented (truncated base
 * header, version, O bit, options past the end); nothing written on error; on success hdr_len
 * is 8 + Opt Len * 4 within the buffer, the protocol one of the two, the values those of the
 * 0x0108 options (found again by a plain walk), and the same answer from a copy cut at
 * hdr_len (nothing after the options is read); geneve_gwlb_write of the result parses back.
 */
#include "dataplane/core/geneve.h"
#include "tests/fuzz/fuzz.h"

/* A second, simple walk of the options: the data of 0x0108 option `type`, or NULL. */
static const uint8_t *fz_find_opt(const uint8_t *p, uint32_t opt_end, uint8_t type)
{
	uint32_t off = GENEVE_BASE_LEN;

	while (off + 4 <= opt_end) {
		const uint8_t *o = p + off;

		if (sl_get_be16(o) == GWLB_OPT_CLASS && o[2] == type)
			return o + 4;
		off += 4 + (uint32_t)(o[3] & 0x1f) * 4;
	}
	return NULL;
}

static int fz_meta_eq(const struct gwlb_meta *a, const struct gwlb_meta *b)
{
	return a->endpoint_id == b->endpoint_id && a->attachment_id == b->attachment_id &&
	       a->cookie == b->cookie && a->proto == b->proto;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size;
	struct gwlb_meta m, m2;
	uint8_t hdr[GWLB_GENEVE_LEN], *cut;
	const uint8_t *o;
	uint16_t hlen, hlen2;
	uint32_t opt_end;
	int ret;

	memset(&m, 0xa5, sizeof(m));
	hlen = 0xa5a5;
	ret = geneve_gwlb_parse(data, end, &m, &hlen);
	FZ_CHECK(ret <= 0 && ret >= -GENEVE_ERR_PROTOCOL);
	if (size < GENEVE_BASE_LEN) {
		FZ_CHECK(ret == -GENEVE_ERR_TRUNCATED);
	} else {
		opt_end = GENEVE_BASE_LEN + (uint32_t)(data[0] & 0x3f) * 4;
		FZ_CHECK((ret == -GENEVE_ERR_VERSION) == (data[0] >> 6 != 0));
		FZ_CHECK((ret == -GENEVE_ERR_OAM) == (data[0] >> 6 == 0 && (data[1] & 0x80)));
		FZ_CHECK((ret == -GENEVE_ERR_TRUNCATED) ==
			 (data[0] >> 6 == 0 && !(data[1] & 0x80) && opt_end > size));
	}
	if (ret) {
		/* *m and *hdr_len are written on success only */
		memset(&m2, 0xa5, sizeof(m2));
		FZ_CHECK(hlen == 0xa5a5 && fz_meta_eq(&m, &m2));
		return 0;
	}

	FZ_CHECK(hlen == opt_end && hlen <= size);
	FZ_CHECK(m.proto == GENEVE_PROTO_IPV4 || m.proto == GENEVE_PROTO_IPV6);
	FZ_CHECK(m.proto == sl_get_be16(data + 2));
	o = fz_find_opt(data, opt_end, GWLB_OPT_ENDPOINT);
	FZ_CHECK(o && (o[-1] & 0x1f) == 2 && sl_get_be64(o) == m.endpoint_id);
	o = fz_find_opt(data, opt_end, GWLB_OPT_ATTACHMENT);
	FZ_CHECK(o && (o[-1] & 0x1f) == 2 && sl_get_be64(o) == m.attachment_id);
	o = fz_find_opt(data, opt_end, GWLB_OPT_COOKIE);
	FZ_CHECK(o && (o[-1] & 0x1f) == 1 && sl_get_be32(o) == m.cookie);

	/* Nothing past the options is read: the inner packet is the caller's. */
	cut = fz_dup(data, hlen);
	FZ_CHECK(geneve_gwlb_parse(cut, cut + hlen, &m2, &hlen2) == 0);
	FZ_CHECK(hlen2 == hlen && fz_meta_eq(&m, &m2));
	free(cut);

	/* What we write is what we accept. */
	geneve_gwlb_write(hdr, &m);
	cut = fz_dup(hdr, sizeof(hdr));
	FZ_CHECK(geneve_gwlb_parse(cut, cut + sizeof(hdr), &m2, &hlen2) == 0);
	FZ_CHECK(hlen2 == GWLB_GENEVE_LEN && fz_meta_eq(&m, &m2));
	free(cut);
	return 0;
}
