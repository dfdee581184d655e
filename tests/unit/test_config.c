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

static struct config *load_ok_at(int line, const char *yaml)
{
	struct config *cfg = NULL;
	char err[CFG_ERR_MAX];
	int rc = config_load_string(yaml, strlen(yaml), "t.yaml", &cfg, err, sizeof(err));

	if (rc)
		printf("\n    (test line %d) unexpected error %d: %s\n", line, rc, err);
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
		printf("\n    (test line %d) rc %d, got \"%s\", want \"%s\"%s%s%s\n", line, rc, err,
		       want, want2 ? " and \"" : "", want2 ? want2 : "", want2 ? "\"" : "");
	if (rc == 0 && cfg != &sentinel)
		config_free(cfg);
	CU_ASSERT(ok);
}

#define LOAD_OK(yaml)		   load_ok_at(__LINE__, yaml)
#define EXPECT_OK(yaml)		   expect_ok_at(__LINE__, yaml)
#define EXPECT_ERR(yaml, w, w2)	   expect_err_at(__LINE__, "t.yaml", yaml, w, w2)
#define EXPECT_ERR_IN(n, y, w, w2) expect_err_at(__LINE__, n, y, w, w2)

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

static const uint8_t secret_hex[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				       0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

/* ---- a complete config ---- */

static void test_full_config_parses_every_value(void)
{
	struct config *cfg = NULL;
	char err[CFG_ERR_MAX], dir[PATH_MAX], dev[2 * PATH_MAX + 64];
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
	CU_ASSERT_EQUAL(g->protocol, CFG_PROTO_GENEVE);
	CU_ASSERT_EQUAL(g->stickiness, FLOW_STICK_5TUPLE);
	CU_ASSERT_EQUAL(g->preserve_client_ip, 1);
	CU_ASSERT_EQUAL(g->tcp_unknown_reset, 0);
	CU_ASSERT_EQUAL(g->cross_zone, 0);
	CU_ASSERT_EQUAL(g->failover, CFG_FAILOVER_NO_REBALANCE);
	CU_ASSERT_EQUAL(g->deregistration_delay, 300);
	CU_ASSERT_EQUAL(g->terminate_on_deregistration, 0);
	CU_ASSERT_EQUAL(g->all_unhealthy, CFG_ALL_UNHEALTHY_ALL_TARGETS);
	CU_ASSERT_EQUAL(g->tcp_idle_timeout, 350);
	CU_ASSERT_EQUAL(g->other_idle_timeout, 120);
	CU_ASSERT_EQUAL(g->hc.protocol, CFG_HC_TCP);
	CU_ASSERT_EQUAL(g->hc.port, 80);
	CU_ASSERT_EQUAL(g->hc.interval, 10);
	CU_ASSERT_EQUAL(g->hc.timeout, 5);
	CU_ASSERT_EQUAL(g->hc.healthy_threshold, 5);
	CU_ASSERT_EQUAL(g->hc.unhealthy_threshold, 2);
	CU_ASSERT_EQUAL(g->hc.passive_min_packets, 0); /* the passive check is off by default */
	CU_ASSERT_EQUAL(g->hc.passive_window, 10);
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
	CU_ASSERT_EQUAL(g->stickiness, FLOW_STICK_2TUPLE);
	CU_ASSERT_EQUAL(g->cross_zone, 1);
	CU_ASSERT_EQUAL(g->failover, CFG_FAILOVER_REBALANCE);
	CU_ASSERT_EQUAL(g->deregistration_delay, 0);
	CU_ASSERT_EQUAL(g->terminate_on_deregistration, 1);
	CU_ASSERT_EQUAL(g->all_unhealthy, CFG_ALL_UNHEALTHY_BYPASS);
	CU_ASSERT_EQUAL(g->tcp_idle_timeout, 6000);
	CU_ASSERT_EQUAL(g->other_idle_timeout, 60);
	CU_ASSERT_EQUAL(g->hc.protocol, CFG_HC_HTTP);
	CU_ASSERT_EQUAL(g->hc.port, 8080);
	CU_ASSERT_STRING_EQUAL(g->hc.path, "/healthz");
	CU_ASSERT_EQUAL(g->hc.interval, 30);
	CU_ASSERT_EQUAL(g->hc.timeout, 10);
	CU_ASSERT_EQUAL(g->hc.healthy_threshold, 3);
	CU_ASSERT_EQUAL(g->hc.unhealthy_threshold, 4);
	CU_ASSERT_EQUAL(g->hc.matcher_lo, 200);
	CU_ASSERT_EQUAL(g->hc.matcher_hi, 299);
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
	l = &cfg->listeners[0];
	CU_ASSERT_STRING_EQUAL(l->name, "web");
	CU_ASSERT_EQUAL(l->protocol, CFG_LPROTO_TCP);
	CU_ASSERT_EQUAL(l->port, 443);
	CU_ASSERT_EQUAL(l->group, 0);
	CU_ASSERT_EQUAL(l->inspect, -1);
	l = &cfg->listeners[1];
	CU_ASSERT_STRING_EQUAL(l->name, "dns");
	CU_ASSERT_EQUAL(l->protocol, CFG_LPROTO_UDP);
	CU_ASSERT_EQUAL(l->port, 53);
	CU_ASSERT_EQUAL(l->group, 1);
	CU_ASSERT_EQUAL(l->inspect, -1);
	l = &cfg->listeners[2];
	CU_ASSERT_STRING_EQUAL(l->name, "api");
	CU_ASSERT_EQUAL(l->protocol, CFG_LPROTO_TCP);
	CU_ASSERT_EQUAL(l->port, 8443);
	CU_ASSERT_EQUAL(l->group, 0);
	CU_ASSERT_EQUAL(l->inspect, 0);
	l = &cfg->listeners[3];
	CU_ASSERT_STRING_EQUAL(l->name, "any");
	CU_ASSERT_EQUAL(l->protocol, CFG_LPROTO_TCP_UDP);
	CU_ASSERT_EQUAL(l->protocol, CFG_LPROTO_TCP | CFG_LPROTO_UDP);
	CU_ASSERT_EQUAL(l->port, 0); /* all */
	CU_ASSERT_EQUAL(l->group, 2);
	CU_ASSERT_EQUAL(l->inspect, -1);
	config_free(cfg);
}

static void test_minimal_config_gets_every_default(void)
{
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

	g = &cfg->groups[0]; /* geneve */
	CU_ASSERT_EQUAL(g->stickiness, FLOW_STICK_5TUPLE);
	CU_ASSERT_EQUAL(g->cross_zone, 0);
	CU_ASSERT_EQUAL(g->failover, CFG_FAILOVER_NO_REBALANCE);
	CU_ASSERT_EQUAL(g->deregistration_delay, 300);
	CU_ASSERT_EQUAL(g->terminate_on_deregistration, 0);
	CU_ASSERT_EQUAL(g->all_unhealthy, CFG_ALL_UNHEALTHY_ALL_TARGETS);
	CU_ASSERT_EQUAL(g->tcp_idle_timeout, 350);
	CU_ASSERT_EQUAL(g->other_idle_timeout, 120);
	CU_ASSERT_EQUAL(g->hc.protocol, CFG_HC_TCP);
	CU_ASSERT_EQUAL(g->hc.port, 80);
	CU_ASSERT_STRING_EQUAL(g->hc.path, "/");
	CU_ASSERT_EQUAL(g->hc.interval, 10);
	CU_ASSERT_EQUAL(g->hc.timeout, 5);
	CU_ASSERT_EQUAL(g->hc.healthy_threshold, 5);
	CU_ASSERT_EQUAL(g->hc.unhealthy_threshold, 2);
	CU_ASSERT_EQUAL(g->hc.matcher_lo, 200);
	CU_ASSERT_EQUAL(g->hc.matcher_hi, 399);
	CU_ASSERT_EQUAL(g->targets[0].weight, 1);
	CU_ASSERT_EQUAL(g->targets[0].state, CFG_TS_HEALTHY);
	CU_ASSERT_STRING_EQUAL(g->targets[0].zone, "anywhere"); /* any zone without zones: */

	CU_ASSERT_EQUAL(g->preserve_client_ip, 1);
	CU_ASSERT_EQUAL(g->tcp_unknown_reset, 0);

	g = &cfg->groups[1]; /* tcp */
	CU_ASSERT_EQUAL(g->stickiness, FLOW_STICK_5TUPLE);
	CU_ASSERT_EQUAL(g->preserve_client_ip, 1);
	CU_ASSERT_EQUAL(g->tcp_unknown_reset, 0);
	CU_ASSERT_EQUAL(g->hc.protocol, CFG_HC_TCP);
	CU_ASSERT_EQUAL(g->hc.port, 0);
	CU_ASSERT_EQUAL(g->hc.interval, 30);
	CU_ASSERT_EQUAL(g->hc.timeout, 10);
	CU_ASSERT_EQUAL(g->hc.healthy_threshold, 5);
	CU_ASSERT_EQUAL(g->hc.unhealthy_threshold, 2);

	g = &cfg->groups[2]; /* udp, http check */
	CU_ASSERT_EQUAL(g->hc.protocol, CFG_HC_HTTP);
	CU_ASSERT_EQUAL(g->hc.timeout, 6);
	CU_ASSERT_EQUAL(g->hc.interval, 30);
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
	EXPECT_ERR("", "t.yaml:1: the configuration is empty", NULL);
	EXPECT_ERR("# only a comment\n", "t.yaml:1: the configuration is empty", NULL);
	EXPECT_ERR("- a\n- b\n", "t.yaml:1: the configuration must be a mapping, got a list", NULL);
	EXPECT_ERR(BASE "ports: []\n", "t.yaml:5: ports: duplicate key (first at line 2)", NULL);
	EXPECT_ERR(BASE "---\nnode: {}\n", "t.yaml:5: only one YAML document is allowed", NULL);
	EXPECT_ERR(BASE "routes: [\n", "t.yaml:6: YAML error: ", NULL);
	EXPECT_ERR(BASE "neighbors: *nope\n", "t.yaml:5: YAML error: ", "undefined alias");
	EXPECT_ERR(BASE "{a: 1}: x\n", "t.yaml:5: a key must be a name, got a mapping", NULL);
	/* anchors and aliases are plain YAML and work */
	EXPECT_OK("node: {zone: &z az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		  "ports: [{name: p, device: d, addresses: [10.0.0.1/24]}]\n"
		  "target_groups: [{name: g, protocol: geneve, targets: "
		  "[{id: t, address: 10.0.0.2, zone: *z}]}]\n");
}

static void test_unknown_keys_are_refused(void)
{
	EXPECT_ERR(BASE "nodes: {}\n", "t.yaml:5: nodes: unknown key (expected one of: node, ",
		   NULL);
	EXPECT_ERR(
		BASE "zones: {az1: 10.0.1.10}\n"
		     "target_groups: [{name: web, protocol: tcp}]\n"
		     "listeners:\n"
		     "  - {name: web, protocol: tcp, port: 443, target_group: web, tls: on}\n",
		"t.yaml:8: listeners[0].tls: unknown key (expected one of: name, protocol, port, "
		"target_group, inspect)",
		NULL);
	EXPECT_ERR(TCP_GROUP "    preserve_client_id: true\n",
		   "t.yaml:8: target_groups[0].preserve_client_id: unknown key", NULL);
	EXPECT_ERR("node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff, tll: 3}\n"
		   "ports: [{name: p, device: d}]\n",
		   "t.yaml:1: node.tll: unknown key", "ttl");
	EXPECT_ERR("node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		   "ports:\n"
		   "  - name: p\n"
		   "    device: d\n"
		   "    adresses: [10.0.0.1/24]\n",
		   "t.yaml:5: ports[0].adresses: unknown key", NULL);
	EXPECT_ERR(BASE "routes: [{prefix: 0.0.0.0/0, via: 10.0.1.1, metric: 5}]\n",
		   "t.yaml:5: routes[0].metric: unknown key", NULL);
	EXPECT_ERR(BASE "neighbors: [{address: 10.0.1.1, mac: \"02:00:00:00:00:01\", ttl: 1}]\n",
		   "t.yaml:5: neighbors[0].ttl: unknown key", NULL);
	EXPECT_ERR(GENEVE_GROUP "    stickyness: 2-tuple\n",
		   "t.yaml:8: target_groups[0].stickyness: unknown key", NULL);
	EXPECT_ERR(GENEVE_GROUP "    health_check: {protocol: tcp, intervall: 10}\n",
		   "t.yaml:8: target_groups[0].health_check.intervall: unknown key", NULL);
	EXPECT_ERR(GENEVE_GROUP "    targets:\n"
				"      - {id: a, address: 192.168.50.11, zone: az1}\n"
				"      - {id: b, address: 192.168.50.12, zone: az1, wieght: 2}\n",
		   "t.yaml:10: target_groups[0].targets[1].wieght: unknown key", NULL);
	EXPECT_ERR(GENEVE_GROUP "inspection:\n"
				"  - {name: i, endpoint_id: 1, from: out, chain: [fw], to: app}\n",
		   "t.yaml:9: inspection[0].to: unknown key", NULL);
}

static void test_missing_required_keys_are_refused(void)
{
	EXPECT_ERR("ports: [{name: p, device: d}]\n", "t.yaml:1: node: missing (required)", NULL);
	EXPECT_ERR("node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n",
		   "t.yaml:1: ports: missing (required)", NULL);
	EXPECT_ERR("node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		   "ports: []\n",
		   "t.yaml:2: ports: at least one port is required", NULL);
	EXPECT_ERR("node: {cookie_secret: 00112233445566778899aabbccddeeff}\n"
		   "ports: [{name: p, device: d}]\n",
		   "t.yaml:1: node.zone: missing (required)", NULL);
	EXPECT_ERR("node: {zone: az1}\nports: [{name: p, device: d}]\n",
		   "t.yaml:1: node.cookie_secret_file: missing (required: cookie_secret_file or "
		   "cookie_secret)",
		   NULL);
	EXPECT_ERR("node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		   "ports:\n  - {device: d}\n",
		   "t.yaml:3: ports[0].name: missing (required)", NULL);
	EXPECT_ERR("node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		   "ports:\n  - {name: p}\n",
		   "t.yaml:3: ports[0].device: missing (required)", NULL);
	EXPECT_ERR(BASE "routes: [{prefix: 0.0.0.0/0}]\n", "t.yaml:5: routes[0].via: missing",
		   NULL);
	EXPECT_ERR(BASE "routes: [{via: 10.0.1.1}]\n", "t.yaml:5: routes[0].prefix: missing", NULL);
	EXPECT_ERR(BASE "neighbors: [{address: 10.0.1.1}]\n", "t.yaml:5: neighbors[0].mac: missing",
		   NULL);
	EXPECT_ERR(BASE "neighbors: [{mac: \"02:00:00:00:00:01\"}]\n",
		   "t.yaml:5: neighbors[0].address: missing", NULL);
	EXPECT_ERR(BASE "target_groups:\n  - {protocol: geneve}\n",
		   "t.yaml:6: target_groups[0].name: missing", NULL);
	EXPECT_ERR(BASE "target_groups:\n  - {name: g}\n",
		   "t.yaml:6: target_groups[0].protocol: missing", NULL);
	EXPECT_ERR(GENEVE_GROUP "    targets: [{address: 192.168.50.11, zone: az1}]\n",
		   "t.yaml:8: target_groups[0].targets[0].id: missing", NULL);
	EXPECT_ERR(GENEVE_GROUP "    targets: [{id: a, zone: az1}]\n",
		   "t.yaml:8: target_groups[0].targets[0].address: missing", NULL);
	EXPECT_ERR(GENEVE_GROUP "    targets: [{id: a, address: 192.168.50.11}]\n",
		   "t.yaml:8: target_groups[0].targets[0].zone: missing", NULL);
	EXPECT_ERR(GENEVE_GROUP "inspection: [{name: i, from: out, chain: [fw]}]\n",
		   "t.yaml:8: inspection[0].endpoint_id: missing", NULL);
	EXPECT_ERR(GENEVE_GROUP "inspection: [{name: i, endpoint_id: 1, chain: [fw]}]\n",
		   "t.yaml:8: inspection[0].from: missing", NULL);
	EXPECT_ERR(GENEVE_GROUP "inspection: [{name: i, endpoint_id: 1, from: out}]\n",
		   "t.yaml:8: inspection[0].chain: missing", NULL);
	EXPECT_ERR(GENEVE_GROUP "inspection: [{endpoint_id: 1, from: out, chain: [fw]}]\n",
		   "t.yaml:8: inspection[0].name: missing", NULL);
	/* an empty value is a missing value */
	EXPECT_ERR("node:\n  zone:\n  cookie_secret: 00112233445566778899aabbccddeeff\n"
		   "ports: [{name: p, device: d}]\n",
		   "t.yaml:2: node.zone: missing value", NULL);
	EXPECT_ERR("node: {zone: ~, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		   "ports: [{name: p, device: d}]\n",
		   "t.yaml:1: node.zone: missing value", NULL);
}

static void test_duplicates_are_refused(void)
{
	EXPECT_ERR("node: {zone: az1, zone: az2, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		   "ports: [{name: p, device: d}]\n",
		   "t.yaml:1: node.zone: duplicate key (first at line 1)", NULL);
	EXPECT_ERR(BASE "zones: {az1: 10.0.1.10, az1: 10.0.2.10}\n",
		   "t.yaml:5: zones.az1: duplicate key", NULL);
	EXPECT_ERR(BASE "zones: {az1: 10.0.1.10, az2: 10.0.1.10}\n",
		   "t.yaml:5: zones.az2: 10.0.1.10 is already the address of zone \"az1\"", NULL);
	EXPECT_ERR(BASE "  - {name: out, device: net_null2}\n",
		   "t.yaml:5: ports[2].name: duplicate port name \"out\" (also ports[0])", NULL);
	EXPECT_ERR(
		BASE "  - {name: x, device: net_null1}\n",
		"t.yaml:5: ports[2].device: device \"net_null1\" is already used by port \"app\"",
		NULL);
	EXPECT_ERR(BASE "  - {name: x, device: d, addresses: [10.0.1.10/16]}\n",
		   "t.yaml:5: ports[2].addresses[0]: 10.0.1.10 is already configured on port "
		   "\"out\"",
		   NULL);
	EXPECT_ERR(BASE "  - {name: x, device: d, addresses: [10.9.0.1/24, 10.9.0.1/32]}\n",
		   "t.yaml:5: ports[2].addresses[1]: 10.9.0.1 is listed twice", NULL);
	EXPECT_ERR(BASE "routes:\n"
			"  - {prefix: 10.8.0.0/16, via: 10.0.1.1}\n"
			"  - {prefix: 10.8.0.0/16, via: 10.0.1.2}\n",
		   "t.yaml:7: routes[1].prefix: duplicate route for 10.8.0.0/16 (also routes[0])",
		   NULL);
	EXPECT_ERR(BASE "neighbors:\n"
			"  - {address: 10.0.1.1, mac: \"02:00:00:00:00:01\"}\n"
			"  - {address: 10.0.1.1, mac: \"02:00:00:00:00:02\"}\n",
		   "t.yaml:7: neighbors[1].address: duplicate neighbor 10.0.1.1", NULL);
	EXPECT_ERR(GENEVE_GROUP "  - {name: fw, protocol: geneve}\n",
		   "t.yaml:8: target_groups[1].name: duplicate target group name \"fw\"", NULL);
	EXPECT_ERR(GENEVE_GROUP "    targets:\n"
				"      - {id: a, address: 192.168.50.11, zone: az1}\n"
				"      - {id: a, address: 192.168.50.12, zone: az1}\n",
		   "t.yaml:10: target_groups[0].targets[1].id: duplicate target id \"a\"", NULL);
	EXPECT_ERR(GENEVE_GROUP "    targets:\n"
				"      - {id: a, address: 192.168.50.11, zone: az1}\n"
				"      - {id: b, address: 192.168.50.11, zone: az1}\n",
		   "t.yaml:10: target_groups[0].targets[1].address: 192.168.50.11 is already "
		   "target \"a\"",
		   NULL);
	EXPECT_ERR(TCP_GROUP "    targets:\n"
			     "      - {id: a, address: 10.0.1.20, port: 80, zone: az1}\n"
			     "      - {id: b, address: 10.0.1.20, port: 80, zone: az1}\n",
		   "t.yaml:10: target_groups[0].targets[1].port: 10.0.1.20 port 80 is already "
		   "target \"a\"",
		   NULL);
	EXPECT_OK(TCP_GROUP "    targets:\n"
			    "      - {id: a, address: 10.0.1.20, port: 80, zone: az1}\n"
			    "      - {id: b, address: 10.0.1.20, port: 81, zone: az1}\n");
	/* the same target id in two groups is fine */
	EXPECT_OK(GENEVE_GROUP "    targets: [{id: a, address: 192.168.50.11, zone: az1}]\n"
			       "  - name: ids\n"
			       "    protocol: geneve\n"
			       "    targets: [{id: a, address: 192.168.50.12, zone: az1}]\n");
	EXPECT_ERR(GENEVE_GROUP "inspection:\n"
				"  - {name: i, endpoint_id: 1, from: out, chain: [fw]}\n"
				"  - {name: i, endpoint_id: 2, from: app, chain: [fw]}\n",
		   "t.yaml:10: inspection[1].name: duplicate inspection name \"i\"", NULL);
	EXPECT_ERR(GENEVE_GROUP "inspection:\n"
				"  - {name: i, endpoint_id: 0x10, from: out, chain: [fw]}\n"
				"  - {name: j, endpoint_id: 16, from: app, chain: [fw]}\n",
		   "t.yaml:10: inspection[1].endpoint_id: endpoint_id 0x0000000000000010 is "
		   "already used by inspection \"i\"",
		   NULL);
	EXPECT_ERR(GENEVE_GROUP "inspection:\n"
				"  - {name: i, endpoint_id: 1, from: out, chain: [fw]}\n"
				"  - {name: j, endpoint_id: 2, from: [app, out], chain: [fw]}\n",
		   "t.yaml:10: inspection[1].from[1]: port \"out\" is already in inspection \"i\"",
		   NULL);
	EXPECT_ERR(GENEVE_GROUP "inspection:\n"
				"  - {name: i, endpoint_id: 1, from: [out, out], chain: [fw]}\n",
		   "t.yaml:9: inspection[0].from[1]: port \"out\" is listed twice", NULL);
	EXPECT_ERR(GENEVE_GROUP "inspection:\n"
				"  - {name: i, endpoint_id: 1, from: out, chain: [fw, fw]}\n",
		   "t.yaml:9: inspection[0].chain[1]: target group \"fw\" is listed twice", NULL);
}

/* ---- values ---- */

static void test_node_values(void)
{
#define NODE(x) "node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff, " x "}\n"
#define PORT	"ports: [{name: p, device: d, addresses: [10.0.0.1/24]}]\n"
	EXPECT_OK(NODE("ttl: 1") PORT);
	EXPECT_OK(NODE("ttl: 255") PORT);
	EXPECT_ERR(NODE("ttl: 0") PORT, "t.yaml:1: node.ttl: 0 is out of range (1..255)", NULL);
	EXPECT_ERR(NODE("ttl: 256") PORT, "t.yaml:1: node.ttl: 256 is out of range (1..255)", NULL);
	EXPECT_OK(NODE("flow_table_size: 1024") PORT);
	EXPECT_OK(NODE("flow_table_size: 67108864") PORT);
	EXPECT_ERR(NODE("flow_table_size: 1023") PORT,
		   "t.yaml:1: node.flow_table_size: 1023 is out of range (1024..67108864)", NULL);
	EXPECT_ERR(NODE("flow_table_size: 67108865") PORT, "node.flow_table_size: 67108865 is out",
		   NULL);
	EXPECT_OK(NODE("fragment_table_size: 16, fragment_timeout_ms: 100") PORT);
	EXPECT_OK(NODE("fragment_table_size: 16777216, fragment_timeout_ms: 60000") PORT);
	EXPECT_ERR(NODE("fragment_table_size: 15") PORT,
		   "t.yaml:1: node.fragment_table_size: 15 is out of range (16..16777216)", NULL);
	EXPECT_ERR(NODE("fragment_timeout_ms: 60001") PORT,
		   "t.yaml:1: node.fragment_timeout_ms: 60001 is out of range (100..60000)", NULL);
	EXPECT_ERR(NODE("fragment_timeout_ms: 99") PORT, "node.fragment_timeout_ms: 99 is out",
		   NULL);
	EXPECT_OK(NODE("maglev_size: 65537") PORT);
	EXPECT_OK(NODE("maglev_size: 65539") PORT);
	EXPECT_OK(NODE("maglev_size: 16777259") PORT);
	EXPECT_ERR(NODE("maglev_size: 65536") PORT,
		   "t.yaml:1: node.maglev_size: 65536 is out of range (65537..16777259)", NULL);
	EXPECT_ERR(NODE("maglev_size: 16777260") PORT, "node.maglev_size: 16777260 is out of range",
		   NULL);
	EXPECT_ERR(NODE("maglev_size: 65541") PORT,
		   "t.yaml:1: node.maglev_size: 65541 is not prime (the next prime is 65543)",
		   NULL);
	EXPECT_OK(NODE("geneve_address: 10.0.0.1") PORT);
	EXPECT_ERR(NODE("geneve_address: 10.0.0.2") PORT,
		   "t.yaml:1: node.geneve_address: 10.0.0.2 is not an address of any port", NULL);
	EXPECT_ERR(NODE("geneve_address: \"2001:db8::1\"") PORT,
		   "t.yaml:1: node.geneve_address: not an IPv4 address \"2001:db8::1\"", NULL);
	EXPECT_ERR(NODE("geneve_address: 10.0.0.1/24") PORT,
		   "node.geneve_address: expected an address without a prefix length", NULL);
	EXPECT_ERR("node:\n  zone: az1\n  cookie_secret: 00112233445566778899aabbccddeeff\n"
		   "  ttl: [1]\n" PORT,
		   "t.yaml:4: node.ttl: expected a single value, got a list", NULL);
	EXPECT_ERR("node: {zone: \"a z\", cookie_secret: 00112233445566778899aabbccddeeff}\n" PORT,
		   "t.yaml:1: node.zone: invalid character in name \"a z\"", NULL);
	EXPECT_ERR("node: {zone: "
		   "a234567890123456789012345678901234567890123456789012345678901234, "
		   "cookie_secret: 00112233445566778899aabbccddeeff}\n" PORT,
		   "t.yaml:1: node.zone: name too long (64 characters, at most 63)", NULL);
	EXPECT_OK("node: {zone: a23456789012345678901234567890123456789012345678901234567890123, "
		  "cookie_secret: 00112233445566778899aabbccddeeff}\n" PORT);
	EXPECT_ERR("node: []\n" PORT, "t.yaml:1: node: expected a mapping, got a list", NULL);
	EXPECT_OK(NODE("exception_rate: 100") PORT);
	EXPECT_OK(NODE("exception_rate: 1000000") PORT);
	EXPECT_ERR(NODE("exception_rate: 99") PORT,
		   "t.yaml:1: node.exception_rate: 99 is out of range (100..1000000)", NULL);
	EXPECT_ERR(NODE("exception_rate: 1000001") PORT,
		   "t.yaml:1: node.exception_rate: 1000001 is out of range", NULL);
	EXPECT_ERR(NODE("exception_rate: 0") PORT, "node.exception_rate: 0 is out of range", NULL);
	EXPECT_ERR(NODE("exception_rate: fast") PORT, "node.exception_rate:", NULL);
	EXPECT_OK(NODE("neighbor_table_size: 16, neighbor_reachable_ms: 1000") PORT);
	EXPECT_OK(NODE("neighbor_table_size: 4194304, neighbor_reachable_ms: 3600000") PORT);
	EXPECT_ERR(NODE("neighbor_table_size: 15") PORT,
		   "t.yaml:1: node.neighbor_table_size: 15 is out of range (16..4194304)", NULL);
	EXPECT_ERR(NODE("neighbor_reachable_ms: 999") PORT,
		   "t.yaml:1: node.neighbor_reachable_ms: 999 is out of range (1000..3600000)",
		   NULL);
#undef NODE
#undef PORT
}

static void test_integers_are_strict(void)
{
#define TTL(x)                                                                             \
	"node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff, ttl: " x "}\n" \
	"ports: [{name: p, device: d}]\n"
	EXPECT_ERR(TTL("1.5"), "t.yaml:1: node.ttl: not an integer \"1.5\"", NULL);
	EXPECT_ERR(TTL("abc"), "node.ttl: not an integer \"abc\"", NULL);
	EXPECT_ERR(TTL("1e2"), "node.ttl: not an integer \"1e2\"", NULL);
	EXPECT_ERR(TTL("\" 64\""), "node.ttl: not an integer \" 64\"", NULL);
	EXPECT_ERR(TTL("+64"), "node.ttl: not an integer \"+64\"", NULL);
	EXPECT_ERR(TTL("0x"), "node.ttl: not an integer \"0x\"", NULL);
	EXPECT_ERR(TTL("0x0x5"), "node.ttl: not an integer \"0x0x5\"", NULL);
	EXPECT_ERR(TTL("-1"), "t.yaml:1: node.ttl: must not be negative, got \"-1\"", NULL);
	EXPECT_ERR(TTL("99999999999999999999"), "node.ttl: 99999999999999999999 is too large",
		   NULL);
	EXPECT_ERR(TTL("true"), "node.ttl: not an integer \"true\"", NULL);
	EXPECT_OK(TTL("0x40"));
	EXPECT_OK(TTL("\"64\""));
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
	EXPECT_ERR(EP("0x10000000000000000"),
		   "t.yaml:8: inspection[0].endpoint_id: 0x10000000000000000 is too large", NULL);
	EXPECT_ERR(EP("18446744073709551616"), "inspection[0].endpoint_id: 18446744073709551616 is",
		   NULL);
	EXPECT_ERR(EP("0xg1"), "t.yaml:8: inspection[0].endpoint_id: not an integer \"0xg1\"",
		   NULL);
	EXPECT_ERR(EP("-5"), "inspection[0].endpoint_id: must not be negative", NULL);
	EXPECT_ERR(GENEVE_GROUP "inspection: [{name: i, endpoint_id: 1, attachment_id: x, from: "
				"out, chain: [fw]}]\n",
		   "t.yaml:8: inspection[0].attachment_id: not an integer \"x\"", NULL);
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
	EXPECT_ERR(SECRET("cookie_secret: 00112233445566778899aabbccddeef"),
		   "t.yaml:1: node.cookie_secret: must be 32 hex digits (16 bytes)", NULL);
	EXPECT_ERR(SECRET("cookie_secret: 00112233445566778899aabbccddeeff0"),
		   "node.cookie_secret: must be 32 hex digits", NULL);
	EXPECT_ERR(SECRET("cookie_secret: 00112233445566778899aabbccddeefg"),
		   "node.cookie_secret: must be 32 hex digits", NULL);
	EXPECT_ERR(SECRET("cookie_secret: 00112233445566778899aabbccddeeff, cookie_secret_file: "
			  "secret.hex"),
		   "t.yaml:1: node.cookie_secret: give cookie_secret or cookie_secret_file, not "
		   "both",
		   NULL);

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

	EXPECT_OK(P("mtu: 576"));
	EXPECT_OK(P("mtu: 9216"));
	EXPECT_ERR(P("mtu: 575"), "t.yaml:3: ports[0].mtu: 575 is out of range (576..9216)", NULL);
	EXPECT_ERR(P("mtu: 9217"), "t.yaml:3: ports[0].mtu: 9217 is out of range", NULL);
	EXPECT_ERR(P("addresses: [\"2001:db8::1/64\"], mtu: 1279"),
		   "t.yaml:3: ports[0].mtu: 1279 is below the IPv6 minimum of 1280", NULL);
	EXPECT_OK(P("addresses: [\"2001:db8::1/64\"], mtu: 1280"));
	EXPECT_ERR(P("addresses: [10.0.0.1/33]"),
		   "t.yaml:3: ports[0].addresses[0]: bad prefix length in \"10.0.0.1/33\" (0..32)",
		   NULL);
	EXPECT_ERR(P("addresses: [\"2001:db8::1/129\"]"), "bad prefix length", "(0..128)");
	EXPECT_ERR(P("addresses: [10.0.0.1/]"), "ports[0].addresses[0]: bad prefix length", NULL);
	EXPECT_ERR(P("addresses: [10.0.0.1/2x]"), "ports[0].addresses[0]: bad prefix length", NULL);
	EXPECT_ERR(P("addresses: [10.0.0.256/24]"),
		   "t.yaml:3: ports[0].addresses[0]: not an IP address or prefix "
		   "\"10.0.0.256/24\"",
		   NULL);
	EXPECT_ERR(P("addresses: [eth0]"), "ports[0].addresses[0]: not an IP address or prefix",
		   NULL);
	EXPECT_ERR(P("addresses: [224.0.0.1/4]"),
		   "ports[0].addresses[0]: 224.0.0.1 is not a unicast address", NULL);
	EXPECT_ERR(P("addresses: [\"::/0\"]"), "ports[0].addresses[0]: :: is not a unicast", NULL);
	EXPECT_ERR(P("addresses: 10.0.0.1/24"), "ports[0].addresses: expected a list", NULL);
	EXPECT_ERR(P("addresses: [10.0.0.1/24, 10.0.0.2/24, 10.0.0.3/24, 10.0.0.4/24, 10.0.0.5/24, "
		     "10.0.0.6/24, 10.0.0.7/24, 10.0.0.8/24, 10.0.0.9/24]"),
		   "t.yaml:3: ports[0].addresses: too many addresses (9, at most 8)", NULL);
	EXPECT_OK(P("addresses: [10.0.0.1/24, 10.0.0.2/24, 10.0.0.3/24, 10.0.0.4/24, 10.0.0.5/24, "
		    "10.0.0.6/24, 10.0.0.7/24, 10.0.0.8/24]"));
	EXPECT_ERR(P("mac: \"02:00:00:00:00\""),
		   "t.yaml:3: ports[0].mac: not a MAC address \"02:00:00:00:00\"", NULL);
	EXPECT_ERR(P("mac: \"02-00-00-00-00-01\""), "ports[0].mac: not a MAC address", NULL);
	EXPECT_ERR(P("mac: \"0g:00:00:00:00:01\""), "ports[0].mac: not a MAC address", NULL);
	EXPECT_ERR(P("mac: \"01:00:5e:00:00:01\""),
		   "ports[0].mac: \"01:00:5e:00:00:01\" is a "
		   "multicast MAC",
		   NULL);
	EXPECT_ERR(P("mac: \"00:00:00:00:00:00\""), "ports[0].mac: \"00:00:00:00:00:00\" is not",
		   NULL);
	EXPECT_ERR(P("name: \"p 1\""), "duplicate key", NULL);
	EXPECT_ERR("node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		   "ports: [{name: \"p/1\", device: d}]\n",
		   "t.yaml:2: ports[0].name: invalid character in name \"p/1\"", NULL);
	EXPECT_ERR("node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		   "ports: [{name: p, device: \"\"}]\n",
		   "t.yaml:2: ports[0].device: missing value", NULL);
	EXPECT_ERR("node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		   "ports: {name: p, device: d}\n",
		   "t.yaml:2: ports: expected a list, got a mapping", NULL);
	EXPECT_ERR("node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		   "ports: [p0]\n",
		   "t.yaml:2: ports[0]: expected a mapping, got a single value", NULL);

	EXPECT_OK(P("kernel_interface: a"));
	EXPECT_OK(P("kernel_interface: sl-out_0.v12345")); /* 15 characters */
	EXPECT_ERR(P("kernel_interface: sl-out_0.v123456"),
		   "t.yaml:3: ports[0].kernel_interface: interface name too long (16 characters, "
		   "at most 15)",
		   NULL);
	EXPECT_ERR(P("kernel_interface: \"eth 0\""),
		   "t.yaml:3: ports[0].kernel_interface: invalid character in interface name "
		   "\"eth 0\" (letters, digits, - _ . only)",
		   NULL);
	EXPECT_ERR(P("kernel_interface: \"eth0:1\""), "invalid character in interface name", NULL);
	EXPECT_ERR(P("kernel_interface: \"a/b\""), "invalid character in interface name", NULL);
	EXPECT_ERR(P("kernel_interface: \"..\""),
		   "ports[0].kernel_interface: \"..\" is not a valid interface name", NULL);
	EXPECT_ERR(P("kernel_interface: \".\""), "\".\" is not a valid interface name", NULL);
	EXPECT_ERR(P("kernel_interface: \"\""), "ports[0].kernel_interface: missing value", NULL);
	EXPECT_ERR(P("kernel_interface: [eth0]"),
		   "ports[0].kernel_interface: expected a single value, got a list", NULL);
	EXPECT_ERR("node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		   "ports:\n"
		   "  - {name: a, device: d0, kernel_interface: sl0}\n"
		   "  - {name: b, device: d1, kernel_interface: sl1}\n"
		   "  - {name: c, device: d2, kernel_interface: sl0}\n",
		   "t.yaml:5: ports[2].kernel_interface: kernel interface \"sl0\" is already port "
		   "\"a\"'s",
		   NULL);
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
	EXPECT_OK(Z("az1", "{az1: 10.0.1.10, az2: \"2001:db8::10\"}", "az2"));
	EXPECT_ERR(Z("az3", "{az1: 10.0.1.10, az2: 10.0.2.10}", "az2"),
		   "t.yaml:1: node.zone: zone \"az3\" is not in zones (az1, az2)", NULL);
	EXPECT_ERR(Z("az1", "{az1: 10.0.1.10, az2: 10.0.2.10}", "az9"),
		   "t.yaml:7: target_groups[0].targets[0].zone: zone \"az9\" is not in zones",
		   NULL);
	EXPECT_ERR(Z("az1", "{az1: 10.0.1.300}", "az1"),
		   "t.yaml:2: zones.az1: not an IP address \"10.0.1.300\"", NULL);
	EXPECT_ERR(Z("az1", "{az1: 10.0.1.0/24}", "az1"),
		   "t.yaml:2: zones.az1: expected an address without a prefix length", NULL);
	EXPECT_ERR(Z("az1", "{}", "az1"), "t.yaml:2: zones: empty", NULL);
	EXPECT_ERR(Z("az1", "[az1]", "az1"), "t.yaml:2: zones: expected a mapping, got a list",
		   NULL);
	EXPECT_ERR(Z("az1", "{\"a z\": 10.0.1.10}", "az1"),
		   "t.yaml:2: zones.a z: invalid character in name", NULL);
#undef Z
}

static void test_routes_and_neighbors(void)
{
	EXPECT_OK(BASE "routes: [{prefix: 10.0.0.0/8, via: 10.0.1.254}, {prefix: 10.9.9.9, via: "
		       "10.0.1.254}]\n");
	EXPECT_ERR(BASE "routes:\n  - {prefix: 10.1.2.3/16, via: 10.0.1.1}\n",
		   "t.yaml:6: routes[0].prefix: 10.1.2.3/16 has host bits set", NULL);
	EXPECT_ERR(BASE "routes:\n  - {prefix: \"2001:db8::1/64\", via: \"2001:db8:a::1\"}\n",
		   "t.yaml:6: routes[0].prefix: 2001:db8::1/64 has host bits set", NULL);
	EXPECT_ERR(BASE "routes:\n  - {prefix: 0.0.0.0/0, via: \"2001:db8:a::1\"}\n",
		   "t.yaml:6: routes[0].via: not an IPv4 address \"2001:db8:a::1\"", NULL);
	EXPECT_ERR(BASE "routes:\n  - {prefix: \"::/0\", via: 10.0.1.1}\n",
		   "t.yaml:6: routes[0].via: not an IPv6 address \"10.0.1.1\"", NULL);
	EXPECT_ERR(BASE "routes:\n  - {prefix: 0.0.0.0/0, via: 10.0.9.1}\n",
		   "t.yaml:6: routes[0].via: route 0.0.0.0/0: next hop 10.0.9.1 is not inside any "
		   "port's connected subnet",
		   NULL);
	EXPECT_ERR(BASE "routes:\n  - {prefix: 0.0.0.0/0, via: 10.0.1.10}\n",
		   "t.yaml:6: routes[0].via: 10.0.1.10 is this node's own address (port \"out\")",
		   NULL);
	EXPECT_ERR(BASE "routes:\n  - {prefix: 0.0.0.0/0, via: 10.0.1.1/32}\n",
		   "t.yaml:6: routes[0].via: expected an address without a prefix length", NULL);
	EXPECT_ERR(BASE "routes: {prefix: 0.0.0.0/0, via: 10.0.1.1}\n",
		   "t.yaml:5: routes: expected a list, got a mapping", NULL);
	EXPECT_OK(BASE
		  "neighbors:\n  - {address: \"2001:db8:a::1\", mac: \"02:00:00:00:00:01\"}\n");
	EXPECT_ERR(BASE "neighbors:\n  - {address: 10.7.0.1, mac: \"02:00:00:00:00:01\"}\n",
		   "t.yaml:6: neighbors[0].address: 10.7.0.1 is not inside any port's connected "
		   "subnet",
		   NULL);
	EXPECT_ERR(BASE "neighbors:\n  - {address: 10.0.1.10, mac: \"02:00:00:00:00:01\"}\n",
		   "t.yaml:6: neighbors[0].address: 10.0.1.10 is this node's own address", NULL);
	EXPECT_ERR(BASE "neighbors:\n  - {address: 10.0.1.1, mac: \"02:00:00:00:00:0\"}\n",
		   "t.yaml:6: neighbors[0].mac: not a MAC address", NULL);
	EXPECT_ERR(BASE "neighbors:\n  - {address: 10.0.1.255.1, mac: \"02:00:00:00:00:01\"}\n",
		   "t.yaml:6: neighbors[0].address: not an IP address \"10.0.1.255.1\"", NULL);
}

static void test_group_values(void)
{
	EXPECT_ERR(BASE "target_groups:\n  - {name: g, protocol: sctp}\n",
		   "t.yaml:6: target_groups[0].protocol: \"sctp\" is not one of: geneve, tcp, udp, "
		   "tcp_udp",
		   NULL);
	EXPECT_ERR(GENEVE_GROUP "    stickiness: 4-tuple\n",
		   "t.yaml:8: target_groups[0].stickiness: \"4-tuple\" is not one of: 5-tuple, "
		   "3-tuple, 2-tuple",
		   NULL);
	EXPECT_ERR(GENEVE_GROUP "    cross_zone: maybe\n",
		   "t.yaml:8: target_groups[0].cross_zone: expected true or false, got \"maybe\"",
		   NULL);
	EXPECT_OK(GENEVE_GROUP "    cross_zone: no\n    connection_termination: Yes\n");
	EXPECT_ERR(GENEVE_GROUP "    connection_termination: 1\n",
		   "t.yaml:8: target_groups[0].connection_termination: expected true or false",
		   NULL);
	EXPECT_ERR(GENEVE_GROUP "    target_failover: rebalanced\n",
		   "t.yaml:8: target_groups[0].target_failover: \"rebalanced\" is not one of: "
		   "no_rebalance, rebalance",
		   NULL);
	EXPECT_OK(GENEVE_GROUP "    deregistration_delay: 0\n");
	EXPECT_OK(GENEVE_GROUP "    deregistration_delay: 3600\n");
	EXPECT_ERR(
		GENEVE_GROUP "    deregistration_delay: 3601\n",
		"t.yaml:8: target_groups[0].deregistration_delay: 3601 is out of range (0..3600)",
		NULL);
	EXPECT_ERR(GENEVE_GROUP "    deregistration_delay: -1\n",
		   "target_groups[0].deregistration_delay: must not be negative", NULL);
	EXPECT_OK(GENEVE_GROUP "    tcp_idle_timeout: 60\n    other_idle_timeout: 6000\n");
	EXPECT_ERR(GENEVE_GROUP "    tcp_idle_timeout: 59\n",
		   "t.yaml:8: target_groups[0].tcp_idle_timeout: 59 is out of range (60..6000)",
		   NULL);
	EXPECT_ERR(GENEVE_GROUP "    tcp_idle_timeout: 6001\n",
		   "target_groups[0].tcp_idle_timeout: 6001 is out of range", NULL);
	EXPECT_ERR(GENEVE_GROUP "    other_idle_timeout: 59\n",
		   "t.yaml:8: target_groups[0].other_idle_timeout: 59 is out of range (60..6000)",
		   NULL);
	EXPECT_ERR(GENEVE_GROUP "    other_idle_timeout: 6001\n",
		   "target_groups[0].other_idle_timeout: 6001 is out of range", NULL);
	EXPECT_OK(GENEVE_GROUP "    all_unhealthy: bypass\n");
	EXPECT_OK(TCP_GROUP "    all_unhealthy: drop\n");
	EXPECT_ERR(TCP_GROUP "    all_unhealthy: bypass\n",
		   "t.yaml:8: target_groups[0].all_unhealthy: bypass is only possible for geneve "
		   "groups",
		   NULL);
	EXPECT_ERR(TCP_GROUP "    all_unhealthy: open\n",
		   "target_groups[0].all_unhealthy: \"open\" is not one of: all_targets, drop, "
		   "bypass",
		   NULL);
	EXPECT_ERR(GENEVE_GROUP "    targets: {id: a}\n",
		   "t.yaml:8: target_groups[0].targets: expected a list, got a mapping", NULL);
	EXPECT_OK(GENEVE_GROUP "    targets: []\n");
	EXPECT_ERR(BASE "target_groups: {name: g}\n",
		   "t.yaml:5: target_groups: expected a list, got a mapping", NULL);
}

static void test_health_check_values(void)
{
#define HC(x)  GENEVE_GROUP "    health_check: {" x "}\n"
#define THC(x) TCP_GROUP "    health_check: {" x "}\n"
	EXPECT_OK(HC("port: 1"));
	EXPECT_OK(HC("port: 65535"));
	EXPECT_ERR(HC("port: 65536"),
		   "t.yaml:8: target_groups[0].health_check.port: 65536 is out of range (0..65535)",
		   NULL);
	EXPECT_ERR(HC("port: 0"),
		   "t.yaml:8: target_groups[0].health_check.port: 0 (the traffic port) is not "
		   "possible in a geneve group",
		   NULL);
	EXPECT_OK(THC("port: 0"));
	EXPECT_ERR(HC("protocol: udp"),
		   "t.yaml:8: target_groups[0].health_check.protocol: \"udp\" is not one of: tcp, "
		   "http, https",
		   NULL);
	/* below the AWS minimum (5 s) on purpose: labs and tests fail over fast */
	EXPECT_OK(HC("interval: 2, timeout: 1"));
	EXPECT_OK(HC("interval: 5, timeout: 4"));
	EXPECT_OK(HC("interval: 300, timeout: 120"));
	EXPECT_ERR(HC("interval: 1, timeout: 1"),
		   "t.yaml:8: target_groups[0].health_check.interval: 1 is out of range (2..300)",
		   NULL);
	EXPECT_ERR(HC("interval: 301"), "health_check.interval: 301 is out of range", NULL);
	EXPECT_OK(HC("timeout: 1"));
	EXPECT_ERR(HC("timeout: 0"),
		   "t.yaml:8: target_groups[0].health_check.timeout: 0 is out of range (1..120)",
		   NULL);
	EXPECT_ERR(HC("interval: 2, timeout: 2"),
		   "t.yaml:8: target_groups[0].health_check.timeout: 2 must be less than the "
		   "interval (2)",
		   NULL);
	/* the default timeout (5 s for a geneve group) is above a short interval */
	EXPECT_ERR(HC("interval: 3"),
		   "t.yaml:8: target_groups[0].health_check.interval: 3 must be greater than the "
		   "timeout (5 by default; set timeout)",
		   NULL);
	EXPECT_ERR(HC("interval: 300, timeout: 121"), "health_check.timeout: 121 is out of range",
		   NULL);
	EXPECT_ERR(HC("interval: 10, timeout: 10"),
		   "t.yaml:8: target_groups[0].health_check.timeout: 10 must be less than the "
		   "interval (10)",
		   NULL);
	/* the default timeout (10 s for a tcp group) must also stay below the interval */
	EXPECT_ERR(THC("interval: 10"),
		   "t.yaml:8: target_groups[0].health_check.interval: 10 must be greater than the "
		   "timeout (10 by default; set timeout)",
		   NULL);
	EXPECT_OK(THC("interval: 10, timeout: 9"));
	EXPECT_OK(HC("healthy_threshold: 2, unhealthy_threshold: 10"));
	EXPECT_OK(HC("healthy_threshold: 10, unhealthy_threshold: 2"));
	EXPECT_ERR(HC("healthy_threshold: 1"),
		   "t.yaml:8: target_groups[0].health_check.healthy_threshold: 1 is out of range "
		   "(2..10)",
		   NULL);
	EXPECT_ERR(HC("healthy_threshold: 11"), "health_check.healthy_threshold: 11 is out", NULL);
	EXPECT_ERR(HC("unhealthy_threshold: 1"), "health_check.unhealthy_threshold: 1 is out",
		   NULL);
	EXPECT_ERR(HC("unhealthy_threshold: 11"), "health_check.unhealthy_threshold: 11 is out",
		   NULL);
	EXPECT_ERR(HC("path: /x"),
		   "t.yaml:8: target_groups[0].health_check.path: only for http and https health "
		   "checks",
		   NULL);
	EXPECT_ERR(HC("matcher: 200"),
		   "t.yaml:8: target_groups[0].health_check.matcher: only for http and https",
		   NULL);
	EXPECT_ERR(HC("protocol: http, path: healthz"),
		   "t.yaml:8: target_groups[0].health_check.path: must start with \"/\"", NULL);
	EXPECT_ERR(HC("protocol: http, path: \"/a b\""),
		   "health_check.path: spaces and non-ASCII characters are not allowed", NULL);
	EXPECT_OK(HC("protocol: http, matcher: 200"));
	EXPECT_OK(HC("protocol: https, matcher: 200-599"));
	EXPECT_ERR(HC("protocol: http, matcher: 199"),
		   "t.yaml:8: target_groups[0].health_check.matcher: bad HTTP status matcher "
		   "\"199\"",
		   NULL);
	EXPECT_ERR(HC("protocol: http, matcher: 200-600"), "bad HTTP status matcher \"200-600\"",
		   NULL);
	EXPECT_ERR(HC("protocol: http, matcher: 400-300"), "bad HTTP status matcher \"400-300\"",
		   NULL);
	EXPECT_ERR(HC("protocol: http, matcher: \"200,204\""),
		   "bad HTTP status matcher \"200,204\"", NULL);
	EXPECT_ERR(HC("protocol: http, matcher: 200-"), "bad HTTP status matcher \"200-\"", NULL);
	EXPECT_ERR(
		GENEVE_GROUP "    health_check: tcp\n",
		"t.yaml:8: target_groups[0].health_check: expected a mapping, got a single value",
		NULL);
	/* the passive data-path check: geneve groups only, 0 = off, window 4..3600 s */
	EXPECT_OK(HC("passive_min_packets: 0"));
	EXPECT_OK(HC("passive_min_packets: 1, passive_window: 4"));
	EXPECT_OK(HC("passive_min_packets: 1000000000, passive_window: 3600"));
	EXPECT_ERR(HC("passive_min_packets: 1000000001"),
		   "t.yaml:8: target_groups[0].health_check.passive_min_packets: 1000000001 is out "
		   "of range (0..1000000000)",
		   NULL);
	EXPECT_ERR(HC("passive_min_packets: -1"), "health_check.passive_min_packets", NULL);
	EXPECT_ERR(HC("passive_window: 3"),
		   "t.yaml:8: target_groups[0].health_check.passive_window: 3 is out of range "
		   "(4..3600)",
		   NULL);
	EXPECT_ERR(HC("passive_window: 3601"), "passive_window: 3601 is out of range", NULL);
	EXPECT_ERR(THC("passive_min_packets: 100"),
		   "t.yaml:8: target_groups[0].health_check.passive_min_packets: only for geneve "
		   "groups (the passive check counts GENEVE returns from appliances)",
		   NULL);
	EXPECT_ERR(THC("passive_window: 10"),
		   "t.yaml:8: target_groups[0].health_check.passive_window: only for geneve groups",
		   NULL);
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
	EXPECT_ERR(T("address: \"2001:db8::5\""),
		   "t.yaml:9: target_groups[0].targets[0].address: not an IPv4 address "
		   "\"2001:db8::5\"",
		   NULL);
	EXPECT_ERR(T("address: 192.168.50.11, port: 6081"),
		   "t.yaml:9: target_groups[0].targets[0].port: geneve targets have no port", NULL);
	EXPECT_ERR(T("address: 0.0.0.0"),
		   "target_groups[0].targets[0].address: 0.0.0.0 is not a unicast address", NULL);
	EXPECT_ERR(T("address: 192.168.50.0/24"),
		   "targets[0].address: expected an address without a prefix length", NULL);
	EXPECT_OK(T("address: 192.168.50.11, weight: 0"));
	EXPECT_OK(T("address: 192.168.50.11, weight: 1000"));
	EXPECT_ERR(T("address: 192.168.50.11, weight: 1001"),
		   "t.yaml:9: target_groups[0].targets[0].weight: 1001 is out of range (0..1000)",
		   NULL);
	EXPECT_ERR(T("address: 192.168.50.11, state: up"),
		   "t.yaml:9: target_groups[0].targets[0].state: \"up\" is not one of: healthy, "
		   "unhealthy, draining, initial, unused",
		   NULL);
	EXPECT_ERR(T("address: 192.168.50.11, id: b"), "targets[0].id: duplicate key", NULL);
	EXPECT_OK(TT("address: \"2001:db8::5\", port: 1"));
	EXPECT_OK(TT("address: 10.0.1.5, port: 65535"));
	EXPECT_ERR(TT("address: 10.0.1.5, port: 65536"),
		   "t.yaml:9: target_groups[0].targets[0].port: 65536 is out of range (0..65535)",
		   NULL);
	EXPECT_ERR(TT("address: 10.0.1.5, port: http"),
		   "t.yaml:9: target_groups[0].targets[0].port: not an integer \"http\"", NULL);
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

	EXPECT_OK(I("out", "[fw, ids]"));
	EXPECT_ERR(I("nope", "[fw]"), "t.yaml:12: inspection[0].from: no port named \"nope\"",
		   NULL);
	EXPECT_ERR(I("[out, nope]", "[fw]"),
		   "t.yaml:12: inspection[0].from[1]: no port named \"nope\"", NULL);
	EXPECT_ERR(I("[]", "[fw]"), "t.yaml:12: inspection[0].from: at least one port", NULL);
	EXPECT_ERR(I("{a: b}", "[fw]"),
		   "t.yaml:12: inspection[0].from: expected a port name or a "
		   "list of them",
		   NULL);
	EXPECT_ERR(I("out", "[fw, nope]"),
		   "t.yaml:12: inspection[0].chain[1]: no target group named \"nope\"", NULL);
	EXPECT_ERR(
		I("out", "[web]"),
		"t.yaml:12: inspection[0].chain[0]: target group \"web\" is a tcp group; a chain "
		"takes geneve groups",
		NULL);
	EXPECT_ERR(I("out", "[]"),
		   "t.yaml:12: inspection[0].chain: at least one target group is required", NULL);
	EXPECT_ERR(I("out", "fw"), "t.yaml:12: inspection[0].chain: expected a list", NULL);
	EXPECT_ERR(I("out", "[fw, ids, fw2, fw3, fw4, fw5, fw6, fw7, fw8]"),
		   "t.yaml:12: inspection[0].chain: too many groups (9, at most 8)", NULL);
	EXPECT_ERR(I("[out, app, c, d, e, f, g, h, i]", "[fw]"),
		   "t.yaml:12: inspection[0].from: too many ports (9, at most 8)", NULL);
	/* an appliance in two groups of one chain: its returns could not be told apart */
	EXPECT_ERR(GENEVE_GROUP "    targets: [{id: a, address: 192.168.50.11, zone: az1}]\n"
				"  - {name: ids, protocol: geneve, targets: [{id: b, address: "
				"192.168.50.11, zone: az1}]}\n"
				"inspection:\n"
				"  - {name: i, endpoint_id: 1, from: out, chain: [fw, ids]}\n",
		   "t.yaml:11: inspection[0].chain: 192.168.50.11 is a target of both \"fw\" and "
		   "\"ids\"",
		   NULL);
	EXPECT_ERR(BASE "inspection: {name: i}\n", "t.yaml:5: inspection: expected a list", NULL);

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

	EXPECT_ERR(GENEVE_GROUP "    preserve_client_ip: false\n",
		   "t.yaml:8: target_groups[0].preserve_client_ip: only for tcp, udp and tcp_udp "
		   "groups",
		   NULL);
	EXPECT_ERR(GENEVE_GROUP "    preserve_client_ip: true\n",
		   "t.yaml:8: target_groups[0].preserve_client_ip: only for tcp, udp and tcp_udp "
		   "groups",
		   NULL);
	EXPECT_ERR(GENEVE_GROUP "    tcp_unknown_flow: forward\n",
		   "t.yaml:8: target_groups[0].tcp_unknown_flow: only for tcp, udp and tcp_udp "
		   "groups",
		   NULL);
	EXPECT_ERR(TCP_GROUP "    tcp_unknown_flow: drop\n",
		   "t.yaml:8: target_groups[0].tcp_unknown_flow: \"drop\" is not one of: adopt, "
		   "reset, forward",
		   NULL);
	EXPECT_ERR(TCP_GROUP "    tcp_unknown_flow: true\n",
		   "t.yaml:8: target_groups[0].tcp_unknown_flow: \"true\" is not one of", NULL);
	EXPECT_ERR(TCP_GROUP "    preserve_client_ip: maybe\n",
		   "t.yaml:8: target_groups[0].preserve_client_ip: expected true or false, got "
		   "\"maybe\"",
		   NULL);
	EXPECT_ERR(TCP_GROUP "    preserve_client_ip:\n",
		   "t.yaml:8: target_groups[0].preserve_client_ip: missing value", NULL);
	EXPECT_ERR(GENEVE_GROUP "    geneve_udp_checksum: skip\n",
		   "t.yaml:8: target_groups[0].geneve_udp_checksum: \"skip\" is not one of: "
		   "verify, ignore",
		   NULL);
	EXPECT_ERR(GENEVE_GROUP "    geneve_udp_checksum: false\n",
		   "t.yaml:8: target_groups[0].geneve_udp_checksum: \"false\" is not one of", NULL);
	EXPECT_ERR(GENEVE_GROUP "    geneve_udp_checksum:\n",
		   "t.yaml:8: target_groups[0].geneve_udp_checksum: missing value", NULL);
	EXPECT_ERR(TCP_GROUP "    geneve_udp_checksum: ignore\n",
		   "t.yaml:8: target_groups[0].geneve_udp_checksum: only for geneve groups", NULL);
	EXPECT_ERR(GENEVE_GROUP "    stickiness: source-ip\n",
		   "t.yaml:8: target_groups[0].stickiness: \"source-ip\" is not one of: 5-tuple, "
		   "3-tuple, 2-tuple, source_ip",
		   NULL);

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
	EXPECT_ERR(
		TCP_GROUP "    targets:\n"
			  "      - {id: a, address: 10.0.1.20, zone: az1}\n"
			  "      - {id: b, address: 10.0.1.20, zone: az1}\n",
		"t.yaml:10: target_groups[0].targets[1].address: 10.0.1.20 without a port (0) is "
		"already target \"a\"",
		NULL);
	EXPECT_ERR(TCP_GROUP "    targets:\n"
			     "      - {id: a, address: 10.0.1.20, zone: az1}\n"
			     "      - {id: b, address: 10.0.1.20, port: 0, zone: az1}\n",
		   "t.yaml:10: target_groups[0].targets[1].port: 10.0.1.20 without a port (0) is "
		   "already target \"a\"",
		   NULL);
	EXPECT_ERR(TCP_GROUP "    targets: [{id: a, address: 10.0.1.20, port: -1, zone: az1}]\n",
		   "t.yaml:8: target_groups[0].targets[0].port: must not be negative", NULL);
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

	EXPECT_OK(NLB_BASE);
	/* names */
	EXPECT_ERR(L("name: web, protocol: udp, port: 53, target_group: dns"),
		   "t.yaml:14: listeners[1].name: duplicate listener name \"web\" (also "
		   "listeners[0])",
		   NULL);
	EXPECT_ERR(L("name: \"a b\", protocol: udp, port: 53, target_group: dns"),
		   "t.yaml:14: listeners[1].name: invalid character in name \"a b\"", NULL);
	/* protocol */
	EXPECT_ERR(L("name: x, protocol: sctp, port: 53, target_group: dns"),
		   "t.yaml:14: listeners[1].protocol: \"sctp\" is not one of: tcp, udp, tcp_udp",
		   NULL);
	EXPECT_ERR(L("name: x, protocol: geneve, port: 53, target_group: dns"),
		   "t.yaml:14: listeners[1].protocol: \"geneve\" is not one of: tcp, udp, tcp_udp",
		   NULL);
	/* port */
	EXPECT_OK(L("name: x, protocol: udp, port: 1, target_group: dns"));
	EXPECT_OK(L("name: x, protocol: udp, port: 65535, target_group: dns"));
	EXPECT_OK(L("name: x, protocol: udp, port: \"53\", target_group: dns"));
	EXPECT_ERR(L("name: x, protocol: udp, port: 0, target_group: dns"),
		   "t.yaml:14: listeners[1].port: 0 is out of range (1..65535; every port: all)",
		   NULL);
	EXPECT_ERR(L("name: x, protocol: udp, port: 65536, target_group: dns"),
		   "t.yaml:14: listeners[1].port: 65536 is out of range (1..65535; every port: "
		   "all)",
		   NULL);
	EXPECT_ERR(L("name: x, protocol: udp, port: any, target_group: dns"),
		   "t.yaml:14: listeners[1].port: expected a port (1..65535) or all, got \"any\"",
		   NULL);
	EXPECT_ERR(L("name: x, protocol: udp, port: ALL, target_group: dns"),
		   "t.yaml:14: listeners[1].port: expected a port (1..65535) or all, got \"ALL\"",
		   NULL);
	EXPECT_ERR(L("name: x, protocol: udp, port: -53, target_group: dns"),
		   "t.yaml:14: listeners[1].port: expected a port (1..65535) or all, got \"-53\"",
		   NULL);
	EXPECT_ERR(L("name: x, protocol: udp, port: 5x, target_group: dns"),
		   "t.yaml:14: listeners[1].port: not an integer \"5x\"", NULL);
	EXPECT_ERR(L("name: x, protocol: udp, port: [53], target_group: dns"),
		   "t.yaml:14: listeners[1].port: expected a single value, got a list", NULL);
	/* (protocol, port) claims; tcp_udp claims both */
	EXPECT_ERR(
		L("name: x, protocol: tcp, port: 443, target_group: bulk"),
		"t.yaml:14: listeners[1].port: tcp port 443 is already taken by listener \"web\" "
		"(tcp)",
		NULL);
	EXPECT_ERR(
		L("name: x, protocol: tcp_udp, port: 443, target_group: bulk"),
		"t.yaml:14: listeners[1].port: tcp port 443 is already taken by listener \"web\" "
		"(tcp)",
		NULL);
	EXPECT_ERR(L("name: x, protocol: tcp_udp, port: 53, target_group: bulk") /* line 14 */
		   "  - {name: y, protocol: udp, port: 53, target_group: dns}\n",
		   "t.yaml:15: listeners[2].port: udp port 53 is already taken by listener \"x\" "
		   "(tcp_udp)",
		   NULL);
	EXPECT_ERR(L("name: x, protocol: tcp_udp, port: all, target_group: bulk") "  - {name: y, "
										  "protocol: tcp, "
										  "port: all, "
										  "target_group: "
										  "web}\n",
		   "t.yaml:15: listeners[2].port: tcp (all ports) is already taken by listener "
		   "\"x\" (tcp_udp)",
		   NULL);
	EXPECT_OK(L("name: x, protocol: udp, port: 443, target_group: dns"));
	EXPECT_OK(
		L("name: x, protocol: tcp, port: all, target_group: web") "  - {name: y, protocol: "
									  "udp, port: all, "
									  "target_group: bulk}\n");
	/* target_group */
	EXPECT_ERR(L("name: x, protocol: udp, port: 53, target_group: nope"),
		   "t.yaml:14: listeners[1].target_group: no target group named \"nope\"", NULL);
	EXPECT_ERR(L("name: x, protocol: udp, port: 53, target_group: fw"),
		   "t.yaml:14: listeners[1].target_group: target group \"fw\" is a geneve group "
		   "(appliances, for inspection); a listener needs a tcp, udp or tcp_udp group",
		   NULL);
	EXPECT_ERR(L("name: x, protocol: tcp, port: 80, target_group: dns"),
		   "t.yaml:14: listeners[1].target_group: a tcp listener needs a tcp or tcp_udp "
		   "group; \"dns\" is a udp group",
		   NULL);
	EXPECT_ERR(L("name: x, protocol: udp, port: 53, target_group: web"),
		   "t.yaml:14: listeners[1].target_group: a udp listener needs a udp or tcp_udp "
		   "group; \"web\" is a tcp group",
		   NULL);
	EXPECT_ERR(
		L("name: x, protocol: tcp_udp, port: 53, target_group: web"),
		"t.yaml:14: listeners[1].target_group: a tcp_udp listener needs a tcp_udp group; "
		"\"web\" is a tcp group",
		NULL);
	EXPECT_OK(L("name: x, protocol: tcp, port: 80, target_group: bulk"));
	EXPECT_OK(L("name: x, protocol: udp, port: 53, target_group: bulk"));
	EXPECT_OK(L("name: x, protocol: tcp, port: 80, target_group: web")); /* shared group */
	/* inspect */
	EXPECT_ERR(L("name: x, protocol: udp, port: 53, target_group: dns, inspect: nope"),
		   "t.yaml:14: listeners[1].inspect: no inspection attachment named \"nope\"",
		   NULL);
	EXPECT_ERR(L("name: x, protocol: udp, port: 53, target_group: dns, inspect: fw"),
		   "t.yaml:14: listeners[1].inspect: no inspection attachment named \"fw\"", NULL);
	/* required keys: reported at the listener's line */
	EXPECT_ERR(L("protocol: udp, port: 53, target_group: dns"),
		   "t.yaml:14: listeners[1].name: missing (required)", NULL);
	EXPECT_ERR(L("name: x, port: 53, target_group: dns"),
		   "t.yaml:14: listeners[1].protocol: missing (required)", NULL);
	EXPECT_ERR(L("name: x, protocol: udp, target_group: dns"),
		   "t.yaml:14: listeners[1].port: missing (required)", NULL);
	EXPECT_ERR(L("name: x, protocol: udp, port: 53"),
		   "t.yaml:14: listeners[1].target_group: missing (required)", NULL);
	EXPECT_ERR(L("name: x, protocol: udp, port: 53, target_group: dns, port: 54"),
		   "t.yaml:14: listeners[1].port: duplicate key", NULL);
	EXPECT_ERR(NLB_BASE "  - dns\n",
		   "t.yaml:14: listeners[1]: expected a mapping, got a single value", NULL);

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
	EXPECT_OK(NLB("zones: {az1: 10.0.0.1}\n", "[10.0.0.1/24]", "[]"));
	EXPECT_OK(NLB("zones: {az1: 10.0.0.99, az2: 10.9.9.9}\n", "[10.0.0.1/24]",
		      "[{id: a, address: 10.0.0.2, port: 80, zone: az1}]"));
	EXPECT_OK(NLB("zones: {az1: \"2001:db8::99\"}\n", "[\"2001:db8::1/64\"]",
		      "[{id: a, address: \"2001:db8::2\", zone: az1}]"));
	/* no zones: */
	EXPECT_ERR(NLB("", "[10.0.0.1/24]", "[]"),
		   "t.yaml:4: listeners: listeners need zones: (they serve this node's zone IP); "
		   "give zones with the address of node.zone \"az1\"",
		   NULL);
	/* node.zone must be in zones: anyway */
	EXPECT_ERR(NLB("zones: {az2: 10.0.0.1}\n", "[10.0.0.1/24]", "[]"),
		   "t.yaml:1: node.zone: zone \"az1\" is not in zones (az2)", NULL);
	/* the node's zone IP off every port (another zone's IP need not be on a port) */
	EXPECT_ERR(NLB("zones: {az2: 10.0.0.1, az1: 10.0.9.10}\n", "[10.0.0.1/24]", "[]"),
		   "t.yaml:2: zones.az1: 10.0.9.10 is this node's zone IP, which the listeners "
		   "serve: it must be an address of a port or inside a port's connected subnet",
		   NULL);
	EXPECT_ERR(NLB("zones:\n  az2: 10.0.0.1\n  az1: \"2001:db8:1::1\"\n",
		       "[10.0.0.1/24, \"2001:db8::1/64\"]", "[]"),
		   "t.yaml:4: zones.az1: 2001:db8:1::1 is this node's zone IP", NULL);
	/* targets of the other family than the zone IP */
	EXPECT_ERR(NLB("zones: {az1: 10.0.0.1}\n", "[10.0.0.1/24]",
		       "[{id: a, address: 10.0.0.2, zone: az1}, {id: b, address: \"2001:db8::2\", "
		       "zone: az1}]"),
		   "t.yaml:5: listeners[0].target_group: target \"b\" of group \"web\" "
		   "(2001:db8::2) is not of the family of the zone IP 10.0.0.1",
		   NULL);
	/* ... which is fine in a group no listener uses */
	EXPECT_OK("node: {zone: az1, cookie_secret: 00112233445566778899aabbccddeeff}\n"
		  "ports: [{name: p, device: d, addresses: [10.0.0.1/24]}]\n"
		  "target_groups: [{name: web, protocol: tcp, targets: [{id: b, address: "
		  "\"2001:db8::2\", zone: az1}]}]\n");
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

	EXPECT_ERR(D("api_socket: run/api.sock"),
		   "t.yaml:6: daemon.api_socket: must be an absolute path, got \"run/api.sock\"",
		   NULL);
	EXPECT_ERR(D("api_socket:"), "t.yaml:6: daemon.api_socket: missing value", NULL);
	EXPECT_ERR(D("api_socket: [/a, /b]"),
		   "t.yaml:6: daemon.api_socket: expected a single value, got a list", NULL);
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
	EXPECT_ERR(D("max_clients: 0"), "t.yaml:6: daemon.max_clients: 0 is out of range (1..4096)",
		   NULL);
	EXPECT_ERR(D("max_clients: 4097"),
		   "t.yaml:6: daemon.max_clients: 4097 is out of range (1..4096)", NULL);
	EXPECT_ERR(D("max_clients: many"), "t.yaml:6: daemon.max_clients:", NULL);
	EXPECT_ERR(D("client_timeout_ms: 99"),
		   "t.yaml:6: daemon.client_timeout_ms: 99 is out of range (100..3600000)", NULL);
	EXPECT_ERR(D("client_timeout_ms: 3600001"),
		   "t.yaml:6: daemon.client_timeout_ms: 3600001 is out of range (100..3600000)",
		   NULL);
	EXPECT_ERR(D("client_timeout_ms: [1]"), "t.yaml:6: daemon.client_timeout_ms:", NULL);
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
	EXPECT_ERR(D("metrics_address: 10.0.0.1:9469"),
		   "t.yaml:6: daemon.metrics_address: 10.0.0.1 is not a loopback address "
		   "(127.0.0.0/8 or [::1])",
		   NULL);
	EXPECT_ERR(D("metrics_address: 0.0.0.0:9469"),
		   "daemon.metrics_address: 0.0.0.0 is not a loopback address", NULL);
	EXPECT_ERR(D("metrics_address: \"[::]:9469\""),
		   "daemon.metrics_address: :: is not a loopback address", NULL);
	EXPECT_ERR(D("metrics_address: \"[2001:db8::1]:9469\""),
		   "daemon.metrics_address: 2001:db8::1 is not a loopback address", NULL);
	EXPECT_ERR(D("metrics_address: 127.0.0.1:0"),
		   "t.yaml:6: daemon.metrics_address: port 0 is out of range (1..65535)", NULL);
	EXPECT_ERR(D("metrics_address: 127.0.0.1:65536"),
		   "daemon.metrics_address: port 65536 is out of range", NULL);
	EXPECT_ERR(D("metrics_address: 127.0.0.1:100000"),
		   "t.yaml:6: daemon.metrics_address: expected \"off\", ADDRESS:PORT (127.0.0.0/8) "
		   "or \"[::1]:PORT\", got \"127.0.0.1:100000\"",
		   NULL);
	EXPECT_ERR(D("metrics_address: 127.0.0.1"),
		   "daemon.metrics_address: expected \"off\", ADDRESS:PORT", NULL);
	EXPECT_ERR(D("metrics_address: localhost:9469"),
		   "daemon.metrics_address: expected \"off\", ADDRESS:PORT", NULL);
	EXPECT_ERR(D("metrics_address: \"127.0.0.1:\""),
		   "daemon.metrics_address: expected \"off\", ADDRESS:PORT", NULL);
	EXPECT_ERR(D("metrics_address: \"127.0.0.1:+80\""),
		   "daemon.metrics_address: expected \"off\", ADDRESS:PORT", NULL);
	EXPECT_ERR(D("metrics_address: \"::1:9469\""),
		   "daemon.metrics_address: expected \"off\", ADDRESS:PORT", NULL);
	EXPECT_ERR(D("metrics_address: \"[::1:9469\""),
		   "daemon.metrics_address: expected \"off\", ADDRESS:PORT", NULL);
	/* unquoted, YAML reads [::1]:9469 as a list (or fails to) */
	EXPECT_ERR(D("metrics_address: [::1]:9469"), "t.yaml:6: ", NULL);
	EXPECT_ERR(D("metrics_address: [localhost]"),
		   "t.yaml:6: daemon.metrics_address: expected a single value, got a list (quote "
		   "it: \"[::1]:9469\")",
		   NULL);
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

	EXPECT_ERR(D("dataplanes: []"), "t.yaml:6: daemon.dataplanes: 0 sockets (expected 1..8)",
		   NULL);
	EXPECT_ERR(D("dataplanes: [/run/a.sock, /run/b.sock, /run/a.sock]"),
		   "t.yaml:6: daemon.dataplanes[2]: duplicate socket /run/a.sock (also "
		   "dataplanes[0])",
		   NULL);
	EXPECT_ERR(D("dataplanes: [/run/a.sock, dp.sock]"),
		   "t.yaml:6: daemon.dataplanes[1]: must be an absolute path, got \"dp.sock\"",
		   NULL);
	EXPECT_ERR(D("dataplanes: dp.sock"),
		   "t.yaml:6: daemon.dataplanes: must be an absolute path", NULL);
	EXPECT_ERR(D("dataplanes: {a: /run/a.sock}"),
		   "t.yaml:6: daemon.dataplanes: expected a list, got a mapping", NULL);
	EXPECT_ERR(D("dataplanes: [[/run/a.sock]]"),
		   "t.yaml:6: daemon.dataplanes[0]: expected a single value, got a list", NULL);
	EXPECT_ERR(D("dataplanes: [/run/sluice/sluiced.sock]"),
		   "t.yaml:6: daemon.dataplanes: /run/sluice/sluiced.sock is also the daemon's "
		   "api_socket",
		   NULL);
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
	EXPECT_ERR(D("api_sock: /run/a.sock"),
		   "t.yaml:6: daemon.api_sock: unknown key (expected one of: api_socket, "
		   "api_socket_mode, metrics_address, dataplanes, log_level, announce, "
		   "max_clients, client_timeout_ms)",
		   NULL);
	EXPECT_ERR(D("log_level: info\n  log_level: debug"),
		   "t.yaml:7: daemon.log_level: duplicate key (first at line 6)", NULL);
	EXPECT_ERR(BASE "daemon: /run/sluice/sluiced.sock\n",
		   "t.yaml:5: daemon: expected a mapping, got a single value", NULL);
	EXPECT_ERR(BASE "daemon:\n", "t.yaml:5: daemon: expected a mapping", NULL);
	EXPECT_ERR(BASE "daemon: [a]\n", "t.yaml:5: daemon: expected a mapping, got a list", NULL);
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

	EXPECT_ERR(AN("zone_ip: true"), "t.yaml:8: daemon.announce.table: missing (required)",
		   NULL);
	EXPECT_ERR(AN("table: 0"),
		   "t.yaml:8: daemon.announce.table: 0 is out of range (1..2147483648)", NULL);
	EXPECT_ERR(AN("table: 2147483649"),
		   "t.yaml:8: daemon.announce.table: 2147483649 is out "
		   "of range",
		   NULL);
	EXPECT_ERR(AN("table: 254"),
		   "t.yaml:8: daemon.announce.table: 254 is a table of the kernel's own", NULL);
	EXPECT_ERR(AN("table: 253"), "daemon.announce.table: 253 is a table of the kernel's own",
		   NULL);
	EXPECT_ERR(AN("table: main"), "t.yaml:8: daemon.announce.table: ", NULL);
	EXPECT_ERR(AN("table: 100\n    zone_ip: maybe"),
		   "t.yaml:9: daemon.announce.zone_ip: expected true or false", NULL);
	EXPECT_ERR(BASE "daemon:\n  announce:\n    table: 100\n",
		   "t.yaml:7: daemon.announce.zone_ip: node.zone az1 has no address in zones: "
		   "(set zone_ip: false)",
		   NULL);
	EXPECT_ERR(AN("table: 100\n    geneve_address: true"),
		   "t.yaml:9: daemon.announce.geneve_address: node.geneve_address is not set",
		   NULL);
	EXPECT_ERR(AN("table: 100\n    zone_ip: false"),
		   "t.yaml:8: daemon.announce: nothing to announce", NULL);
	EXPECT_ERR(AN("table: 100\n    prefixes: [198.51.100.1/24]"),
		   "t.yaml:9: daemon.announce.prefixes[0]: 198.51.100.1/24 has host bits set",
		   NULL);
	EXPECT_ERR(AN("table: 100\n    prefixes: [10.0.0.0/8, 10.0.0.0/8]"),
		   "t.yaml:9: daemon.announce.prefixes[1]: duplicate prefix 10.0.0.0/8 (also "
		   "prefixes[0])",
		   NULL);
	EXPECT_ERR(AN("table: 100\n    prefixes: [0.0.0.0/0]"),
		   "daemon.announce.prefixes[0]: 0.0.0.0/0 is not a unicast prefix", NULL);
	EXPECT_ERR(AN("table: 100\n    prefixes: [224.0.0.0/4]"),
		   "daemon.announce.prefixes[0]: 224.0.0.0/4 is not a unicast prefix", NULL);
	EXPECT_ERR(AN("table: 100\n    prefixes: 10.0.0.0/8"),
		   "t.yaml:9: daemon.announce.prefixes: expected a list", NULL);
	EXPECT_ERR(AN("table: 100\n    min_healthy_targets: 257"),
		   "t.yaml:9: daemon.announce.min_healthy_targets: 257 is out of range (0..256)",
		   NULL);
	EXPECT_ERR(AN("table: 100\n    liveness_timeout_ms: 199"),
		   "t.yaml:9: daemon.announce.liveness_timeout_ms: 199 is out of range "
		   "(200..60000)",
		   NULL);
	EXPECT_ERR(AN("table: 100\n    drain_time: 3601"),
		   "t.yaml:9: daemon.announce.drain_time: 3601 is out of range (0..3600)", NULL);
	EXPECT_ERR(AN("table: 100\n    drain_time: -1"),
		   "t.yaml:9: daemon.announce.drain_time: ", NULL);
	EXPECT_ERR(AN("table: 100\n    bgp: true"),
		   "t.yaml:9: daemon.announce.bgp: unknown key (expected one of: table, zone_ip, "
		   "geneve_address, prefixes, min_healthy_targets, liveness_timeout_ms, "
		   "drain_time)",
		   NULL);
	EXPECT_ERR(ZB "daemon: {announce: true}\n",
		   "t.yaml:6: daemon.announce: expected a mapping, got a single value", NULL);
}
#undef AN
#undef ZB

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
		CU_TEST_INFO_NULL,
	};

	return cu_run("config", tests);
}
