/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg_daemon.c - the daemon: section (sluiced's sockets, metrics, log level, announce).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/lib/cfg_priv.h"

static const char *const log_level_names[] = {"error", "warning", "info", "debug", NULL};

/* ---- the daemon section ---- */

/*
 * A Unix socket path: absolute once @DIR@ is replaced, shorter than sun_path. dst holds
 * CFG_SOCKPATH_MAX bytes.
 */
static int parse_sockpath(struct cfg_parser *p, const yaml_node_t *n, const char *path, char *dst)
{
	char full[CFG_DEVICE_MAX];
	const char *s;
	int rc = cfg_scalar(p, n, path, &s);

	if (rc)
		return rc;
	if (cfg_subst_dir(s, p->dir, full) || strlen(full) >= CFG_SOCKPATH_MAX)
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
static int parse_mode(struct cfg_parser *p, const yaml_node_t *n, const char *path,
		      const struct cfg_item *it)
{
	uint32_t *out = &((struct cfg_daemon *)it->obj)->api_socket_mode;
	const char *s;
	uint32_t mode = 0;
	int rc = cfg_scalar(p, n, path, &s), i;

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
				 const struct cfg_item *it)
{
	char *dst = ((struct cfg_daemon *)it->obj)->metrics_address;
	size_t dlen = sizeof(((struct cfg_daemon *)it->obj)->metrics_address);
	char host[INET6_ADDRSTRLEN + 2], canon[INET6_ADDRSTRLEN];
	const char *s, *colon, *c;
	uint8_t a[16];
	unsigned long port = 0;
	size_t hlen;
	int rc, v6;

	if (n->type == YAML_SEQUENCE_NODE)
		return cfg_fail(p, n, path,
				"expected a single value, got a list (quote it: \"[::1]:9469\")");
	rc = cfg_scalar(p, n, path, &s);
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
	rc = cfg_expect_seq(p, n, "daemon.dataplanes");
	if (rc)
		return rc;
	len = cfg_seq_len(n);
	if (len < 1 || len > CFG_DATAPLANES_MAX)
		return cfg_fail(p, n, "daemon.dataplanes", "%zu sockets (expected 1..%d)", len,
				CFG_DATAPLANES_MAX);
	for (i = 0; i < len; i++) {
		yaml_node_t *v = cfg_seq_item(p, n, i);

		cfg_path_idx(ip, "daemon.dataplanes", i);
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

/* ---- daemon.announce ---- */

static int check_table(struct cfg_parser *p, const yaml_node_t *v, const char *path,
		       const struct cfg_item *it)
{
	const struct cfg_announce *a = it->obj;

	if (a->table >= 253 && a->table <= 255)
		return cfg_fail(p, v, path,
				"%u is a table of the kernel's own (253 default, 254 main, 255 "
				"local): use a table of sluice's own",
				a->table);
	return 0;
}

/* An announced prefix: a network address, unicast, not /0, listed once. */
static int check_prefix(struct cfg_parser *p, const yaml_node_t *e, const char *ip,
			const struct cfg_addr *all, unsigned int i, const void *ctx)
{
	const struct cfg_addr *pf = &all[i];
	char b[INET6_ADDRSTRLEN];
	unsigned int j;

	(void)ctx;
	cfg_addr_str(pf, b, sizeof(b));
	if (!cfg_addr_is_network(pf))
		return cfg_fail(p, e, ip,
				"%s/%u has host bits set (the prefix must be a network address)", b,
				pf->plen);
	if (!pf->plen || !config_addr_is_unicast(pf))
		return cfg_fail(p, e, ip, "%s/%u is not a unicast prefix", b, pf->plen);
	for (j = 0; j < i; j++)
		if (cfg_addr_eq(&all[j], pf) && all[j].plen == pf->plen)
			return cfg_fail(p, e, ip, "duplicate prefix %s/%u (also prefixes[%u])", b,
					pf->plen, j);
	return 0;
}

static int parse_prefixes(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			  const struct cfg_item *it)
{
	struct cfg_announce *a = it->obj;

	return cfg_parse_addr_list(p, v, path, "prefixes", CFG_ANNOUNCE_PREFIXES_MAX, a->prefixes,
				   &a->n_prefixes, check_prefix, NULL);
}

/* announce_reload() (ctrl/announce.c) applies every announce key at a reload. */
#define A struct cfg_announce
#define L CFG_RELOAD_LIVE
static const struct cfg_key announce_keys[] = {
	{K_UINT("table", A, table, 1, 1ull << 31, 0, L), .flags = CFG_K_REQUIRED,
	 .check = check_table},
	{K_BOOL("zone_ip", A, zone_ip, 1, L)},
	{K_BOOL("geneve_address", A, geneve_address, 0, L)},
	{K_FUNC("prefixes", A, prefixes, parse_prefixes, L)},
	{K_UINT("min_healthy_targets", A, min_healthy_targets, 0, CFG_GROUP_TARGETS_MAX, 1, L)},
	{K_UINT("liveness_timeout_ms", A, liveness_timeout_ms, 200, 60000, 1000, L)},
	{K_UINT("drain_time", A, drain_time, 0, CFG_DRAIN_TIME_MAX, 5, L)},
	CFG_KEYS_END,
};
#undef L
#undef A

/*
 * daemon.announce: what sluiced announces and when (docs/scale-out.md). Needs node.zone in
 * zones: for zone_ip, node.geneve_address for geneve_address, and something to announce.
 */
static int parse_announce(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			  const struct cfg_item *it)
{
	struct cfg_announce *a = &((struct cfg_daemon *)it->obj)->announce;
	struct cfg_item ai = {a, NULL, NULL, 0, 0};
	yaml_node_t *m = (yaml_node_t *)v, *zv;
	int rc = cfg_keys_parse(p, m, path, announce_keys, &ai);

	if (rc)
		return rc;
	a->enabled = 1;
	zv = cfg_map_get(p, m, "zone_ip"); /* m is a mapping now */
	if (a->zone_ip &&
	    cfg_name_index(CFG_REF(p->cfg->zones, p->cfg->n_zones), p->cfg->node.zone) < 0)
		return cfg_fail(p, zv ? zv : m, "daemon.announce.zone_ip",
				"node.zone %s has no address in zones: (set zone_ip: false)",
				p->cfg->node.zone);
	if (a->geneve_address && !p->cfg->node.has_geneve_address)
		return cfg_fail(p, cfg_map_get(p, m, "geneve_address"),
				"daemon.announce.geneve_address", "node.geneve_address is not set");
	if (!a->zone_ip && !a->geneve_address && !a->n_prefixes)
		return cfg_fail(p, m, path,
				"nothing to announce (zone_ip and geneve_address false, no "
				"prefixes)");
	return 0;
}

/* ---- the daemon section ---- */

static int parse_api_socket(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			    const struct cfg_item *it)
{
	return parse_sockpath(p, v, path, ((struct cfg_daemon *)it->obj)->api_socket);
}

/* One socket or a list; none may be the daemon's own API socket (a row above). */
static int parse_dataplane_list(struct cfg_parser *p, const yaml_node_t *v, const char *path,
				const struct cfg_item *it)
{
	struct cfg_daemon *d = it->obj;
	unsigned int i;
	int rc;

	d->n_dataplanes = 0;
	rc = parse_dataplanes(p, v, d);
	if (rc)
		return rc;
	for (i = 0; i < d->n_dataplanes; i++)
		if (!strcmp(d->dataplanes[i], d->api_socket))
			return cfg_fail(p, v, path, "%s is also the daemon's api_socket",
					d->api_socket);
	return 0;
}

static int parse_log_level(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			   const struct cfg_item *it)
{
	struct cfg_daemon *d = it->obj;
	int e, rc = cfg_parse_enum(p, v, path, log_level_names, &e);

	if (!rc)
		snprintf(d->log_level, sizeof(d->log_level), "%s", log_level_names[e]);
	return rc;
}

/*
 * The daemon's keys. sluiced reads the sockets and the metrics address at start (a reload
 * warns that they change at the next start); log level, client limits and announce apply at
 * once. The dataplanes ignore the section.
 */
#define D struct cfg_daemon
#define U CFG_RELOAD_UNCHECKED
#define L CFG_RELOAD_LIVE
const struct cfg_key cfg_daemon_keys[] = {
	{K_FUNC("api_socket", D, api_socket, parse_api_socket, U)},
	{K_FUNC("api_socket_mode", D, api_socket_mode, parse_mode, U)},
	{K_FUNC("metrics_address", D, metrics_address, parse_metrics_address, U)},
	{K_FUNC("dataplanes", D, dataplanes, parse_dataplane_list, U)},
	{K_FUNC("log_level", D, log_level, parse_log_level, L)},
	{K_FUNC("announce", D, announce, parse_announce, L)},
	{K_UINT("max_clients", D, max_clients, 1, CFG_MAX_CLIENTS_MAX, 64, L)},
	{K_UINT("client_timeout_ms", D, client_timeout_ms, 100, 3600000, 10000, L)},
	CFG_KEYS_END,
};
#undef L
#undef U
#undef D

/* The daemon's own section: sluice-dp checks it too (one file, validated as a whole). */
int cfg_parse_daemon(struct cfg_parser *p, yaml_node_t *root)
{
	struct cfg_daemon *d = &p->cfg->daemon;
	struct cfg_item it = {d, NULL, NULL, 0, 0};

	snprintf(d->api_socket, sizeof(d->api_socket), "%s", CFG_API_SOCKET_DEFAULT);
	d->api_socket_mode = CFG_API_SOCKET_MODE_DEFAULT;
	snprintf(d->metrics_address, sizeof(d->metrics_address), "%s", CFG_METRICS_DEFAULT);
	snprintf(d->dataplanes[0], sizeof(d->dataplanes[0]), "%s", CFG_DATAPLANE_DEFAULT);
	d->n_dataplanes = 1;
	snprintf(d->log_level, sizeof(d->log_level), "%s", CFG_LOG_LEVEL_DEFAULT);
	return cfg_keys_parse(p, cfg_map_get(p, root, "daemon"), "daemon", cfg_daemon_keys, &it);
}
