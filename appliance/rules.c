/* SPDX-License-Identifier: BSD-3-Clause */
/* rules.c - parsing and matching the appliance's rule list (see rules.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/rules.h"

#define RULES_FILE_MAX (4u << 20) /* a rules file larger than this is refused */

struct rules_ctx {
	const char *name;
	unsigned int line;
	char *err;
	size_t errlen;
};

static int rules_fail(struct rules_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int rules_fail(struct rules_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(c->err, c->errlen, "%s:%u: ", c->name, c->line);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

const char *rules_action_name(uint8_t action)
{
	return action == RULES_DROP ? "drop" : "pass";
}

/* "N" or "N-M", 0..65535, N <= M. */
static int rules_ports(struct rules_ctx *c, const char *kw, const char *s, uint16_t *lo,
		       uint16_t *hi)
{
	unsigned long a, b;
	char *e;

	if (*s < '0' || *s > '9')
		goto bad;
	errno = 0;
	a = strtoul(s, &e, 10);
	b = a;
	if (*e == '-') {
		if (e[1] < '0' || e[1] > '9')
			goto bad;
		b = strtoul(e + 1, &e, 10);
	}
	if (*e || errno || a > 65535 || b > 65535)
		goto bad;
	if (a > b)
		return rules_fail(c, "%s %s: empty range (%lu > %lu)", kw, s, a, b);
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
bad:
	return rules_fail(c, "%s: expected a port N or a range N-M (0..65535), got \"%s\"", kw, s);
}

/* "ADDR" or "ADDR/LEN", IPv4 or IPv6, no host bits past LEN. */
static int rules_prefix(struct rules_ctx *c, const char *kw, const char *s, uint8_t *family,
			uint8_t *addr, uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long len, max, i;
	char *e;

	if (alen >= sizeof(buf))
		goto bad;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = 6;
		max = 128;
	} else {
		goto bad;
	}
	len = max;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9')
			goto bad_len;
		errno = 0;
		len = strtoul(slash + 1, &e, 10);
		if (*e || errno || len > max)
			goto bad_len;
	}
	for (i = len; i < max; i++) {
		if (addr[i / 8] & (0x80 >> (i % 8)))
			return rules_fail(c, "%s %s: host bits set past /%lu", kw, s, len);
	}
	*plen = (uint8_t)len;
	return 0;
bad_len:
	return rules_fail(c, "%s %s: bad prefix length (0..%lu)", kw, s, max);
bad:
	return rules_fail(c, "%s: expected an IPv4 or IPv6 prefix, got \"%s\"", kw, s);
}

static int rules_proto(struct rules_ctx *c, const char *s, struct rules_rule *r)
{
	static const struct {
		const char *name;
		uint8_t proto, family;
	} protos[] = {
		{"tcp", IPPROTO_TCP_, 0},
		{"udp", IPPROTO_UDP_, 0},
		{"icmp", IPPROTO_ICMP_, 4},
		{"icmp6", IPPROTO_ICMPV6_, 6},
	};
	size_t i;

	if (!strcmp(s, "any"))
		return 0;
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (!strcmp(s, protos[i].name)) {
			r->flags |= RULES_F_PROTO;
			r->proto = protos[i].proto;
			r->family = protos[i].family;
			return 0;
		}
	}
	return rules_fail(c, "proto: expected tcp, udp, icmp, icmp6 or any, got \"%s\"", s);
}

/* Text of a rule for reports: the line with its blanks squeezed, cut to fit. */
static void rules_text(const char *line, char *out, size_t outlen)
{
	size_t n = 0;
	int blank = 0;

	for (; *line && n + 1 < outlen; line++) {
		if (*line == ' ' || *line == '\t' || *line == '\r') {
			blank = n > 0;
			continue;
		}
		if (blank && n + 2 < outlen)
			out[n++] = ' ';
		blank = 0;
		out[n++] = *line;
	}
	out[n] = '\0';
}

/* One line (NUL-terminated, no newline, comment already cut). Returns 1 for a rule, 0 for
 * an empty line, or -EINVAL. */
static int rules_line(struct rules_ctx *c, char *line, struct rules_rule *r)
{
	static const char *const kws[] = {"proto", "src", "dst", "sport", "dport"};
	const size_t nkws = sizeof(kws) / sizeof(kws[0]);
	char *save = NULL, *tok, *arg;
	uint8_t src_fam = 0, dst_fam = 0, proto_fam = 0;
	unsigned int seen = 0;
	size_t k;
	int rc;

	memset(r, 0, sizeof(*r));
	r->line = c->line;
	rules_text(line, r->text, sizeof(r->text));
	tok = strtok_r(line, " \t\r", &save);
	if (!tok)
		return 0;
	if (!strcmp(tok, "drop"))
		r->action = RULES_DROP;
	else if (!strcmp(tok, "pass"))
		r->action = RULES_PASS;
	else
		return rules_fail(c, "expected an action (drop or pass), got \"%s\"", tok);

	while ((tok = strtok_r(NULL, " \t\r", &save))) {
		for (k = 0; k < nkws; k++) {
			if (!strcmp(tok, kws[k]))
				break;
		}
		if (k == nkws)
			return rules_fail(
				c, "unknown selector \"%s\" (proto, src, dst, sport, dport)", tok);
		if (seen & (1u << k))
			return rules_fail(c, "%s given twice", tok);
		seen |= 1u << k;
		arg = strtok_r(NULL, " \t\r", &save);
		if (!arg)
			return rules_fail(c, "%s: missing its value", tok);
		switch (k) {
		case 0:
			rc = rules_proto(c, arg, r);
			proto_fam = r->family;
			break;
		case 1:
			rc = rules_prefix(c, tok, arg, &src_fam, r->src, &r->src_plen);
			r->flags |= RULES_F_SRC;
			break;
		case 2:
			rc = rules_prefix(c, tok, arg, &dst_fam, r->dst, &r->dst_plen);
			r->flags |= RULES_F_DST;
			break;
		case 3:
			rc = rules_ports(c, tok, arg, &r->sport_lo, &r->sport_hi);
			r->flags |= RULES_F_SPORT;
			break;
		default:
			rc = rules_ports(c, tok, arg, &r->dport_lo, &r->dport_hi);
			r->flags |= RULES_F_DPORT;
			break;
		}
		if (rc)
			return rc;
	}
	if (src_fam && dst_fam && src_fam != dst_fam)
		return rules_fail(c, "src is IPv%u but dst is IPv%u", src_fam, dst_fam);
	r->family = src_fam ? src_fam : dst_fam;
	if (proto_fam && r->family && proto_fam != r->family)
		return rules_fail(c, "proto %s with an IPv%u prefix",
				  proto_fam == 4 ? "icmp" : "icmp6", r->family);
	if (proto_fam)
		r->family = proto_fam;
	if ((r->flags & (RULES_F_SPORT | RULES_F_DPORT)) && (r->flags & RULES_F_PROTO) &&
	    r->proto != IPPROTO_TCP_ && r->proto != IPPROTO_UDP_)
		return rules_fail(c, "sport/dport need proto tcp, udp or any");
	return 1;
}

int rules_parse(const char *text, size_t len, const char *name, struct rules **out, char *err,
		size_t errlen)
{
	struct rules_ctx c = {.name = name, .line = 0, .err = err, .errlen = errlen};
	struct rules_rule rule;
	struct rules *r, *grown;
	char line[RULES_LINE_MAX + 2];
	size_t pos = 0, cap = 16, n, i;
	const char *nl;
	char *hash;
	int rc;

	r = calloc(1, sizeof(*r) + cap * sizeof(r->rule[0]));
	if (!r)
		return -ENOMEM;
	while (pos < len) {
		c.line++;
		nl = memchr(text + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		if (n > RULES_LINE_MAX) {
			rc = rules_fail(&c, "line longer than %d characters", RULES_LINE_MAX);
			goto fail;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		for (i = 0; i < n; i++) {
			if (line[i] == '\0' ||
			    (line[i] < ' ' && line[i] != '\t' && line[i] != '\r') ||
			    line[i] == 0x7f) {
				rc = rules_fail(&c, "control character 0x%02x in the line",
						(unsigned char)line[i]);
				goto fail;
			}
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		rc = rules_line(&c, line, &rule);
		if (rc < 0)
			goto fail;
		if (rc == 0)
			continue;
		if (r->n == RULES_MAX) {
			rc = rules_fail(&c, "more than %d rules", RULES_MAX);
			goto fail;
		}
		if (r->n == cap) {
			cap *= 2;
			grown = realloc(r, sizeof(*r) + cap * sizeof(r->rule[0]));
			if (!grown) {
				rc = -ENOMEM;
				goto fail;
			}
			r = grown;
		}
		r->rule[r->n++] = rule;
	}
	*out = r;
	return 0;
fail:
	free(r);
	return rc;
}

int rules_load(const char *path, struct rules **out, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	long sz;
	int rc;

	f = fopen(path, "r");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (fseek(f, 0, SEEK_END) || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((unsigned long)sz > RULES_FILE_MAX) {
		rc = -EFBIG;
		snprintf(err, errlen, "%s: larger than %u bytes", path, RULES_FILE_MAX);
		goto out;
	}
	buf = malloc((size_t)sz + 1);
	if (!buf) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	len = fread(buf, 1, (size_t)sz, f);
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	rc = rules_parse(buf, len, path, out, err, errlen);
out:
	free(buf);
	fclose(f);
	return rc;
}

void rules_free(struct rules *r)
{
	free(r);
}

/* 1 if the first plen bits of a and p are equal. */
static int rules_prefix_match(const uint8_t *a, const uint8_t *p, uint8_t plen)
{
	unsigned int full = plen / 8, rest = plen % 8;

	if (memcmp(a, p, full))
		return 0;
	return !rest || !((a[full] ^ p[full]) & (uint8_t)(0xff << (8 - rest)));
}

int rules_match(const struct rules *r, const struct pkt_info *pi)
{
	const struct rules_rule *x;
	int ports =
		(pi->flags & PKT_F_L4) && (pi->proto == IPPROTO_TCP_ || pi->proto == IPPROTO_UDP_);
	unsigned int i;

	for (i = 0; i < r->n; i++) {
		x = &r->rule[i];
		if (x->family && x->family != pi->family)
			continue;
		if ((x->flags & RULES_F_PROTO) && x->proto != pi->proto)
			continue;
		if ((x->flags & RULES_F_SRC) && !rules_prefix_match(pi->saddr, x->src, x->src_plen))
			continue;
		if ((x->flags & RULES_F_DST) && !rules_prefix_match(pi->daddr, x->dst, x->dst_plen))
			continue;
		if ((x->flags & RULES_F_SPORT) &&
		    (!ports || pi->sport < x->sport_lo || pi->sport > x->sport_hi))
			continue;
		if ((x->flags & RULES_F_DPORT) &&
		    (!ports || pi->dport < x->dport_lo || pi->dport > x->dport_hi))
			continue;
		return (int)i;
	}
	return -1;
}
