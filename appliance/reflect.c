/* SPDX-License-Identifier: BSD-3-Clause */
/* reflect.c - GENEVE validation and the return datagram (see reflect.h). */
#include <errno.h>
#include <string.h>

#include "dataplane/core/gwlb.h"
#include "appliance/reflect.h"

const char *reflect_reason_name(unsigned int reason)
{
	const char *n = stats_drop_name(reason);

	return n ? n : "unknown";
}

int reflect_check(const uint8_t *g, size_t len, struct gwlb_meta *m, struct pkt_info *inner,
		  unsigned int *reason)
{
	uint16_t hdr_len;
	int rc;

	if (len > REFLECT_FRAME_MAX - REFLECT_HDR_LEN) {
		*reason = SL_DROP_GENEVE_TRUNCATED; /* cannot come from a UDP socket */
		return -EBADMSG;
	}
	rc = geneve_gwlb_parse(g, g + len, m, &hdr_len);
	if (rc) {
		*reason = gwlb_geneve_drop((unsigned int)-rc);
		return -EBADMSG;
	}
	/* The protocol type names the inner version; its length must be all that follows. */
	if (pkt_parse_ip(g, hdr_len, g + len, m->proto == GENEVE_PROTO_IPV4 ? 4 : 6, inner) ||
	    (size_t)inner->l3_off + inner->l3_len != len) {
		*reason = SL_DROP_GENEVE_BAD_INNER;
		return -EBADMSG;
	}
	return 0;
}

int reflect_build(uint8_t *out, size_t cap, const uint8_t *g, size_t len, uint32_t saddr_be,
		  uint32_t daddr_be, uint16_t sport, uint16_t dport)
{
	size_t total = REFLECT_HDR_LEN + len;
	uint8_t *udp = out + 20;

	if (total > cap || total > REFLECT_FRAME_MAX)
		return -EMSGSIZE;
	/* geneve_outer_write takes the GENEVE length after the UDP header, whatever it holds. */
	geneve_outer_write(out, saddr_be, daddr_be, REFLECT_TTL, sport, (uint16_t)len);
	sl_put_be16(udp + 2, dport);
	memcpy(udp + 8, g, len);
	sl_put_be16(udp + 6,
		    csum_l4(4, out + 12, out + 16, IPPROTO_UDP_, udp, (uint32_t)(8 + len)));
	return (int)total;
}
