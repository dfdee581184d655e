/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg_util.c - the config parser's shared pieces: messages ("FILE:LINE: KEY: problem"),
 * YAML node access, mapping checks, scalar values (integers, booleans, keywords, names),
 * references by name and the keyword tables more than one section uses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dataplane/lib/cfg_priv.h"

/* Keyword tables: the index is the enum value. */
const char *const cfg_proto_names[] = {"geneve", "tcp", "udp", "tcp_udp", NULL};
const char *const cfg_lproto_names[] = {"tcp", "udp", "tcp_udp", NULL}; /* index + 1 */
const char *const cfg_state_names[] = {"healthy", "unhealthy", "draining",
				       "initial", "unused",    NULL};

_Static_assert(CFG_PROTO_GENEVE == 0 && CFG_PROTO_TCP == 1 && CFG_PROTO_UDP == 2 &&
		       CFG_PROTO_TCP_UDP == 3,
	       "cfg_proto_names follows enum cfg_proto");
_Static_assert(CFG_LPROTO_TCP == 1 && CFG_LPROTO_UDP == 2 &&
		       CFG_LPROTO_TCP_UDP == (CFG_LPROTO_TCP | CFG_LPROTO_UDP),
	       "cfg_lproto_names[i] is protocol i + 1; TCP_UDP is the union of TCP and UDP");
_Static_assert((int)CFG_LPROTO_TCP == (int)CFG_PROTO_TCP &&
		       (int)CFG_LPROTO_UDP == (int)CFG_PROTO_UDP &&
		       (int)CFG_LPROTO_TCP_UDP == (int)CFG_PROTO_TCP_UDP,
	       "a non-geneve group's protocol is also its listener protocol mask");
_Static_assert(CFG_TS_HEALTHY == 0 && CFG_TS_UNHEALTHY == 1 && CFG_TS_DRAINING == 2 &&
		       CFG_TS_INITIAL == 3 && CFG_TS_UNUSED == 4,
	       "cfg_state_names follows enum cfg_target_state");

/* ---- messages ---- */

static unsigned long cfg_line(const yaml_node_t *n)
{
	return n ? (unsigned long)n->start_mark.line + 1 : 1;
}

/* Set "NAME:LINE: PATH: message" (no "PATH: " when path is empty). Returns -EINVAL. */
int cfg_fail(struct cfg_parser *p, const yaml_node_t *n, const char *path, const char *fmt, ...)
{
	char msg[CFG_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s:%lu: %s%s%s", p->name, cfg_line(n),
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
const char *cfg_path_key(char *buf, const char *parent, const char *key)
{
	if (*parent)
		path_cut(buf, snprintf(buf, CFG_PATH_MAX, "%s.%s", parent, key));
	else
		path_cut(buf, snprintf(buf, CFG_PATH_MAX, "%s", key));
	return buf;
}

void cfg_path_idx(char *buf, const char *parent, size_t i)
{
	path_cut(buf, snprintf(buf, CFG_PATH_MAX, "%s[%zu]", parent, i));
}

/* ---- YAML nodes ---- */

yaml_node_t *cfg_get_node(struct cfg_parser *p, int idx)
{
	return yaml_document_get_node(&p->doc, idx);
}

const char *cfg_node_kind(const yaml_node_t *n)
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

int cfg_scalar(struct cfg_parser *p, const yaml_node_t *n, const char *path, const char **out)
{
	const char *s;

	*out = NULL; /* defined on every path: the value, or NULL with the error */
	if (n->type != YAML_SCALAR_NODE)
		return cfg_fail(p, n, path, "expected a single value, got %s", cfg_node_kind(n));
	s = (const char *)n->data.scalar.value;
	if (node_is_null(n) || !*s)
		return cfg_fail(p, n, path, "missing value");
	if (strlen(s) != n->data.scalar.length)
		return cfg_fail(p, n, path, "value contains a NUL character");
	*out = s;
	return 0;
}

size_t cfg_seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

yaml_node_t *cfg_seq_item(struct cfg_parser *p, const yaml_node_t *n, size_t i)
{
	return cfg_get_node(p, n->data.sequence.items.start[i]);
}

int cfg_expect_seq(struct cfg_parser *p, const yaml_node_t *n, const char *path)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return cfg_fail(p, n, path, "expected a list, got %s", cfg_node_kind(n));
	return 0;
}

const char *cfg_pair_key(struct cfg_parser *p, const yaml_node_pair_t *pair)
{
	yaml_node_t *k = cfg_get_node(p, pair->key);

	return (const char *)k->data.scalar.value;
}

/* n is a mapping whose keys are distinct strings. */
int cfg_map_keys_check(struct cfg_parser *p, yaml_node_t *n, const char *path)
{
	yaml_node_pair_t *pair, *q;
	char kp[CFG_PATH_MAX];

	if (n->type != YAML_MAPPING_NODE)
		return cfg_fail(p, n, path, "expected a mapping, got %s", cfg_node_kind(n));
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = cfg_get_node(p, pair->key);
		const char *ks;

		if (k->type != YAML_SCALAR_NODE || node_is_null(k))
			return cfg_fail(p, k, path, "a key must be a name, got %s",
					k->type == YAML_SCALAR_NODE ? "an empty key"
								    : cfg_node_kind(k));
		ks = (const char *)k->data.scalar.value;
		cfg_path_key(kp, path, ks);
		for (q = n->data.mapping.pairs.start; q < pair; q++)
			if (!strcmp(cfg_pair_key(p, q), ks))
				return cfg_fail(p, k, kp, "duplicate key (first at line %lu)",
						cfg_line(cfg_get_node(p, q->key)));
	}
	return 0;
}

/* cfg_map_keys_check, and every key is one of keys[] (NULL-terminated). */
int cfg_map_check(struct cfg_parser *p, yaml_node_t *n, const char *path, const char *const *keys)
{
	yaml_node_pair_t *pair;
	char kp[CFG_PATH_MAX], list[CFG_ERR_MAX / 2];
	int rc = cfg_map_keys_check(p, n, path);

	if (rc)
		return rc;
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		const char *ks = cfg_pair_key(p, pair);
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
		cfg_path_key(kp, path, ks);
		return cfg_fail(p, cfg_get_node(p, pair->key), kp,
				"unknown key (expected one of: %s)", list);
	}
	return 0;
}

yaml_node_t *cfg_map_get(struct cfg_parser *p, const yaml_node_t *n, const char *key)
{
	yaml_node_pair_t *pair;

	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++)
		if (!strcmp(cfg_pair_key(p, pair), key))
			return cfg_get_node(p, pair->value);
	return NULL;
}

/* The value of a required key; the error names the key, at the line of its mapping. */
int cfg_map_req(struct cfg_parser *p, const yaml_node_t *n, const char *path, const char *key,
		yaml_node_t **out)
{
	char kp[CFG_PATH_MAX];

	*out = cfg_map_get(p, n, key);
	if (*out)
		return 0;
	cfg_path_key(kp, path, key);
	return cfg_fail(p, n, kp, "missing (required)");
}

/* ---- scalar values ---- */

int cfg_hexval(char c)
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
int cfg_parse_u64(struct cfg_parser *p, const yaml_node_t *n, const char *path, uint64_t *out)
{
	const char *s, *digits, *c;
	char *end;
	int base = 10, rc = cfg_scalar(p, n, path, &s);
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
		if (base == 10 ? !(*c >= '0' && *c <= '9') : cfg_hexval(*c) < 0)
			return cfg_fail(p, n, path, "not an integer \"%s\"", s);
	errno = 0;
	v = strtoull(digits, &end, base);
	if (errno == ERANGE || *end)
		return cfg_fail(p, n, path, "%s is too large", s);
	*out = v;
	return 0;
}

int cfg_parse_uint(struct cfg_parser *p, const yaml_node_t *n, const char *path, uint64_t min,
		   uint64_t max, uint64_t *out)
{
	int rc = cfg_parse_u64(p, n, path, out);

	if (rc)
		return rc;
	if (*out < min || *out > max)
		return cfg_fail(p, n, path,
				"%" PRIu64 " is out of range (%" PRIu64 "..%" PRIu64 ")", *out, min,
				max);
	return 0;
}

int cfg_parse_bool(struct cfg_parser *p, const yaml_node_t *n, const char *path, int *out)
{
	const char *s;
	int rc = cfg_scalar(p, n, path, &s);

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

int cfg_parse_enum(struct cfg_parser *p, const yaml_node_t *n, const char *path,
		   const char *const *names, int *out)
{
	char list[CFG_ERR_MAX / 2];
	const char *s;
	size_t i, off = 0;
	int rc = cfg_scalar(p, n, path, &s);

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

/*
 * A scalar of 1..size-1 characters out of letters, digits and the punctuation in `punct`;
 * `what` names it in messages ("name", "interface name").
 */
int cfg_parse_word(struct cfg_parser *p, const yaml_node_t *n, const char *path, char *dst,
		   size_t size, const char *punct, const char *what)
{
	char shown[16] = "";
	const char *s, *c;
	size_t i;
	int rc = cfg_scalar(p, n, path, &s);

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
int cfg_parse_name(struct cfg_parser *p, const yaml_node_t *n, const char *path, char *dst)
{
	return cfg_parse_word(p, n, path, dst, CFG_NAME_MAX, "-_.:", "name");
}

/* len hex digits (len even) into len/2 bytes; 0, or -1 if s holds a non-hex character. */
int cfg_hex_decode(const char *s, size_t len, uint8_t *out)
{
	size_t i;

	for (i = 0; i < len; i += 2) {
		int hi = cfg_hexval(s[i]), lo = cfg_hexval(s[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

const char *config_state_name(enum cfg_target_state s)
{
	if ((unsigned int)s >= sizeof(cfg_state_names) / sizeof(cfg_state_names[0]) - 1)
		return "unknown";
	return cfg_state_names[s];
}

int config_state_parse(const char *s, enum cfg_target_state *out)
{
	unsigned int i;

	if (!s || !out)
		return -EINVAL;
	for (i = 0; cfg_state_names[i]; i++) {
		if (!strcmp(cfg_state_names[i], s)) {
			*out = (enum cfg_target_state)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- references by name ---- */

_Static_assert(offsetof(struct cfg_zone, name) == 0 && offsetof(struct cfg_port, name) == 0 &&
		       offsetof(struct cfg_group, name) == 0 &&
		       offsetof(struct cfg_inspection, name) == 0,
	       "cfg_name_index: the name is the first member");

int cfg_name_index(const void *items, unsigned int n, size_t stride, const char *name)
{
	unsigned int i;

	if (!items || !name)
		return -1;
	for (i = 0; i < n; i++)
		if (!strcmp((const char *)items + i * stride, name))
			return (int)i;
	return -1;
}

int cfg_parse_ref(struct cfg_parser *p, const yaml_node_t *v, const char *path, const void *items,
		  unsigned int n, size_t stride, const char *what, int *idx)
{
	const char *s;
	int rc = cfg_scalar(p, v, path, &s);

	if (rc)
		return rc;
	*idx = cfg_name_index(items, n, stride, s);
	if (*idx < 0)
		return cfg_fail(p, v, path, "no %s named \"%s\"", what, s);
	return 0;
}
