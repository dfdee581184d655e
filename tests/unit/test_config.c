/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_config.c - the YAML config loader: a full config with every value checked, defaults,
 * and for refused configs the message "FILE:LINE: KEY: problem" (file, line and key asserted).
 * Run under valgrind (--leak-check=full) to check that refused configs leak nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataplane/core/gwlb.h"
#include "tests/unit/cu.h"
#include "dataplane/lib/config.h"

#ifndef SL_TEST_DATA
#error "SL_TEST_DATA (the tests/unit/configs directory) must be defined"
#endif

/* Line 1 node, lines 2-4 two ports; cases add from line 5. */
#define BASE                                                                                     \
	"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"                   \
	"ports:\n"                                                                               \
	"  - {name: out, device: net_null0, addresses: [10.0.1.10/24, \"2001:db8:a::10/64\"]}\n" \
	"  - {name: app, device: net_null1, addresses: [192.168.50.1/24]}\n"

/* BASE plus a geneve group (lines 5-7), health check on line 8 when a case adds one. */
#define GENEVE_GROUP            \
	BASE "target_groups:\n" \
	     "  - name: fw\n"   \
	     "    protocol: geneve\n"

/* BASE plus a tcp group (lines 5-7). */
#define TCP_GROUP               \
	BASE "target_groups:\n" \
	     "  - name: web\n"  \
	     "    protocol: tcp\n"

static struct config sentinel;
static int case_index = -1; /* the row of an EXPECT_CASES table being run, for messages */

static struct config *load_ok_at(int line, const char *yaml)
{
	struct config *cfg = NULL;
	char err[CFG_ERR_MAX];
	int rc = config_load_string(yaml, strlen(yaml), "t.yaml", &cfg, err, sizeof(err));

	if (rc)
		printf("\n    (test line %d, case %d) unexpected error %d: %s\n", line, case_index,
		       rc, err);
	CU_ASSERT_EQUAL(rc, 0);
	return rc ? NULL : cfg;
}

static void expect_ok_at(int line, const char *yaml)
{
	config_free(load_ok_at(line, yaml));
}

/* Refused with -EINVAL, *out untouched, and the message holds want (and want2 if given). */
static void expect_err_at(int line, const char *name, const char *yaml, const char *want,
			  const char *want2)
{
	struct config *cfg = &sentinel;
	char err[CFG_ERR_MAX] = "";
	int rc = config_load_string(yaml, strlen(yaml), name, &cfg, err, sizeof(err));
	int ok = rc == -EINVAL && cfg == &sentinel && strstr(err, want) &&
		 (!want2 || strstr(err, want2));

	if (!ok)
		printf("\n    (test line %d, case %d) rc %d, got \"%s\", want \"%s\"%s%s%s\n", line,
		       case_index, rc, err, want, want2 ? " and \"" : "", want2 ? want2 : "",
		       want2 ? "\"" : "");
	if (rc == 0 && cfg != &sentinel)
		config_free(cfg);
	CU_ASSERT(ok);
}

#define LOAD_OK(yaml)		   load_ok_at(__LINE__, yaml)
#define EXPECT_OK(yaml)		   expect_ok_at(__LINE__, yaml)
#define EXPECT_ERR(yaml, w, w2)	   expect_err_at(__LINE__, "t.yaml", yaml, w, w2)
#define EXPECT_ERR_IN(n, y, w, w2) expect_err_at(__LINE__, n, y, w, w2)

/* One config case: the config loads (want NULL), or is refused with want (and want2) in the
 * message. */
struct cfg_case {
	const char *yaml;
	const char *want;
	const char *want2;
};

static void expect_cases_at(int line, const struct cfg_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		case_index = (int)i;
		if (c[i].want)
			expect_err_at(line, "t.yaml", c[i].yaml, c[i].want, c[i].want2);
		else
			expect_ok_at(line, c[i].yaml);
	}
	case_index = -1;
}

#define EXPECT_CASES(c) expect_cases_at(__LINE__, c, sizeof(c) / sizeof((c)[0]))

static int addr_is(const struct cfg_addr *a, const char *want)
{
	char buf[64];
	size_t len = a->family == 4 ? 4 : 16;
	unsigned char bytes[16] = {0};
	const char *slash = strchr(want, '/');
	int plen = a->family == 4 ? 32 : 128;

	snprintf(buf, sizeof(buf), "%.*s", slash ? (int)(slash - want) : (int)strlen(want), want);
	if (slash)
		plen = atoi(slash + 1);
	if (inet_pton(a->family == 4 ? AF_INET : AF_INET6, buf, bytes) != 1)
		return 0;
	return !memcmp(a->addr, bytes, len) && a->plen == plen;
}

/* A key whose value must be in lo..hi. */
struct key_range {
	const char *key;
	unsigned long long lo, hi;
};

/*
 * For each key: pre "KEY: V" post loads with V = lo and V = hi, and is refused with
 * "WHERE.KEY: V is out of range (LO..HI)" for V = hi + 1 and (when lo > 0) V = lo - 1.
 */
static void expect_ranges_at(int line, const char *pre, const char *post, const char *where,
			     const struct key_range *r, size_t n)
{
	char yaml[1024], want[256];
	unsigned long long v[4];
	size_t i, k;

	for (i = 0; i < n; i++) {
		v[0] = r[i].lo;
		v[1] = r[i].hi;
		v[2] = r[i].hi + 1;
		v[3] = r[i].lo - 1;
		for (k = 0; k < (r[i].lo ? 4u : 3u); k++) {
			case_index = (int)(4 * i + k);
			snprintf(yaml, sizeof(yaml), "%s%s: %llu%s", pre, r[i].key, v[k], post);
			if (k < 2) {
				expect_ok_at(line, yaml);
				continue;
			}
			snprintf(want, sizeof(want), "%s.%s: %llu is out of range (%llu..%llu)",
				 where, r[i].key, v[k], r[i].lo, r[i].hi);
			expect_err_at(line, "t.yaml", yaml, want, NULL);
		}
	}
	case_index = -1;
}

#define EXPECT_RANGES(pre, post, where, r) \
	expect_ranges_at(__LINE__, pre, post, where, r, sizeof(r) / sizeof((r)[0]))

/* ---- group settings ---- */

/* What a group of protocol proto gets when its config sets nothing but the protocol. */
static struct cfg_group group_defaults(enum cfg_proto proto)
{
	int geneve = proto == CFG_PROTO_GENEVE;
	struct cfg_group w = {
		.protocol = proto,
		.stickiness = FLOW_STICK_5TUPLE,
		.failover = CFG_FAILOVER_NO_REBALANCE,
		.deregistration_delay = 300,
		.all_unhealthy = CFG_ALL_UNHEALTHY_ALL_TARGETS,
		.tcp_idle_timeout = 350,
		.other_idle_timeout = 120,
		.geneve_udp_checksum = GWLB_UDP_CSUM_VERIFY,
		.preserve_client_ip = 1,
		.tcp_unknown_reset = 0,
		.hc = {.protocol = CFG_HC_TCP,
		       .port = geneve ? 80 : 0,
		       .path = "/",
		       .interval = geneve ? 10 : 30,
		       .timeout = geneve ? 5 : 10,
		       .healthy_threshold = 5,
		       .unhealthy_threshold = 2,
		       .matcher_lo = 200,
		       .matcher_hi = 399,
		       .passive_min_packets = 0, /* the passive check is off by default */
		       .passive_window = 10},
	};
	return w;
}

/* Every setting of g (group and health check; not its name and targets) is w's. */
static void group_settings_at(int line, const struct cfg_group *g, const struct cfg_group *w)
{
	const struct cfg_health_check *h = &g->hc, *wh = &w->hc;
	int ok = 1;

#define SAME(f)                                                                        \
	do {                                                                           \
		CU_ASSERT_EQUAL(g->f, w->f);                                           \
		if (g->f != w->f) {                                                    \
			printf("\n    (test line %d) %s: %lld, want %lld\n", line, #f, \
			       (long long)g->f, (long long)w->f);                      \
			ok = 0;                                                        \
		}                                                                      \
	} while (0)
	SAME(protocol);
	SAME(stickiness);
	SAME(cross_zone);
	SAME(failover);
	SAME(deregistration_delay);
	SAME(terminate_on_deregistration);
	SAME(all_unhealthy);
	SAME(tcp_idle_timeout);
	SAME(other_idle_timeout);
	SAME(geneve_udp_checksum);
	SAME(preserve_client_ip);
	SAME(tcp_unknown_reset);
	SAME(hc.protocol);
	SAME(hc.port);
	SAME(hc.interval);
	SAME(hc.timeout);
	SAME(hc.healthy_threshold);
	SAME(hc.unhealthy_threshold);
	SAME(hc.matcher_lo);
	SAME(hc.matcher_hi);
	SAME(hc.passive_min_packets);
	SAME(hc.passive_window);
#undef SAME
	CU_ASSERT_STRING_EQUAL(h->path, wh->path);
	if (!ok)
		printf("    (group %s)\n", g->name);
}

#define GROUP_SETTINGS(g, w) group_settings_at(__LINE__, g, w)

static const uint8_t secret_hex[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				       0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

/* ---- a complete config ---- */

static void test_full_config_parses_every_value(void)
{
	struct config *cfg = NULL;
	char err[CFG_ERR_MAX], dir[PATH_MAX], dev[2 * PATH_MAX + 64];
	struct cfg_group want;
	const struct cfg_group *g;
	const struct cfg_port *pt;
	int rc;

	rc = config_load(SL_TEST_DATA "/good.yaml", &cfg, err, sizeof(err));
	if (rc)
		printf("\n    %s\n", err);
	CU_ASSERT_FATAL(rc == 0);
	CU_ASSERT_STRING_EQUAL(cfg->path, SL_TEST_DATA "/good.yaml");

	CU_ASSERT_STRING_EQUAL(cfg->node.zone, "az1");
	CU_ASSERT(!memcmp(cfg->node.cookie_secret, secret_hex, 16));
	CU_ASSERT(cfg->node.has_geneve_address);
	CU_ASSERT(addr_is(&cfg->node.geneve_address, "192.168.50.1"));
	CU_ASSERT_EQUAL(cfg->node.ttl, 32);
	CU_ASSERT_EQUAL(cfg->node.flow_table_size, 2097152);
	CU_ASSERT_EQUAL(cfg->node.maglev_size, 131071);

	CU_ASSERT_EQUAL_FATAL(cfg->n_zones, 2);
	CU_ASSERT_STRING_EQUAL(cfg->zones[0].name, "az1");
	CU_ASSERT(addr_is(&cfg->zones[0].address, "10.0.1.10"));
	CU_ASSERT_STRING_EQUAL(cfg->zones[1].name, "az2");
	CU_ASSERT(addr_is(&cfg->zones[1].address, "10.0.2.10"));

	CU_ASSERT_EQUAL_FATAL(cfg->n_ports, 2);
	pt = &cfg->ports[0];
	CU_ASSERT_STRING_EQUAL(pt->name, "outside");
	CU_ASSERT_STRING_EQUAL(pt->device, "0000:00:06.0");
	CU_ASSERT_EQUAL_FATAL(pt->n_addrs, 2);
	CU_ASSERT(addr_is(&pt->addrs[0], "10.0.1.10/24"));
	CU_ASSERT_EQUAL(pt->addrs[0].family, 4);
	CU_ASSERT(addr_is(&pt->addrs[1], "2001:db8:a::10/64"));
	CU_ASSERT_EQUAL(pt->addrs[1].family, 6);
	CU_ASSERT_EQUAL(pt->mtu, 9001);
	CU_ASSERT_FALSE(pt->has_mac);
	pt = &cfg->ports[1];
	CU_ASSERT_STRING_EQUAL(pt->name, "appliances");
	CU_ASSERT_FATAL(realpath(SL_TEST_DATA, dir) != NULL);
	snprintf(dev, sizeof(dev), "net_pcap0,rx_pcap=%s/in.pcap,tx_pcap=%s/out.pcap", dir, dir);
	CU_ASSERT_STRING_EQUAL(pt->device, dev);
	CU_ASSERT_EQUAL(pt->n_addrs, 1);
	CU_ASSERT(addr_is(&pt->addrs[0], "192.168.50.1/24"));
	CU_ASSERT_EQUAL(pt->mtu, 1500);
	CU_ASSERT(pt->has_mac);
	CU_ASSERT(!memcmp(pt->mac, "\x02\x00\x00\x00\x00\xaa", 6));
	CU_ASSERT_EQUAL(config_port_index(cfg, "outside"), 0);
	CU_ASSERT_EQUAL(config_port_index(cfg, "appliances"), 1);
	CU_ASSERT_EQUAL(config_port_index(cfg, "nope"), -1);

	CU_ASSERT_EQUAL_FATAL(cfg->n_routes, 3);
	CU_ASSERT(addr_is(&cfg->routes[0].prefix, "0.0.0.0/0"));
	CU_ASSERT(addr_is(&cfg->routes[0].via, "10.0.1.1"));
	CU_ASSERT(addr_is(&cfg->routes[1].prefix, "::/0"));
	CU_ASSERT(addr_is(&cfg->routes[1].via, "2001:db8:a::1"));
	CU_ASSERT(addr_is(&cfg->routes[2].prefix, "172.16.0.0/12"));
	CU_ASSERT(addr_is(&cfg->routes[2].via, "192.168.50.254"));

	CU_ASSERT_EQUAL_FATAL(cfg->n_neighbors, 1);
	CU_ASSERT(addr_is(&cfg->neighbors[0].address, "10.0.1.1"));
	CU_ASSERT(!memcmp(cfg->neighbors[0].mac, "\x02\x00\x00\x00\x00\x01", 6));

	CU_ASSERT_EQUAL_FATAL(cfg->n_groups, 4);
	g = &cfg->groups[0];
	CU_ASSERT_STRING_EQUAL(g->name, "firewalls");
	want = group_defaults(CFG_PROTO_GENEVE); /* its health check gives the defaults */
	GROUP_SETTINGS(g, &want);
	CU_ASSERT_EQUAL_FATAL(g->n_targets, 3);
	CU_ASSERT_STRING_EQUAL(g->targets[0].id, "fw-a");
	CU_ASSERT(addr_is(&g->targets[0].address, "192.168.50.11"));
	CU_ASSERT_EQUAL(g->targets[0].port, 0);
	CU_ASSERT_STRING_EQUAL(g->targets[0].zone, "az1");
	CU_ASSERT_EQUAL(g->targets[0].weight, 1);
	CU_ASSERT_EQUAL(g->targets[0].state, CFG_TS_HEALTHY);
	CU_ASSERT_STRING_EQUAL(g->targets[1].id, "fw-b");
	CU_ASSERT_EQUAL(g->targets[1].weight, 2);
	CU_ASSERT_STRING_EQUAL(g->targets[2].zone, "az2");
	CU_ASSERT_EQUAL(g->targets[2].state, CFG_TS_DRAINING);

	g = &cfg->groups[1];
	CU_ASSERT_STRING_EQUAL(g->name, "ids");
	want = group_defaults(CFG_PROTO_GENEVE);
	want.stickiness = FLOW_STICK_2TUPLE;
	want.cross_zone = 1;
	want.failover = CFG_FAILOVER_REBALANCE;
	want.deregistration_delay = 0;
	want.terminate_on_deregistration = 1;
	want.all_unhealthy = CFG_ALL_UNHEALTHY_BYPASS;
	want.tcp_idle_timeout = 6000;
	want.other_idle_timeout = 60;
	want.hc = (struct cfg_health_check){.protocol = CFG_HC_HTTP,
					    .port = 8080,
					    .path = "/healthz",
					    .interval = 30,
					    .timeout = 10,
					    .healthy_threshold = 3,
					    .unhealthy_threshold = 4,
					    .matcher_lo = 200,
					    .matcher_hi = 299,
					    .passive_window = 10};
	GROUP_SETTINGS(g, &want);
	CU_ASSERT_EQUAL_FATAL(g->n_targets, 1);
	CU_ASSERT_EQUAL(g->targets[0].weight, 0);
	CU_ASSERT_EQUAL(g->targets[0].state, CFG_TS_INITIAL);

	g = &cfg->groups[2];
	CU_ASSERT_STRING_EQUAL(g->name, "web");
	CU_ASSERT_EQUAL(g->protocol, CFG_PROTO_TCP_UDP);
	CU_ASSERT_EQUAL(g->stickiness, FLOW_STICK_3TUPLE);
	CU_ASSERT_EQUAL(g->preserve_client_ip, 1);
	CU_ASSERT_EQUAL(g->tcp_unknown_reset, 0);
	CU_ASSERT_EQUAL(g->all_unhealthy, CFG_ALL_UNHEALTHY_DROP);
	CU_ASSERT_EQUAL(g->hc.protocol, CFG_HC_HTTPS);
	CU_ASSERT_EQUAL(g->hc.port, 0);
	CU_ASSERT_STRING_EQUAL(g->hc.path, "/");
	CU_ASSERT_EQUAL(g->hc.interval, 30);
	CU_ASSERT_EQUAL(g->hc.timeout, 6);
	CU_ASSERT_EQUAL(g->hc.matcher_lo, 200);
	CU_ASSERT_EQUAL(g->hc.matcher_hi, 399);
	CU_ASSERT_EQUAL_FATAL(g->n_targets, 2);
	CU_ASSERT_EQUAL(g->targets[0].port, 443);
	CU_ASSERT(addr_is(&g->targets[1].address, "2001:db8:a::100"));
	CU_ASSERT_EQUAL(g->targets[1].port, 8443);
	CU_ASSERT_EQUAL(g->targets[1].weight, 1000);
	CU_ASSERT_EQUAL(g->targets[1].state, CFG_TS_UNUSED);

	g = &cfg->groups[3];
	CU_ASSERT_STRING_EQUAL(g->name, "spare");
	CU_ASSERT_EQUAL(g->protocol, CFG_PROTO_UDP);
	CU_ASSERT_EQUAL(g->stickiness, FLOW_STICK_2TUPLE); /* source_ip */
	CU_ASSERT_EQUAL(g->preserve_client_ip, 0);
	CU_ASSERT_EQUAL(g->tcp_unknown_reset, 1);
	CU_ASSERT_EQUAL(g->n_targets, 0);
	CU_ASSERT_PTR_NULL(g->targets);
	CU_ASSERT_EQUAL(config_group_index(cfg, "web"), 2);
	CU_ASSERT_EQUAL(config_group_index(cfg, "nope"), -1);

	CU_ASSERT_EQUAL_FATAL(cfg->n_inspections, 2);
	CU_ASSERT_STRING_EQUAL(cfg->inspections[0].name, "ingress");
	CU_ASSERT_EQUAL(cfg->inspections[0].endpoint_id, 0x0a0b0c0d01020304ull);
	CU_ASSERT_EQUAL(cfg->inspections[0].attachment_id, 0);
	CU_ASSERT_EQUAL(cfg->inspections[0].n_from, 1);
	CU_ASSERT_EQUAL(cfg->inspections[0].from[0], 0);
	CU_ASSERT_EQUAL_FATAL(cfg->inspections[0].n_chain, 2);
	CU_ASSERT_EQUAL(cfg->inspections[0].chain[0], 0);
	CU_ASSERT_EQUAL(cfg->inspections[0].chain[1], 1);
	CU_ASSERT_STRING_EQUAL(cfg->inspections[1].name, "east-west");
	CU_ASSERT_EQUAL(cfg->inspections[1].endpoint_id, 42);
	CU_ASSERT_EQUAL(cfg->inspections[1].attachment_id, 7);
	CU_ASSERT_EQUAL(cfg->inspections[1].n_from, 1);
	CU_ASSERT_EQUAL(cfg->inspections[1].from[0], 1);
	CU_ASSERT_EQUAL(cfg->inspections[1].n_chain, 1);
	CU_ASSERT_EQUAL(cfg->inspections[1].chain[0], 0);

	CU_ASSERT_EQUAL_FATAL(cfg->n_listeners, 1);
	CU_ASSERT_STRING_EQUAL(cfg->listeners[0].name, "dns");
	CU_ASSERT_EQUAL(cfg->listeners[0].protocol, CFG_LPROTO_UDP);
	CU_ASSERT_EQUAL(cfg->listeners[0].port, 53);
	CU_ASSERT_EQUAL(cfg->listeners[0].group, 3);
	CU_ASSERT_EQUAL(cfg->listeners[0].inspect, 1);

	CU_ASSERT_STRING_EQUAL(cfg->daemon.api_socket, "/tmp/sluice-test/api.sock");
	CU_ASSERT_EQUAL(cfg->daemon.api_socket_mode, 0660);
	CU_ASSERT_STRING_EQUAL(cfg->daemon.metrics_address, "[::1]:9100");
	CU_ASSERT_EQUAL_FATAL(cfg->daemon.n_dataplanes, 2);
	CU_ASSERT_STRING_EQUAL(cfg->daemon.dataplanes[0], "/tmp/sluice-test/dp0.sock");
	CU_ASSERT_STRING_EQUAL(cfg->daemon.dataplanes[1], "/tmp/sluice-test/dp1.sock");
	CU_ASSERT_STRING_EQUAL(cfg->daemon.log_level, "debug");

	config_free(cfg);
}

static void test_nlb_config_parses_every_value(void)
{
	struct config *cfg = NULL;
	char err[CFG_ERR_MAX];
	const struct cfg_listener *l;
	const struct cfg_group *g;
	int rc;

	rc = config_load(SL_TEST_DATA "/nlb.yaml", &cfg, err, sizeof(err));
	if (rc)
		printf("\n    %s\n", err);
	CU_ASSERT_FATAL(rc == 0);
	CU_ASSERT_STRING_EQUAL(cfg->node.zone, "az1");
	CU_ASSERT_EQUAL_FATAL(cfg->n_zones, 2);
	CU_ASSERT(addr_is(&cfg->zones[0].address, "10.0.1.10"));
	CU_ASSERT_EQUAL(cfg->n_ports, 3);
	CU_ASSERT_EQUAL(cfg->n_routes, 1);
	CU_ASSERT_EQUAL_FATAL(cfg->n_groups, 4);

	g = &cfg->groups[0];
	CU_ASSERT_STRING_EQUAL(g->name, "web");
	CU_ASSERT_EQUAL(g->protocol, CFG_PROTO_TCP);
	CU_ASSERT_EQUAL(g->stickiness, FLOW_STICK_2TUPLE); /* source_ip */
	CU_ASSERT_EQUAL(g->preserve_client_ip, 1);	   /* default */
	CU_ASSERT_EQUAL(g->tcp_unknown_reset, 0);	   /* default with DNAT: adopt */
	CU_ASSERT_EQUAL(g->cross_zone, 0);
	CU_ASSERT_EQUAL(g->hc.protocol, CFG_HC_HTTP);
	CU_ASSERT_EQUAL(g->hc.port, 0);
	CU_ASSERT_STRING_EQUAL(g->hc.path, "/healthz");
	CU_ASSERT_EQUAL(g->hc.timeout, 6);
	CU_ASSERT_EQUAL_FATAL(g->n_targets, 3);
	CU_ASSERT_STRING_EQUAL(g->targets[0].id, "web-1");
	CU_ASSERT(addr_is(&g->targets[0].address, "10.1.0.11"));
	CU_ASSERT_EQUAL(g->targets[0].port, 8443);
	CU_ASSERT_EQUAL(g->targets[1].weight, 2);
	CU_ASSERT_STRING_EQUAL(g->targets[2].zone, "az2");

	g = &cfg->groups[1];
	CU_ASSERT_STRING_EQUAL(g->name, "dns");
	CU_ASSERT_EQUAL(g->protocol, CFG_PROTO_UDP);
	CU_ASSERT_EQUAL(g->stickiness, FLOW_STICK_5TUPLE);
	CU_ASSERT_EQUAL(g->preserve_client_ip, 0);
	CU_ASSERT_EQUAL(g->tcp_unknown_reset, 1); /* default with source NAT: reset */
	CU_ASSERT_EQUAL(g->hc.protocol, CFG_HC_TCP);
	CU_ASSERT_EQUAL(g->hc.port, 53);
	CU_ASSERT_EQUAL_FATAL(g->n_targets, 2);
	CU_ASSERT_EQUAL(g->targets[0].port, 53);
	CU_ASSERT_STRING_EQUAL(g->targets[1].id, "ns-2");
	CU_ASSERT_EQUAL(g->targets[1].port, 0); /* absent: the packet's destination port */

	g = &cfg->groups[2];
	CU_ASSERT_STRING_EQUAL(g->name, "bulk");
	CU_ASSERT_EQUAL(g->protocol, CFG_PROTO_TCP_UDP);
	CU_ASSERT_EQUAL(g->cross_zone, 1);
	CU_ASSERT_EQUAL(g->preserve_client_ip, 1);
	CU_ASSERT_EQUAL(g->tcp_unknown_reset, 1);
	CU_ASSERT_EQUAL(g->hc.port, 22);
	CU_ASSERT_EQUAL_FATAL(g->n_targets, 2);
	CU_ASSERT_EQUAL(g->targets[0].port, 0);
	CU_ASSERT_EQUAL(g->targets[1].port, 0); /* port: 0 */

	g = &cfg->groups[3];
	CU_ASSERT_STRING_EQUAL(g->name, "firewalls");
	CU_ASSERT_EQUAL(g->protocol, CFG_PROTO_GENEVE);
	CU_ASSERT_EQUAL(g->preserve_client_ip, 1);
	CU_ASSERT_EQUAL(g->tcp_unknown_reset, 0);

	CU_ASSERT_EQUAL_FATAL(cfg->n_inspections, 1);
	CU_ASSERT_EQUAL_FATAL(cfg->n_listeners, 4);
	{
		/* name, protocol, port (0: all), group index, inspection index (-1: none) */
		static const struct cfg_listener want[] = {
			{"web", CFG_LPROTO_TCP, 443, 0, -1},
			{"dns", CFG_LPROTO_UDP, 53, 1, -1},
			{"api", CFG_LPROTO_TCP, 8443, 0, 0},
			{"any", CFG_LPROTO_TCP | CFG_LPROTO_UDP, 0, 2, -1},
		};
		unsigned int i;

		for (i = 0; i < 4; i++) {
			l = &cfg->listeners[i];
			CU_ASSERT_STRING_EQUAL(l->name, want[i].name);
			CU_ASSERT_EQUAL(l->protocol, want[i].protocol);
			CU_ASSERT_EQUAL(l->port, want[i].port);
			CU_ASSERT_EQUAL(l->group, want[i].group);
			CU_ASSERT_EQUAL(l->inspect, want[i].inspect);
		}
		CU_ASSERT_EQUAL(cfg->listeners[3].protocol, CFG_LPROTO_TCP_UDP);
	}
	config_free(cfg);
}

static void test_minimal_config_gets_every_default(void)
{
	struct cfg_group want;
	struct config *cfg = LOAD_OK(GENEVE_GROUP "    targets: [{id: a, address: 192.168.50.11, "
						  "zone: anywhere}]\n"
						  "  - {name: web, protocol: tcp}\n"
						  "  - {name: web2, protocol: udp, health_check: "
						  "{protocol: http}}\n");
	const struct cfg_group *g;

	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_FALSE(cfg->node.has_geneve_address);
	CU_ASSERT_EQUAL(cfg->node.ttl, 64);
	CU_ASSERT_EQUAL(cfg->node.flow_table_size, 1048576);
	CU_ASSERT_EQUAL(cfg->node.maglev_size, 65537);
	CU_ASSERT_EQUAL(cfg->node.fragment_table_size, 65536);
	CU_ASSERT_EQUAL(cfg->node.fragment_timeout_ms, 5000);
	CU_ASSERT(!memcmp(cfg->node.cookie_secret, secret_hex, 16));
	CU_ASSERT_EQUAL(cfg->n_zones, 0);
	CU_ASSERT_PTR_NULL(cfg->zones);
	CU_ASSERT_EQUAL(cfg->n_routes, 0);
	CU_ASSERT_EQUAL(cfg->n_neighbors, 0);
	CU_ASSERT_EQUAL(cfg->n_inspections, 0);
	CU_ASSERT_EQUAL(cfg->n_listeners, 0);
	CU_ASSERT_PTR_NULL(cfg->listeners);
	CU_ASSERT_EQUAL(cfg->ports[0].mtu, 1500);
	CU_ASSERT_FALSE(cfg->ports[0].has_mac);
	CU_ASSERT_STRING_EQUAL(cfg->ports[0].kernel_interface, "");
	CU_ASSERT_EQUAL(cfg->node.exception_rate, 10000);
	CU_ASSERT_EQUAL(cfg->node.neighbor_table_size, 65536);
	CU_ASSERT_EQUAL(cfg->node.neighbor_reachable_ms, 30000);

	CU_ASSERT_STRING_EQUAL(cfg->daemon.api_socket, "/run/sluice/sluiced.sock");
	CU_ASSERT_EQUAL(cfg->daemon.api_socket_mode, 0600);
	CU_ASSERT_STRING_EQUAL(cfg->daemon.metrics_address, "127.0.0.1:9469");
	CU_ASSERT_EQUAL_FATAL(cfg->daemon.n_dataplanes, 1);
	CU_ASSERT_STRING_EQUAL(cfg->daemon.dataplanes[0], "/run/sluice/dp.sock");
	CU_ASSERT_STRING_EQUAL(cfg->daemon.log_level, "info");

	/* the defaults spelled out in group_defaults(), not read from the parser's key tables */
	g = &cfg->groups[0]; /* geneve */
	want = group_defaults(CFG_PROTO_GENEVE);
	GROUP_SETTINGS(g, &want);
	CU_ASSERT_EQUAL(g->targets[0].weight, 1);
	CU_ASSERT_EQUAL(g->targets[0].state, CFG_TS_HEALTHY);
	CU_ASSERT_STRING_EQUAL(g->targets[0].zone, "anywhere"); /* any zone without zones: */

	g = &cfg->groups[1]; /* tcp */
	want = group_defaults(CFG_PROTO_TCP);
	GROUP_SETTINGS(g, &want);

	g = &cfg->groups[2]; /* udp, http check: its timeout default is 6 */
	want = group_defaults(CFG_PROTO_UDP);
	want.hc.protocol = CFG_HC_HTTP;
	want.hc.timeout = 6;
	GROUP_SETTINGS(g, &want);
	config_free(cfg);
}

static void test_keys_may_come_in_any_order(void)
{
	struct config *cfg =
		LOAD_OK("inspection: [{name: i, endpoint_id: 1, from: p, chain: [g]}]\n"
			"target_groups: [{name: g, protocol: geneve}]\n"
			"routes: [{prefix: 0.0.0.0/0, via: 10.0.0.254}]\n"
			"ports: [{name: p, device: d, addresses: [10.0.0.1/24]}]\n"
			"node: {zone: z1, cookie_secret: "
			"00112233445566778899aabbccddeeff}\n"
			"zones: {z1: 10.0.0.1}\n");

	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL(cfg->inspections[0].from[0], 0);
	CU_ASSERT_EQUAL(cfg->inspections[0].chain[0], 0);
	config_free(cfg);
}

/* ---- refused configs: message, line and key ---- */

static void test_message_names_file_line_and_key(void)
{
	struct config *cfg = &sentinel;
	char err[CFG_ERR_MAX];

	CU_ASSERT_EQUAL(
		config_load(SL_TEST_DATA "/bad_target_address.yaml", &cfg, err, sizeof(err)),
		-EINVAL);
	CU_ASSERT_PTR_EQUAL(cfg, &sentinel);
	CU_ASSERT_STRING_EQUAL(err, SL_TEST_DATA "/bad_target_address.yaml:12: "
						 "target_groups[1].targets[0].address: not an IPv4 "
						 "address \"10.0.0.300\"");

	CU_ASSERT_EQUAL(config_load(SL_TEST_DATA "/bad_unknown_key.yaml", &cfg, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_EQUAL(cfg, &sentinel);
	CU_ASSERT_PTR_NOT_NULL(
		strstr(err, SL_TEST_DATA "/bad_unknown_key.yaml:6: ports[0].mut: unknown key"));

	CU_ASSERT_EQUAL(config_load(SL_TEST_DATA "/bad_syntax.yaml", &cfg, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_EQUAL(cfg, &sentinel);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, SL_TEST_DATA "/bad_syntax.yaml:4: YAML error: "));
}

static void test_missing_file_is_enoent(void)
{
	struct config *cfg = &sentinel;
	char err[CFG_ERR_MAX];

	CU_ASSERT_EQUAL(config_load(SL_TEST_DATA "/no-such.yaml", &cfg, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_EQUAL(cfg, &sentinel);
	CU_ASSERT_STRING_EQUAL(err, SL_TEST_DATA "/no-such.yaml: No such file or directory");
	CU_ASSERT_EQUAL(config_load(SL_TEST_DATA, &cfg, err, sizeof(err)), -EISDIR);
	CU_ASSERT_PTR_EQUAL(cfg, &sentinel);
	CU_ASSERT_STRING_EQUAL(err, SL_TEST_DATA ": Is a directory");
}

static void test_yaml_level_problems(void)
{
	const struct cfg_case cases[] = {
		{"", "t.yaml:1: the configuration is empty"},
		{"# only a comment\n", "t.yaml:1: the configuration is empty"},
		{"- a\n- b\n", "t.yaml:1: the configuration must be a mapping, got a list"},
		{BASE "ports: []\n", "t.yaml:5: ports: duplicate key (first at line 2)"},
		{BASE "---\nnode: {}\n", "t.yaml:5: only one YAML document is allowed"},
		{BASE "routes: [\n", "t.yaml:6: YAML error: "},
		{BASE "neighbors: *nope\n", "t.yaml:5: YAML error: ", "undefined alias"},
		{BASE "{a: 1}: x\n", "t.yaml:5: a key must be a name, got a mapping"},
		/* anchors and aliases are plain YAML and work */
		{"node: {zone: &z az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		 "ports: [{name: p, device: d, addresses: [10.0.0.1/24]}]\n"
		 "target_groups: [{name: g, protocol: geneve, targets: "
		 "[{id: t, address: 10.0.0.2, zone: *z}]}]\n"},
	};
	EXPECT_CASES(cases);
}

static void test_unknown_keys_are_refused(void)
{
	const struct cfg_case cases[] = {
		{BASE "nodes: {}\n", "t.yaml:5: nodes: unknown key (expected one of: node, "},
		{BASE "zones: {az1: 10.0.1.10}\n"
		      "target_groups: [{name: web, protocol: tcp}]\n"
		      "listeners:\n"
		      "  - {name: web, protocol: tcp, port: 443, target_group: web, tls: on}\n",
		 "t.yaml:8: listeners[0].tls: unknown key (expected one of: name, protocol, port, "
		 "target_group, inspect)"},
		{TCP_GROUP "    preserve_client_id: true\n",
		 "t.yaml:8: target_groups[0].preserve_client_id: unknown key"},
		{"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff, tll: 3}\n"
		 "ports: [{name: p, device: d}]\n",
		 "t.yaml:1: node.tll: unknown key", "ttl"},
		{"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		 "ports:\n"
		 "  - name: p\n"
		 "    device: d\n"
		 "    adresses: [10.0.0.1/24]\n",
		 "t.yaml:5: ports[0].adresses: unknown key"},
		{BASE "routes: [{prefix: 0.0.0.0/0, via: 10.0.1.1, metric: 5}]\n",
		 "t.yaml:5: routes[0].metric: unknown key"},
		{BASE "neighbors: [{address: 10.0.1.1, mac: \"02:00:00:00:00:01\", ttl: 1}]\n",
		 "t.yaml:5: neighbors[0].ttl: unknown key"},
		{GENEVE_GROUP "    stickyness: 2-tuple\n",
		 "t.yaml:8: target_groups[0].stickyness: unknown key"},
		{GENEVE_GROUP "    health_check: {protocol: tcp, intervall: 10}\n",
		 "t.yaml:8: target_groups[0].health_check.intervall: unknown key"},
		{GENEVE_GROUP "    targets:\n"
			      "      - {id: a, address: 192.168.50.11, zone: az1}\n"
			      "      - {id: b, address: 192.168.50.12, zone: az1, wieght: 2}\n",
		 "t.yaml:10: target_groups[0].targets[1].wieght: unknown key"},
		{GENEVE_GROUP "inspection:\n"
			      "  - {name: i, endpoint_id: 1, from: out, chain: [fw], to: app}\n",
		 "t.yaml:9: inspection[0].to: unknown key"},
	};
	EXPECT_CASES(cases);
}

static void test_missing_required_keys_are_refused(void)
{
	const struct cfg_case cases[] = {
		{"ports: [{name: p, device: d}]\n", "t.yaml:1: node: missing (required)"},
		{"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n",
		 "t.yaml:1: ports: missing (required)"},
		{"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		 "ports: []\n",
		 "t.yaml:2: ports: at least one port is required"},
		{"node: {cookie_secret: 00112233445566778899aabbccddeeff}\n"
		 "ports: [{name: p, device: d}]\n",
		 "t.yaml:1: node.zone: missing (required)"},
		{"node: {zone: az1}\nports: [{name: p, device: d}]\n",
		 "t.yaml:1: node.cookie_secret_file: missing (required: cookie_secret_file or "
		 "cookie_secret)"},
		{"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		 "ports:\n  - {device: d}\n",
		 "t.yaml:3: ports[0].name: missing (required)"},
		{"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		 "ports:\n  - {name: p}\n",
		 "t.yaml:3: ports[0].device: missing (required)"},
		{BASE "routes: [{prefix: 0.0.0.0/0}]\n", "t.yaml:5: routes[0].via: missing"},
		{BASE "routes: [{via: 10.0.1.1}]\n", "t.yaml:5: routes[0].prefix: missing"},
		{BASE "neighbors: [{address: 10.0.1.1}]\n", "t.yaml:5: neighbors[0].mac: missing"},
		{BASE "neighbors: [{mac: \"02:00:00:00:00:01\"}]\n",
		 "t.yaml:5: neighbors[0].address: missing"},
		{BASE "target_groups:\n  - {protocol: geneve}\n",
		 "t.yaml:6: target_groups[0].name: missing"},
		{BASE "target_groups:\n  - {name: g}\n",
		 "t.yaml:6: target_groups[0].protocol: missing"},
		{GENEVE_GROUP "    targets: [{address: 192.168.50.11, zone: az1}]\n",
		 "t.yaml:8: target_groups[0].targets[0].id: missing"},
		{GENEVE_GROUP "    targets: [{id: a, zone: az1}]\n",
		 "t.yaml:8: target_groups[0].targets[0].address: missing"},
		{GENEVE_GROUP "    targets: [{id: a, address: 192.168.50.11}]\n",
		 "t.yaml:8: target_groups[0].targets[0].zone: missing"},
		{GENEVE_GROUP "inspection: [{name: i, from: out, chain: [fw]}]\n",
		 "t.yaml:8: inspection[0].endpoint_id: missing"},
		{GENEVE_GROUP "inspection: [{name: i, endpoint_id: 1, chain: [fw]}]\n",
		 "t.yaml:8: inspection[0].from: missing"},
		{GENEVE_GROUP "inspection: [{name: i, endpoint_id: 1, from: out}]\n",
		 "t.yaml:8: inspection[0].chain: missing"},
		{GENEVE_GROUP "inspection: [{endpoint_id: 1, from: out, chain: [fw]}]\n",
		 "t.yaml:8: inspection[0].name: missing"},
		/* an empty value is a missing value */
		{"node:\n  zone:\n  cookie_secret: 00112233445566778899aabbccddeeff\n"
		 "ports: [{name: p, device: d}]\n",
		 "t.yaml:2: node.zone: missing value"},
		{"node: {zone: ~, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		 "ports: [{name: p, device: d}]\n",
		 "t.yaml:1: node.zone: missing value"},
	};
	EXPECT_CASES(cases);
}

static void test_duplicates_are_refused(void)
{
	const struct cfg_case cases[] = {
		{"node: {zone: az1, zone: az2, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		 "ports: [{name: p, device: d}]\n",
		 "t.yaml:1: node.zone: duplicate key (first at line 1)"},
		{BASE "zones: {az1: 10.0.1.10, az1: 10.0.2.10}\n",
		 "t.yaml:5: zones.az1: duplicate key"},
		{BASE "zones: {az1: 10.0.1.10, az2: 10.0.1.10}\n",
		 "t.yaml:5: zones.az2: 10.0.1.10 is already the address of zone \"az1\""},
		{BASE "  - {name: out, device: net_null2}\n",
		 "t.yaml:5: ports[2].name: duplicate port name \"out\" (also ports[0])"},
		{BASE "  - {name: x, device: net_null1}\n",
		 "t.yaml:5: ports[2].device: device \"net_null1\" is already used by port \"app\""},
		{BASE "  - {name: x, device: d, addresses: [10.0.1.10/16]}\n",
		 "t.yaml:5: ports[2].addresses[0]: 10.0.1.10 is already configured on port "
		 "\"out\""},
		{BASE "  - {name: x, device: d, addresses: [10.9.0.1/24, 10.9.0.1/32]}\n",
		 "t.yaml:5: ports[2].addresses[1]: 10.9.0.1 is listed twice"},
		{BASE "routes:\n"
		      "  - {prefix: 10.8.0.0/16, via: 10.0.1.1}\n"
		      "  - {prefix: 10.8.0.0/16, via: 10.0.1.2}\n",
		 "t.yaml:7: routes[1].prefix: duplicate route for 10.8.0.0/16 (also routes[0])"},
		{BASE "neighbors:\n"
		      "  - {address: 10.0.1.1, mac: \"02:00:00:00:00:01\"}\n"
		      "  - {address: 10.0.1.1, mac: \"02:00:00:00:00:02\"}\n",
		 "t.yaml:7: neighbors[1].address: duplicate neighbor 10.0.1.1"},
		{GENEVE_GROUP "  - {name: fw, protocol: geneve}\n",
		 "t.yaml:8: target_groups[1].name: duplicate target group name \"fw\""},
		{GENEVE_GROUP "    targets:\n"
			      "      - {id: a, address: 192.168.50.11, zone: az1}\n"
			      "      - {id: a, address: 192.168.50.12, zone: az1}\n",
		 "t.yaml:10: target_groups[0].targets[1].id: duplicate target id \"a\""},
		{GENEVE_GROUP "    targets:\n"
			      "      - {id: a, address: 192.168.50.11, zone: az1}\n"
			      "      - {id: b, address: 192.168.50.11, zone: az1}\n",
		 "t.yaml:10: target_groups[0].targets[1].address: 192.168.50.11 is already "
		 "target \"a\""},
		{TCP_GROUP "    targets:\n"
			   "      - {id: a, address: 10.0.1.20, port: 80, zone: az1}\n"
			   "      - {id: b, address: 10.0.1.20, port: 80, zone: az1}\n",
		 "t.yaml:10: target_groups[0].targets[1].port: 10.0.1.20 port 80 is already "
		 "target \"a\""},
		{TCP_GROUP "    targets:\n"
			   "      - {id: a, address: 10.0.1.20, port: 80, zone: az1}\n"
			   "      - {id: b, address: 10.0.1.20, port: 81, zone: az1}\n"},
		/* the same target id in two groups is fine */
		{GENEVE_GROUP "    targets: [{id: a, address: 192.168.50.11, zone: az1}]\n"
			      "  - name: ids\n"
			      "    protocol: geneve\n"
			      "    targets: [{id: a, address: 192.168.50.12, zone: az1}]\n"},
		{GENEVE_GROUP "inspection:\n"
			      "  - {name: i, endpoint_id: 1, from: out, chain: [fw]}\n"
			      "  - {name: i, endpoint_id: 2, from: app, chain: [fw]}\n",
		 "t.yaml:10: inspection[1].name: duplicate inspection name \"i\""},
		{GENEVE_GROUP "inspection:\n"
			      "  - {name: i, endpoint_id: 0x10, from: out, chain: [fw]}\n"
			      "  - {name: j, endpoint_id: 16, from: app, chain: [fw]}\n",
		 "t.yaml:10: inspection[1].endpoint_id: endpoint_id 0x0000000000000010 is "
		 "already used by inspection \"i\""},
		{GENEVE_GROUP "inspection:\n"
			      "  - {name: i, endpoint_id: 1, from: out, chain: [fw]}\n"
			      "  - {name: j, endpoint_id: 2, from: [app, out], chain: [fw]}\n",
		 "t.yaml:10: inspection[1].from[1]: port \"out\" is already in inspection \"i\""},
		{GENEVE_GROUP "inspection:\n"
			      "  - {name: i, endpoint_id: 1, from: [out, out], chain: [fw]}\n",
		 "t.yaml:9: inspection[0].from[1]: port \"out\" is listed twice"},
		{GENEVE_GROUP "inspection:\n"
			      "  - {name: i, endpoint_id: 1, from: out, chain: [fw, fw]}\n",
		 "t.yaml:9: inspection[0].chain[1]: target group \"fw\" is listed twice"},
	};
	EXPECT_CASES(cases);
}

/* ---- values ---- */

static void test_node_values(void)
{
#define NODE(x) "node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff, " x "}\n"
#define PORT	"ports: [{name: p, device: d, addresses: [10.0.0.1/24]}]\n"
	static const struct key_range ranges[] = {
		{"ttl", 1, 255},
		{"flow_table_size", 1024, 67108864},
		{"fragment_table_size", 16, 16777216},
		{"fragment_timeout_ms", 100, 60000},
		{"maglev_size", 65537, 16777259}, /* both primes */
		{"exception_rate", 100, 1000000},
		{"neighbor_table_size", 16, 4194304},
		{"neighbor_reachable_ms", 1000, 3600000},
		{"drain_time", 0, 3600},
	};
	const struct cfg_case cases[] = {
		{NODE("maglev_size: 65539") PORT},
		{NODE("maglev_size: 65541") PORT,
		 "t.yaml:1: node.maglev_size: 65541 is not prime (the next prime is 65543)"},
		{NODE("geneve_address: 10.0.0.1") PORT},
		{NODE("geneve_address: 10.0.0.2") PORT,
		 "t.yaml:1: node.geneve_address: 10.0.0.2 is not an address of any port"},
		{NODE("geneve_address: \"2001:db8::1\"") PORT,
		 "t.yaml:1: node.geneve_address: not an IPv4 address \"2001:db8::1\""},
		{NODE("geneve_address: 10.0.0.1/24") PORT,
		 "node.geneve_address: expected an address without a prefix length"},
		{"node:\n  zone: az1\n  cookie_secret: 00112233445566778899aabbccddeeff\n"
		 "  ttl: [1]\n" PORT,
		 "t.yaml:4: node.ttl: expected a single value, got a list"},
		{"node: {zone: \"a z\", cookie_secret: 00112233445566778899aabbccddeeff}\n" PORT,
		 "t.yaml:1: node.zone: invalid character in name \"a z\""},
		{"node: {zone: "
		 "a234567890123456789012345678901234567890123456789012345678901234, "
		 "cookie_secret: 00112233445566778899aabbccddeeff}\n" PORT,
		 "t.yaml:1: node.zone: name too long (64 characters, at most 63)"},
		{"node: {zone: a23456789012345678901234567890123456789012345678901234567890123, "
		 "cookie_secret: 00112233445566778899aabbccddeeff}\n" PORT},
		{"node: []\n" PORT, "t.yaml:1: node: expected a mapping, got a list"},
		{NODE("exception_rate: 0") PORT, "node.exception_rate: 0 is out of range"},
		{NODE("exception_rate: fast") PORT, "node.exception_rate:"},
	};
	EXPECT_CASES(cases);
	EXPECT_RANGES("node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff, ",
		      "}\n" PORT, "t.yaml:1: node", ranges);
#undef NODE
#undef PORT
}

static void test_integers_are_strict(void)
{
#define TTL(x)                                                                             \
	"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff, ttl: " x "}\n" \
	"ports: [{name: p, device: d}]\n"
	const struct cfg_case cases[] = {
		{TTL("1.5"), "t.yaml:1: node.ttl: not an integer \"1.5\""},
		{TTL("abc"), "node.ttl: not an integer \"abc\""},
		{TTL("1e2"), "node.ttl: not an integer \"1e2\""},
		{TTL("\" 64\""), "node.ttl: not an integer \" 64\""},
		{TTL("+64"), "node.ttl: not an integer \"+64\""},
		{TTL("0x"), "node.ttl: not an integer \"0x\""},
		{TTL("0x0x5"), "node.ttl: not an integer \"0x0x5\""},
		{TTL("-1"), "t.yaml:1: node.ttl: must not be negative, got \"-1\""},
		{TTL("99999999999999999999"), "node.ttl: 99999999999999999999 is too large"},
		{TTL("true"), "node.ttl: not an integer \"true\""},
		{TTL("0x40")},
		{TTL("\"64\"")},
	};
	EXPECT_CASES(cases);
#undef TTL
}

static void test_endpoint_ids_take_hex_and_decimal(void)
{
#define EP(x) GENEVE_GROUP "inspection: [{name: i, endpoint_id: " x ", from: out, chain: [fw]}]\n"
	struct config *cfg = LOAD_OK(EP("0xffffffffffffffff"));

	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL(cfg->inspections[0].endpoint_id, UINT64_MAX);
	config_free(cfg);
	cfg = LOAD_OK(EP("18446744073709551615"));
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL(cfg->inspections[0].endpoint_id, UINT64_MAX);
	config_free(cfg);
	cfg = LOAD_OK(GENEVE_GROUP "inspection: [{name: i, endpoint_id: 0, attachment_id: "
				   "0xABCDEF, from: [out, app], chain: [fw]}]\n");
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL(cfg->inspections[0].endpoint_id, 0);
	CU_ASSERT_EQUAL(cfg->inspections[0].attachment_id, 0xabcdef);
	CU_ASSERT_EQUAL(cfg->inspections[0].n_from, 2);
	CU_ASSERT_EQUAL(cfg->inspections[0].from[1], 1);
	config_free(cfg);
	const struct cfg_case cases[] = {
		{EP("0x10000000000000000"),
		 "t.yaml:8: inspection[0].endpoint_id: 0x10000000000000000 is too large"},
		{EP("18446744073709551616"), "inspection[0].endpoint_id: 18446744073709551616 is"},
		{EP("0xg1"), "t.yaml:8: inspection[0].endpoint_id: not an integer \"0xg1\""},
		{EP("-5"), "inspection[0].endpoint_id: must not be negative"},
		{GENEVE_GROUP "inspection: [{name: i, endpoint_id: 1, attachment_id: x, from: "
			      "out, chain: [fw]}]\n",
		 "t.yaml:8: inspection[0].attachment_id: not an integer \"x\""},
	};
	EXPECT_CASES(cases);
#undef EP
}

static void test_cookie_secret_inline_and_file(void)
{
	struct config *cfg;
	char err[CFG_ERR_MAX], dir[] = "/tmp/sl-test-config-XXXXXX", path[PATH_MAX],
			       yaml[PATH_MAX + 200];
	static const uint8_t raw[20] = {0x00, 0xff, 0x0a, '\n', ' ',  0x01, 0x02, 0x03, 0x04, 0x05,
					0x06, 0x07, 0x08, 0x09, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15};
	FILE *f;
	const char *data = SL_TEST_DATA "/inline.yaml"; /* relative secret files resolve here */
#define SECRET(x) "node: {zone: az1, " x "}\nports: [{name: p, device: d}]\n"

	cfg = LOAD_OK(SECRET("cookie_secret: 00112233445566778899AABBCCDDEEFF"));
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT(!memcmp(cfg->node.cookie_secret, secret_hex, 16));
	config_free(cfg);
	const struct cfg_case cases[] = {
		{SECRET("cookie_secret: 00112233445566778899aabbccddeef"),
		 "t.yaml:1: node.cookie_secret: must be 32 hex digits (16 bytes)"},
		{SECRET("cookie_secret: 00112233445566778899aabbccddeeff0"),
		 "node.cookie_secret: must be 32 hex digits"},
		{SECRET("cookie_secret: 00112233445566778899aabbccddeefg"),
		 "node.cookie_secret: must be 32 hex digits"},
		{SECRET("cookie_secret: 00112233445566778899aabbccddeeff, cookie_secret_file: "
			"secret.hex"),
		 "t.yaml:1: node.cookie_secret: give cookie_secret or cookie_secret_file, not "
		 "both"},
	};
	EXPECT_CASES(cases);

	/* hex text, surrounded by whitespace, any case; relative to the config's directory */
	cfg = NULL;
	CU_ASSERT_EQUAL(config_load_string(SECRET("cookie_secret_file: secret.hex"),
					   strlen(SECRET("cookie_secret_file: secret.hex")), data,
					   &cfg, err, sizeof(err)),
			0);
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT(!memcmp(cfg->node.cookie_secret, secret_hex, 16));
	config_free(cfg);
	/* >= 16 bytes that are not hex text: the first 16 raw bytes */
	cfg = NULL;
	CU_ASSERT_EQUAL(config_load_string(SECRET("cookie_secret_file: secret.raw"),
					   strlen(SECRET("cookie_secret_file: secret.raw")), data,
					   &cfg, err, sizeof(err)),
			0);
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT(!memcmp(cfg->node.cookie_secret, "ABCDEFGHIJKLMNOP", 16));
	config_free(cfg);
	EXPECT_ERR_IN(data, SECRET("cookie_secret_file: secret.short"),
		      ":1: node.cookie_secret_file: ", "/secret.short: too short (10 bytes");
	EXPECT_ERR_IN(data, SECRET("cookie_secret_file: secret.badhex"),
		      ":1: node.cookie_secret_file: ",
		      "/secret.badhex: holds 16 hex digits, expected 32");
	EXPECT_ERR_IN(data, SECRET("cookie_secret_file: secret.empty"),
		      ":1: node.cookie_secret_file: ", "/secret.empty: the file is empty");
	EXPECT_ERR_IN(
		data, SECRET("cookie_secret_file: no-such-secret"),
		":1: node.cookie_secret_file: ", "/no-such-secret: No such file or directory");
	EXPECT_ERR(SECRET("cookie_secret_file: [a]"),
		   "t.yaml:1: node.cookie_secret_file: expected a single value, got a list", NULL);

	/* binary bytes (NUL, newline) at an absolute path */
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/bin", dir);
	f = fopen(path, "wb");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(fwrite(raw, 1, sizeof(raw), f), sizeof(raw));
	fclose(f);
	snprintf(yaml, sizeof(yaml), SECRET("cookie_secret_file: \"%s\""), path);
	cfg = LOAD_OK(yaml);
	CU_ASSERT(cfg != NULL);
	if (cfg)
		CU_ASSERT(!memcmp(cfg->node.cookie_secret, raw, 16));
	config_free(cfg);
	unlink(path);
	rmdir(dir);
#undef SECRET
}

static void test_dir_token_is_the_config_directory(void)
{
	struct config *cfg = NULL;
	char err[CFG_ERR_MAX], dir[PATH_MAX], want[PATH_MAX + 64], big[700];
	const char *yaml = "node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
			   "ports: [{name: p, device: \"net_pcap0,rx_pcap=@DIR@/in.pcap\"}]\n";

	CU_ASSERT_EQUAL_FATAL(config_load_string(yaml, strlen(yaml), SL_TEST_DATA "/x.yaml", &cfg,
						 err, sizeof(err)),
			      0);
	CU_ASSERT_FATAL(realpath(SL_TEST_DATA, dir) != NULL);
	snprintf(want, sizeof(want), "net_pcap0,rx_pcap=%s/in.pcap", dir);
	CU_ASSERT_STRING_EQUAL(cfg->ports[0].device, want);
	config_free(cfg);

	/* too long once replaced */
	snprintf(big, sizeof(big),
		 "node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		 "ports: [{name: p, device: \"@DIR@/%0500d\"}]\n",
		 0);
	EXPECT_ERR_IN(SL_TEST_DATA "/x.yaml", big, "/x.yaml:2: ports[0].device: too long", NULL);
}

static void test_port_values(void)
{
#define P(x)                                                                   \
	"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n" \
	"ports:\n"                                                             \
	"  - {name: p, device: d, " x "}\n"
	struct config *cfg;

	const struct cfg_case cases[] = {
		{P("mtu: 576")},
		{P("mtu: 9216")},
		{P("mtu: 575"), "t.yaml:3: ports[0].mtu: 575 is out of range (576..9216)"},
		{P("mtu: 9217"), "t.yaml:3: ports[0].mtu: 9217 is out of range"},
		{P("addresses: [\"2001:db8::1/64\"], mtu: 1279"),
		 "t.yaml:3: ports[0].mtu: 1279 is below the IPv6 minimum of 1280"},
		{P("addresses: [\"2001:db8::1/64\"], mtu: 1280")},
		{P("addresses: [10.0.0.1/33]"),
		 "t.yaml:3: ports[0].addresses[0]: bad prefix length in \"10.0.0.1/33\" (0..32)"},
		{P("addresses: [\"2001:db8::1/129\"]"), "bad prefix length", "(0..128)"},
		{P("addresses: [10.0.0.1/]"), "ports[0].addresses[0]: bad prefix length"},
		{P("addresses: [10.0.0.1/2x]"), "ports[0].addresses[0]: bad prefix length"},
		{P("addresses: [10.0.0.256/24]"),
		 "t.yaml:3: ports[0].addresses[0]: not an IP address or prefix "
		 "\"10.0.0.256/24\""},
		{P("addresses: [eth0]"), "ports[0].addresses[0]: not an IP address or prefix"},
		{P("addresses: [224.0.0.1/4]"),
		 "ports[0].addresses[0]: 224.0.0.1 is not a unicast address"},
		{P("addresses: [\"::/0\"]"), "ports[0].addresses[0]: :: is not a unicast"},
		{P("addresses: 10.0.0.1/24"), "ports[0].addresses: expected a list"},
		{P("addresses: [10.0.0.1/24, 10.0.0.2/24, 10.0.0.3/24, 10.0.0.4/24, 10.0.0.5/24, "
		   "10.0.0.6/24, 10.0.0.7/24, 10.0.0.8/24, 10.0.0.9/24]"),
		 "t.yaml:3: ports[0].addresses: too many addresses (9, at most 8)"},
		{P("addresses: [10.0.0.1/24, 10.0.0.2/24, 10.0.0.3/24, 10.0.0.4/24, 10.0.0.5/24, "
		   "10.0.0.6/24, 10.0.0.7/24, 10.0.0.8/24]")},
		{P("mac: \"02:00:00:00:00\""),
		 "t.yaml:3: ports[0].mac: not a MAC address \"02:00:00:00:00\""},
		{P("mac: \"02-00-00-00-00-01\""), "ports[0].mac: not a MAC address"},
		{P("mac: \"0g:00:00:00:00:01\""), "ports[0].mac: not a MAC address"},
		{P("mac: \"01:00:5e:00:00:01\""), "ports[0].mac: \"01:00:5e:00:00:01\" is a "
						  "multicast MAC"},
		{P("mac: \"00:00:00:00:00:00\""), "ports[0].mac: \"00:00:00:00:00:00\" is not"},
		{P("name: \"p 1\""), "duplicate key"},
		{"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		 "ports: [{name: \"p/1\", device: d}]\n",
		 "t.yaml:2: ports[0].name: invalid character in name \"p/1\""},
		{"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		 "ports: [{name: p, device: \"\"}]\n",
		 "t.yaml:2: ports[0].device: missing value"},
		{"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		 "ports: {name: p, device: d}\n",
		 "t.yaml:2: ports: expected a list, got a mapping"},
		{"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		 "ports: [p0]\n",
		 "t.yaml:2: ports[0]: expected a mapping, got a single value"},
	};
	EXPECT_CASES(cases);

	const struct cfg_case cases2[] = {
		{P("kernel_interface: a")},
		{P("kernel_interface: sl-out_0.v12345")}, /* 15 characters */
		{P("kernel_interface: sl-out_0.v123456"),
		 "t.yaml:3: ports[0].kernel_interface: interface name too long (16 characters, "
		 "at most 15)"},
		{P("kernel_interface: \"eth 0\""),
		 "t.yaml:3: ports[0].kernel_interface: invalid character in interface name "
		 "\"eth 0\" (letters, digits, - _ . only)"},
		{P("kernel_interface: \"eth0:1\""), "invalid character in interface name"},
		{P("kernel_interface: \"a/b\""), "invalid character in interface name"},
		{P("kernel_interface: \"..\""),
		 "ports[0].kernel_interface: \"..\" is not a valid interface name"},
		{P("kernel_interface: \".\""), "\".\" is not a valid interface name"},
		{P("kernel_interface: \"\""), "ports[0].kernel_interface: missing value"},
		{P("kernel_interface: [eth0]"),
		 "ports[0].kernel_interface: expected a single value, got a list"},
		{"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		 "ports:\n"
		 "  - {name: a, device: d0, kernel_interface: sl0}\n"
		 "  - {name: b, device: d1, kernel_interface: sl1}\n"
		 "  - {name: c, device: d2, kernel_interface: sl0}\n",
		 "t.yaml:5: ports[2].kernel_interface: kernel interface \"sl0\" is already port "
		 "\"a\"'s"},
	};
	EXPECT_CASES(cases2);
	cfg = LOAD_OK("node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff, "
		      "exception_rate: 2500}\n"
		      "ports:\n"
		      "  - {name: a, device: d0, kernel_interface: sl-a}\n"
		      "  - {name: b, device: d1}\n");
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_STRING_EQUAL(cfg->ports[0].kernel_interface, "sl-a");
	CU_ASSERT_STRING_EQUAL(cfg->ports[1].kernel_interface, "");
	CU_ASSERT_EQUAL(cfg->node.exception_rate, 2500);
	config_free(cfg);

	cfg = LOAD_OK(P("addresses: [10.0.0.1, \"2001:DB8::1\"], mac: \"02:AB:cd:00:00:01\""));
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT(addr_is(&cfg->ports[0].addrs[0], "10.0.0.1/32"));
	CU_ASSERT(addr_is(&cfg->ports[0].addrs[1], "2001:db8::1/128"));
	CU_ASSERT(!memcmp(cfg->ports[0].mac, "\x02\xab\xcd\x00\x00\x01", 6));
	config_free(cfg);
#undef P
}

static void test_zones_are_checked(void)
{
#define Z(zone, zones, tzone)                                                       \
	"node: {zone: " zone ", cookie_secret: 00112233445566778899aabbccddeeff}\n" \
	"zones: " zones "\n"                                                        \
	"ports: [{name: p, device: d, addresses: [10.0.0.1/24]}]\n"                 \
	"target_groups:\n"                                                          \
	"  - name: g\n"                                                             \
	"    protocol: geneve\n"                                                    \
	"    targets: [{id: t, address: 10.0.0.2, zone: " tzone "}]\n"
	const struct cfg_case cases[] = {
		{Z("az1", "{az1: 10.0.1.10, az2: \"2001:db8::10\"}", "az2")},
		{Z("az3", "{az1: 10.0.1.10, az2: 10.0.2.10}", "az2"),
		 "t.yaml:1: node.zone: zone \"az3\" is not in zones (az1, az2)"},
		{Z("az1", "{az1: 10.0.1.10, az2: 10.0.2.10}", "az9"),
		 "t.yaml:7: target_groups[0].targets[0].zone: zone \"az9\" is not in zones"},
		{Z("az1", "{az1: 10.0.1.300}", "az1"),
		 "t.yaml:2: zones.az1: not an IP address \"10.0.1.300\""},
		{Z("az1", "{az1: 10.0.1.0/24}", "az1"),
		 "t.yaml:2: zones.az1: expected an address without a prefix length"},
		{Z("az1", "{}", "az1"), "t.yaml:2: zones: empty"},
		{Z("az1", "[az1]", "az1"), "t.yaml:2: zones: expected a mapping, got a list"},
		{Z("az1", "{\"a z\": 10.0.1.10}", "az1"),
		 "t.yaml:2: zones.a z: invalid character in name"},
	};
	EXPECT_CASES(cases);
#undef Z
}

static void test_routes_and_neighbors(void)
{
	const struct cfg_case cases[] = {
		{BASE "routes: [{prefix: 10.0.0.0/8, via: 10.0.1.254}, {prefix: 10.9.9.9, via: "
		      "10.0.1.254}]\n"},
		{BASE "routes:\n  - {prefix: 10.1.2.3/16, via: 10.0.1.1}\n",
		 "t.yaml:6: routes[0].prefix: 10.1.2.3/16 has host bits set"},
		{BASE "routes:\n  - {prefix: \"2001:db8::1/64\", via: \"2001:db8:a::1\"}\n",
		 "t.yaml:6: routes[0].prefix: 2001:db8::1/64 has host bits set"},
		{BASE "routes:\n  - {prefix: 0.0.0.0/0, via: \"2001:db8:a::1\"}\n",
		 "t.yaml:6: routes[0].via: not an IPv4 address \"2001:db8:a::1\""},
		{BASE "routes:\n  - {prefix: \"::/0\", via: 10.0.1.1}\n",
		 "t.yaml:6: routes[0].via: not an IPv6 address \"10.0.1.1\""},
		{BASE "routes:\n  - {prefix: 0.0.0.0/0, via: 10.0.9.1}\n",
		 "t.yaml:6: routes[0].via: route 0.0.0.0/0: next hop 10.0.9.1 is not inside any "
		 "port's connected subnet"},
		{BASE "routes:\n  - {prefix: 0.0.0.0/0, via: 10.0.1.10}\n",
		 "t.yaml:6: routes[0].via: 10.0.1.10 is this node's own address (port \"out\")"},
		{BASE "routes:\n  - {prefix: 0.0.0.0/0, via: 10.0.1.1/32}\n",
		 "t.yaml:6: routes[0].via: expected an address without a prefix length"},
		{BASE "routes: {prefix: 0.0.0.0/0, via: 10.0.1.1}\n",
		 "t.yaml:5: routes: expected a list, got a mapping"},
		{BASE "neighbors:\n  - {address: \"2001:db8:a::1\", mac: \"02:00:00:00:00:01\"}\n"},
		{BASE "neighbors:\n  - {address: 10.7.0.1, mac: \"02:00:00:00:00:01\"}\n",
		 "t.yaml:6: neighbors[0].address: 10.7.0.1 is not inside any port's connected "
		 "subnet"},
		{BASE "neighbors:\n  - {address: 10.0.1.10, mac: \"02:00:00:00:00:01\"}\n",
		 "t.yaml:6: neighbors[0].address: 10.0.1.10 is this node's own address"},
		{BASE "neighbors:\n  - {address: 10.0.1.1, mac: \"02:00:00:00:00:0\"}\n",
		 "t.yaml:6: neighbors[0].mac: not a MAC address"},
		{BASE "neighbors:\n  - {address: 10.0.1.255.1, mac: \"02:00:00:00:00:01\"}\n",
		 "t.yaml:6: neighbors[0].address: not an IP address \"10.0.1.255.1\""},
	};
	EXPECT_CASES(cases);
}

static void test_group_values(void)
{
	static const struct key_range ranges[] = {
		{"deregistration_delay", 0, 3600},
		{"tcp_idle_timeout", 60, 6000},
		{"other_idle_timeout", 60, 6000},
	};
	const struct cfg_case cases[] = {
		{BASE "target_groups:\n  - {name: g, protocol: sctp}\n",
		 "t.yaml:6: target_groups[0].protocol: \"sctp\" is not one of: geneve, tcp, udp, "
		 "tcp_udp"},
		{GENEVE_GROUP "    stickiness: 4-tuple\n",
		 "t.yaml:8: target_groups[0].stickiness: \"4-tuple\" is not one of: 5-tuple, "
		 "3-tuple, 2-tuple"},
		{GENEVE_GROUP "    cross_zone: maybe\n",
		 "t.yaml:8: target_groups[0].cross_zone: expected true or false, got \"maybe\""},
		{GENEVE_GROUP "    cross_zone: no\n    connection_termination: Yes\n"},
		{GENEVE_GROUP "    connection_termination: 1\n",
		 "t.yaml:8: target_groups[0].connection_termination: expected true or false"},
		{GENEVE_GROUP "    target_failover: rebalanced\n",
		 "t.yaml:8: target_groups[0].target_failover: \"rebalanced\" is not one of: "
		 "no_rebalance, rebalance"},
		{GENEVE_GROUP "    deregistration_delay: -1\n",
		 "target_groups[0].deregistration_delay: must not be negative"},
		{GENEVE_GROUP "    all_unhealthy: bypass\n"},
		{TCP_GROUP "    all_unhealthy: drop\n"},
		{TCP_GROUP "    all_unhealthy: bypass\n",
		 "t.yaml:8: target_groups[0].all_unhealthy: bypass is only possible for geneve "
		 "groups"},
		{TCP_GROUP "    all_unhealthy: open\n",
		 "target_groups[0].all_unhealthy: \"open\" is not one of: all_targets, drop, "
		 "bypass"},
		{GENEVE_GROUP "    targets: {id: a}\n",
		 "t.yaml:8: target_groups[0].targets: expected a list, got a mapping"},
		{GENEVE_GROUP "    targets: []\n"},
		{BASE "target_groups: {name: g}\n",
		 "t.yaml:5: target_groups: expected a list, got a mapping"},
	};
	EXPECT_CASES(cases);
	EXPECT_RANGES(GENEVE_GROUP "    ", "\n", "t.yaml:8: target_groups[0]", ranges);
}

static void test_health_check_values(void)
{
#define HC(x)  GENEVE_GROUP "    health_check: {" x "}\n"
#define THC(x) TCP_GROUP "    health_check: {" x "}\n"
	const struct cfg_case cases[] = {
		{HC("port: 1")},
		{HC("port: 65535")},
		{HC("port: 65536"),
		 "t.yaml:8: target_groups[0].health_check.port: 65536 is out of range (0..65535)"},
		{HC("port: 0"),
		 "t.yaml:8: target_groups[0].health_check.port: 0 (the traffic port) is not "
		 "possible in a geneve group"},
		{THC("port: 0")},
		{HC("protocol: udp"),
		 "t.yaml:8: target_groups[0].health_check.protocol: \"udp\" is not one of: tcp, "
		 "http, https"},
		/* below the AWS minimum (5 s) on purpose: labs and tests fail over fast */
		{HC("interval: 2, timeout: 1")},
		{HC("interval: 5, timeout: 4")},
		{HC("interval: 300, timeout: 120")},
		{HC("interval: 1, timeout: 1"),
		 "t.yaml:8: target_groups[0].health_check.interval: 1 is out of range (2..300)"},
		{HC("interval: 301"), "health_check.interval: 301 is out of range"},
		{HC("timeout: 1")},
		{HC("timeout: 0"),
		 "t.yaml:8: target_groups[0].health_check.timeout: 0 is out of range (1..120)"},
		{HC("interval: 2, timeout: 2"),
		 "t.yaml:8: target_groups[0].health_check.timeout: 2 must be less than the "
		 "interval (2)"},
		/* the default timeout (5 s for a geneve group) is above a short interval */
		{HC("interval: 3"),
		 "t.yaml:8: target_groups[0].health_check.interval: 3 must be greater than the "
		 "timeout (5 by default; set timeout)"},
		{HC("interval: 300, timeout: 121"), "health_check.timeout: 121 is out of range"},
		{HC("interval: 10, timeout: 10"),
		 "t.yaml:8: target_groups[0].health_check.timeout: 10 must be less than the "
		 "interval (10)"},
		/* the default timeout (10 s for a tcp group) must also stay below the interval */
		{THC("interval: 10"),
		 "t.yaml:8: target_groups[0].health_check.interval: 10 must be greater than the "
		 "timeout (10 by default; set timeout)"},
		{THC("interval: 10, timeout: 9")},
		{HC("healthy_threshold: 2, unhealthy_threshold: 10")},
		{HC("healthy_threshold: 10, unhealthy_threshold: 2")},
		{HC("healthy_threshold: 1"),
		 "t.yaml:8: target_groups[0].health_check.healthy_threshold: 1 is out of range "
		 "(2..10)"},
		{HC("healthy_threshold: 11"), "health_check.healthy_threshold: 11 is out"},
		{HC("unhealthy_threshold: 1"), "health_check.unhealthy_threshold: 1 is out"},
		{HC("unhealthy_threshold: 11"), "health_check.unhealthy_threshold: 11 is out"},
		{HC("path: /x"),
		 "t.yaml:8: target_groups[0].health_check.path: only for http and https health "
		 "checks"},
		{HC("matcher: 200"),
		 "t.yaml:8: target_groups[0].health_check.matcher: only for http and https"},
		{HC("protocol: http, path: healthz"),
		 "t.yaml:8: target_groups[0].health_check.path: must start with \"/\""},
		{HC("protocol: http, path: \"/a b\""),
		 "health_check.path: spaces and non-ASCII characters are not allowed"},
		{HC("protocol: http, matcher: 200")},
		{HC("protocol: https, matcher: 200-599")},
		{HC("protocol: http, matcher: 199"),
		 "t.yaml:8: target_groups[0].health_check.matcher: bad HTTP status matcher "
		 "\"199\""},
		{HC("protocol: http, matcher: 200-600"), "bad HTTP status matcher \"200-600\""},
		{HC("protocol: http, matcher: 400-300"), "bad HTTP status matcher \"400-300\""},
		{HC("protocol: http, matcher: \"200,204\""), "bad HTTP status matcher \"200,204\""},
		{HC("protocol: http, matcher: 200-"), "bad HTTP status matcher \"200-\""},
		{GENEVE_GROUP "    health_check: tcp\n",
		 "t.yaml:8: target_groups[0].health_check: expected a mapping, got a single value"},
		/* the passive data-path check: geneve groups only, 0 = off, window 4..3600 s */
		{HC("passive_min_packets: 0")},
		{HC("passive_min_packets: 1, passive_window: 4")},
		{HC("passive_min_packets: 1000000000, passive_window: 3600")},
		{HC("passive_min_packets: 1000000001"),
		 "t.yaml:8: target_groups[0].health_check.passive_min_packets: 1000000001 is out "
		 "of range (0..1000000000)"},
		{HC("passive_min_packets: -1"), "health_check.passive_min_packets"},
		{HC("passive_window: 3"),
		 "t.yaml:8: target_groups[0].health_check.passive_window: 3 is out of range "
		 "(4..3600)"},
		{HC("passive_window: 3601"), "passive_window: 3601 is out of range"},
		{THC("passive_min_packets: 100"),
		 "t.yaml:8: target_groups[0].health_check.passive_min_packets: only for geneve "
		 "groups (the passive check counts GENEVE returns from appliances)"},
		{THC("passive_window: 10"),
		 "t.yaml:8: target_groups[0].health_check.passive_window: only for geneve groups"},
	};
	EXPECT_CASES(cases);
	{
		struct config *cfg = LOAD_OK(HC("protocol: https, path: /status?full=1, matcher: "
						"204"));

		CU_ASSERT_FATAL(cfg != NULL);
		CU_ASSERT_STRING_EQUAL(cfg->groups[0].hc.path, "/status?full=1");
		CU_ASSERT_EQUAL(cfg->groups[0].hc.matcher_lo, 204);
		CU_ASSERT_EQUAL(cfg->groups[0].hc.matcher_hi, 204);
		CU_ASSERT_EQUAL(cfg->groups[0].hc.timeout,
				5); /* geneve default whatever the proto */
		CU_ASSERT_EQUAL(cfg->groups[0].hc.port, 80);
		config_free(cfg);
	}
#undef HC
#undef THC
}

static void test_target_values(void)
{
#define T(x)  GENEVE_GROUP "    targets:\n      - {id: a, zone: az1, " x "}\n"
#define TT(x) TCP_GROUP "    targets:\n      - {id: a, zone: az1, " x "}\n"
	const struct cfg_case cases[] = {
		{T("address: \"2001:db8::5\""),
		 "t.yaml:9: target_groups[0].targets[0].address: not an IPv4 address "
		 "\"2001:db8::5\""},
		{T("address: 192.168.50.11, port: 6081"),
		 "t.yaml:9: target_groups[0].targets[0].port: geneve targets have no port"},
		{T("address: 0.0.0.0"),
		 "target_groups[0].targets[0].address: 0.0.0.0 is not a unicast address"},
		{T("address: 192.168.50.0/24"),
		 "targets[0].address: expected an address without a prefix length"},
		{T("address: 192.168.50.11, weight: 0")},
		{T("address: 192.168.50.11, weight: 1000")},
		{T("address: 192.168.50.11, weight: 1001"),
		 "t.yaml:9: target_groups[0].targets[0].weight: 1001 is out of range (0..1000)"},
		{T("address: 192.168.50.11, state: up"),
		 "t.yaml:9: target_groups[0].targets[0].state: \"up\" is not one of: healthy, "
		 "unhealthy, draining, initial, unused"},
		{T("address: 192.168.50.11, id: b"), "targets[0].id: duplicate key"},
		{TT("address: \"2001:db8::5\", port: 1")},
		{TT("address: 10.0.1.5, port: 65535")},
		{TT("address: 10.0.1.5, port: 65536"),
		 "t.yaml:9: target_groups[0].targets[0].port: 65536 is out of range (0..65535)"},
		{TT("address: 10.0.1.5, port: http"),
		 "t.yaml:9: target_groups[0].targets[0].port: not an integer \"http\""},
	};
	EXPECT_CASES(cases);
#undef T
#undef TT
}

static void test_inspection_values(void)
{
#define I(from, chain)                                                               \
	GENEVE_GROUP "    targets: [{id: a, address: 192.168.50.11, zone: az1}]\n"   \
		     "  - {name: ids, protocol: geneve, targets: [{id: b, address: " \
		     "192.168.50.12, zone: az1}]}\n"                                 \
		     "  - {name: web, protocol: tcp}\n"                              \
		     "inspection:\n"                                                 \
		     "  - {name: i, endpoint_id: 1, from: " from ", chain: " chain "}\n"
	struct config *cfg;

	const struct cfg_case cases[] = {
		{I("out", "[fw, ids]")},
		{I("nope", "[fw]"), "t.yaml:12: inspection[0].from: no port named \"nope\""},
		{I("[out, nope]", "[fw]"),
		 "t.yaml:12: inspection[0].from[1]: no port named \"nope\""},
		{I("[]", "[fw]"), "t.yaml:12: inspection[0].from: at least one port"},
		{I("{a: b}", "[fw]"), "t.yaml:12: inspection[0].from: expected a port name or a "
				      "list of them"},
		{I("out", "[fw, nope]"),
		 "t.yaml:12: inspection[0].chain[1]: no target group named \"nope\""},
		{I("out", "[web]"),
		 "t.yaml:12: inspection[0].chain[0]: target group \"web\" is a tcp group; a chain "
		 "takes geneve groups"},
		{I("out", "[]"),
		 "t.yaml:12: inspection[0].chain: at least one target group is required"},
		{I("out", "fw"), "t.yaml:12: inspection[0].chain: expected a list"},
		{I("out", "[fw, ids, fw2, fw3, fw4, fw5, fw6, fw7, fw8]"),
		 "t.yaml:12: inspection[0].chain: too many groups (9, at most 8)"},
		{I("[out, app, c, d, e, f, g, h, i]", "[fw]"),
		 "t.yaml:12: inspection[0].from: too many ports (9, at most 8)"},
		/* an appliance in two groups of one chain: its returns could not be told apart */
		{GENEVE_GROUP "    targets: [{id: a, address: 192.168.50.11, zone: az1}]\n"
			      "  - {name: ids, protocol: geneve, targets: [{id: b, address: "
			      "192.168.50.11, zone: az1}]}\n"
			      "inspection:\n"
			      "  - {name: i, endpoint_id: 1, from: out, chain: [fw, ids]}\n",
		 "t.yaml:11: inspection[0].chain: 192.168.50.11 is a target of both \"fw\" and "
		 "\"ids\""},
		{BASE "inspection: {name: i}\n", "t.yaml:5: inspection: expected a list"},
	};
	EXPECT_CASES(cases);

	cfg = LOAD_OK(I("[app, out]", "[ids, fw]"));
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL(cfg->inspections[0].n_from, 2);
	CU_ASSERT_EQUAL(cfg->inspections[0].from[0], 1);
	CU_ASSERT_EQUAL(cfg->inspections[0].from[1], 0);
	CU_ASSERT_EQUAL(cfg->inspections[0].n_chain, 2);
	CU_ASSERT_EQUAL(cfg->inspections[0].chain[0], 1);
	CU_ASSERT_EQUAL(cfg->inspections[0].chain[1], 0);
	config_free(cfg);
#undef I
}

static void test_group_nlb_keys(void)
{
	struct config *cfg;

	const struct cfg_case cases[] = {
		{GENEVE_GROUP "    preserve_client_ip: false\n",
		 "t.yaml:8: target_groups[0].preserve_client_ip: only for tcp, udp and tcp_udp "
		 "groups"},
		{GENEVE_GROUP "    preserve_client_ip: true\n",
		 "t.yaml:8: target_groups[0].preserve_client_ip: only for tcp, udp and tcp_udp "
		 "groups"},
		{GENEVE_GROUP "    tcp_unknown_flow: forward\n",
		 "t.yaml:8: target_groups[0].tcp_unknown_flow: only for tcp, udp and tcp_udp "
		 "groups"},
		{TCP_GROUP "    tcp_unknown_flow: drop\n",
		 "t.yaml:8: target_groups[0].tcp_unknown_flow: \"drop\" is not one of: adopt, "
		 "reset, forward"},
		{TCP_GROUP "    tcp_unknown_flow: true\n",
		 "t.yaml:8: target_groups[0].tcp_unknown_flow: \"true\" is not one of"},
		{TCP_GROUP "    preserve_client_ip: maybe\n",
		 "t.yaml:8: target_groups[0].preserve_client_ip: expected true or false, got "
		 "\"maybe\""},
		{TCP_GROUP "    preserve_client_ip:\n",
		 "t.yaml:8: target_groups[0].preserve_client_ip: missing value"},
		{GENEVE_GROUP "    geneve_udp_checksum: skip\n",
		 "t.yaml:8: target_groups[0].geneve_udp_checksum: \"skip\" is not one of: "
		 "verify, ignore"},
		{GENEVE_GROUP "    geneve_udp_checksum: false\n",
		 "t.yaml:8: target_groups[0].geneve_udp_checksum: \"false\" is not one of"},
		{GENEVE_GROUP "    geneve_udp_checksum:\n",
		 "t.yaml:8: target_groups[0].geneve_udp_checksum: missing value"},
		{TCP_GROUP "    geneve_udp_checksum: ignore\n",
		 "t.yaml:8: target_groups[0].geneve_udp_checksum: only for geneve groups"},
		{GENEVE_GROUP "    stickiness: source-ip\n",
		 "t.yaml:8: target_groups[0].stickiness: \"source-ip\" is not one of: 5-tuple, "
		 "3-tuple, 2-tuple, source_ip"},
	};
	EXPECT_CASES(cases);

	cfg = LOAD_OK(TCP_GROUP "    preserve_client_ip: false\n"
				"    tcp_unknown_flow: reset\n"
				"    stickiness: source_ip\n"
				"  - {name: g, protocol: geneve, stickiness: source_ip}\n"
				"  - {name: u, protocol: udp, tcp_unknown_flow: forward, "
				"preserve_client_ip: yes}\n");
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL(cfg->groups[0].preserve_client_ip, 0);
	CU_ASSERT_EQUAL(cfg->groups[0].tcp_unknown_reset, 1);
	CU_ASSERT_EQUAL(cfg->groups[0].stickiness, FLOW_STICK_2TUPLE);
	CU_ASSERT_EQUAL(cfg->groups[1].stickiness, FLOW_STICK_2TUPLE); /* an alias in any group */
	CU_ASSERT_EQUAL(cfg->groups[2].preserve_client_ip, 1);
	CU_ASSERT_EQUAL(cfg->groups[2].tcp_unknown_reset, 0); /* forward: adopt's alias */
	config_free(cfg);

	cfg = LOAD_OK(GENEVE_GROUP "    geneve_udp_checksum: ignore\n"
				   "  - {name: v, protocol: geneve, geneve_udp_checksum: verify}\n"
				   "  - {name: d, protocol: geneve}\n"
				   "  - {name: t, protocol: tcp}\n");
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL(cfg->groups[0].geneve_udp_checksum, GWLB_UDP_CSUM_IGNORE);
	CU_ASSERT_EQUAL(cfg->groups[1].geneve_udp_checksum, GWLB_UDP_CSUM_VERIFY);
	CU_ASSERT_EQUAL(cfg->groups[2].geneve_udp_checksum, GWLB_UDP_CSUM_VERIFY); /* default */
	CU_ASSERT_EQUAL(cfg->groups[3].geneve_udp_checksum, GWLB_UDP_CSUM_VERIFY);
	config_free(cfg);

	/* adopt by name; the default follows preserve_client_ip (adopt DNAT, reset SNAT) */
	cfg = LOAD_OK(TCP_GROUP "    preserve_client_ip: false\n"
				"    tcp_unknown_flow: adopt\n"
				"  - {name: s, protocol: tcp, preserve_client_ip: false}\n"
				"  - {name: d, protocol: udp}\n"
				"  - {name: r, protocol: tcp, tcp_unknown_flow: reset}\n");
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL(cfg->groups[0].tcp_unknown_reset, 0);
	CU_ASSERT_EQUAL(cfg->groups[1].tcp_unknown_reset, 1);
	CU_ASSERT_EQUAL(cfg->groups[2].tcp_unknown_reset, 0);
	CU_ASSERT_EQUAL(cfg->groups[3].tcp_unknown_reset, 1);
	config_free(cfg);
}

static void test_target_port_is_optional(void)
{
	struct config *cfg;

	cfg = LOAD_OK(TCP_GROUP "    targets:\n"
				"      - {id: a, address: 10.0.1.20, zone: az1}\n"
				"      - {id: b, address: 10.0.1.20, port: 80, zone: az1}\n"
				"      - {id: c, address: 10.0.1.21, port: 0, zone: az1}\n");
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL(cfg->groups[0].targets[0].port, 0);
	CU_ASSERT_EQUAL(cfg->groups[0].targets[1].port, 80);
	CU_ASSERT_EQUAL(cfg->groups[0].targets[2].port, 0);
	config_free(cfg);
	/* (address, port) stays unique; absent and 0 are the same port */
	const struct cfg_case cases[] = {
		{TCP_GROUP "    targets:\n"
			   "      - {id: a, address: 10.0.1.20, zone: az1}\n"
			   "      - {id: b, address: 10.0.1.20, zone: az1}\n",
		 "t.yaml:10: target_groups[0].targets[1].address: 10.0.1.20 without a port (0) is "
		 "already target \"a\""},
		{TCP_GROUP "    targets:\n"
			   "      - {id: a, address: 10.0.1.20, zone: az1}\n"
			   "      - {id: b, address: 10.0.1.20, port: 0, zone: az1}\n",
		 "t.yaml:10: target_groups[0].targets[1].port: 10.0.1.20 without a port (0) is "
		 "already target \"a\""},
		{TCP_GROUP "    targets: [{id: a, address: 10.0.1.20, port: -1, zone: az1}]\n",
		 "t.yaml:8: target_groups[0].targets[0].port: must not be negative"},
	};
	EXPECT_CASES(cases);
}

/*
 * Lines 1-13: node, zones, two ports, a geneve, tcp, udp and tcp_udp group, an attachment and
 * listener "web" (tcp 443 -> web); L() adds listeners[1] on line 14.
 */
#define NLB_BASE                                                                                \
	"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"                  \
	"zones: {az1: 10.0.1.10, az2: 10.0.2.10}\n"                                             \
	"ports:\n"                                                                              \
	"  - {name: out, device: net_null0, addresses: [10.0.1.10/24]}\n"                       \
	"  - {name: app, device: net_null1, addresses: [192.168.50.1/24]}\n"                    \
	"target_groups:\n"                                                                      \
	"  - {name: fw, protocol: geneve, targets: [{id: a, address: 192.168.50.11, zone: "     \
	"az1}]}\n"                                                                              \
	"  - {name: web, protocol: tcp, targets: [{id: w, address: 10.0.1.20, port: 80, zone: " \
	"az1}]}\n"                                                                              \
	"  - {name: dns, protocol: udp}\n"                                                      \
	"  - {name: bulk, protocol: tcp_udp}\n"                                                 \
	"inspection: [{name: ingress, endpoint_id: 1, from: out, chain: [fw]}]\n"               \
	"listeners:\n"                                                                          \
	"  - {name: web, protocol: tcp, port: 443, target_group: web}\n"
#define L(x) NLB_BASE "  - {" x "}\n"

static void test_listener_values(void)
{
	struct config *cfg;

	const struct cfg_case cases[] = {
		{NLB_BASE},
		/* names */
		{L("name: web, protocol: udp, port: 53, target_group: dns"),
		 "t.yaml:14: listeners[1].name: duplicate listener name \"web\" (also "
		 "listeners[0])"},
		{L("name: \"a b\", protocol: udp, port: 53, target_group: dns"),
		 "t.yaml:14: listeners[1].name: invalid character in name \"a b\""},
		/* protocol */
		{L("name: x, protocol: sctp, port: 53, target_group: dns"),
		 "t.yaml:14: listeners[1].protocol: \"sctp\" is not one of: tcp, udp, tcp_udp"},
		{L("name: x, protocol: geneve, port: 53, target_group: dns"),
		 "t.yaml:14: listeners[1].protocol: \"geneve\" is not one of: tcp, udp, tcp_udp"},
		/* port */
		{L("name: x, protocol: udp, port: 1, target_group: dns")},
		{L("name: x, protocol: udp, port: 65535, target_group: dns")},
		{L("name: x, protocol: udp, port: \"53\", target_group: dns")},
		{L("name: x, protocol: udp, port: 0, target_group: dns"),
		 "t.yaml:14: listeners[1].port: 0 is out of range (1..65535; every port: all)"},
		{L("name: x, protocol: udp, port: 65536, target_group: dns"),
		 "t.yaml:14: listeners[1].port: 65536 is out of range (1..65535; every port: "
		 "all)"},
		{L("name: x, protocol: udp, port: any, target_group: dns"),
		 "t.yaml:14: listeners[1].port: expected a port (1..65535) or all, got \"any\""},
		{L("name: x, protocol: udp, port: ALL, target_group: dns"),
		 "t.yaml:14: listeners[1].port: expected a port (1..65535) or all, got \"ALL\""},
		{L("name: x, protocol: udp, port: -53, target_group: dns"),
		 "t.yaml:14: listeners[1].port: expected a port (1..65535) or all, got \"-53\""},
		{L("name: x, protocol: udp, port: 5x, target_group: dns"),
		 "t.yaml:14: listeners[1].port: not an integer \"5x\""},
		{L("name: x, protocol: udp, port: [53], target_group: dns"),
		 "t.yaml:14: listeners[1].port: expected a single value, got a list"},
		/* (protocol, port) claims; tcp_udp claims both */
		{L("name: x, protocol: tcp, port: 443, target_group: bulk"),
		 "t.yaml:14: listeners[1].port: tcp port 443 is already taken by listener \"web\" "
		 "(tcp)"},
		{L("name: x, protocol: tcp_udp, port: 443, target_group: bulk"),
		 "t.yaml:14: listeners[1].port: tcp port 443 is already taken by listener \"web\" "
		 "(tcp)"},
		{L("name: x, protocol: tcp_udp, port: 53, target_group: bulk") /* line 14 */
		 "  - {name: y, protocol: udp, port: 53, target_group: dns}\n",
		 "t.yaml:15: listeners[2].port: udp port 53 is already taken by listener \"x\" "
		 "(tcp_udp)"},
		{L("name: x, protocol: tcp_udp, port: all, target_group: bulk") "  - {name: y, "
										"protocol: tcp, "
										"port: all, "
										"target_group: "
										"web}\n",
		 "t.yaml:15: listeners[2].port: tcp (all ports) is already taken by listener "
		 "\"x\" (tcp_udp)"},
		{L("name: x, protocol: udp, port: 443, target_group: dns")},
		{L("name: x, protocol: tcp, port: all, target_group: web") "  - {name: y, "
									   "protocol: "
									   "udp, port: all, "
									   "target_group: bulk}\n"},
		/* target_group */
		{L("name: x, protocol: udp, port: 53, target_group: nope"),
		 "t.yaml:14: listeners[1].target_group: no target group named \"nope\""},
		{L("name: x, protocol: udp, port: 53, target_group: fw"),
		 "t.yaml:14: listeners[1].target_group: target group \"fw\" is a geneve group "
		 "(appliances, for inspection); a listener needs a tcp, udp or tcp_udp group"},
		{L("name: x, protocol: tcp, port: 80, target_group: dns"),
		 "t.yaml:14: listeners[1].target_group: a tcp listener needs a tcp or tcp_udp "
		 "group; \"dns\" is a udp group"},
		{L("name: x, protocol: udp, port: 53, target_group: web"),
		 "t.yaml:14: listeners[1].target_group: a udp listener needs a udp or tcp_udp "
		 "group; \"web\" is a tcp group"},
		{L("name: x, protocol: tcp_udp, port: 53, target_group: web"),
		 "t.yaml:14: listeners[1].target_group: a tcp_udp listener needs a tcp_udp group; "
		 "\"web\" is a tcp group"},
		{L("name: x, protocol: tcp, port: 80, target_group: bulk")},
		{L("name: x, protocol: udp, port: 53, target_group: bulk")},
		{L("name: x, protocol: tcp, port: 80, target_group: web")}, /* shared group */
		/* inspect */
		{L("name: x, protocol: udp, port: 53, target_group: dns, inspect: nope"),
		 "t.yaml:14: listeners[1].inspect: no inspection attachment named \"nope\""},
		{L("name: x, protocol: udp, port: 53, target_group: dns, inspect: fw"),
		 "t.yaml:14: listeners[1].inspect: no inspection attachment named \"fw\""},
		/* required keys: reported at the listener's line */
		{L("protocol: udp, port: 53, target_group: dns"),
		 "t.yaml:14: listeners[1].name: missing (required)"},
		{L("name: x, port: 53, target_group: dns"),
		 "t.yaml:14: listeners[1].protocol: missing (required)"},
		{L("name: x, protocol: udp, target_group: dns"),
		 "t.yaml:14: listeners[1].port: missing (required)"},
		{L("name: x, protocol: udp, port: 53"),
		 "t.yaml:14: listeners[1].target_group: missing (required)"},
		{L("name: x, protocol: udp, port: 53, target_group: dns, port: 54"),
		 "t.yaml:14: listeners[1].port: duplicate key"},
		{NLB_BASE "  - dns\n",
		 "t.yaml:14: listeners[1]: expected a mapping, got a single value"},
	};
	EXPECT_CASES(cases);

	cfg = LOAD_OK(L("name: api, protocol: tcp, port: 8443, target_group: bulk, inspect: "
			"ingress"));
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL_FATAL(cfg->n_listeners, 2);
	CU_ASSERT_EQUAL(cfg->listeners[0].inspect, -1);
	CU_ASSERT_EQUAL(cfg->listeners[1].inspect, 0);
	CU_ASSERT_EQUAL(cfg->listeners[1].group, 3);
	CU_ASSERT_EQUAL(cfg->listeners[1].port, 8443);
	CU_ASSERT_EQUAL(cfg->listeners[1].protocol, CFG_LPROTO_TCP);
	config_free(cfg);
}
#undef L

static void test_listeners_serve_the_zone_ip(void)
{
#define NLB(zones, port_addrs, targets)                                              \
	"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n" zones \
	"ports: [{name: p, device: d, addresses: " port_addrs "}]\n"                 \
	"target_groups: [{name: web, protocol: tcp, targets: " targets "}]\n"        \
	"listeners: [{name: web, protocol: tcp, port: 80, target_group: web}]\n"
	struct config *cfg;

	/* the zone IP is a port's address, or inside a port's subnet, IPv4 or IPv6 */
	const struct cfg_case cases[] = {
		{NLB("zones: {az1: 10.0.0.1}\n", "[10.0.0.1/24]", "[]")},
		{NLB("zones: {az1: 10.0.0.99, az2: 10.9.9.9}\n", "[10.0.0.1/24]",
		     "[{id: a, address: 10.0.0.2, port: 80, zone: az1}]")},
		{NLB("zones: {az1: \"2001:db8::99\"}\n", "[\"2001:db8::1/64\"]",
		     "[{id: a, address: \"2001:db8::2\", zone: az1}]")},
		/* no zones: */
		{NLB("", "[10.0.0.1/24]", "[]"),
		 "t.yaml:4: listeners: listeners need zones: (they serve this node's zone IP); "
		 "give zones with the address of node.zone \"az1\""},
		/* node.zone must be in zones: anyway */
		{NLB("zones: {az2: 10.0.0.1}\n", "[10.0.0.1/24]", "[]"),
		 "t.yaml:1: node.zone: zone \"az1\" is not in zones (az2)"},
		/* the node's zone IP off every port (another zone's IP need not be on a port) */
		{NLB("zones: {az2: 10.0.0.1, az1: 10.0.9.10}\n", "[10.0.0.1/24]", "[]"),
		 "t.yaml:2: zones.az1: 10.0.9.10 is this node's zone IP, which the listeners "
		 "serve: it must be an address of a port or inside a port's connected subnet"},
		{NLB("zones:\n  az2: 10.0.0.1\n  az1: \"2001:db8:1::1\"\n",
		     "[10.0.0.1/24, \"2001:db8::1/64\"]", "[]"),
		 "t.yaml:4: zones.az1: 2001:db8:1::1 is this node's zone IP"},
		/* targets of the other family than the zone IP */
		{NLB("zones: {az1: 10.0.0.1}\n", "[10.0.0.1/24]",
		     "[{id: a, address: 10.0.0.2, zone: az1}, {id: b, address: \"2001:db8::2\", "
		     "zone: az1}]"),
		 "t.yaml:5: listeners[0].target_group: target \"b\" of group \"web\" "
		 "(2001:db8::2) is not of the family of the zone IP 10.0.0.1"},
		/* ... which is fine in a group no listener uses */
		{"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		 "ports: [{name: p, device: d, addresses: [10.0.0.1/24]}]\n"
		 "target_groups: [{name: web, protocol: tcp, targets: [{id: b, address: "
		 "\"2001:db8::2\", zone: az1}]}]\n"},
	};
	EXPECT_CASES(cases);
	/* an empty list is no listeners: nothing required */
	cfg = LOAD_OK("node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		      "ports: [{name: p, device: d}]\n"
		      "listeners: []\n");
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL(cfg->n_listeners, 0);
	CU_ASSERT_PTR_NULL(cfg->listeners);
	config_free(cfg);
	EXPECT_ERR("node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		   "ports: [{name: p, device: d}]\n"
		   "listeners: {name: web}\n",
		   "t.yaml:3: listeners: expected a list, got a mapping", NULL);
#undef NLB
}

static void test_group_target_limit(void)
{
	size_t cap = 64 * 1024, off;
	char *yaml = malloc(cap);
	unsigned int i;

	CU_ASSERT_FATAL(yaml != NULL);
	off = (size_t)snprintf(yaml, cap, "%s", TCP_GROUP "    targets:\n");
	for (i = 0; i < CFG_GROUP_TARGETS_MAX; i++)
		off += (size_t)snprintf(yaml + off, cap - off,
					"      - {id: t%u, address: 10.1.%u.%u, zone: az1}\n", i,
					i / 200, i % 200 + 1);
	EXPECT_OK(yaml); /* 256: the dataplane's slots */
	snprintf(yaml + off, cap - off, "      - {id: t256, address: 10.2.0.1, zone: az1}\n");
	EXPECT_ERR(yaml,
		   "t.yaml:9: target_groups[0].targets: too many targets (257, at most 256 per "
		   "group)",
		   NULL);
	free(yaml);
}

/* Line 5 is "daemon:", line 6 the key under test. */
#define D(x) BASE "daemon:\n  " x "\n"

static void test_daemon_api_socket(void)
{
	struct config *cfg = LOAD_OK(D("api_socket: /var/run/x/api.sock"));
	const char *y = D("api_socket: \"@DIR@/api.sock\"");
	char big[1024], err[CFG_ERR_MAX];

	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_STRING_EQUAL(cfg->daemon.api_socket, "/var/run/x/api.sock");
	/* the other keys keep their defaults */
	CU_ASSERT_EQUAL(cfg->daemon.api_socket_mode, 0600);
	CU_ASSERT_STRING_EQUAL(cfg->daemon.metrics_address, "127.0.0.1:9469");
	CU_ASSERT_EQUAL(cfg->daemon.n_dataplanes, 1);
	CU_ASSERT_STRING_EQUAL(cfg->daemon.log_level, "info");
	config_free(cfg);

	const struct cfg_case cases[] = {
		{D("api_socket: run/api.sock"),
		 "t.yaml:6: daemon.api_socket: must be an absolute path, got \"run/api.sock\""},
		{D("api_socket:"), "t.yaml:6: daemon.api_socket: missing value"},
		{D("api_socket: [/a, /b]"),
		 "t.yaml:6: daemon.api_socket: expected a single value, got a list"},
	};
	EXPECT_CASES(cases);
	/* sun_path holds 107 characters and the NUL */
	snprintf(big, sizeof(big), D("api_socket: /%0106d"), 0);
	EXPECT_OK(big);
	snprintf(big, sizeof(big), D("api_socket: /%0107d"), 0);
	EXPECT_ERR(big, "t.yaml:6: daemon.api_socket: socket path too long (at most 107 characters",
		   NULL);

	/* @DIR@ is the config file's directory, as in ports[].device */
	cfg = NULL;
	CU_ASSERT_EQUAL_FATAL(
		config_load_string(y, strlen(y), "/tmp/t.yaml", &cfg, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(cfg->daemon.api_socket, "/tmp/api.sock");
	config_free(cfg);
}

static void test_daemon_api_socket_mode(void)
{
	static const struct {
		const char *yaml;
		uint32_t mode;
	} good[] = {
		{D("api_socket_mode: \"0600\""), 0600}, {D("api_socket_mode: '0660'"), 0660},
		{D("api_socket_mode: \"0000\""), 0},	{D("api_socket_mode: \"0777\""), 0777},
		{D("api_socket_mode: 0640"), 0640}, /* the same text unquoted */
	};
	static const char *const bad[] = {"\"600\"", "\"0800\"", "\"01777\"", "\"0x1f\"",
					  "rw",	     "\"06a0\"", "384"};
	char y[1024];
	unsigned int i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct config *cfg = LOAD_OK(good[i].yaml);

		CU_ASSERT_FATAL(cfg != NULL);
		CU_ASSERT_EQUAL(cfg->daemon.api_socket_mode, good[i].mode);
		config_free(cfg);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(y, sizeof(y), D("api_socket_mode: %s"), bad[i]);
		EXPECT_ERR(y,
			   "t.yaml:6: daemon.api_socket_mode: expected an octal mode "
			   "\"0000\"..\"0777\" (quoted, e.g. \"0600\"), got",
			   NULL);
	}
}

/* daemon.max_clients and daemon.client_timeout_ms: defaults, bounds, clear errors */
static void test_daemon_client_limits(void)
{
	static const struct key_range ranges[] = {
		{"max_clients", 1, 4096},
		{"client_timeout_ms", 100, 3600000},
	};
	struct config *cfg = LOAD_OK(D("log_level: info"));

	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL(cfg->daemon.max_clients, 64);
	CU_ASSERT_EQUAL(cfg->daemon.client_timeout_ms, 10000);
	config_free(cfg);
	cfg = LOAD_OK(D("max_clients: 1\n  client_timeout_ms: 100"));
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL(cfg->daemon.max_clients, 1);
	CU_ASSERT_EQUAL(cfg->daemon.client_timeout_ms, 100);
	config_free(cfg);
	cfg = LOAD_OK(D("max_clients: 4096\n  client_timeout_ms: 3600000"));
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL(cfg->daemon.max_clients, 4096);
	CU_ASSERT_EQUAL(cfg->daemon.client_timeout_ms, 3600000);
	config_free(cfg);
	const struct cfg_case cases[] = {
		{D("max_clients: many"), "t.yaml:6: daemon.max_clients:"},
		{D("client_timeout_ms: [1]"), "t.yaml:6: daemon.client_timeout_ms:"},
	};
	EXPECT_CASES(cases);
	EXPECT_RANGES(BASE "daemon:\n  ", "\n", "t.yaml:6: daemon", ranges);
}

static void test_daemon_metrics_address(void)
{
	static const struct {
		const char *yaml, *want;
	} good[] = {
		{D("metrics_address: 127.0.0.1:9469"), "127.0.0.1:9469"},
		{D("metrics_address: \"127.1.2.3:1\""), "127.1.2.3:1"},
		{D("metrics_address: 127.255.255.254:65535"), "127.255.255.254:65535"},
		{D("metrics_address: \"[::1]:9100\""), "[::1]:9100"},
		{D("metrics_address: \"[0:0::1]:9100\""), "[::1]:9100"}, /* canonical */
		{D("metrics_address: \"off\""), ""},
		{D("metrics_address: off"), ""},
	};
	unsigned int i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct config *cfg = LOAD_OK(good[i].yaml);

		CU_ASSERT_FATAL(cfg != NULL);
		CU_ASSERT_STRING_EQUAL(cfg->daemon.metrics_address, good[i].want);
		config_free(cfg);
	}
	const struct cfg_case cases[] = {
		{D("metrics_address: 10.0.0.1:9469"),
		 "t.yaml:6: daemon.metrics_address: 10.0.0.1 is not a loopback address "
		 "(127.0.0.0/8 or [::1])"},
		{D("metrics_address: 0.0.0.0:9469"),
		 "daemon.metrics_address: 0.0.0.0 is not a loopback address"},
		{D("metrics_address: \"[::]:9469\""),
		 "daemon.metrics_address: :: is not a loopback address"},
		{D("metrics_address: \"[2001:db8::1]:9469\""),
		 "daemon.metrics_address: 2001:db8::1 is not a loopback address"},
		{D("metrics_address: 127.0.0.1:0"),
		 "t.yaml:6: daemon.metrics_address: port 0 is out of range (1..65535)"},
		{D("metrics_address: 127.0.0.1:65536"),
		 "daemon.metrics_address: port 65536 is out of range"},
		{D("metrics_address: 127.0.0.1:100000"),
		 "t.yaml:6: daemon.metrics_address: expected \"off\", ADDRESS:PORT (127.0.0.0/8) "
		 "or \"[::1]:PORT\", got \"127.0.0.1:100000\""},
		{D("metrics_address: 127.0.0.1"),
		 "daemon.metrics_address: expected \"off\", ADDRESS:PORT"},
		{D("metrics_address: localhost:9469"),
		 "daemon.metrics_address: expected \"off\", ADDRESS:PORT"},
		{D("metrics_address: \"127.0.0.1:\""),
		 "daemon.metrics_address: expected \"off\", ADDRESS:PORT"},
		{D("metrics_address: \"127.0.0.1:+80\""),
		 "daemon.metrics_address: expected \"off\", ADDRESS:PORT"},
		{D("metrics_address: \"::1:9469\""),
		 "daemon.metrics_address: expected \"off\", ADDRESS:PORT"},
		{D("metrics_address: \"[::1:9469\""),
		 "daemon.metrics_address: expected \"off\", ADDRESS:PORT"},
		/* unquoted, YAML reads [::1]:9469 as a list (or fails to) */
		{D("metrics_address: [::1]:9469"), "t.yaml:6: "},
		{D("metrics_address: [localhost]"),
		 "t.yaml:6: daemon.metrics_address: expected a single value, got a list (quote "
		 "it: \"[::1]:9469\")"},
	};
	EXPECT_CASES(cases);
}

static void test_daemon_dataplanes(void)
{
	struct config *cfg;
	char y[4096];
	size_t off;
	unsigned int i;

	cfg = LOAD_OK(D("dataplanes: /run/dp-a.sock")); /* a single string */
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL_FATAL(cfg->daemon.n_dataplanes, 1);
	CU_ASSERT_STRING_EQUAL(cfg->daemon.dataplanes[0], "/run/dp-a.sock");
	config_free(cfg);

	off = (size_t)snprintf(y, sizeof(y), "%s", BASE "daemon:\n  dataplanes:\n");
	for (i = 0; i < CFG_DATAPLANES_MAX; i++)
		off += (size_t)snprintf(y + off, sizeof(y) - off, "    - /run/dp%u.sock\n", i);
	cfg = LOAD_OK(y);
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL_FATAL(cfg->daemon.n_dataplanes, CFG_DATAPLANES_MAX);
	CU_ASSERT_STRING_EQUAL(cfg->daemon.dataplanes[0], "/run/dp0.sock");
	CU_ASSERT_STRING_EQUAL(cfg->daemon.dataplanes[7], "/run/dp7.sock");
	config_free(cfg);
	snprintf(y + off, sizeof(y) - off, "    - /run/dp8.sock\n");
	EXPECT_ERR(y, "t.yaml:7: daemon.dataplanes: 9 sockets (expected 1..8)", NULL);

	const struct cfg_case cases[] = {
		{D("dataplanes: []"), "t.yaml:6: daemon.dataplanes: 0 sockets (expected 1..8)"},
		{D("dataplanes: [/run/a.sock, /run/b.sock, /run/a.sock]"),
		 "t.yaml:6: daemon.dataplanes[2]: duplicate socket /run/a.sock (also "
		 "dataplanes[0])"},
		{D("dataplanes: [/run/a.sock, dp.sock]"),
		 "t.yaml:6: daemon.dataplanes[1]: must be an absolute path, got \"dp.sock\""},
		{D("dataplanes: dp.sock"), "t.yaml:6: daemon.dataplanes: must be an absolute path"},
		{D("dataplanes: {a: /run/a.sock}"),
		 "t.yaml:6: daemon.dataplanes: expected a list, got a mapping"},
		{D("dataplanes: [[/run/a.sock]]"),
		 "t.yaml:6: daemon.dataplanes[0]: expected a single value, got a list"},
		{D("dataplanes: [/run/sluice/sluiced.sock]"),
		 "t.yaml:6: daemon.dataplanes: /run/sluice/sluiced.sock is also the daemon's "
		 "api_socket"},
	};
	EXPECT_CASES(cases);
	snprintf(y, sizeof(y), D("dataplanes: [/run/a.sock, /%0107d]"), 0);
	EXPECT_ERR(y, "t.yaml:6: daemon.dataplanes[1]: socket path too long", NULL);
}

static void test_daemon_log_level(void)
{
	static const char *const levels[] = {"error", "warning", "info", "debug"};
	char y[1024];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		struct config *cfg;

		snprintf(y, sizeof(y), D("log_level: %s"), levels[i]);
		cfg = LOAD_OK(y);
		CU_ASSERT_FATAL(cfg != NULL);
		CU_ASSERT_STRING_EQUAL(cfg->daemon.log_level, levels[i]);
		config_free(cfg);
	}
	EXPECT_ERR(D("log_level: warn"),
		   "t.yaml:6: daemon.log_level: \"warn\" is not one of: error, warning, info, "
		   "debug",
		   NULL);
	EXPECT_ERR(D("log_level: INFO"), "daemon.log_level: \"INFO\" is not one of", NULL);
}

static void test_daemon_section_shape(void)
{
	struct config *cfg = LOAD_OK(BASE "daemon: {}\n");

	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_STRING_EQUAL(cfg->daemon.api_socket, "/run/sluice/sluiced.sock");
	CU_ASSERT_EQUAL(cfg->daemon.n_dataplanes, 1);
	config_free(cfg);
	const struct cfg_case cases[] = {
		{D("api_sock: /run/a.sock"),
		 "t.yaml:6: daemon.api_sock: unknown key (expected one of: api_socket, "
		 "api_socket_mode, metrics_address, dataplanes, log_level, announce, "
		 "max_clients, client_timeout_ms)"},
		{D("log_level: info\n  log_level: debug"),
		 "t.yaml:7: daemon.log_level: duplicate key (first at line 6)"},
		{BASE "daemon: /run/sluice/sluiced.sock\n",
		 "t.yaml:5: daemon: expected a mapping, got a single value"},
		{BASE "daemon:\n", "t.yaml:5: daemon: expected a mapping"},
		{BASE "daemon: [a]\n", "t.yaml:5: daemon: expected a mapping, got a list"},
	};
	EXPECT_CASES(cases);
}

/* BASE has node zone az1 but no zones: and no geneve_address; ZB adds both (lines 5-6). */
#define ZB    BASE "zones: {az1: 10.0.1.10}\n"
#define AN(x) ZB "daemon:\n  announce:\n    " x "\n"

static void test_daemon_announce(void)
{
	struct config *cfg = LOAD_OK(AN("table: 100"));
	const char *geneve =
		"node: {zone: az1, geneve_address: 192.168.50.1, cookie_secret: "
		"00112233445566778899aabbccddeeff}\n"
		"ports:\n"
		"  - {name: out, device: net_null0, addresses: [10.0.1.10/24]}\n"
		"  - {name: app, device: net_null1, addresses: [192.168.50.1/24]}\n"
		"daemon: {announce: {table: 7, zone_ip: false, geneve_address: true}}\n";

	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT(cfg->daemon.announce.enabled);
	CU_ASSERT_EQUAL(cfg->daemon.announce.table, 100);
	CU_ASSERT(cfg->daemon.announce.zone_ip);
	CU_ASSERT(!cfg->daemon.announce.geneve_address);
	CU_ASSERT_EQUAL(cfg->daemon.announce.n_prefixes, 0);
	CU_ASSERT_EQUAL(cfg->daemon.announce.min_healthy_targets, 1);
	CU_ASSERT_EQUAL(cfg->daemon.announce.liveness_timeout_ms, 1000);
	CU_ASSERT_EQUAL(cfg->daemon.announce.drain_time, 5);
	CU_ASSERT_EQUAL(cfg->node.drain_time, 0);
	config_free(cfg);

	cfg = LOAD_OK(ZB "daemon: {}\n"); /* absent: no announcement */
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT(!cfg->daemon.announce.enabled);
	config_free(cfg);

	cfg = LOAD_OK(AN("table: 2147483648\n    prefixes: [198.51.100.0/24, \"2001:db8:f::/48\"]"
			 "\n    min_healthy_targets: 0\n    liveness_timeout_ms: 200"
			 "\n    drain_time: 0"));
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL(cfg->daemon.announce.table, 2147483648u);
	CU_ASSERT_EQUAL_FATAL(cfg->daemon.announce.n_prefixes, 2);
	CU_ASSERT(addr_is(&cfg->daemon.announce.prefixes[0], "198.51.100.0/24"));
	CU_ASSERT(addr_is(&cfg->daemon.announce.prefixes[1], "2001:db8:f::/48"));
	CU_ASSERT_EQUAL(cfg->daemon.announce.min_healthy_targets, 0);
	CU_ASSERT_EQUAL(cfg->daemon.announce.liveness_timeout_ms, 200);
	CU_ASSERT_EQUAL(cfg->daemon.announce.drain_time, 0);
	config_free(cfg);

	cfg = LOAD_OK(geneve);
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT(cfg->daemon.announce.geneve_address);
	CU_ASSERT(!cfg->daemon.announce.zone_ip);
	config_free(cfg);

	const struct cfg_case cases[] = {
		{AN("zone_ip: true"), "t.yaml:8: daemon.announce.table: missing (required)"},
		{AN("table: 0"),
		 "t.yaml:8: daemon.announce.table: 0 is out of range (1..2147483648)"},
		{AN("table: 2147483649"), "t.yaml:8: daemon.announce.table: 2147483649 is out "
					  "of range"},
		{AN("table: 254"),
		 "t.yaml:8: daemon.announce.table: 254 is a table of the kernel's own"},
		{AN("table: 253"), "daemon.announce.table: 253 is a table of the kernel's own"},
		{AN("table: main"), "t.yaml:8: daemon.announce.table: "},
		{AN("table: 100\n    zone_ip: maybe"),
		 "t.yaml:9: daemon.announce.zone_ip: expected true or false"},
		{BASE "daemon:\n  announce:\n    table: 100\n",
		 "t.yaml:7: daemon.announce.zone_ip: node.zone az1 has no address in zones: "
		 "(set zone_ip: false)"},
		{AN("table: 100\n    geneve_address: true"),
		 "t.yaml:9: daemon.announce.geneve_address: node.geneve_address is not set"},
		{AN("table: 100\n    zone_ip: false"),
		 "t.yaml:8: daemon.announce: nothing to announce"},
		{AN("table: 100\n    prefixes: [198.51.100.1/24]"),
		 "t.yaml:9: daemon.announce.prefixes[0]: 198.51.100.1/24 has host bits set"},
		{AN("table: 100\n    prefixes: [10.0.0.0/8, 10.0.0.0/8]"),
		 "t.yaml:9: daemon.announce.prefixes[1]: duplicate prefix 10.0.0.0/8 (also "
		 "prefixes[0])"},
		{AN("table: 100\n    prefixes: [0.0.0.0/0]"),
		 "daemon.announce.prefixes[0]: 0.0.0.0/0 is not a unicast prefix"},
		{AN("table: 100\n    prefixes: [224.0.0.0/4]"),
		 "daemon.announce.prefixes[0]: 224.0.0.0/4 is not a unicast prefix"},
		{AN("table: 100\n    prefixes: 10.0.0.0/8"),
		 "t.yaml:9: daemon.announce.prefixes: expected a list"},
		{AN("table: 100\n    min_healthy_targets: 257"),
		 "t.yaml:9: daemon.announce.min_healthy_targets: 257 is out of range (0..256)"},
		{AN("table: 100\n    liveness_timeout_ms: 199"),
		 "t.yaml:9: daemon.announce.liveness_timeout_ms: 199 is out of range "
		 "(200..60000)"},
		{AN("table: 100\n    drain_time: 3601"),
		 "t.yaml:9: daemon.announce.drain_time: 3601 is out of range (0..3600)"},
		{AN("table: 100\n    drain_time: -1"), "t.yaml:9: daemon.announce.drain_time: "},
		{ZB "daemon:\n  announce: [table]\n",
		 "daemon.announce: expected a mapping, got a list"},
		{ZB "daemon:\n  announce: 100\n",
		 "daemon.announce: expected a mapping, got a single value"},
		{AN("table: 100\n    bgp: true"),
		 "t.yaml:9: daemon.announce.bgp: unknown key (expected one of: table, zone_ip, "
		 "geneve_address, prefixes, min_healthy_targets, liveness_timeout_ms, "
		 "drain_time)"},
		{ZB "daemon: {announce: true}\n",
		 "t.yaml:6: daemon.announce: expected a mapping, got a single value"},
	};
	EXPECT_CASES(cases);
}
#undef AN
#undef ZB

/*
 * The reload class of each key (config_key_changed, what sluiced's reload refuses): a config that
 * differs from its base in one key names that key for its class only.
 */
static void test_reload_classes(void)
{
#define R CFG_RELOAD_RESTART
#define L CFG_RELOAD_LIVE
#define C CFG_RELOAD_RECHECK
	/* in a geneve (else a tcp) group, "KEY: VALUE" changes the key config_key_changed names */
	static const struct {
		int geneve;
		const char *yaml, *key;
		enum cfg_reload cls;
	} cases[] = {
		{1, "stickiness: 3-tuple", "stickiness", R},
		{1, "cross_zone: true", "cross_zone", R},
		{1, "target_failover: rebalance", "target_failover", R},
		{1, "connection_termination: true", "connection_termination", R},
		{1, "all_unhealthy: drop", "all_unhealthy", R},
		{1, "tcp_idle_timeout: 60", "tcp_idle_timeout", R},
		{1, "other_idle_timeout: 60", "other_idle_timeout", R},
		{1, "geneve_udp_checksum: ignore", "geneve_udp_checksum", R},
		{0, "preserve_client_ip: false", "preserve_client_ip", R},
		{0, "tcp_unknown_flow: reset", "tcp_unknown_flow", R},
		{1, "deregistration_delay: 5", "deregistration_delay", L},
		{1, "health_check: {interval: 20}", "interval", C},
		{0, "health_check: {protocol: http, path: /x}", "protocol", C},
		{0, "health_check: {healthy_threshold: 3}", "healthy_threshold", C},
		{1, "health_check: {passive_min_packets: 5}", "passive_min_packets", L},
	};
	static const enum cfg_reload classes[] = {R, L, C, CFG_RELOAD_UNCHECKED};
#undef C
#undef L
#undef R
	char yaml[1024];
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *base = cases[i].geneve ? GENEVE_GROUP : TCP_GROUP;
		struct config *a = LOAD_OK(base), *b;

		snprintf(yaml, sizeof(yaml), "%s    %s\n", base, cases[i].yaml);
		b = LOAD_OK(yaml);
		CU_ASSERT_FATAL(a && b);
		for (k = 0; k < sizeof(classes) / sizeof(classes[0]); k++) {
			const char *key = config_key_changed(CFG_SEC_GROUP, &a->groups[0],
							     &b->groups[0], classes[k]);
			const char *want = classes[k] == cases[i].cls ? cases[i].key : NULL;
			int ok = want ? key && !strcmp(key, want) : !key;

			if (!ok)
				printf("\n    (case %zu, class %d) got %s, want %s\n", i,
				       (int)classes[k], key ? key : "NULL", want ? want : "NULL");
			CU_ASSERT(ok);
		}
		config_free(a);
		config_free(b);
	}
}

static void test_node_drain_time(void)
{
	struct config *cfg =
		LOAD_OK("node: {zone: az1, drain_time: 30, cookie_secret: "
			"00112233445566778899aabbccddeeff}\nports: [{name: p, device: d}]\n");

	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL(cfg->node.drain_time, 30);
	config_free(cfg);
	EXPECT_ERR("node: {zone: az1, drain_time: 3601, cookie_secret: "
		   "00112233445566778899aabbccddeeff}\nports: [{name: p, device: d}]\n",
		   "t.yaml:1: node.drain_time: 3601 is out of range (0..3600)", NULL);
	EXPECT_ERR("node: {zone: az1, drain_time: 1s, cookie_secret: "
		   "00112233445566778899aabbccddeeff}\nports: [{name: p, device: d}]\n",
		   "t.yaml:1: node.drain_time: ", NULL);
}
#undef D

static void test_error_buffer_is_optional_and_truncated(void)
{
	const char *yaml = BASE "ports: []\n";
	struct config *cfg = &sentinel;
	char small[12];

	CU_ASSERT_EQUAL(config_load_string(yaml, strlen(yaml), "t.yaml", &cfg, NULL, 0), -EINVAL);
	CU_ASSERT_EQUAL(
		config_load_string(yaml, strlen(yaml), "t.yaml", &cfg, small, sizeof(small)),
		-EINVAL);
	CU_ASSERT_STRING_EQUAL(small, "t.yaml:5: p");
	CU_ASSERT_PTR_EQUAL(cfg, &sentinel);
	CU_ASSERT_EQUAL(config_load_string(NULL, 0, "t.yaml", &cfg, NULL, 0), -EINVAL);
	config_free(NULL);
}

static void test_state_names_round_trip(void)
{
	static const char *const names[] = {"healthy", "unhealthy", "draining", "initial",
					    "unused"};
	enum cfg_target_state s;
	unsigned int i;

	for (i = 0; i < 5; i++) {
		CU_ASSERT_STRING_EQUAL(config_state_name((enum cfg_target_state)i), names[i]);
		CU_ASSERT_EQUAL(config_state_parse(names[i], &s), 0);
		CU_ASSERT_EQUAL(s, (enum cfg_target_state)i);
	}
	CU_ASSERT_EQUAL(CFG_TS_DRAINING, 2);
	CU_ASSERT_EQUAL(config_state_parse("Healthy", &s), -EINVAL);
	CU_ASSERT_EQUAL(config_state_parse("", &s), -EINVAL);
	CU_ASSERT_EQUAL(config_state_parse(NULL, &s), -EINVAL);
	CU_ASSERT_STRING_EQUAL(config_state_name((enum cfg_target_state)99), "unknown");
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"full config parses every value", test_full_config_parses_every_value},
		{"NLB config parses every value", test_nlb_config_parses_every_value},
		{"minimal config gets every default", test_minimal_config_gets_every_default},
		{"keys may come in any order", test_keys_may_come_in_any_order},
		{"message names file, line and key", test_message_names_file_line_and_key},
		{"missing file is ENOENT", test_missing_file_is_enoent},
		{"YAML-level problems", test_yaml_level_problems},
		{"unknown keys are refused", test_unknown_keys_are_refused},
		{"missing required keys are refused", test_missing_required_keys_are_refused},
		{"duplicates are refused", test_duplicates_are_refused},
		{"node values", test_node_values},
		{"integers are strict", test_integers_are_strict},
		{"endpoint ids take hex and decimal", test_endpoint_ids_take_hex_and_decimal},
		{"cookie secret inline and file", test_cookie_secret_inline_and_file},
		{"@DIR@ is the config directory", test_dir_token_is_the_config_directory},
		{"port values", test_port_values},
		{"zones are checked", test_zones_are_checked},
		{"routes and neighbors", test_routes_and_neighbors},
		{"target group values", test_group_values},
		{"health check values", test_health_check_values},
		{"target values", test_target_values},
		{"inspection values", test_inspection_values},
		{"group NLB keys", test_group_nlb_keys},
		{"target port is optional", test_target_port_is_optional},
		{"listener values", test_listener_values},
		{"listeners serve the zone IP", test_listeners_serve_the_zone_ip},
		{"error buffer optional and truncated",
		 test_error_buffer_is_optional_and_truncated},
		{"state names round trip", test_state_names_round_trip},
		{"a group holds at most 256 targets", test_group_target_limit},
		{"daemon: api_socket", test_daemon_api_socket},
		{"daemon: api_socket_mode", test_daemon_api_socket_mode},
		{"daemon: max_clients, client_timeout_ms", test_daemon_client_limits},
		{"daemon: metrics_address", test_daemon_metrics_address},
		{"daemon: dataplanes", test_daemon_dataplanes},
		{"daemon: log_level", test_daemon_log_level},
		{"daemon: section shape and unknown keys", test_daemon_section_shape},
		{"daemon: announce", test_daemon_announce},
		{"node: drain_time", test_node_drain_time},
		{"reload classes of group keys", test_reload_classes},
		CU_TEST_INFO_NULL,
	};

	return cu_run("config", tests);
}
