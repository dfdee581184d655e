/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg_node.c - the zones: and node: sections (zone, cookie secret, GENEVE source, table
 * sizes and timers).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataplane/lib/cfg_priv.h"

#include "dataplane/core/frag.h"
#include "dataplane/core/neigh.h"

/* ---- zones ---- */

/* name must be a key of zones: (when zones: is given). */
int cfg_check_zone(struct cfg_parser *p, const yaml_node_t *n, const char *path, const char *name)
{
	char list[CFG_ERR_MAX / 2];
	size_t off = 0;
	unsigned int i;

	if (!p->cfg->n_zones || cfg_name_index(CFG_REF(p->cfg->zones, p->cfg->n_zones), name) >= 0)
		return 0;
	list[0] = '\0';
	for (i = 0; i < p->cfg->n_zones && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
					p->cfg->zones[i].name);
	return cfg_fail(p, n, path, "zone \"%s\" is not in zones (%s)", name, list);
}

int cfg_parse_zones(struct cfg_parser *p, yaml_node_t *n)
{
	struct config *cfg = p->cfg;
	yaml_node_pair_t *pair;
	char kp[CFG_PATH_MAX], buf[INET6_ADDRSTRLEN];
	size_t count;
	int rc = cfg_map_keys_check(p, n, "zones");

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
		yaml_node_t *k = cfg_get_node(p, pair->key), *v = cfg_get_node(p, pair->value);
		unsigned int j;

		cfg_path_key(kp, "zones", (const char *)k->data.scalar.value);
		rc = cfg_parse_name(p, k, kp, z->name);
		if (!rc)
			rc = cfg_parse_host(p, v, kp, FAM_ANY, &z->address);
		if (rc)
			return rc;
		for (j = 0; j < cfg->n_zones; j++)
			if (cfg_addr_eq(&cfg->zones[j].address, &z->address))
				return cfg_fail(p, v, kp,
						"%s is already the address of zone \"%s\"",
						cfg_addr_str(&z->address, buf, sizeof(buf)),
						cfg->zones[j].name);
		cfg->n_zones++;
	}
	return 0;
}

/* ---- node ---- */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

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
		if (cfg_hexval(buf[i]) < 0)
			all_hex = 0;
	if (e == b)
		rc = cfg_fail(p, n, path, "%s: the file is empty", full);
	else if (all_hex && e - b == 32)
		cfg_hex_decode(buf + b, 32, secret);
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

static int check_node_zone(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			   const struct cfg_item *it)
{
	return cfg_check_zone(p, v, path, ((const struct cfg_node *)it->obj)->zone);
}

static int parse_geneve_address(struct cfg_parser *p, const yaml_node_t *v, const char *path,
				const struct cfg_item *it)
{
	struct cfg_node *node = it->obj;
	char buf[INET6_ADDRSTRLEN];
	int rc = cfg_parse_host(p, v, path, FAM4, &node->geneve_address);

	if (rc)
		return rc;
	if (cfg_port_with_addr(p->cfg, p->cfg->n_ports, &node->geneve_address, NULL) < 0)
		return cfg_fail(p, v, path, "%s is not an address of any port",
				cfg_addr_str(&node->geneve_address, buf, sizeof(buf)));
	node->has_geneve_address = 1;
	return 0;
}

static int check_maglev_prime(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			      const struct cfg_item *it)
{
	const struct cfg_node *node = it->obj;
	uint32_t next = node->maglev_size + 1;

	if (is_prime(node->maglev_size))
		return 0;
	while (!is_prime(next))
		next++;
	return cfg_fail(p, v, path, "%u is not prime (the next prime is %u)", node->maglev_size,
			next);
}

#define N struct cfg_node
#define R CFG_RELOAD_RESTART
#define U CFG_RELOAD_UNCHECKED
/* The dataplanes read the node section at start; the daemon refuses a reload that changes a
 * RESTART key and lets the UNCHECKED ones (sluice-dp's own tables and rates) through. */
const struct cfg_key cfg_node_keys[] = {
	{K_NAME("zone", N, zone, R), .flags = CFG_K_REQUIRED, .check = check_node_zone},
	{K_CODE("cookie_secret_file", R)}, /* parse_cookie_secret: one of the two */
	{K_CODE("cookie_secret", R), CFG_FIELD(N, cookie_secret)},
	{K_FUNC("geneve_address", N, geneve_address, parse_geneve_address, R)},
	{K_UINT("ttl", N, ttl, 1, 255, CFG_TTL_DEFAULT, R)},
	{K_UINT("flow_table_size", N, flow_table_size, CFG_FLOW_TABLE_MIN, CFG_FLOW_TABLE_MAX,
		CFG_FLOW_TABLE_DEFAULT, R)},
	{K_UINT("maglev_size", N, maglev_size, CFG_MAGLEV_MIN, CFG_MAGLEV_MAX, CFG_MAGLEV_MIN, R),
	 .check = check_maglev_prime},
	{K_UINT("exception_rate", N, exception_rate, CFG_EXCEPTION_RATE_MIN, CFG_EXCEPTION_RATE_MAX,
		CFG_EXCEPTION_RATE_DEFAULT, U)},
	{K_UINT("drain_time", N, drain_time, 0, CFG_DRAIN_TIME_MAX, 0, R)},
	/* core/frag.h: the fragment table of both dataplanes */
	{K_UINT("fragment_table_size", N, fragment_table_size, FRAG_TABLE_MIN, FRAG_TABLE_MAX,
		FRAG_TABLE_DEFAULT, U)},
	{K_UINT("fragment_timeout_ms", N, fragment_timeout_ms, FRAG_TIMEOUT_MIN, FRAG_TIMEOUT_MAX,
		FRAG_TIMEOUT_DEFAULT, U)},
	{K_UINT("neighbor_table_size", N, neighbor_table_size, CFG_NEIGH_TABLE_MIN,
		CFG_NEIGH_TABLE_MAX, NEIGH_TABLE_SIZE_DEFAULT, U)},
	{K_UINT("neighbor_reachable_ms", N, neighbor_reachable_ms, CFG_NEIGH_REACHABLE_MIN,
		CFG_NEIGH_REACHABLE_MAX, NEIGH_REACHABLE_MS_DEFAULT, U)},
	CFG_KEYS_END,
};
#undef U
#undef R
#undef N

/* cookie_secret_file (a file, load_secret_file) or cookie_secret (32 hex digits): one of them. */
static int parse_cookie_secret(struct cfg_parser *p, yaml_node_t *m, struct cfg_node *node)
{
	yaml_node_t *file = cfg_map_get(p, m, "cookie_secret_file");
	yaml_node_t *inline_secret = cfg_map_get(p, m, "cookie_secret");
	const char *s;
	int rc;

	if (file && inline_secret)
		return cfg_fail(p, inline_secret, "node.cookie_secret",
				"give cookie_secret or cookie_secret_file, not both");
	if (file) {
		rc = cfg_scalar(p, file, "node.cookie_secret_file", &s);
		return rc ? rc
			  : load_secret_file(p, file, "node.cookie_secret_file", s,
					     node->cookie_secret);
	}
	if (!inline_secret)
		return cfg_fail(p, m, "node.cookie_secret_file",
				"missing (required: cookie_secret_file or cookie_secret)");
	rc = cfg_scalar(p, inline_secret, "node.cookie_secret", &s);
	if (rc)
		return rc;
	if (strlen(s) != 32 || cfg_hex_decode(s, 32, node->cookie_secret))
		return cfg_fail(p, inline_secret, "node.cookie_secret",
				"must be 32 hex digits (16 bytes)");
	return 0;
}

int cfg_parse_node(struct cfg_parser *p, yaml_node_t *root)
{
	struct cfg_item it = {&p->cfg->node, NULL, NULL, 0, 0};
	yaml_node_t *m;
	int rc = cfg_map_req(p, root, "", "node", &m);

	if (!rc)
		rc = cfg_keys_parse(p, m, "node", cfg_node_keys, &it);
	return rc ? rc : parse_cookie_secret(p, m, &p->cfg->node);
}
