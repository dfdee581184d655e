/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rules.h - the appliance's ordered rule list: first match wins, no match passes. One rule a
 * line, matched against the inner packet of a GENEVE datagram:
 *
 *     ACTION [proto tcp|udp|icmp|icmp6|any] [src PREFIX] [dst PREFIX] [sport N[-M]] [dport N[-M]]
 *
 * ACTION is `drop` or `pass`; the selectors may come in any order, each at most once; `#` starts
 * a comment; blank lines are ignored. PREFIX is an IPv4 or IPv6 address with an optional /LEN
 * (no host bits set past LEN); a rule with a prefix matches only packets of that family. Ports
 * match TCP and UDP only (not ICMP echo identifiers, not non-first fragments); `icmp` is IPv4
 * protocol 1, `icmp6` IPv6 protocol 58.
 */
#ifndef SL_APPLIANCE_RULES_H
#define SL_APPLIANCE_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/core/pkt.h"

#define RULES_MAX      1024 /* rules in a file */
#define RULES_LINE_MAX 512  /* characters in a line */
#define RULES_ERR_MAX  512

enum rules_action {
	RULES_PASS = 0,
	RULES_DROP = 1,
};

#define RULES_F_PROTO 0x01
#define RULES_F_SRC   0x02
#define RULES_F_DST   0x04
#define RULES_F_SPORT 0x08
#define RULES_F_DPORT 0x10

struct rules_rule {
	uint8_t action; /* enum rules_action */
	uint8_t flags;	/* RULES_F_*: which selectors the rule has */
	uint8_t proto;	/* with RULES_F_PROTO: 1, 6, 17 or 58 */
	uint8_t family; /* 0 (any), 4 or 6: set by a prefix or by icmp / icmp6 */
	uint8_t src_plen, dst_plen;
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	uint8_t src[16], dst[16]; /* network order, host bits zero */
	unsigned int line;	  /* line in the file, for reports */
	char text[96];		  /* the rule as written (trimmed, cut to fit), for reports */
	uint64_t hits;		  /* packets this rule decided */
};

struct rules {
	unsigned int n;
	struct rules_rule rule[]; /* n entries */
};

/*
 * Parses a rule list. `name` is what errors are reported against ("FILE:LINE: problem" in
 * err). Returns 0 and *out (free with rules_free), or -EINVAL with err filled, or -ENOMEM.
 * rules_load reads the file first (-errno and "FILE: strerror" when it cannot).
 */
int rules_parse(const char *text, size_t len, const char *name, struct rules **out, char *err,
		size_t errlen);
int rules_load(const char *path, struct rules **out, char *err, size_t errlen);
void rules_free(struct rules *r);

/* Index of the first rule matching the parsed inner packet pi, or -1 (default pass). */
int rules_match(const struct rules *r, const struct pkt_info *pi);

const char *rules_action_name(uint8_t action);

#endif /* SL_APPLIANCE_RULES_H */
