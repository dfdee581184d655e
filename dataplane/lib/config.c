/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.c - load the YAML configuration (libyaml document API) into struct config.
 *
 * The whole document is loaded first, then walked with a fixed schema: every mapping is checked
 * for unknown and duplicate keys before its values are read, every value is range-checked, and
 * the cross-object rules (names that must exist, addresses that must be on-link, ...) are
 * checked once the objects they refer to are built. The first problem found stops the load and
 * becomes the one-line message "FILE:LINE: KEY: problem" (LINE 1-based, KEY the dotted path,
 * e.g. "target_groups[1].targets[0].address"). Nothing of a refused config escapes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <yaml.h>

#include "dataplane/lib/config.h"
#include "dataplane/core/frag.h"
#include "dataplane/core/gwlb.h"
#include "dataplane/core/neigh.h"

#define CFG_PATH_MAX	    256
#define CFG_FILE_MAX	    (16u << 20) /* refuse config files larger than this */
#define CFG_SECRET_READ_MAX 4096	/* bytes of a secret file looked at */
#define CFG_DIR_TOKEN	    "@DIR@"

/* Defaults and limits (DESIGN.md, "Behaviour"). */
#define CFG_TTL_DEFAULT	       64
#define CFG_DRAIN_TIME_MAX     3600
#define CFG_FLOW_TABLE_MIN     1024u
#define CFG_FLOW_TABLE_MAX     67108864u
#define CFG_FLOW_TABLE_DEFAULT 1048576u
#define CFG_MAGLEV_MIN	       65537u
#define CFG_MAGLEV_MAX	       16777259u /* the first prime above 2^24 */
#define CFG_MTU_MIN	       576
#define CFG_MTU_MAX	       9216
#define CFG_MTU_DEFAULT	       1500
#define CFG_MTU_IPV6_MIN       1280
#define CFG_DEREG_MAX	       3600
#define CFG_DEREG_DEFAULT      300
#define CFG_IDLE_MIN	       60
#define CFG_IDLE_MAX	       6000
#define CFG_TCP_IDLE_DEFAULT   350
#define CFG_OTHER_IDLE_DEFAULT 120
#define CFG_WEIGHT_MAX	       1000
/* node.neighbor_table_size, node.neighbor_reachable_ms (sluice-dp; core/neigh.h) */
#define CFG_NEIGH_TABLE_MIN	16u
#define CFG_NEIGH_TABLE_MAX	4194304u
#define CFG_NEIGH_REACHABLE_MIN 1000u
#define CFG_NEIGH_REACHABLE_MAX 3600000u
/* Lower than AWS (5..300 and 2..120) so labs and tests can fail over fast: docs/config.md. */
#define CFG_HC_INTERVAL_MIN  2
#define CFG_HC_INTERVAL_MAX  300
#define CFG_HC_TIMEOUT_MIN   1
#define CFG_HC_TIMEOUT_MAX   120
#define CFG_HC_THRESHOLD_MIN 2
#define CFG_HC_THRESHOLD_MAX 10
#define CFG_HC_MATCHER_MIN   200
#define CFG_HC_MATCHER_MAX   599
#define CFG_HC_GENEVE_PORT   80

/* passive check: at least two of sluiced's 2-second counter polls per window */
#define CFG_HC_PASSIVE_WINDOW_MIN  4
#define CFG_HC_PASSIVE_WINDOW_MAX  3600
#define CFG_HC_PASSIVE_WINDOW_DEF  10
#define CFG_HC_PASSIVE_PACKETS_MAX 1000000000

/* The daemon section (docs/daemon.md). */
#define CFG_API_SOCKET_DEFAULT	    "/run/sluice/sluiced.sock"
#define CFG_API_SOCKET_MODE_DEFAULT 0600
#define CFG_METRICS_DEFAULT	    "127.0.0.1:9469"
#define CFG_MAX_CLIENTS_MAX	    4096
#define CFG_DATAPLANE_DEFAULT	    "/run/sluice/dp.sock"
#define CFG_LOG_LEVEL_DEFAULT	    "info"

/* Keyword tables: the index is the enum value. */
static const char *const proto_names[] = {"geneve", "tcp", "udp", "tcp_udp", NULL};
/* Index = enum flow_stick, but for the last: "source_ip" is an alias of 2-tuple. */
static const char *const stick_names[] = {"5-tuple", "3-tuple", "2-tuple", "source_ip", NULL};
#define STICK_SOURCE_IP 3
/* tcp_unknown_flow: index 0 adopt, 1 reset; "forward" (2) is adopt's older name */
static const char *const unknown_flow_names[] = {"adopt", "reset", "forward", NULL};
static const char *const lproto_names[] = {"tcp", "udp", "tcp_udp", NULL}; /* index + 1 */
static const char *const failover_names[] = {"no_rebalance", "rebalance", NULL};
static const char *const unhealthy_names[] = {"all_targets", "drop", "bypass", NULL};
static const char *const hc_names[] = {"tcp", "http", "https", NULL};
static const char *const udp_csum_names[] = {"verify", "ignore", NULL};
static const char *const state_names[] = {"healthy", "unhealthy", "draining",
					  "initial", "unused",	  NULL};
static const char *const log_level_names[] = {"error", "warning", "info", "debug", NULL};

_Static_assert(CFG_PROTO_GENEVE == 0 && CFG_PROTO_TCP == 1 && CFG_PROTO_UDP == 2 &&
		       CFG_PROTO_TCP_UDP == 3,
	       "proto_names follows enum cfg_proto");
_Static_assert(FLOW_STICK_5TUPLE == 0 && FLOW_STICK_3TUPLE == 1 && FLOW_STICK_2TUPLE == 2,
	       "stick_names follows enum flow_stick");
_Static_assert(CFG_LPROTO_TCP == 1 && CFG_LPROTO_UDP == 2 &&
		       CFG_LPROTO_TCP_UDP == (CFG_LPROTO_TCP | CFG_LPROTO_UDP),
	       "lproto_names[i] is protocol i + 1; TCP_UDP is the union of TCP and UDP");
_Static_assert((int)CFG_LPROTO_TCP == (int)CFG_PROTO_TCP &&
		       (int)CFG_LPROTO_UDP == (int)CFG_PROTO_UDP &&
		       (int)CFG_LPROTO_TCP_UDP == (int)CFG_PROTO_TCP_UDP,
	       "a non-geneve group's protocol is also its listener protocol mask");
_Static_assert(CFG_FAILOVER_NO_REBALANCE == 0 && CFG_FAILOVER_REBALANCE == 1,
	       "failover_names follows enum cfg_failover");
_Static_assert(CFG_ALL_UNHEALTHY_ALL_TARGETS == 0 && CFG_ALL_UNHEALTHY_DROP == 1 &&
		       CFG_ALL_UNHEALTHY_BYPASS == 2,
	       "unhealthy_names follows enum cfg_unhealthy_policy");
_Static_assert(GWLB_UDP_CSUM_VERIFY == 0 && GWLB_UDP_CSUM_IGNORE == 1,
	       "udp_csum_names follows enum gwlb_udp_csum");
_Static_assert(CFG_HC_TCP == 0 && CFG_HC_HTTP == 1 && CFG_HC_HTTPS == 2,
	       "hc_names follows enum cfg_hc_proto");
_Static_assert(CFG_TS_HEALTHY == 0 && CFG_TS_UNHEALTHY == 1 && CFG_TS_DRAINING == 2 &&
		       CFG_TS_INITIAL == 3 && CFG_TS_UNUSED == 4,
	       "state_names follows enum cfg_target_state");

enum { FAM4 = 1, FAM6 = 2, FAM_ANY = FAM4 | FAM6 };

struct cfg_parser {
	yaml_document_t doc;
	const char *name;   /* the file name in messages */
	char dir[PATH_MAX]; /* the config file's directory (for @DIR@ and relative paths) */
	char *err;
	size_t errlen;
	struct config *cfg;
};

/* ---- messages ---- */

static unsigned long node_line(const yaml_node_t *n)
{
	return n ? (unsigned long)n->start_mark.line + 1 : 1;
}

/* Set "NAME:LINE: PATH: message" (no "PATH: " when path is empty). Returns -EINVAL. */
static int __attribute__((format(printf, 4, 5)))
cfg_fail(struct cfg_parser *p, const yaml_node_t *n, const char *path, const char *fmt, ...)
{
	char msg[CFG_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s:%lu: %s%s%s", p->name, node_line(n),
			 path ? path : "", path && *path ? ": " : "", msg);
	return -EINVAL;
}

/*
 * Paths are built with snprintf; a path longer than CFG_PATH_MAX is cut (only messages use
 * them), which the return-value checks below acknowledge.
 */
static void path_cut(char *buf, int w)
{
	if (w < 0 || w >= CFG_PATH_MAX)
		buf[CFG_PATH_MAX - 1] = '\0';
}

/* buf (CFG_PATH_MAX) = parent.key; returns buf. */
static const char *path_key(char *buf, const char *parent, const char *key)
{
	if (*parent)
		path_cut(buf, snprintf(buf, CFG_PATH_MAX, "%s.%s", parent, key));
	else
		path_cut(buf, snprintf(buf, CFG_PATH_MAX, "%s", key));
	return buf;
}

static void path_idx(char *buf, const char *parent, size_t i)
{
	path_cut(buf, snprintf(buf, CFG_PATH_MAX, "%s[%zu]", parent, i));
}

static const char *addr_str(const struct cfg_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* ---- YAML nodes ---- */

static yaml_node_t *node_get(struct cfg_parser *p, int idx)
{
	return yaml_document_get_node(&p->doc, idx);
}

static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a single value";
	}
}

/* A plain scalar that YAML reads as null (an empty value, ~, null). */
static int node_is_null(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

static int get_scalar(struct cfg_parser *p, const yaml_node_t *n, const char *path,
		      const char **out)
{
	const char *s;

	*out = NULL; /* defined on every path: the value, or NULL with the error */
	if (n->type != YAML_SCALAR_NODE)
		return cfg_fail(p, n, path, "expected a single value, got %s", node_kind(n));
	s = (const char *)n->data.scalar.value;
	if (node_is_null(n) || !*s)
		return cfg_fail(p, n, path, "missing value");
	if (strlen(s) != n->data.scalar.length)
		return cfg_fail(p, n, path, "value contains a NUL character");
	*out = s;
	return 0;
}

static size_t seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static yaml_node_t *seq_item(struct cfg_parser *p, const yaml_node_t *n, size_t i)
{
	return node_get(p, n->data.sequence.items.start[i]);
}

static int expect_seq(struct cfg_parser *p, const yaml_node_t *n, const char *path)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return cfg_fail(p, n, path, "expected a list, got %s", node_kind(n));
	return 0;
}

static const char *pair_key(struct cfg_parser *p, const yaml_node_pair_t *pair)
{
	yaml_node_t *k = node_get(p, pair->key);

	return (const char *)k->data.scalar.value;
}

/* n is a mapping whose keys are distinct strings. */
static int map_keys_check(struct cfg_parser *p, yaml_node_t *n, const char *path)
{
	yaml_node_pair_t *pair, *q;
	char kp[CFG_PATH_MAX];

	if (n->type != YAML_MAPPING_NODE)
		return cfg_fail(p, n, path, "expected a mapping, got %s", node_kind(n));
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node_get(p, pair->key);
		const char *ks;

		if (k->type != YAML_SCALAR_NODE || node_is_null(k))
			return cfg_fail(p, k, path, "a key must be a name, got %s",
					k->type == YAML_SCALAR_NODE ? "an empty key"
								    : node_kind(k));
		ks = (const char *)k->data.scalar.value;
		path_key(kp, path, ks);
		for (q = n->data.mapping.pairs.start; q < pair; q++)
			if (!strcmp(pair_key(p, q), ks))
				return cfg_fail(p, k, kp, "duplicate key (first at line %lu)",
						node_line(node_get(p, q->key)));
	}
	return 0;
}

/* map_keys_check, and every key is one of keys[] (NULL-terminated). */
static int map_check(struct cfg_parser *p, yaml_node_t *n, const char *path,
		     const char *const *keys)
{
	yaml_node_pair_t *pair;
	char kp[CFG_PATH_MAX], list[CFG_ERR_MAX / 2];
	int rc = map_keys_check(p, n, path);

	if (rc)
		return rc;
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		const char *ks = pair_key(p, pair);
		size_t i, off = 0;

		for (i = 0; keys[i]; i++)
			if (!strcmp(keys[i], ks))
				break;
		if (keys[i])
			continue;
		list[0] = '\0';
		for (i = 0; keys[i] && off < sizeof(list); i++)
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
						i ? ", " : "", keys[i]);
		path_key(kp, path, ks);
		return cfg_fail(p, node_get(p, pair->key), kp, "unknown key (expected one of: %s)",
				list);
	}
	return 0;
}

static yaml_node_t *map_get(struct cfg_parser *p, const yaml_node_t *n, const char *key)
{
	yaml_node_pair_t *pair;

	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++)
		if (!strcmp(pair_key(p, pair), key))
			return node_get(p, pair->value);
	return NULL;
}

/* The value of a required key; the error names the key, at the line of its mapping. */
static int map_req(struct cfg_parser *p, const yaml_node_t *n, const char *path, const char *key,
		   yaml_node_t **out)
{
	char kp[CFG_PATH_MAX];

	*out = map_get(p, n, key);
	if (*out)
		return 0;
	path_key(kp, path, key);
	return cfg_fail(p, n, kp, "missing (required)");
}

/* ---- scalar values ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decimal, or hexadecimal with 0x; no sign, no fraction. */
static int parse_u64(struct cfg_parser *p, const yaml_node_t *n, const char *path, uint64_t *out)
{
	const char *s, *digits, *c;
	char *end;
	int base = 10, rc = get_scalar(p, n, path, &s);
	unsigned long long v;

	if (rc)
		return rc;
	digits = s;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		digits = s + 2;
	}
	if (s[0] == '-' && s[1] >= '0' && s[1] <= '9')
		return cfg_fail(p, n, path, "must not be negative, got \"%s\"", s);
	if (!*digits)
		return cfg_fail(p, n, path, "not an integer \"%s\"", s);
	for (c = digits; *c; c++)
		if (base == 10 ? !(*c >= '0' && *c <= '9') : hexval(*c) < 0)
			return cfg_fail(p, n, path, "not an integer \"%s\"", s);
	errno = 0;
	v = strtoull(digits, &end, base);
	if (errno == ERANGE || *end)
		return cfg_fail(p, n, path, "%s is too large", s);
	*out = v;
	return 0;
}

static int parse_uint(struct cfg_parser *p, const yaml_node_t *n, const char *path, uint64_t min,
		      uint64_t max, uint64_t *out)
{
	int rc = parse_u64(p, n, path, out);

	if (rc)
		return rc;
	if (*out < min || *out > max)
		return cfg_fail(p, n, path,
				"%" PRIu64 " is out of range (%" PRIu64 "..%" PRIu64 ")", *out, min,
				max);
	return 0;
}

/* Optional unsigned key: def when absent. */
static int opt_uint(struct cfg_parser *p, const yaml_node_t *m, const char *path, const char *key,
		    uint64_t min, uint64_t max, uint64_t def, uint64_t *out)
{
	yaml_node_t *v = map_get(p, m, key);
	char kp[CFG_PATH_MAX];

	*out = def;
	if (!v)
		return 0;
	path_key(kp, path, key);
	return parse_uint(p, v, kp, min, max, out);
}

static int parse_bool(struct cfg_parser *p, const yaml_node_t *n, const char *path, int *out)
{
	const char *s;
	int rc = get_scalar(p, n, path, &s);

	if (rc)
		return rc;
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes"))
		*out = 1;
	else if (!strcasecmp(s, "false") || !strcasecmp(s, "no"))
		*out = 0;
	else
		return cfg_fail(p, n, path, "expected true or false, got \"%s\"", s);
	return 0;
}

static int opt_bool(struct cfg_parser *p, const yaml_node_t *m, const char *path, const char *key,
		    int def, int *out)
{
	yaml_node_t *v = map_get(p, m, key);
	char kp[CFG_PATH_MAX];

	*out = def;
	if (!v)
		return 0;
	path_key(kp, path, key);
	return parse_bool(p, v, kp, out);
}

static int parse_enum(struct cfg_parser *p, const yaml_node_t *n, const char *path,
		      const char *const *names, int *out)
{
	char list[CFG_ERR_MAX / 2];
	const char *s;
	size_t i, off = 0;
	int rc = get_scalar(p, n, path, &s);

	if (rc)
		return rc;
	for (i = 0; names[i]; i++) {
		if (!strcmp(names[i], s)) {
			*out = (int)i;
			return 0;
		}
	}
	list[0] = '\0';
	for (i = 0; names[i] && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
					names[i]);
	return cfg_fail(p, n, path, "\"%s\" is not one of: %s", s, list);
}

static int opt_enum(struct cfg_parser *p, const yaml_node_t *m, const char *path, const char *key,
		    const char *const *names, int def, int *out)
{
	yaml_node_t *v = map_get(p, m, key);
	char kp[CFG_PATH_MAX];

	*out = def;
	if (!v)
		return 0;
	path_key(kp, path, key);
	return parse_enum(p, v, kp, names, out);
}

/*
 * A scalar of 1..size-1 characters out of letters, digits and the punctuation in `punct`;
 * `what` names it in messages ("name", "interface name").
 */
static int parse_word(struct cfg_parser *p, const yaml_node_t *n, const char *path, char *dst,
		      size_t size, const char *punct, const char *what)
{
	char shown[16] = "";
	const char *s, *c;
	size_t i;
	int rc = get_scalar(p, n, path, &s);

	if (rc)
		return rc;
	if (strlen(s) >= size)
		return cfg_fail(p, n, path, "%s too long (%zu characters, at most %zu)", what,
				strlen(s), size - 1);
	for (c = s; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr(punct, *c))
			continue;
		for (i = 0; punct[i] && 2 * i + 2 < sizeof(shown); i++) {
			shown[2 * i] = punct[i];
			shown[2 * i + 1] = punct[i + 1] ? ' ' : '\0';
		}
		return cfg_fail(p, n, path,
				"invalid character in %s \"%s\" (letters, digits, %s only)", what,
				s, shown);
	}
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

/*
 * Names of ports, groups, targets, zones and attachments: 1..CFG_NAME_MAX-1 characters out of
 * letters, digits and "-_.:" (they appear in counters, JSON and the whitespace-separated
 * events file).
 */
static int parse_name(struct cfg_parser *p, const yaml_node_t *n, const char *path, char *dst)
{
	return parse_word(p, n, path, dst, CFG_NAME_MAX, "-_.:", "name");
}

/* An address ("10.0.0.1", "2001:db8::1") or, with_plen, a prefix ("10.0.0.0/24"; bare = host). */
static int parse_addr(struct cfg_parser *p, const yaml_node_t *n, const char *path, int fams,
		      int with_plen, struct cfg_addr *a)
{
	const char *what = fams == FAM4	  ? "IPv4 address"
			   : fams == FAM6 ? "IPv6 address"
					  : "IP address";
	const char *s, *slash, *c;
	char buf[INET6_ADDRSTRLEN + 1];
	unsigned int max, plen = 0;
	size_t alen;
	int rc = get_scalar(p, n, path, &s);

	if (rc)
		return rc;
	slash = strchr(s, '/');
	if (slash && !with_plen)
		return cfg_fail(p, n, path,
				"expected an address without a prefix length, got \"%s\"", s);
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen >= sizeof(buf))
		goto bad;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(a, 0, sizeof(*a));
	if ((fams & FAM4) && inet_pton(AF_INET, buf, a->addr) == 1) {
		a->family = 4;
		max = 32;
	} else if ((fams & FAM6) && inet_pton(AF_INET6, buf, a->addr) == 1) {
		a->family = 6;
		max = 128;
	} else {
		goto bad;
	}
	a->plen = (uint8_t)max;
	if (!slash)
		return 0;
	if (!slash[1] || strlen(slash + 1) > 3)
		goto bad_plen;
	for (c = slash + 1; *c; c++) {
		if (*c < '0' || *c > '9')
			goto bad_plen;
		plen = plen * 10 + (unsigned int)(*c - '0');
	}
	if (plen > max)
		goto bad_plen;
	a->plen = (uint8_t)plen;
	return 0;
bad_plen:
	return cfg_fail(p, n, path, "bad prefix length in \"%s\" (0..%u)", s, max);
bad:
	return cfg_fail(p, n, path, "not an %s%s \"%s\"", what, with_plen ? " or prefix" : "", s);
}

int config_addr_is_unicast(const struct cfg_addr *a)
{
	static const uint8_t zero[16];

	if (a->family == 4)
		return a->addr[0] != 0 && a->addr[0] < 224;
	return memcmp(a->addr, zero, 16) && a->addr[0] != 0xff;
}

static int parse_host(struct cfg_parser *p, const yaml_node_t *n, const char *path, int fams,
		      struct cfg_addr *a)
{
	char buf[INET6_ADDRSTRLEN];
	int rc = parse_addr(p, n, path, fams, 0, a);

	if (rc)
		return rc;
	if (!config_addr_is_unicast(a))
		return cfg_fail(p, n, path, "%s is not a unicast address",
				addr_str(a, buf, sizeof(buf)));
	return 0;
}

static int addr_eq(const struct cfg_addr *a, const struct cfg_addr *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16);
}

/* a (any plen) is inside net/plen. */
static int addr_in(const struct cfg_addr *a, const struct cfg_addr *net, unsigned int plen)
{
	unsigned int full = plen / 8, rem = plen % 8;
	uint8_t mask;

	if (a->family != net->family)
		return 0;
	if (memcmp(a->addr, net->addr, full))
		return 0;
	if (!rem)
		return 1;
	mask = (uint8_t)(0xff << (8 - rem));
	return (a->addr[full] & mask) == (net->addr[full] & mask);
}

/* Host bits of a prefix are zero. */
static int addr_is_network(const struct cfg_addr *a)
{
	unsigned int len = a->family == 4 ? 4 : 16, i;

	for (i = a->plen / 8; i < len; i++) {
		uint8_t host = i == a->plen / 8 ? (uint8_t)(0xff >> (a->plen % 8)) : 0xff;

		if (a->addr[i] & host)
			return 0;
	}
	return 1;
}

/* "02:00:00:00:00:01"; a unicast MAC. */
static int parse_mac(struct cfg_parser *p, const yaml_node_t *n, const char *path, uint8_t mac[6])
{
	const char *s;
	int i, rc = get_scalar(p, n, path, &s);

	if (rc)
		return rc;
	if (strlen(s) != 17)
		goto bad;
	for (i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			goto bad;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (mac[0] & 1)
		return cfg_fail(p, n, path, "\"%s\" is a multicast MAC address", s);
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return cfg_fail(p, n, path, "\"%s\" is not a usable MAC address", s);
	return 0;
bad:
	return cfg_fail(p, n, path, "not a MAC address \"%s\" (expected xx:xx:xx:xx:xx:xx)", s);
}

/* len hex digits (len even) into len/2 bytes; 0, or -1 if s holds a non-hex character. */
static int hex_decode(const char *s, size_t len, uint8_t *out)
{
	size_t i;

	for (i = 0; i < len; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* ---- zones ---- */

static int zone_index(const struct config *cfg, const char *name)
{
	unsigned int i;

	for (i = 0; i < cfg->n_zones; i++)
		if (!strcmp(cfg->zones[i].name, name))
			return (int)i;
	return -1;
}

/* name must be a key of zones: (when zones: is given). */
static int check_zone(struct cfg_parser *p, const yaml_node_t *n, const char *path,
		      const char *name)
{
	char list[CFG_ERR_MAX / 2];
	size_t off = 0;
	unsigned int i;

	if (!p->cfg->n_zones || zone_index(p->cfg, name) >= 0)
		return 0;
	list[0] = '\0';
	for (i = 0; i < p->cfg->n_zones && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
					p->cfg->zones[i].name);
	return cfg_fail(p, n, path, "zone \"%s\" is not in zones (%s)", name, list);
}

static int parse_zones(struct cfg_parser *p, yaml_node_t *n)
{
	struct config *cfg = p->cfg;
	yaml_node_pair_t *pair;
	char kp[CFG_PATH_MAX], buf[INET6_ADDRSTRLEN];
	size_t count;
	int rc = map_keys_check(p, n, "zones");

	if (rc)
		return rc;
	count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	if (!count)
		return cfg_fail(p, n, "zones", "empty (list the zones, or leave the key out)");
	cfg->zones = calloc(count, sizeof(*cfg->zones));
	if (!cfg->zones)
		return -ENOMEM;
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		struct cfg_zone *z = &cfg->zones[cfg->n_zones];
		yaml_node_t *k = node_get(p, pair->key), *v = node_get(p, pair->value);
		unsigned int j;

		path_key(kp, "zones", (const char *)k->data.scalar.value);
		rc = parse_name(p, k, kp, z->name);
		if (!rc)
			rc = parse_host(p, v, kp, FAM_ANY, &z->address);
		if (rc)
			return rc;
		for (j = 0; j < cfg->n_zones; j++)
			if (addr_eq(&cfg->zones[j].address, &z->address))
				return cfg_fail(p, v, kp,
						"%s is already the address of zone \"%s\"",
						addr_str(&z->address, buf, sizeof(buf)),
						cfg->zones[j].name);
		cfg->n_zones++;
	}
	return 0;
}

/* ---- ports ---- */

/* Index of the port holding address a (any plen), or -1; *ai gets the address index. */
static int port_with_addr(const struct config *cfg, unsigned int n_ports, const struct cfg_addr *a,
			  unsigned int *ai)
{
	unsigned int i, j;

	for (i = 0; i < n_ports; i++)
		for (j = 0; j < cfg->ports[i].n_addrs; j++)
			if (addr_eq(&cfg->ports[i].addrs[j], a)) {
				if (ai)
					*ai = j;
				return (int)i;
			}
	return -1;
}

/* a is inside a port's connected subnet. */
static int addr_on_link(const struct config *cfg, const struct cfg_addr *a)
{
	unsigned int i, j;

	for (i = 0; i < cfg->n_ports; i++)
		for (j = 0; j < cfg->ports[i].n_addrs; j++)
			if (addr_in(a, &cfg->ports[i].addrs[j], cfg->ports[i].addrs[j].plen))
				return 1;
	return 0;
}

/* Copy src to dst (CFG_DEVICE_MAX), every @DIR@ replaced by dir; -1 if too long. */
static int subst_dir(const char *src, const char *dir, char *dst)
{
	size_t off = 0, tl = strlen(CFG_DIR_TOKEN), dl = strlen(dir);

	while (*src) {
		const char *piece = src;
		size_t len = 1;

		if (!strncmp(src, CFG_DIR_TOKEN, tl)) {
			piece = dir;
			len = dl;
			src += tl;
		} else {
			src++;
		}
		if (off + len >= CFG_DEVICE_MAX)
			return -1;
		memcpy(dst + off, piece, len);
		off += len;
	}
	dst[off] = '\0';
	return 0;
}

/*
 * A Linux interface name sluice-dp creates (kernel_interface): 1..CFG_IFNAME_MAX-1 characters
 * out of letters, digits and "-_." (the kernel refuses "/", ":" and whitespace; "." and ".."
 * name directories in /sys/class/net).
 */
static int parse_ifname(struct cfg_parser *p, const yaml_node_t *n, const char *path, char *dst)
{
	int rc = parse_word(p, n, path, dst, CFG_IFNAME_MAX, "-_.", "interface name");

	if (!rc && (!strcmp(dst, ".") || !strcmp(dst, "..")))
		return cfg_fail(p, n, path, "\"%s\" is not a valid interface name", dst);
	return rc;
}

static int parse_port(struct cfg_parser *p, yaml_node_t *m, const char *path, unsigned int idx)
{
	static const char *const keys[] = {"name", "device",	       "addresses", "mtu",
					   "mac",  "kernel_interface", NULL};
	struct config *cfg = p->cfg;
	struct cfg_port *port = &cfg->ports[idx];
	char kp[CFG_PATH_MAX], ip[CFG_PATH_MAX], buf[INET6_ADDRSTRLEN];
	yaml_node_t *v;
	const char *s;
	unsigned int j, has6 = 0;
	uint64_t u;
	int rc;

	rc = map_check(p, m, path, keys);
	if (rc)
		return rc;

	path_key(kp, path, "name");
	rc = map_req(p, m, path, "name", &v);
	if (!rc)
		rc = parse_name(p, v, kp, port->name);
	if (rc)
		return rc;
	for (j = 0; j < idx; j++)
		if (!strcmp(cfg->ports[j].name, port->name))
			return cfg_fail(p, v, kp, "duplicate port name \"%s\" (also ports[%u])",
					port->name, j);

	path_key(kp, path, "device");
	rc = map_req(p, m, path, "device", &v);
	if (!rc)
		rc = get_scalar(p, v, kp, &s);
	if (rc)
		return rc;
	if (subst_dir(s, p->dir, port->device))
		return cfg_fail(p, v, kp,
				"too long (at most %d characters after @DIR@ is replaced)",
				CFG_DEVICE_MAX - 1);
	for (j = 0; j < idx; j++)
		if (!strcmp(cfg->ports[j].device, port->device))
			return cfg_fail(p, v, kp, "device \"%s\" is already used by port \"%s\"",
					port->device, cfg->ports[j].name);

	v = map_get(p, m, "addresses");
	if (v) {
		path_key(kp, path, "addresses");
		rc = expect_seq(p, v, kp);
		if (rc)
			return rc;
		if (seq_len(v) > CFG_PORT_ADDRS_MAX)
			return cfg_fail(p, v, kp, "too many addresses (%zu, at most %d)",
					seq_len(v), CFG_PORT_ADDRS_MAX);
		for (j = 0; j < seq_len(v); j++) {
			yaml_node_t *a = seq_item(p, v, j);
			struct cfg_addr *addr = &port->addrs[j];
			unsigned int k;
			int other;

			path_idx(ip, kp, j);
			rc = parse_addr(p, a, ip, FAM_ANY, 1, addr);
			if (rc)
				return rc;
			if (!config_addr_is_unicast(addr))
				return cfg_fail(p, a, ip, "%s is not a unicast address",
						addr_str(addr, buf, sizeof(buf)));
			for (k = 0; k < j; k++)
				if (addr_eq(&port->addrs[k], addr))
					return cfg_fail(p, a, ip, "%s is listed twice",
							addr_str(addr, buf, sizeof(buf)));
			other = port_with_addr(cfg, idx, addr, NULL);
			if (other >= 0)
				return cfg_fail(p, a, ip, "%s is already configured on port \"%s\"",
						addr_str(addr, buf, sizeof(buf)),
						cfg->ports[other].name);
			has6 |= addr->family == 6;
			port->n_addrs++;
		}
	}

	rc = opt_uint(p, m, path, "mtu", CFG_MTU_MIN, CFG_MTU_MAX, CFG_MTU_DEFAULT, &u);
	if (rc)
		return rc;
	port->mtu = (uint16_t)u;
	if (has6 && port->mtu < CFG_MTU_IPV6_MIN) {
		path_key(kp, path, "mtu");
		return cfg_fail(p, map_get(p, m, "mtu"), kp,
				"%u is below the IPv6 minimum of %d (the port has an IPv6 address)",
				port->mtu, CFG_MTU_IPV6_MIN);
	}

	v = map_get(p, m, "mac");
	if (v) {
		path_key(kp, path, "mac");
		rc = parse_mac(p, v, kp, port->mac);
		if (rc)
			return rc;
		port->has_mac = 1;
	}
	v = map_get(p, m, "kernel_interface");
	if (v) {
		path_key(kp, path, "kernel_interface");
		rc = parse_ifname(p, v, kp, port->kernel_interface);
		if (rc)
			return rc;
		for (j = 0; j < idx; j++)
			if (!strcmp(cfg->ports[j].kernel_interface, port->kernel_interface))
				return cfg_fail(p, v, kp,
						"kernel interface \"%s\" is already port \"%s\"'s",
						port->kernel_interface, cfg->ports[j].name);
	}
	return 0;
}

static int parse_ports(struct cfg_parser *p, yaml_node_t *root)
{
	struct config *cfg = p->cfg;
	char ip[CFG_PATH_MAX];
	yaml_node_t *n;
	size_t i;
	int rc = map_req(p, root, "", "ports", &n);

	if (!rc)
		rc = expect_seq(p, n, "ports");
	if (rc)
		return rc;
	if (!seq_len(n))
		return cfg_fail(p, n, "ports", "at least one port is required");
	cfg->ports = calloc(seq_len(n), sizeof(*cfg->ports));
	if (!cfg->ports)
		return -ENOMEM;
	for (i = 0; i < seq_len(n); i++) {
		path_idx(ip, "ports", i);
		rc = parse_port(p, seq_item(p, n, i), ip, (unsigned int)i);
		if (rc)
			return rc;
		cfg->n_ports++;
	}
	return 0;
}

/* ---- node ---- */

static int is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return 0;
	for (d = 2; d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

/*
 * The secret file holds 32 hex digits (surrounding whitespace ignored) or at least 16 raw bytes
 * (the first 16 are used). Text made only of hex digits but not 32 of them is refused rather
 * than used as raw bytes: it is almost certainly a mistyped hex secret.
 */
static int load_secret_file(struct cfg_parser *p, const yaml_node_t *n, const char *path,
			    const char *file, uint8_t secret[16])
{
	char full[PATH_MAX], buf[CFG_SECRET_READ_MAX];
	size_t len = 0, b, e, i;
	int fd, rc = 0, all_hex = 1;
	int w;

	if (file[0] == '/')
		w = snprintf(full, sizeof(full), "%s", file);
	else
		w = snprintf(full, sizeof(full), "%s/%s", p->dir, file);
	if (w < 0 || (size_t)w >= sizeof(full))
		return cfg_fail(p, n, path, "path too long");
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cfg_fail(p, n, path, "%s: %s", full, strerror(errno));
	while (len < sizeof(buf)) {
		ssize_t r = read(fd, buf + len, sizeof(buf) - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = cfg_fail(p, n, path, "%s: %s", full, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	for (b = 0; b < len && is_space(buf[b]); b++)
		;
	for (e = len; e > b && is_space(buf[e - 1]); e--)
		;
	for (i = b; i < e; i++)
		if (hexval(buf[i]) < 0)
			all_hex = 0;
	if (e == b)
		rc = cfg_fail(p, n, path, "%s: the file is empty", full);
	else if (all_hex && e - b == 32)
		hex_decode(buf + b, 32, secret);
	else if (all_hex)
		rc = cfg_fail(p, n, path, "%s: holds %zu hex digits, expected 32", full, e - b);
	else if (len >= 16)
		memcpy(secret, buf, 16);
	else
		rc = cfg_fail(p, n, path,
			      "%s: too short (%zu bytes; need 32 hex digits or at least 16 bytes)",
			      full, len);
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

static int parse_node(struct cfg_parser *p, yaml_node_t *root)
{
	static const char *const keys[] = {"zone",
					   "cookie_secret_file",
					   "cookie_secret",
					   "geneve_address",
					   "ttl",
					   "flow_table_size",
					   "maglev_size",
					   "exception_rate",
					   "drain_time",
					   "fragment_table_size",
					   "fragment_timeout_ms",
					   "neighbor_table_size",
					   "neighbor_reachable_ms",
					   NULL};
	struct cfg_node *node = &p->cfg->node;
	yaml_node_t *m, *v, *file, *inline_secret;
	char kp[CFG_PATH_MAX], buf[INET6_ADDRSTRLEN];
	const char *s;
	uint64_t u;
	int rc;

	rc = map_req(p, root, "", "node", &m);
	if (!rc)
		rc = map_check(p, m, "node", keys);
	if (rc)
		return rc;

	rc = map_req(p, m, "node", "zone", &v);
	if (!rc)
		rc = parse_name(p, v, "node.zone", node->zone);
	if (!rc)
		rc = check_zone(p, v, "node.zone", node->zone);
	if (rc)
		return rc;

	file = map_get(p, m, "cookie_secret_file");
	inline_secret = map_get(p, m, "cookie_secret");
	if (file && inline_secret)
		return cfg_fail(p, inline_secret, "node.cookie_secret",
				"give cookie_secret or cookie_secret_file, not both");
	if (file) {
		rc = get_scalar(p, file, "node.cookie_secret_file", &s);
		if (!rc)
			rc = load_secret_file(p, file, "node.cookie_secret_file", s,
					      node->cookie_secret);
		if (rc)
			return rc;
	} else if (inline_secret) {
		rc = get_scalar(p, inline_secret, "node.cookie_secret", &s);
		if (rc)
			return rc;
		if (strlen(s) != 32 || hex_decode(s, 32, node->cookie_secret))
			return cfg_fail(p, inline_secret, "node.cookie_secret",
					"must be 32 hex digits (16 bytes)");
	} else {
		return cfg_fail(p, m, "node.cookie_secret_file",
				"missing (required: cookie_secret_file or cookie_secret)");
	}

	v = map_get(p, m, "geneve_address");
	if (v) {
		rc = parse_host(p, v, "node.geneve_address", FAM4, &node->geneve_address);
		if (rc)
			return rc;
		if (port_with_addr(p->cfg, p->cfg->n_ports, &node->geneve_address, NULL) < 0)
			return cfg_fail(p, v, "node.geneve_address",
					"%s is not an address of any port",
					addr_str(&node->geneve_address, buf, sizeof(buf)));
		node->has_geneve_address = 1;
	}

	rc = opt_uint(p, m, "node", "ttl", 1, 255, CFG_TTL_DEFAULT, &u);
	if (rc)
		return rc;
	node->ttl = (uint8_t)u;
	rc = opt_uint(p, m, "node", "flow_table_size", CFG_FLOW_TABLE_MIN, CFG_FLOW_TABLE_MAX,
		      CFG_FLOW_TABLE_DEFAULT, &u);
	if (rc)
		return rc;
	node->flow_table_size = (uint32_t)u;
	rc = opt_uint(p, m, "node", "maglev_size", CFG_MAGLEV_MIN, CFG_MAGLEV_MAX, CFG_MAGLEV_MIN,
		      &u);
	if (rc)
		return rc;
	node->maglev_size = (uint32_t)u;
	rc = opt_uint(p, m, "node", "exception_rate", CFG_EXCEPTION_RATE_MIN,
		      CFG_EXCEPTION_RATE_MAX, CFG_EXCEPTION_RATE_DEFAULT, &u);
	if (rc)
		return rc;
	node->exception_rate = (uint32_t)u;
	rc = opt_uint(p, m, "node", "drain_time", 0, CFG_DRAIN_TIME_MAX, 0, &u);
	if (rc)
		return rc;
	node->drain_time = (uint32_t)u;
	/* core/frag.h: the fragment table of both dataplanes */
	rc = opt_uint(p, m, "node", "fragment_table_size", FRAG_TABLE_MIN, FRAG_TABLE_MAX,
		      FRAG_TABLE_DEFAULT, &u);
	if (rc)
		return rc;
	node->fragment_table_size = (uint32_t)u;
	rc = opt_uint(p, m, "node", "fragment_timeout_ms", FRAG_TIMEOUT_MIN, FRAG_TIMEOUT_MAX,
		      FRAG_TIMEOUT_DEFAULT, &u);
	if (rc)
		return rc;
	node->fragment_timeout_ms = (uint32_t)u;
	rc = opt_uint(p, m, "node", "neighbor_table_size", CFG_NEIGH_TABLE_MIN, CFG_NEIGH_TABLE_MAX,
		      NEIGH_TABLE_SIZE_DEFAULT, &u);
	if (rc)
		return rc;
	node->neighbor_table_size = (uint32_t)u;
	rc = opt_uint(p, m, "node", "neighbor_reachable_ms", CFG_NEIGH_REACHABLE_MIN,
		      CFG_NEIGH_REACHABLE_MAX, NEIGH_REACHABLE_MS_DEFAULT, &u);
	if (rc)
		return rc;
	node->neighbor_reachable_ms = (uint32_t)u;
	if (!is_prime(node->maglev_size)) {
		uint32_t next = node->maglev_size + 1;

		while (!is_prime(next))
			next++;
		path_key(kp, "node", "maglev_size");
		return cfg_fail(p, map_get(p, m, "maglev_size"), kp,
				"%u is not prime (the next prime is %u)", node->maglev_size, next);
	}
	return 0;
}

/* ---- routes and neighbors ---- */

static int parse_routes(struct cfg_parser *p, yaml_node_t *n)
{
	static const char *const keys[] = {"prefix", "via", NULL};
	struct config *cfg = p->cfg;
	char ip[CFG_PATH_MAX], kp[CFG_PATH_MAX], b1[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN];
	size_t i;
	int rc = expect_seq(p, n, "routes");

	if (rc)
		return rc;
	if (!seq_len(n))
		return 0;
	cfg->routes = calloc(seq_len(n), sizeof(*cfg->routes));
	if (!cfg->routes)
		return -ENOMEM;
	for (i = 0; i < seq_len(n); i++) {
		struct cfg_route *r = &cfg->routes[i];
		yaml_node_t *m = seq_item(p, n, i), *v;
		unsigned int j;
		int port;

		path_idx(ip, "routes", i);
		rc = map_check(p, m, ip, keys);
		if (rc)
			return rc;
		path_key(kp, ip, "prefix");
		rc = map_req(p, m, ip, "prefix", &v);
		if (!rc)
			rc = parse_addr(p, v, kp, FAM_ANY, 1, &r->prefix);
		if (rc)
			return rc;
		if (!addr_is_network(&r->prefix))
			return cfg_fail(p, v, kp,
					"%s/%u has host bits set (the prefix must be a network "
					"address)",
					addr_str(&r->prefix, b1, sizeof(b1)), r->prefix.plen);
		for (j = 0; j < i; j++)
			if (addr_eq(&cfg->routes[j].prefix, &r->prefix) &&
			    cfg->routes[j].prefix.plen == r->prefix.plen)
				return cfg_fail(
					p, v, kp, "duplicate route for %s/%u (also routes[%u])",
					addr_str(&r->prefix, b1, sizeof(b1)), r->prefix.plen, j);

		path_key(kp, ip, "via");
		rc = map_req(p, m, ip, "via", &v);
		if (!rc)
			rc = parse_host(p, v, kp, r->prefix.family == 4 ? FAM4 : FAM6, &r->via);
		if (rc)
			return rc;
		port = port_with_addr(cfg, cfg->n_ports, &r->via, NULL);
		if (port >= 0)
			return cfg_fail(p, v, kp, "%s is this node's own address (port \"%s\")",
					addr_str(&r->via, b1, sizeof(b1)), cfg->ports[port].name);
		if (!addr_on_link(cfg, &r->via))
			return cfg_fail(p, v, kp,
					"route %s/%u: next hop %s is not inside any port's "
					"connected subnet",
					addr_str(&r->prefix, b2, sizeof(b2)), r->prefix.plen,
					addr_str(&r->via, b1, sizeof(b1)));
		cfg->n_routes++;
	}
	return 0;
}

static int parse_neighbors(struct cfg_parser *p, yaml_node_t *n)
{
	static const char *const keys[] = {"address", "mac", NULL};
	struct config *cfg = p->cfg;
	char ip[CFG_PATH_MAX], kp[CFG_PATH_MAX], buf[INET6_ADDRSTRLEN];
	size_t i;
	int rc = expect_seq(p, n, "neighbors");

	if (rc)
		return rc;
	if (!seq_len(n))
		return 0;
	cfg->neighbors = calloc(seq_len(n), sizeof(*cfg->neighbors));
	if (!cfg->neighbors)
		return -ENOMEM;
	for (i = 0; i < seq_len(n); i++) {
		struct cfg_neighbor *nb = &cfg->neighbors[i];
		yaml_node_t *m = seq_item(p, n, i), *v;
		unsigned int j;

		path_idx(ip, "neighbors", i);
		rc = map_check(p, m, ip, keys);
		if (rc)
			return rc;
		path_key(kp, ip, "address");
		rc = map_req(p, m, ip, "address", &v);
		if (!rc)
			rc = parse_host(p, v, kp, FAM_ANY, &nb->address);
		if (rc)
			return rc;
		addr_str(&nb->address, buf, sizeof(buf));
		if (port_with_addr(cfg, cfg->n_ports, &nb->address, NULL) >= 0)
			return cfg_fail(p, v, kp, "%s is this node's own address", buf);
		if (!addr_on_link(cfg, &nb->address))
			return cfg_fail(p, v, kp, "%s is not inside any port's connected subnet",
					buf);
		for (j = 0; j < i; j++)
			if (addr_eq(&cfg->neighbors[j].address, &nb->address))
				return cfg_fail(p, v, kp,
						"duplicate neighbor %s (also neighbors[%u])", buf,
						j);
		path_key(kp, ip, "mac");
		rc = map_req(p, m, ip, "mac", &v);
		if (!rc)
			rc = parse_mac(p, v, kp, nb->mac);
		if (rc)
			return rc;
		cfg->n_neighbors++;
	}
	return 0;
}

/* ---- target groups ---- */

static int parse_matcher(struct cfg_parser *p, const yaml_node_t *n, const char *path,
			 struct cfg_health_check *hc)
{
	const char *s, *c;
	unsigned int v[2] = {0, 0}, k = 0, digits = 0;
	int rc = get_scalar(p, n, path, &s);

	if (rc)
		return rc;
	for (c = s; *c; c++) {
		if (*c >= '0' && *c <= '9' && digits < 3) {
			v[k] = v[k] * 10 + (unsigned int)(*c - '0');
			digits++;
		} else if (*c == '-' && k == 0 && digits) {
			k = 1;
			digits = 0;
		} else {
			goto bad;
		}
	}
	if (!digits)
		goto bad;
	if (k == 0)
		v[1] = v[0];
	if (v[0] < CFG_HC_MATCHER_MIN || v[1] > CFG_HC_MATCHER_MAX || v[0] > v[1])
		goto bad;
	hc->matcher_lo = (uint16_t)v[0];
	hc->matcher_hi = (uint16_t)v[1];
	return 0;
bad:
	return cfg_fail(p, n, path,
			"bad HTTP status matcher \"%s\" (expected CODE or LOW-HIGH within %d-%d)",
			s, CFG_HC_MATCHER_MIN, CFG_HC_MATCHER_MAX);
}

static int parse_health_check(struct cfg_parser *p, yaml_node_t *m, const char *path,
			      struct cfg_group *g)
{
	static const char *const keys[] = {"protocol",
					   "port",
					   "path",
					   "interval",
					   "timeout",
					   "healthy_threshold",
					   "unhealthy_threshold",
					   "matcher",
					   "passive_min_packets",
					   "passive_window",
					   NULL};
	static const char *const passive_keys[] = {"passive_min_packets", "passive_window"};
	struct cfg_health_check *hc = &g->hc;
	int geneve = g->protocol == CFG_PROTO_GENEVE, rc, e = 0;
	char kp[CFG_PATH_MAX];
	yaml_node_t *v, *tv;
	uint64_t u;

	hc->protocol = CFG_HC_TCP;
	hc->port = geneve ? CFG_HC_GENEVE_PORT : 0;
	snprintf(hc->path, sizeof(hc->path), "/");
	hc->matcher_lo = 200;
	hc->matcher_hi = 399;
	hc->healthy_threshold = 5;
	hc->unhealthy_threshold = 2;
	hc->interval = geneve ? 10 : 30;
	hc->timeout = geneve ? 5 : 10;
	hc->passive_min_packets = 0;
	hc->passive_window = CFG_HC_PASSIVE_WINDOW_DEF;
	if (!m)
		return 0;

	rc = map_check(p, m, path, keys);
	if (!rc)
		rc = opt_enum(p, m, path, "protocol", hc_names, CFG_HC_TCP, &e);
	if (rc)
		return rc;
	hc->protocol = (enum cfg_hc_proto)e;
	if (!geneve && hc->protocol != CFG_HC_TCP)
		hc->timeout = 6;

	v = map_get(p, m, "port");
	if (v) {
		path_key(kp, path, "port");
		rc = parse_uint(p, v, kp, 0, 65535, &u);
		if (rc)
			return rc;
		if (geneve && u == 0)
			return cfg_fail(p, v, kp,
					"0 (the traffic port) is not possible in a geneve group: "
					"give a port");
		hc->port = (uint16_t)u;
	}

	v = map_get(p, m, "path");
	if (v) {
		const char *s, *c;

		path_key(kp, path, "path");
		if (hc->protocol == CFG_HC_TCP)
			return cfg_fail(p, v, kp, "only for http and https health checks");
		rc = get_scalar(p, v, kp, &s);
		if (rc)
			return rc;
		if (s[0] != '/')
			return cfg_fail(p, v, kp, "must start with \"/\"");
		if (strlen(s) >= sizeof(hc->path))
			return cfg_fail(p, v, kp, "too long (at most %zu characters)",
					sizeof(hc->path) - 1);
		for (c = s; *c; c++)
			if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
				return cfg_fail(p, v, kp,
						"spaces and non-ASCII characters are not allowed "
						"(percent-encode them)");
		snprintf(hc->path, sizeof(hc->path), "%s", s);
	}

	v = map_get(p, m, "matcher");
	if (v) {
		path_key(kp, path, "matcher");
		if (hc->protocol == CFG_HC_TCP)
			return cfg_fail(p, v, kp, "only for http and https health checks");
		rc = parse_matcher(p, v, kp, hc);
		if (rc)
			return rc;
	}

	rc = opt_uint(p, m, path, "interval", CFG_HC_INTERVAL_MIN, CFG_HC_INTERVAL_MAX,
		      hc->interval, &u);
	if (rc)
		return rc;
	hc->interval = (uint32_t)u;
	rc = opt_uint(p, m, path, "timeout", CFG_HC_TIMEOUT_MIN, CFG_HC_TIMEOUT_MAX, hc->timeout,
		      &u);
	if (rc)
		return rc;
	hc->timeout = (uint32_t)u;
	if (hc->timeout >= hc->interval) {
		tv = map_get(p, m, "timeout");
		if (tv) {
			path_key(kp, path, "timeout");
			return cfg_fail(p, tv, kp, "%u must be less than the interval (%u)",
					hc->timeout, hc->interval);
		}
		path_key(kp, path, "interval");
		return cfg_fail(p, map_get(p, m, "interval"), kp,
				"%u must be greater than the timeout (%u by default; set timeout)",
				hc->interval, hc->timeout);
	}
	rc = opt_uint(p, m, path, "healthy_threshold", CFG_HC_THRESHOLD_MIN, CFG_HC_THRESHOLD_MAX,
		      hc->healthy_threshold, &u);
	if (rc)
		return rc;
	hc->healthy_threshold = (uint32_t)u;
	rc = opt_uint(p, m, path, "unhealthy_threshold", CFG_HC_THRESHOLD_MIN, CFG_HC_THRESHOLD_MAX,
		      hc->unhealthy_threshold, &u);
	if (rc)
		return rc;
	hc->unhealthy_threshold = (uint32_t)u;

	/* Only GENEVE appliances return what they are sent; NLB targets answer clients. */
	for (e = 0; e < 2; e++) {
		v = map_get(p, m, passive_keys[e]);
		if (v && !geneve) {
			path_key(kp, path, passive_keys[e]);
			return cfg_fail(p, v, kp,
					"only for geneve groups (the passive check counts GENEVE "
					"returns from appliances)");
		}
	}
	rc = opt_uint(p, m, path, "passive_min_packets", 0, CFG_HC_PASSIVE_PACKETS_MAX, 0, &u);
	if (rc)
		return rc;
	hc->passive_min_packets = (uint32_t)u;
	rc = opt_uint(p, m, path, "passive_window", CFG_HC_PASSIVE_WINDOW_MIN,
		      CFG_HC_PASSIVE_WINDOW_MAX, CFG_HC_PASSIVE_WINDOW_DEF, &u);
	if (rc)
		return rc;
	hc->passive_window = (uint32_t)u;
	return 0;
}

static int parse_target(struct cfg_parser *p, yaml_node_t *m, const char *path, struct cfg_group *g,
			unsigned int idx)
{
	static const char *const keys[] = {"id",     "address", "port", "zone",
					   "weight", "state",	NULL};
	struct cfg_target *t = &g->targets[idx];
	int geneve = g->protocol == CFG_PROTO_GENEVE, rc, e;
	char kp[CFG_PATH_MAX], buf[INET6_ADDRSTRLEN];
	yaml_node_t *v, *addr_node;
	unsigned int j;
	uint64_t u;

	rc = map_check(p, m, path, keys);
	if (rc)
		return rc;

	path_key(kp, path, "id");
	rc = map_req(p, m, path, "id", &v);
	if (!rc)
		rc = parse_name(p, v, kp, t->id);
	if (rc)
		return rc;
	for (j = 0; j < idx; j++)
		if (!strcmp(g->targets[j].id, t->id))
			return cfg_fail(p, v, kp, "duplicate target id \"%s\" (also targets[%u])",
					t->id, j);

	path_key(kp, path, "address");
	rc = map_req(p, m, path, "address", &addr_node);
	if (!rc)
		rc = parse_host(p, addr_node, kp, geneve ? FAM4 : FAM_ANY, &t->address);
	if (rc)
		return rc;

	path_key(kp, path, "port");
	v = map_get(p, m, "port");
	if (geneve && v)
		return cfg_fail(p, v, kp,
				"geneve targets have no port (GENEVE goes to UDP 6081); remove it");
	if (!geneve && v) { /* absent or 0: the packet's destination port */
		rc = parse_uint(p, v, kp, 0, 65535, &u);
		if (rc)
			return rc;
		t->port = (uint16_t)u;
	}
	for (j = 0; j < idx; j++) {
		if (!addr_eq(&g->targets[j].address, &t->address) || g->targets[j].port != t->port)
			continue;
		addr_str(&t->address, buf, sizeof(buf));
		if (geneve)
			return cfg_fail(p, addr_node, path_key(kp, path, "address"),
					"%s is already target \"%s\"", buf, g->targets[j].id);
		if (!t->port)
			return cfg_fail(p, v ? v : addr_node,
					path_key(kp, path, v ? "port" : "address"),
					"%s without a port (0) is already target \"%s\"", buf,
					g->targets[j].id);
		return cfg_fail(p, v, path_key(kp, path, "port"),
				"%s port %u is already target \"%s\"", buf, t->port,
				g->targets[j].id);
	}

	path_key(kp, path, "zone");
	rc = map_req(p, m, path, "zone", &v);
	if (!rc)
		rc = parse_name(p, v, kp, t->zone);
	if (!rc)
		rc = check_zone(p, v, kp, t->zone);
	if (rc)
		return rc;

	rc = opt_uint(p, m, path, "weight", 0, CFG_WEIGHT_MAX, 1, &u);
	if (rc)
		return rc;
	t->weight = (uint32_t)u;
	rc = opt_enum(p, m, path, "state", state_names, CFG_TS_HEALTHY, &e);
	if (rc)
		return rc;
	t->state = (enum cfg_target_state)e;
	return 0;
}

static int parse_group(struct cfg_parser *p, yaml_node_t *m, const char *path, unsigned int idx)
{
	static const char *const keys[] = {"name",
					   "protocol",
					   "stickiness",
					   "cross_zone",
					   "target_failover",
					   "deregistration_delay",
					   "connection_termination",
					   "all_unhealthy",
					   "tcp_idle_timeout",
					   "other_idle_timeout",
					   "health_check",
					   "targets",
					   "preserve_client_ip",
					   "tcp_unknown_flow",
					   "geneve_udp_checksum",
					   NULL};
	static const char *const nlb_keys[] = {"preserve_client_ip", "tcp_unknown_flow", NULL};
	struct config *cfg = p->cfg;
	struct cfg_group *g = &cfg->groups[idx];
	char kp[CFG_PATH_MAX], ip[CFG_PATH_MAX];
	yaml_node_t *v;
	unsigned int j;
	uint64_t u;
	int rc, e;

	rc = map_check(p, m, path, keys);
	if (rc)
		return rc;

	path_key(kp, path, "name");
	rc = map_req(p, m, path, "name", &v);
	if (!rc)
		rc = parse_name(p, v, kp, g->name);
	if (rc)
		return rc;
	for (j = 0; j < idx; j++)
		if (!strcmp(cfg->groups[j].name, g->name))
			return cfg_fail(
				p, v, kp,
				"duplicate target group name \"%s\" (also target_groups[%u])",
				g->name, j);

	path_key(kp, path, "protocol");
	rc = map_req(p, m, path, "protocol", &v);
	if (!rc)
		rc = parse_enum(p, v, kp, proto_names, &e);
	if (rc)
		return rc;
	g->protocol = (enum cfg_proto)e;

	rc = opt_enum(p, m, path, "stickiness", stick_names, FLOW_STICK_5TUPLE, &e);
	if (rc)
		return rc;
	g->stickiness = e == STICK_SOURCE_IP ? FLOW_STICK_2TUPLE : (enum flow_stick)e;
	rc = opt_bool(p, m, path, "cross_zone", 0, &g->cross_zone);
	if (rc)
		return rc;
	rc = opt_enum(p, m, path, "target_failover", failover_names, CFG_FAILOVER_NO_REBALANCE, &e);
	if (rc)
		return rc;
	g->failover = (enum cfg_failover)e;
	rc = opt_uint(p, m, path, "deregistration_delay", 0, CFG_DEREG_MAX, CFG_DEREG_DEFAULT, &u);
	if (rc)
		return rc;
	g->deregistration_delay = (uint32_t)u;
	rc = opt_bool(p, m, path, "connection_termination", 0, &g->terminate_on_deregistration);
	if (rc)
		return rc;
	rc = opt_enum(p, m, path, "all_unhealthy", unhealthy_names, CFG_ALL_UNHEALTHY_ALL_TARGETS,
		      &e);
	if (rc)
		return rc;
	g->all_unhealthy = (enum cfg_unhealthy_policy)e;
	if (g->all_unhealthy == CFG_ALL_UNHEALTHY_BYPASS && g->protocol != CFG_PROTO_GENEVE) {
		path_key(kp, path, "all_unhealthy");
		return cfg_fail(p, map_get(p, m, "all_unhealthy"), kp,
				"bypass is only possible for geneve groups");
	}
	rc = opt_uint(p, m, path, "tcp_idle_timeout", CFG_IDLE_MIN, CFG_IDLE_MAX,
		      CFG_TCP_IDLE_DEFAULT, &u);
	if (rc)
		return rc;
	g->tcp_idle_timeout = (uint32_t)u;
	rc = opt_uint(p, m, path, "other_idle_timeout", CFG_IDLE_MIN, CFG_IDLE_MAX,
		      CFG_OTHER_IDLE_DEFAULT, &u);
	if (rc)
		return rc;
	g->other_idle_timeout = (uint32_t)u;

	/* Listener (NAT) behaviour: meaningless for appliances, which see packets unchanged. */
	for (j = 0; g->protocol == CFG_PROTO_GENEVE && nlb_keys[j]; j++) {
		v = map_get(p, m, nlb_keys[j]);
		if (v)
			return cfg_fail(p, v, path_key(kp, path, nlb_keys[j]),
					"only for tcp, udp and tcp_udp groups (listener targets); "
					"a geneve group's appliances get packets unchanged");
	}
	/* Appliances send GENEVE returns; listener targets never do. */
	v = map_get(p, m, "geneve_udp_checksum");
	if (v && g->protocol != CFG_PROTO_GENEVE)
		return cfg_fail(p, v, path_key(kp, path, "geneve_udp_checksum"),
				"only for geneve groups (whose appliances send GENEVE returns)");
	rc = opt_enum(p, m, path, "geneve_udp_checksum", udp_csum_names, GWLB_UDP_CSUM_VERIFY, &e);
	if (rc)
		return rc;
	g->geneve_udp_checksum = (uint8_t)e;
	rc = opt_bool(p, m, path, "preserve_client_ip", 1, &g->preserve_client_ip);
	if (rc)
		return rc;
	/*
	 * Default: adopt for destination NAT (any node can carry a flow); reset for source NAT,
	 * whose adopted flow would reach the target from a new source port (docs/nlb.md).
	 */
	rc = opt_enum(p, m, path, "tcp_unknown_flow", unknown_flow_names, !g->preserve_client_ip,
		      &g->tcp_unknown_reset);
	if (rc)
		return rc;
	g->tcp_unknown_reset = g->tcp_unknown_reset == 1;

	path_key(kp, path, "health_check");
	rc = parse_health_check(p, map_get(p, m, "health_check"), kp, g);
	if (rc)
		return rc;

	v = map_get(p, m, "targets");
	if (!v)
		return 0;
	path_key(kp, path, "targets");
	rc = expect_seq(p, v, kp);
	if (rc)
		return rc;
	if (!seq_len(v))
		return 0;
	if (seq_len(v) > CFG_GROUP_TARGETS_MAX)
		return cfg_fail(p, v, kp, "too many targets (%zu, at most %d per group)",
				seq_len(v), CFG_GROUP_TARGETS_MAX);
	g->targets = calloc(seq_len(v), sizeof(*g->targets));
	if (!g->targets)
		return -ENOMEM;
	for (j = 0; j < seq_len(v); j++) {
		path_idx(ip, kp, j);
		rc = parse_target(p, seq_item(p, v, j), ip, g, j);
		if (rc)
			return rc;
		g->n_targets++;
	}
	return 0;
}

static int parse_groups(struct cfg_parser *p, yaml_node_t *n)
{
	struct config *cfg = p->cfg;
	char ip[CFG_PATH_MAX];
	size_t i;
	int rc = expect_seq(p, n, "target_groups");

	if (rc)
		return rc;
	if (!seq_len(n))
		return 0;
	cfg->groups = calloc(seq_len(n), sizeof(*cfg->groups));
	if (!cfg->groups)
		return -ENOMEM;
	for (i = 0; i < seq_len(n); i++) {
		path_idx(ip, "target_groups", i);
		/* counted first: config_free() frees the targets of a half-built group */
		cfg->n_groups++;
		rc = parse_group(p, seq_item(p, n, i), ip, (unsigned int)i);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- inspection attachments ---- */

static int parse_from(struct cfg_parser *p, yaml_node_t *n, const char *path, unsigned int idx)
{
	struct config *cfg = p->cfg;
	struct cfg_inspection *ins = &cfg->inspections[idx];
	size_t count = n->type == YAML_SEQUENCE_NODE ? seq_len(n) : 1, i;
	char ip[CFG_PATH_MAX];

	if (n->type == YAML_MAPPING_NODE)
		return cfg_fail(p, n, path,
				"expected a port name or a list of them, got a mapping");
	if (!count)
		return cfg_fail(p, n, path, "at least one port is required");
	if (count > CFG_FROM_MAX)
		return cfg_fail(p, n, path, "too many ports (%zu, at most %d)", count,
				CFG_FROM_MAX);
	for (i = 0; i < count; i++) {
		yaml_node_t *v = n->type == YAML_SEQUENCE_NODE ? seq_item(p, n, i) : n;
		const char *s;
		unsigned int j, k;
		int port, rc;

		if (n->type == YAML_SEQUENCE_NODE)
			path_idx(ip, path, i);
		else
			snprintf(ip, sizeof(ip), "%s", path);
		rc = get_scalar(p, v, ip, &s);
		if (rc)
			return rc;
		port = config_port_index(cfg, s);
		if (port < 0)
			return cfg_fail(p, v, ip, "no port named \"%s\"", s);
		for (j = 0; j < ins->n_from; j++)
			if (ins->from[j] == (unsigned int)port)
				return cfg_fail(p, v, ip, "port \"%s\" is listed twice", s);
		for (k = 0; k < idx; k++)
			for (j = 0; j < cfg->inspections[k].n_from; j++)
				if (cfg->inspections[k].from[j] == (unsigned int)port)
					return cfg_fail(p, v, ip,
							"port \"%s\" is already in inspection "
							"\"%s\"",
							s, cfg->inspections[k].name);
		ins->from[ins->n_from++] = (unsigned int)port;
	}
	return 0;
}

/*
 * A GENEVE return is matched to its group by the appliance's address, so no address may be a
 * target of two groups of one chain.
 */
static int check_chain_targets(struct cfg_parser *p, const yaml_node_t *n, const char *path,
			       const struct cfg_inspection *ins)
{
	const struct config *cfg = p->cfg;
	char buf[INET6_ADDRSTRLEN];
	unsigned int a, b, i, j;

	for (a = 0; a < ins->n_chain; a++)
		for (b = a + 1; b < ins->n_chain; b++) {
			const struct cfg_group *ga = &cfg->groups[ins->chain[a]];
			const struct cfg_group *gb = &cfg->groups[ins->chain[b]];

			for (i = 0; i < ga->n_targets; i++)
				for (j = 0; j < gb->n_targets; j++)
					if (addr_eq(&ga->targets[i].address,
						    &gb->targets[j].address))
						return cfg_fail(
							p, n, path,
							"%s is a target of both \"%s\" and \"%s\" "
							"(returns could not be told apart)",
							addr_str(&ga->targets[i].address, buf,
								 sizeof(buf)),
							ga->name, gb->name);
		}
	return 0;
}

static int parse_chain(struct cfg_parser *p, yaml_node_t *n, const char *path, unsigned int idx)
{
	struct config *cfg = p->cfg;
	struct cfg_inspection *ins = &cfg->inspections[idx];
	char ip[CFG_PATH_MAX];
	size_t i;
	int rc = expect_seq(p, n, path);

	if (rc)
		return rc;
	if (!seq_len(n))
		return cfg_fail(p, n, path, "at least one target group is required");
	if (seq_len(n) > CFG_CHAIN_MAX)
		return cfg_fail(p, n, path, "too many groups (%zu, at most %d)", seq_len(n),
				CFG_CHAIN_MAX);
	for (i = 0; i < seq_len(n); i++) {
		yaml_node_t *v = seq_item(p, n, i);
		const char *s;
		unsigned int j;
		int g;

		path_idx(ip, path, i);
		rc = get_scalar(p, v, ip, &s);
		if (rc)
			return rc;
		g = config_group_index(cfg, s);
		if (g < 0)
			return cfg_fail(p, v, ip, "no target group named \"%s\"", s);
		if (cfg->groups[g].protocol != CFG_PROTO_GENEVE)
			return cfg_fail(p, v, ip,
					"target group \"%s\" is a %s group; a chain takes geneve "
					"groups",
					s, proto_names[cfg->groups[g].protocol]);
		for (j = 0; j < ins->n_chain; j++)
			if (ins->chain[j] == (unsigned int)g)
				return cfg_fail(p, v, ip, "target group \"%s\" is listed twice", s);
		ins->chain[ins->n_chain++] = (unsigned int)g;
	}
	return check_chain_targets(p, n, path, ins);
}

static int parse_inspections(struct cfg_parser *p, yaml_node_t *n)
{
	static const char *const keys[] = {"name", "endpoint_id", "attachment_id",
					   "from", "chain",	  NULL};
	struct config *cfg = p->cfg;
	char ip[CFG_PATH_MAX], kp[CFG_PATH_MAX];
	size_t i;
	int rc = expect_seq(p, n, "inspection");

	if (rc)
		return rc;
	if (!seq_len(n))
		return 0;
	cfg->inspections = calloc(seq_len(n), sizeof(*cfg->inspections));
	if (!cfg->inspections)
		return -ENOMEM;
	for (i = 0; i < seq_len(n); i++) {
		struct cfg_inspection *ins = &cfg->inspections[i];
		yaml_node_t *m = seq_item(p, n, i), *v;
		unsigned int j;

		path_idx(ip, "inspection", i);
		rc = map_check(p, m, ip, keys);
		if (rc)
			return rc;

		path_key(kp, ip, "name");
		rc = map_req(p, m, ip, "name", &v);
		if (!rc)
			rc = parse_name(p, v, kp, ins->name);
		if (rc)
			return rc;
		for (j = 0; j < i; j++)
			if (!strcmp(cfg->inspections[j].name, ins->name))
				return cfg_fail(p, v, kp,
						"duplicate inspection name \"%s\" (also "
						"inspection[%u])",
						ins->name, j);

		path_key(kp, ip, "endpoint_id");
		rc = map_req(p, m, ip, "endpoint_id", &v);
		if (!rc)
			rc = parse_u64(p, v, kp, &ins->endpoint_id);
		if (rc)
			return rc;
		for (j = 0; j < i; j++)
			if (cfg->inspections[j].endpoint_id == ins->endpoint_id)
				return cfg_fail(p, v, kp,
						"endpoint_id 0x%016" PRIx64
						" is already used by inspection \"%s\"",
						ins->endpoint_id, cfg->inspections[j].name);

		v = map_get(p, m, "attachment_id");
		if (v) {
			path_key(kp, ip, "attachment_id");
			rc = parse_u64(p, v, kp, &ins->attachment_id);
			if (rc)
				return rc;
		}

		path_key(kp, ip, "from");
		rc = map_req(p, m, ip, "from", &v);
		if (!rc)
			rc = parse_from(p, v, kp, (unsigned int)i);
		if (rc)
			return rc;

		path_key(kp, ip, "chain");
		rc = map_req(p, m, ip, "chain", &v);
		if (!rc)
			rc = parse_chain(p, v, kp, (unsigned int)i);
		if (rc)
			return rc;
		cfg->n_inspections++;
	}
	return 0;
}

/* ---- listeners ---- */

static int inspection_index(const struct config *cfg, const char *name)
{
	unsigned int i;

	for (i = 0; i < cfg->n_inspections; i++)
		if (!strcmp(cfg->inspections[i].name, name))
			return (int)i;
	return -1;
}

/* "tcp port 443", "udp (all ports)": one protocol of a claim, for messages. */
static const char *claim_str(unsigned int proto_bit, uint16_t port, char *buf, size_t len)
{
	const char *proto = proto_bit == CFG_LPROTO_TCP ? "tcp" : "udp";

	if (port)
		snprintf(buf, len, "%s port %u", proto, port);
	else
		snprintf(buf, len, "%s (all ports)", proto);
	return buf;
}

/* 1..65535, or "all" (every port) -> 0. */
static int parse_listener_port(struct cfg_parser *p, const yaml_node_t *n, const char *path,
			       uint16_t *out)
{
	const char *s;
	uint64_t u;
	int rc = get_scalar(p, n, path, &s);

	if (rc)
		return rc;
	if (!strcmp(s, "all")) {
		*out = 0;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return cfg_fail(p, n, path, "expected a port (1..65535) or all, got \"%s\"", s);
	rc = parse_u64(p, n, path, &u);
	if (rc)
		return rc;
	if (u < 1 || u > 65535)
		return cfg_fail(p, n, path,
				"%" PRIu64 " is out of range (1..65535; every port: all)", u);
	*out = (uint16_t)u;
	return 0;
}

/*
 * The listeners serve this node's zone IP: zones: must be given (node.zone is then one of its
 * keys), and the address must be a port's own or inside a port's connected subnet.
 */
static int check_listener_zone(struct cfg_parser *p, yaml_node_t *root, yaml_node_t *lkey)
{
	struct config *cfg = p->cfg;
	char kp[CFG_PATH_MAX], buf[INET6_ADDRSTRLEN];
	const struct cfg_zone *z;
	int zi;

	if (!cfg->n_zones)
		return cfg_fail(p, lkey, "listeners",
				"listeners need zones: (they serve this node's zone IP); give "
				"zones with the address of node.zone \"%s\"",
				cfg->node.zone);
	zi = zone_index(cfg, cfg->node.zone);
	if (zi < 0) /* check_zone refused it already */
		return cfg_fail(p, lkey, "listeners", "node.zone \"%s\" is not in zones",
				cfg->node.zone);
	z = &cfg->zones[zi];
	if (port_with_addr(cfg, cfg->n_ports, &z->address, NULL) >= 0 ||
	    addr_on_link(cfg, &z->address))
		return 0;
	path_key(kp, "zones", z->name);
	return cfg_fail(p, map_get(p, map_get(p, root, "zones"), z->name), kp,
			"%s is this node's zone IP, which the listeners serve: it must be an "
			"address of a port or inside a port's connected subnet",
			addr_str(&z->address, buf, sizeof(buf)));
}

/*
 * The listener's group: tcp, udp or tcp_udp, covering the listener's protocol, and (NAT does
 * not translate between IPv4 and IPv6) with targets of the zone IP's family only.
 */
static int check_listener_group(struct cfg_parser *p, const yaml_node_t *n, const char *path,
				const struct cfg_listener *l)
{
	const struct config *cfg = p->cfg;
	const struct cfg_group *g = &cfg->groups[l->group];
	const struct cfg_addr *zip = &cfg->zones[zone_index(cfg, cfg->node.zone)].address;
	char buf[INET6_ADDRSTRLEN], zbuf[INET6_ADDRSTRLEN];
	unsigned int i;

	if (g->protocol == CFG_PROTO_GENEVE)
		return cfg_fail(p, n, path,
				"target group \"%s\" is a geneve group (appliances, for "
				"inspection); a listener needs a tcp, udp or tcp_udp group",
				g->name);
	if (((unsigned int)g->protocol & l->protocol) != l->protocol)
		return cfg_fail(p, n, path, "a %s listener needs a %s group; \"%s\" is a %s group",
				lproto_names[l->protocol - 1],
				l->protocol == CFG_LPROTO_TCP	? "tcp or tcp_udp"
				: l->protocol == CFG_LPROTO_UDP ? "udp or tcp_udp"
								: "tcp_udp",
				g->name, proto_names[g->protocol]);
	for (i = 0; i < g->n_targets; i++)
		if (g->targets[i].address.family != zip->family)
			return cfg_fail(p, n, path,
					"target \"%s\" of group \"%s\" (%s) is not of the "
					"family of the zone IP %s (no translation between IPv4 "
					"and IPv6)",
					g->targets[i].id, g->name,
					addr_str(&g->targets[i].address, buf, sizeof(buf)),
					addr_str(zip, zbuf, sizeof(zbuf)));
	return 0;
}

static int parse_listener(struct cfg_parser *p, yaml_node_t *m, const char *path, unsigned int idx)
{
	static const char *const keys[] = {"name",	   "protocol", "port",
					   "target_group", "inspect",  NULL};
	struct config *cfg = p->cfg;
	struct cfg_listener *l = &cfg->listeners[idx];
	char kp[CFG_PATH_MAX], b1[64];
	yaml_node_t *v;
	const char *s;
	unsigned int j, bit;
	int rc, e, i;

	l->inspect = -1;
	rc = map_check(p, m, path, keys);
	if (rc)
		return rc;

	path_key(kp, path, "name");
	rc = map_req(p, m, path, "name", &v);
	if (!rc)
		rc = parse_name(p, v, kp, l->name);
	if (rc)
		return rc;
	for (j = 0; j < idx; j++)
		if (!strcmp(cfg->listeners[j].name, l->name))
			return cfg_fail(p, v, kp,
					"duplicate listener name \"%s\" (also listeners[%u])",
					l->name, j);

	path_key(kp, path, "protocol");
	rc = map_req(p, m, path, "protocol", &v);
	if (!rc)
		rc = parse_enum(p, v, kp, lproto_names, &e);
	if (rc)
		return rc;
	l->protocol = (enum cfg_listener_proto)(e + 1);

	path_key(kp, path, "port");
	rc = map_req(p, m, path, "port", &v);
	if (!rc)
		rc = parse_listener_port(p, v, kp, &l->port);
	if (rc)
		return rc;
	for (j = 0; j < idx; j++) {
		const struct cfg_listener *o = &cfg->listeners[j];

		bit = (unsigned int)(o->protocol & l->protocol);
		if (!bit || o->port != l->port)
			continue;
		bit = bit & CFG_LPROTO_TCP ? CFG_LPROTO_TCP : CFG_LPROTO_UDP;
		return cfg_fail(p, v, kp, "%s is already taken by listener \"%s\" (%s)",
				claim_str(bit, l->port, b1, sizeof(b1)), o->name,
				lproto_names[o->protocol - 1]);
	}

	path_key(kp, path, "target_group");
	rc = map_req(p, m, path, "target_group", &v);
	if (!rc)
		rc = get_scalar(p, v, kp, &s);
	if (rc)
		return rc;
	i = config_group_index(cfg, s);
	if (i < 0)
		return cfg_fail(p, v, kp, "no target group named \"%s\"", s);
	l->group = (unsigned int)i;
	rc = check_listener_group(p, v, kp, l);
	if (rc)
		return rc;

	v = map_get(p, m, "inspect");
	if (v) {
		path_key(kp, path, "inspect");
		rc = get_scalar(p, v, kp, &s);
		if (rc)
			return rc;
		l->inspect = inspection_index(cfg, s);
		if (l->inspect < 0)
			return cfg_fail(p, v, kp, "no inspection attachment named \"%s\"", s);
	}
	return 0;
}

static int parse_listeners(struct cfg_parser *p, yaml_node_t *root)
{
	struct config *cfg = p->cfg;
	yaml_node_t *n = map_get(p, root, "listeners"), *lkey = NULL;
	yaml_node_pair_t *pair;
	char ip[CFG_PATH_MAX];
	size_t i;
	int rc;

	if (!n)
		return 0;
	rc = expect_seq(p, n, "listeners");
	if (rc || !seq_len(n))
		return rc;
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++)
		if (!strcmp(pair_key(p, pair), "listeners"))
			lkey = node_get(p, pair->key);
	rc = check_listener_zone(p, root, lkey);
	if (rc)
		return rc;
	cfg->listeners = calloc(seq_len(n), sizeof(*cfg->listeners));
	if (!cfg->listeners)
		return -ENOMEM;
	for (i = 0; i < seq_len(n); i++) {
		path_idx(ip, "listeners", i);
		rc = parse_listener(p, seq_item(p, n, i), ip, (unsigned int)i);
		if (rc)
			return rc;
		cfg->n_listeners++;
	}
	return 0;
}

/* ---- the daemon section ---- */

/*
 * A Unix socket path: absolute once @DIR@ is replaced, shorter than sun_path. dst holds
 * CFG_SOCKPATH_MAX bytes.
 */
static int parse_sockpath(struct cfg_parser *p, const yaml_node_t *n, const char *path, char *dst)
{
	char full[CFG_DEVICE_MAX];
	const char *s;
	int rc = get_scalar(p, n, path, &s);

	if (rc)
		return rc;
	if (subst_dir(s, p->dir, full) || strlen(full) >= CFG_SOCKPATH_MAX)
		return cfg_fail(p, n, path,
				"socket path too long (at most %d characters, after @DIR@ is "
				"replaced)",
				CFG_SOCKPATH_MAX - 1);
	if (full[0] != '/')
		return cfg_fail(p, n, path, "must be an absolute path, got \"%s\"", s);
	memcpy(dst, full, strlen(full) + 1);
	return 0;
}

/* "0NNN": an octal file mode for the API socket, "0000".."0777". */
static int parse_mode(struct cfg_parser *p, const yaml_node_t *n, const char *path, uint32_t *out)
{
	const char *s;
	uint32_t mode = 0;
	int rc = get_scalar(p, n, path, &s), i;

	if (rc)
		return rc;
	if (strlen(s) != 4 || s[0] != '0')
		goto bad;
	for (i = 1; i < 4; i++) {
		if (s[i] < '0' || s[i] > '7')
			goto bad;
		mode = mode * 8 + (uint32_t)(s[i] - '0');
	}
	*out = mode;
	return 0;
bad:
	return cfg_fail(
		p, n, path,
		"expected an octal mode \"0000\"..\"0777\" (quoted, e.g. \"0600\"), got \"%s\"", s);
}

/* "A.B.C.D:PORT" in 127.0.0.0/8 or "[::1]:PORT", PORT 1..65535; stored in canonical form. */
static int parse_metrics_address(struct cfg_parser *p, const yaml_node_t *n, const char *path,
				 char *dst, size_t dlen)
{
	char host[INET6_ADDRSTRLEN + 2], canon[INET6_ADDRSTRLEN];
	const char *s, *colon, *c;
	uint8_t a[16];
	unsigned long port = 0;
	size_t hlen;
	int rc, v6;

	if (n->type == YAML_SEQUENCE_NODE)
		return cfg_fail(p, n, path,
				"expected a single value, got a list (quote it: \"[::1]:9469\")");
	rc = get_scalar(p, n, path, &s);
	if (rc)
		return rc;
	if (!strcmp(s, "off")) {
		dst[0] = '\0';
		return 0;
	}
	colon = strrchr(s, ':');
	if (!colon || !colon[1] || strlen(colon + 1) > 5)
		goto bad;
	for (c = colon + 1; *c; c++) {
		if (*c < '0' || *c > '9')
			goto bad;
		port = port * 10 + (unsigned long)(*c - '0');
	}
	hlen = (size_t)(colon - s);
	if (hlen >= sizeof(host))
		goto bad;
	v6 = s[0] == '[';
	if (v6) {
		if (hlen < 2 || s[hlen - 1] != ']')
			goto bad;
		memcpy(host, s + 1, hlen - 2);
		host[hlen - 2] = '\0';
		if (inet_pton(AF_INET6, host, a) != 1)
			goto bad;
		if (memcmp(a, &in6addr_loopback, 16))
			goto not_loopback;
	} else {
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET, host, a) != 1)
			goto bad;
		if (a[0] != 127)
			goto not_loopback;
	}
	if (port < 1 || port > 65535)
		return cfg_fail(p, n, path, "port %lu is out of range (1..65535)", port);
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, a, canon, sizeof(canon)))
		goto bad;
	snprintf(dst, dlen, v6 ? "[%s]:%lu" : "%s:%lu", canon, port);
	return 0;
not_loopback:
	return cfg_fail(p, n, path,
			"%s is not a loopback address (127.0.0.0/8 or [::1]): the metrics are "
			"served to this host only",
			host);
bad:
	return cfg_fail(
		p, n, path,
		"expected \"off\", ADDRESS:PORT (127.0.0.0/8) or \"[::1]:PORT\", got \"%s\"", s);
}

static int parse_dataplanes(struct cfg_parser *p, const yaml_node_t *n, struct cfg_daemon *d)
{
	char ip[CFG_PATH_MAX];
	unsigned int i, j;
	size_t len;
	int rc;

	if (n->type == YAML_SCALAR_NODE) /* a single socket */
		return parse_sockpath(p, n, "daemon.dataplanes", d->dataplanes[d->n_dataplanes++]);
	rc = expect_seq(p, n, "daemon.dataplanes");
	if (rc)
		return rc;
	len = seq_len(n);
	if (len < 1 || len > CFG_DATAPLANES_MAX)
		return cfg_fail(p, n, "daemon.dataplanes", "%zu sockets (expected 1..%d)", len,
				CFG_DATAPLANES_MAX);
	for (i = 0; i < len; i++) {
		yaml_node_t *v = seq_item(p, n, i);

		path_idx(ip, "daemon.dataplanes", i);
		rc = parse_sockpath(p, v, ip, d->dataplanes[i]);
		if (rc)
			return rc;
		for (j = 0; j < i; j++)
			if (!strcmp(d->dataplanes[j], d->dataplanes[i]))
				return cfg_fail(p, v, ip,
						"duplicate socket %s (also dataplanes[%u])",
						d->dataplanes[i], j);
		d->n_dataplanes++;
	}
	return 0;
}

/*
 * daemon.announce: what sluiced announces and when (docs/scale-out.md). Needs node.zone in
 * zones: for zone_ip, node.geneve_address for geneve_address, and something to announce.
 */
static int parse_announce(struct cfg_parser *p, yaml_node_t *m, struct cfg_announce *a)
{
	static const char *const keys[] = {"table",
					   "zone_ip",
					   "geneve_address",
					   "prefixes",
					   "min_healthy_targets",
					   "liveness_timeout_ms",
					   "drain_time",
					   NULL};
	const char *path = "daemon.announce";
	char ip[CFG_PATH_MAX], b[INET6_ADDRSTRLEN];
	yaml_node_t *v;
	unsigned int i, j;
	uint64_t u;
	int rc, z;

	rc = map_check(p, m, path, keys);
	if (rc)
		return rc;
	a->enabled = 1;
	rc = map_req(p, m, path, "table", &v);
	if (!rc)
		rc = parse_uint(p, v, "daemon.announce.table", 1, 1ull << 31, &u);
	if (rc)
		return rc;
	if (u >= 253 && u <= 255)
		return cfg_fail(p, v, "daemon.announce.table",
				"%" PRIu64
				" is a table of the kernel's own (253 default, 254 main, "
				"255 local): use a table of sluice's own",
				u);
	a->table = (uint32_t)u;
	rc = opt_bool(p, m, path, "zone_ip", 1, &a->zone_ip);
	if (!rc)
		rc = opt_bool(p, m, path, "geneve_address", 0, &a->geneve_address);
	if (rc)
		return rc;
	z = zone_index(p->cfg, p->cfg->node.zone);
	if (a->zone_ip && z < 0)
		return cfg_fail(p, map_get(p, m, "zone_ip") ? map_get(p, m, "zone_ip") : m,
				"daemon.announce.zone_ip",
				"node.zone %s has no address in zones: (set zone_ip: false)",
				p->cfg->node.zone);
	if (a->geneve_address && !p->cfg->node.has_geneve_address)
		return cfg_fail(p, map_get(p, m, "geneve_address"),
				"daemon.announce.geneve_address", "node.geneve_address is not set");
	v = map_get(p, m, "prefixes");
	if (v) {
		rc = expect_seq(p, v, "daemon.announce.prefixes");
		if (rc)
			return rc;
		if (seq_len(v) > CFG_ANNOUNCE_PREFIXES_MAX)
			return cfg_fail(p, v, "daemon.announce.prefixes",
					"%zu prefixes (at most %d)", seq_len(v),
					CFG_ANNOUNCE_PREFIXES_MAX);
		for (i = 0; i < seq_len(v); i++) {
			yaml_node_t *e = seq_item(p, v, i);
			struct cfg_addr *pf = &a->prefixes[i];

			path_idx(ip, "daemon.announce.prefixes", i);
			rc = parse_addr(p, e, ip, FAM_ANY, 1, pf);
			if (rc)
				return rc;
			if (!addr_is_network(pf))
				return cfg_fail(p, e, ip,
						"%s/%u has host bits set (the prefix must be a "
						"network address)",
						addr_str(pf, b, sizeof(b)), pf->plen);
			if (!pf->plen || !config_addr_is_unicast(pf))
				return cfg_fail(p, e, ip, "%s/%u is not a unicast prefix",
						addr_str(pf, b, sizeof(b)), pf->plen);
			for (j = 0; j < i; j++)
				if (addr_eq(&a->prefixes[j], pf) && a->prefixes[j].plen == pf->plen)
					return cfg_fail(p, e, ip,
							"duplicate prefix %s/%u (also "
							"prefixes[%u])",
							addr_str(pf, b, sizeof(b)), pf->plen, j);
			a->n_prefixes++;
		}
	}
	if (!a->zone_ip && !a->geneve_address && !a->n_prefixes)
		return cfg_fail(p, m, path,
				"nothing to announce (zone_ip and geneve_address false, no "
				"prefixes)");
	rc = opt_uint(p, m, path, "min_healthy_targets", 0, CFG_GROUP_TARGETS_MAX, 1, &u);
	if (rc)
		return rc;
	a->min_healthy_targets = (uint32_t)u;
	rc = opt_uint(p, m, path, "liveness_timeout_ms", 200, 60000, 1000, &u);
	if (rc)
		return rc;
	a->liveness_timeout_ms = (uint32_t)u;
	rc = opt_uint(p, m, path, "drain_time", 0, CFG_DRAIN_TIME_MAX, 5, &u);
	if (rc)
		return rc;
	a->drain_time = (uint32_t)u;
	return 0;
}

/* The daemon's own section: sluice-dp checks it too (one file, validated as a whole). */
static int parse_daemon(struct cfg_parser *p, yaml_node_t *root)
{
	static const char *const keys[] = {"api_socket",  "api_socket_mode",   "metrics_address",
					   "dataplanes",  "log_level",	       "announce",
					   "max_clients", "client_timeout_ms", NULL};
	struct cfg_daemon *d = &p->cfg->daemon;
	yaml_node_t *m, *v;
	unsigned int i;
	uint64_t u;
	int rc, e;

	snprintf(d->api_socket, sizeof(d->api_socket), "%s", CFG_API_SOCKET_DEFAULT);
	d->api_socket_mode = CFG_API_SOCKET_MODE_DEFAULT;
	snprintf(d->metrics_address, sizeof(d->metrics_address), "%s", CFG_METRICS_DEFAULT);
	snprintf(d->dataplanes[0], sizeof(d->dataplanes[0]), "%s", CFG_DATAPLANE_DEFAULT);
	d->n_dataplanes = 1;
	snprintf(d->log_level, sizeof(d->log_level), "%s", CFG_LOG_LEVEL_DEFAULT);
	d->max_clients = 64;
	d->client_timeout_ms = 10000;

	m = map_get(p, root, "daemon");
	if (!m)
		return 0;
	rc = map_check(p, m, "daemon", keys);
	if (rc)
		return rc;

	v = map_get(p, m, "api_socket");
	if (v && (rc = parse_sockpath(p, v, "daemon.api_socket", d->api_socket)))
		return rc;
	v = map_get(p, m, "api_socket_mode");
	if (v && (rc = parse_mode(p, v, "daemon.api_socket_mode", &d->api_socket_mode)))
		return rc;
	v = map_get(p, m, "metrics_address");
	if (v && (rc = parse_metrics_address(p, v, "daemon.metrics_address", d->metrics_address,
					     sizeof(d->metrics_address))))
		return rc;
	v = map_get(p, m, "dataplanes");
	if (v) {
		d->n_dataplanes = 0;
		rc = parse_dataplanes(p, v, d);
		if (rc)
			return rc;
		for (i = 0; i < d->n_dataplanes; i++)
			if (!strcmp(d->dataplanes[i], d->api_socket))
				return cfg_fail(p, v, "daemon.dataplanes",
						"%s is also the daemon's api_socket",
						d->api_socket);
	}
	rc = opt_enum(p, m, "daemon", "log_level", log_level_names, 2 /* info */, &e);
	if (rc)
		return rc;
	snprintf(d->log_level, sizeof(d->log_level), "%s", log_level_names[e]);
	v = map_get(p, m, "announce");
	if (v && (rc = parse_announce(p, v, &d->announce)))
		return rc;
	rc = opt_uint(p, m, "daemon", "max_clients", 1, CFG_MAX_CLIENTS_MAX, d->max_clients, &u);
	if (rc)
		return rc;
	d->max_clients = (uint32_t)u;
	rc = opt_uint(p, m, "daemon", "client_timeout_ms", 100, 3600000, d->client_timeout_ms, &u);
	if (rc)
		return rc;
	d->client_timeout_ms = (uint32_t)u;
	return 0;
}

/* ---- top level ---- */

static int parse_root(struct cfg_parser *p, yaml_node_t *root)
{
	static const char *const keys[] = {
		"node",		 "zones",      "ports",	    "routes", "neighbors",
		"target_groups", "inspection", "listeners", "daemon", NULL};
	yaml_node_t *v;
	int rc;

	if (root->type != YAML_MAPPING_NODE)
		return cfg_fail(p, root, NULL, "the configuration must be a mapping, got %s",
				node_kind(root));
	rc = map_check(p, root, "", keys);
	if (rc)
		return rc;

	/* Dependency order, whatever the order in the file. */
	v = map_get(p, root, "zones");
	if (v && (rc = parse_zones(p, v)))
		return rc;
	rc = parse_ports(p, root);
	if (!rc)
		rc = parse_node(p, root);
	if (rc)
		return rc;
	v = map_get(p, root, "routes");
	if (v && (rc = parse_routes(p, v)))
		return rc;
	v = map_get(p, root, "neighbors");
	if (v && (rc = parse_neighbors(p, v)))
		return rc;
	v = map_get(p, root, "target_groups");
	if (v && (rc = parse_groups(p, v)))
		return rc;
	v = map_get(p, root, "inspection");
	if (v && (rc = parse_inspections(p, v)))
		return rc;
	rc = parse_listeners(p, root);
	if (rc)
		return rc;
	return parse_daemon(p, root);
}

static void set_dir(struct cfg_parser *p, const char *name)
{
	const char *slash = strrchr(name, '/');
	char tmp[PATH_MAX];

	if (!slash)
		snprintf(tmp, sizeof(tmp), ".");
	else if (slash == name)
		snprintf(tmp, sizeof(tmp), "/");
	else
		snprintf(tmp, sizeof(tmp), "%.*s", (int)(slash - name), name);
	if (!realpath(tmp, p->dir))
		snprintf(p->dir, sizeof(p->dir), "%s", tmp);
}

static int yaml_fail(struct cfg_parser *p, const yaml_parser_t *parser, const char *yaml,
		     size_t len)
{
	unsigned long line = (unsigned long)parser->problem_mark.line + 1;
	size_t i;

	if (parser->error == YAML_MEMORY_ERROR) {
		if (p->err && p->errlen)
			snprintf(p->err, p->errlen, "%s: out of memory", p->name);
		return -ENOMEM;
	}
	if (parser->error == YAML_READER_ERROR) {
		line = 1;
		for (i = 0; i < parser->problem_offset && i < len; i++)
			line += yaml[i] == '\n';
	}
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s:%lu: YAML error: %s%s%s", p->name, line,
			 parser->problem ? parser->problem : "unknown problem",
			 parser->context ? " " : "", parser->context ? parser->context : "");
	return -EINVAL;
}

int config_load_string(const char *yaml, size_t len, const char *name, struct config **out,
		       char *err, size_t errlen)
{
	struct cfg_parser *p;
	struct config *cfg = NULL;
	yaml_parser_t parser;
	yaml_document_t extra;
	yaml_node_t *root;
	int rc = -EINVAL;

	if (err && errlen)
		err[0] = '\0';
	if (!yaml || !name || !out)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->name = name;
	p->err = err;
	p->errlen = errlen;
	set_dir(p, name);

	if (!yaml_parser_initialize(&parser)) {
		rc = -ENOMEM;
		goto out_p;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	if (!yaml_parser_load(&parser, &p->doc)) {
		rc = yaml_fail(p, &parser, yaml, len);
		goto out_parser;
	}
	root = yaml_document_get_root_node(&p->doc);
	if (!root) {
		rc = cfg_fail(p, NULL, NULL, "the configuration is empty");
		goto out_doc;
	}
	if (!yaml_parser_load(&parser, &extra)) {
		rc = yaml_fail(p, &parser, yaml, len);
		goto out_doc;
	}
	if (yaml_document_get_root_node(&extra)) {
		unsigned long line = (unsigned long)extra.start_mark.line + 1;

		yaml_document_delete(&extra);
		if (err && errlen)
			snprintf(err, errlen, "%s:%lu: only one YAML document is allowed", name,
				 line);
		goto out_doc;
	}
	yaml_document_delete(&extra);

	cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		rc = -ENOMEM;
		goto out_doc;
	}
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	p->cfg = cfg;
	rc = parse_root(p, root);
	if (rc == -ENOMEM && err && errlen)
		snprintf(err, errlen, "%s: out of memory", name);
	if (rc)
		config_free(cfg);
	else
		*out = cfg;
out_doc:
	yaml_document_delete(&p->doc);
out_parser:
	yaml_parser_delete(&parser);
out_p:
	free(p);
	return rc;
}

int config_load(const char *path, struct config **out, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!path || !out)
		return -EINVAL;
	f = fopen(path, "rb");
	if (!f) {
		rc = -errno;
		goto fail;
	}
	for (;;) {
		size_t r;

		if (len == cap) {
			char *nb;

			if (cap >= CFG_FILE_MAX) {
				rc = -EFBIG;
				goto fail_file;
			}
			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (!nb) {
				rc = -ENOMEM;
				goto fail_file;
			}
			buf = nb;
		}
		r = fread(buf + len, 1, cap - len, f);
		len += r;
		if (r == 0) {
			if (ferror(f)) {
				rc = errno ? -errno : -EIO;
				goto fail_file;
			}
			break;
		}
	}
	fclose(f);
	rc = config_load_string(buf, len, path, out, err, errlen);
	free(buf);
	return rc;

fail_file:
	fclose(f);
	free(buf);
fail:
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	return rc;
}

void config_free(struct config *cfg)
{
	unsigned int i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n_groups; i++)
		free(cfg->groups[i].targets);
	free(cfg->groups);
	free(cfg->listeners);
	free(cfg->inspections);
	free(cfg->neighbors);
	free(cfg->routes);
	free(cfg->ports);
	free(cfg->zones);
	explicit_bzero(cfg, sizeof(*cfg)); /* the cookie secret */
	free(cfg);
}

int config_port_index(const struct config *cfg, const char *name)
{
	unsigned int i;

	if (!cfg || !name)
		return -1;
	for (i = 0; i < cfg->n_ports; i++)
		if (!strcmp(cfg->ports[i].name, name))
			return (int)i;
	return -1;
}

int config_group_index(const struct config *cfg, const char *name)
{
	unsigned int i;

	if (!cfg || !name)
		return -1;
	for (i = 0; i < cfg->n_groups; i++)
		if (!strcmp(cfg->groups[i].name, name))
			return (int)i;
	return -1;
}

const char *config_state_name(enum cfg_target_state s)
{
	if ((unsigned int)s >= sizeof(state_names) / sizeof(state_names[0]) - 1)
		return "unknown";
	return state_names[s];
}

int config_state_parse(const char *s, enum cfg_target_state *out)
{
	unsigned int i;

	if (!s || !out)
		return -EINVAL;
	for (i = 0; state_names[i]; i++) {
		if (!strcmp(state_names[i], s)) {
			*out = (enum cfg_target_state)i;
			return 0;
		}
	}
	return -EINVAL;
}
