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
static int parse_mode(struct cfg_parser *p, const yaml_node_t *n, const char *path, uint32_t *out)
{
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

	rc = cfg_map_check(p, m, path, keys);
	if (rc)
		return rc;
	a->enabled = 1;
	rc = cfg_map_req(p, m, path, "table", &v);
	if (!rc)
		rc = cfg_parse_uint(p, v, "daemon.announce.table", 1, 1ull << 31, &u);
	if (rc)
		return rc;
	if (u >= 253 && u <= 255)
		return cfg_fail(p, v, "daemon.announce.table",
				"%" PRIu64
				" is a table of the kernel's own (253 default, 254 main, "
				"255 local): use a table of sluice's own",
				u);
	a->table = (uint32_t)u;
	rc = cfg_opt_bool(p, m, path, "zone_ip", 1, &a->zone_ip);
	if (!rc)
		rc = cfg_opt_bool(p, m, path, "geneve_address", 0, &a->geneve_address);
	if (rc)
		return rc;
	z = cfg_zone_index(p->cfg, p->cfg->node.zone);
	if (a->zone_ip && z < 0)
		return cfg_fail(p, cfg_map_get(p, m, "zone_ip") ? cfg_map_get(p, m, "zone_ip") : m,
				"daemon.announce.zone_ip",
				"node.zone %s has no address in zones: (set zone_ip: false)",
				p->cfg->node.zone);
	if (a->geneve_address && !p->cfg->node.has_geneve_address)
		return cfg_fail(p, cfg_map_get(p, m, "geneve_address"),
				"daemon.announce.geneve_address", "node.geneve_address is not set");
	v = cfg_map_get(p, m, "prefixes");
	if (v) {
		rc = cfg_expect_seq(p, v, "daemon.announce.prefixes");
		if (rc)
			return rc;
		if (cfg_seq_len(v) > CFG_ANNOUNCE_PREFIXES_MAX)
			return cfg_fail(p, v, "daemon.announce.prefixes",
					"%zu prefixes (at most %d)", cfg_seq_len(v),
					CFG_ANNOUNCE_PREFIXES_MAX);
		for (i = 0; i < cfg_seq_len(v); i++) {
			yaml_node_t *e = cfg_seq_item(p, v, i);
			struct cfg_addr *pf = &a->prefixes[i];

			cfg_path_idx(ip, "daemon.announce.prefixes", i);
			rc = cfg_parse_addr(p, e, ip, FAM_ANY, 1, pf);
			if (rc)
				return rc;
			if (!cfg_addr_is_network(pf))
				return cfg_fail(p, e, ip,
						"%s/%u has host bits set (the prefix must be a "
						"network address)",
						cfg_addr_str(pf, b, sizeof(b)), pf->plen);
			if (!pf->plen || !config_addr_is_unicast(pf))
				return cfg_fail(p, e, ip, "%s/%u is not a unicast prefix",
						cfg_addr_str(pf, b, sizeof(b)), pf->plen);
			for (j = 0; j < i; j++)
				if (cfg_addr_eq(&a->prefixes[j], pf) &&
				    a->prefixes[j].plen == pf->plen)
					return cfg_fail(p, e, ip,
							"duplicate prefix %s/%u (also "
							"prefixes[%u])",
							cfg_addr_str(pf, b, sizeof(b)), pf->plen,
							j);
			a->n_prefixes++;
		}
	}
	if (!a->zone_ip && !a->geneve_address && !a->n_prefixes)
		return cfg_fail(p, m, path,
				"nothing to announce (zone_ip and geneve_address false, no "
				"prefixes)");
	rc = cfg_opt_uint(p, m, path, "min_healthy_targets", 0, CFG_GROUP_TARGETS_MAX, 1, &u);
	if (rc)
		return rc;
	a->min_healthy_targets = (uint32_t)u;
	rc = cfg_opt_uint(p, m, path, "liveness_timeout_ms", 200, 60000, 1000, &u);
	if (rc)
		return rc;
	a->liveness_timeout_ms = (uint32_t)u;
	rc = cfg_opt_uint(p, m, path, "drain_time", 0, CFG_DRAIN_TIME_MAX, 5, &u);
	if (rc)
		return rc;
	a->drain_time = (uint32_t)u;
	return 0;
}

/* The daemon's own section: sluice-dp checks it too (one file, validated as a whole). */
int cfg_parse_daemon(struct cfg_parser *p, yaml_node_t *root)
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

	m = cfg_map_get(p, root, "daemon");
	if (!m)
		return 0;
	rc = cfg_map_check(p, m, "daemon", keys);
	if (rc)
		return rc;

	v = cfg_map_get(p, m, "api_socket");
	if (v && (rc = parse_sockpath(p, v, "daemon.api_socket", d->api_socket)))
		return rc;
	v = cfg_map_get(p, m, "api_socket_mode");
	if (v && (rc = parse_mode(p, v, "daemon.api_socket_mode", &d->api_socket_mode)))
		return rc;
	v = cfg_map_get(p, m, "metrics_address");
	if (v && (rc = parse_metrics_address(p, v, "daemon.metrics_address", d->metrics_address,
					     sizeof(d->metrics_address))))
		return rc;
	v = cfg_map_get(p, m, "dataplanes");
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
	rc = cfg_opt_enum(p, m, "daemon", "log_level", log_level_names, 2 /* info */, &e);
	if (rc)
		return rc;
	snprintf(d->log_level, sizeof(d->log_level), "%s", log_level_names[e]);
	v = cfg_map_get(p, m, "announce");
	if (v && (rc = parse_announce(p, v, &d->announce)))
		return rc;
	rc = cfg_opt_uint(p, m, "daemon", "max_clients", 1, CFG_MAX_CLIENTS_MAX, d->max_clients,
			  &u);
	if (rc)
		return rc;
	d->max_clients = (uint32_t)u;
	rc = cfg_opt_uint(p, m, "daemon", "client_timeout_ms", 100, 3600000, d->client_timeout_ms,
			  &u);
	if (rc)
		return rc;
	d->client_timeout_ms = (uint32_t)u;
	return 0;
}
