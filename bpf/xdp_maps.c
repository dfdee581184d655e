/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_maps.c - the config and the target state written into the XDP program's maps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "dataplane/core/frag.h"
#include "dataplane/core/gwlb.h"
#include "dataplane/core/gwlb_table.h"
#include "dataplane/core/maglev.h"
#include "dataplane/lib/localtab.h"
#include "bpf/xdp_maps.h"
#include "bpf/xdp_nlb.h"

_Static_assert(XDP_GROUP_TARGETS == CFG_GROUP_TARGETS_MAX, "one slot per config target");
_Static_assert(XDP_CHAIN_MAX == CFG_CHAIN_MAX, "chain length");
_Static_assert(XDP_PORT_ADDRS == CFG_PORT_ADDRS_MAX, "port addresses");
_Static_assert((int)CFG_TS_HEALTHY == TS_HEALTHY && (int)CFG_TS_UNHEALTHY == TS_UNHEALTHY &&
		       (int)CFG_TS_DRAINING == TS_DRAINING && (int)CFG_TS_INITIAL == TS_INITIAL &&
		       (int)CFG_TS_UNUSED == TS_UNUSED,
	       "config target states are the dataplane's");

_Static_assert((int)XDP_V_ABORTED == (int)XDP_ABORTED && (int)XDP_V_DROP == (int)XDP_DROP &&
		       (int)XDP_V_PASS == (int)XDP_PASS && (int)XDP_V_TX == (int)XDP_TX &&
		       (int)XDP_V_REDIRECT == (int)XDP_REDIRECT,
	       "enum xdp_verdict is enum xdp_action");

const char *const xdp_stage_names[XDP_STAGE_MAX] = {
	[XDP_STAGE_GW_ENCAP] = "sl_gw_encap",
	[XDP_STAGE_GW_RETURN] = "sl_gw_return",
	[XDP_STAGE_NLB] = "sl_nlb",
	[XDP_STAGE_ICMP] = "sl_icmp",
	[XDP_STAGE_NLB_TERM] = "sl_nlb_term",
	[XDP_STAGE_NLB_REPLY] = "sl_nlb_reply",
	[XDP_STAGE_TOO_BIG] = "sl_too_big_fwd",
};

/* At least 1: a map of 0 entries cannot be made (an empty table is one unused entry). */
static uint32_t xdp_at_least_1(uint64_t n)
{
	return n ? (uint32_t)n : 1;
}

/* sl_maglev's rows for one group's table of m entries. */
static uint64_t xdp_maglev_rows(uint32_t m)
{
	return ((uint64_t)m + XDP_MAGLEV_ROW - 1) / XDP_MAGLEV_ROW;
}

/* sl_maglev's size: two halves of every group's table (bpf/xdp_shared.h). */
static uint64_t xdp_maglev_entries(const struct config *cfg)
{
	return 2 * (uint64_t)xdp_at_least_1(cfg->n_groups) * xdp_maglev_rows(cfg->node.maglev_size);
}

int xdp_maps_check_config(const struct config *cfg, char *err, size_t errlen)
{
	const struct {
		unsigned int n;
		const char *what;
	} idx[] = {
		{cfg->n_groups, "target groups"},
		{cfg->n_inspections, "inspection attachments"},
		{cfg->n_listeners, "listeners"},
	};
	unsigned int i;

	if (cfg->n_ports > XDP_MAX_PORTS) {
		snprintf(err, errlen, "%s: %u ports, the XDP path takes at most %d", cfg->path,
			 cfg->n_ports, XDP_MAX_PORTS);
		return -EINVAL;
	}
	for (i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)
		if (idx[i].n > XDP_MAX_INDEX) {
			snprintf(err, errlen,
				 "%s: %u %s, the XDP path takes at most %d (its maps index them "
				 "with 16 bits)",
				 cfg->path, idx[i].n, idx[i].what, XDP_MAX_INDEX);
			return -EINVAL;
		}
	if (xdp_maglev_entries(cfg) > UINT32_MAX) {
		snprintf(err, errlen,
			 "%s: %u target groups of node.maglev_size %u: the XDP path's Maglev map "
			 "(two tables a group, 4 entries a row) would have %llu rows, at most %u",
			 cfg->path, cfg->n_groups, cfg->node.maglev_size,
			 (unsigned long long)xdp_maglev_entries(cfg), UINT32_MAX);
		return -EINVAL;
	}
	for (i = 0; i < cfg->n_inspections; i++)
		if (cfg->inspections[i].n_chain > XDP_CHAIN_MAX) {
			snprintf(err, errlen,
				 "%s: inspection %s: a chain of %u groups, the XDP path takes at "
				 "most "
				 "%d",
				 cfg->path, cfg->inspections[i].name, cfg->inspections[i].n_chain,
				 XDP_CHAIN_MAX);
			return -EINVAL;
		}
	for (i = 0; i < cfg->n_groups; i++) {
		const struct cfg_group *g = &cfg->groups[i];
		unsigned int t;

		if (g->n_targets > XDP_GROUP_TARGETS) {
			snprintf(err, errlen, "%s: target group %s has %u targets, at most %d",
				 cfg->path, g->name, g->n_targets, XDP_GROUP_TARGETS);
			return -EINVAL;
		}
		/* NLB targets have the zone IP's family (config.c); GENEVE goes to IPv4 only */
		for (t = 0; g->protocol == CFG_PROTO_GENEVE && t < g->n_targets; t++)
			if (g->targets[t].address.family != 4) {
				snprintf(
					err, errlen,
					"%s: target group %s, target %s: the XDP path sends GENEVE "
					"to IPv4 appliances only",
					cfg->path, g->name, g->targets[t].id);
				return -EINVAL;
			}
	}
	return 0;
}

static int xdp_map_fd(struct bpf_object *obj, const char *name, int optional, char *err,
		      size_t errlen)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);
	int fd = m ? bpf_map__fd(m) : -ENOENT;

	if (fd < 0 && !optional)
		snprintf(err, errlen, "the BPF object has no map %s", name);
	return fd < 0 ? -1 : fd;
}

/* Set map `name`'s max_entries before the load. */
static int xdp_map_resize(struct bpf_object *obj, const char *name, uint64_t n, char *err,
			  size_t errlen)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);
	int ret = m ? bpf_map__set_max_entries(m, (uint32_t)n) : -ENOENT;

	if (ret)
		snprintf(err, errlen, "%s: max_entries %llu: %s", name, (unsigned long long)n,
			 strerror(-ret));
	return ret;
}

int xdp_maps_size(struct xdp_dp *x, char *err, size_t errlen)
{
	const struct config *cfg = x->cfg;
	struct bpf_map *state = bpf_object__find_map_by_name(x->obj, "sl_state");
	struct bpf_map *inner = state ? bpf_map__inner_map(state) : NULL;
	uint32_t n = cfg->node.flow_table_size, groups = xdp_at_least_1(cfg->n_groups);
	uint64_t attach = xdp_at_least_1(cfg->n_inspections);
	uint64_t listeners = xdp_at_least_1(cfg->n_listeners);
	/* NLB sessions as sluice-dp's sesstab: max(flow_table_size / 4, 4096), two entries each */
	const struct {
		const char *name;
		uint64_t n;
	} sz[] = {
		{"sl_flows", xdp_at_least_1(n)},
		{"sl_frags", cfg->node.fragment_table_size},
		{"sl_sess", 2 * (uint64_t)(n / 4 > 4096 ? n / 4 : 4096)},
		{"sl_maglev", xdp_maglev_entries(cfg)},
		{"sl_tstats", (uint64_t)groups * XDP_GROUP_TARGETS},
		{"sl_attach", attach},
		{"sl_endpoints", attach},
		{"sl_listeners", 2 * listeners},
		{"sl_lstats", listeners},
		{"sl_replies", listeners * XDP_LISTENER_REPLIES},
	};
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	unsigned int i;
	int fd, ret;

	if (!inner) {
		snprintf(err, errlen, "the BPF object has no map sl_state with an inner map");
		return -ENOENT;
	}
	/* libbpf frees the template once sl_state exists: read it now */
	if (bpf_map__type(inner) != BPF_MAP_TYPE_ARRAY || bpf_map__key_size(inner) != 4 ||
	    bpf_map__value_size(inner) != sizeof(struct xdp_group)) {
		snprintf(err, errlen,
			 "sl_state's inner map is not an ARRAY of struct xdp_group (%zu bytes): "
			 "type %d, value %u bytes",
			 sizeof(struct xdp_group), (int)bpf_map__type(inner),
			 bpf_map__value_size(inner));
		return -EINVAL;
	}
	/*
	 * An ARRAY inner map has its template's size; libbpf cannot resize the BTF template
	 * (it belongs to no object), so sl_state gets one of the config's groups instead (the
	 * template's fd is closed after the load, xdp_maps_find).
	 */
	x->inner_max = groups;
	x->inner_flags = bpf_map__map_flags(inner);
	opts.map_flags = x->inner_flags;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sl_state_tmpl", sizeof(uint32_t),
			    sizeof(struct xdp_group), groups, &opts);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "sl_state: an inner map of %u groups: %s", groups,
			 strerror(-ret));
		return ret;
	}
	ret = bpf_map__set_inner_map_fd(state, fd);
	if (ret) {
		close(fd);
		snprintf(err, errlen, "sl_state: setting its inner map: %s", strerror(-ret));
		return ret;
	}
	x->inner_tmpl_fd = fd;
	x->maglev_rows = (uint32_t)xdp_maglev_rows(cfg->node.maglev_size);
	for (i = 0; i < sizeof(sz) / sizeof(sz[0]); i++) {
		ret = xdp_map_resize(x->obj, sz[i].name, sz[i].n, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

int xdp_maps_find(struct xdp_dp *x, char *err, size_t errlen)
{
	struct xdp_maps *m = &x->maps;
	struct bpf_program *prog;
	int ret;
	struct {
		int *fd;
		const char *name;
		int optional;
	} want[] = {
		{&m->node, "sl_node", 0},	    {&m->ports, "sl_ports", 0},
		{&m->portv, "sl_portv", 0},	    {&m->attach, "sl_attach", 0},
		{&m->routes4, "sl_routes4", 0},	    {&m->routes6, "sl_routes6", 1},
		{&m->neigh, "sl_neigh", 0},	    {&m->neigh6, "sl_neigh6", 1},
		{&m->state, "sl_state", 0},	    {&m->flows, "sl_flows", 0},
		{&m->progs, "sl_progs", 0},	    {&m->stats, "sl_stats", 0},
		{&m->tstats, "sl_tstats", 0},	    {&m->out, "sl_out", 0},
		{&m->local, "sl_local", 0},	    {&m->resolve, "sl_resolve", 0},
		{&m->nh_used, "sl_nh_used", 0},	    {&m->frags, "sl_frags", 0},
		{&m->endpoints, "sl_endpoints", 0}, {&m->appliances, "sl_appliances", 0},
		{&m->maglev, "sl_maglev", 0},
	};
	unsigned int i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		*want[i].fd = xdp_map_fd(x->obj, want[i].name, want[i].optional, err, errlen);
		if (*want[i].fd < 0 && !want[i].optional)
			return -ENOENT;
	}
	prog = bpf_object__find_program_by_name(x->obj, XDP_PROG_ENTRY);
	x->prog_fd = prog ? bpf_program__fd(prog) : -1;
	if (x->prog_fd < 0) {
		snprintf(err, errlen, "the BPF object has no program %s", XDP_PROG_ENTRY);
		return -ENOENT;
	}
	if (x->inner_tmpl_fd >= 0) /* sl_state exists: its template has served */
		close(x->inner_tmpl_fd);
	x->inner_tmpl_fd = -1;
	/* sl_maglev is written in place (xdp_state_build): mapped once, for the whole run */
	x->maglev_len =
		(size_t)bpf_map__max_entries(bpf_object__find_map_by_name(x->obj, "sl_maglev")) *
		sizeof(struct xdp_maglev_row);
	x->maglev = mmap(NULL, x->maglev_len, PROT_READ | PROT_WRITE, MAP_SHARED, m->maglev, 0);
	if (x->maglev == MAP_FAILED) {
		ret = -errno;
		x->maglev = NULL;
		snprintf(err, errlen, "mapping sl_maglev (%zu bytes): %s", x->maglev_len,
			 strerror(-ret));
		return ret;
	}
	return 0;
}

void xdp_maps_unmap(struct xdp_dp *x)
{
	if (x->maglev)
		munmap(x->maglev, x->maglev_len);
	x->maglev = NULL;
}

int xdp_node_update(struct xdp_dp *x)
{
	uint32_t zero = 0;

	return bpf_map_update_elem(x->maps.node, &zero, &x->node, BPF_ANY) ? -errno : 0;
}

int xdp_port_map(struct xdp_dp *x, uint32_t ifindex, unsigned int port)
{
	return bpf_map_update_elem(x->maps.ports, &ifindex, &x->ports[port], BPF_ANY) ? -errno : 0;
}

static void xdp_mask(uint8_t *a, unsigned int plen, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		int bits = (int)plen - (int)i * 8;

		if (bits <= 0)
			a[i] = 0;
		else if (bits < 8)
			a[i] &= (uint8_t)(0xff << (8 - bits));
	}
}

static int xdp_prefix_contains(const struct cfg_addr *p, const struct cfg_addr *a)
{
	uint8_t x[16], y[16];
	unsigned int n = p->family == 4 ? 4 : 16;

	if (p->family != a->family)
		return 0;
	memcpy(x, p->addr, n);
	memcpy(y, a->addr, n);
	xdp_mask(x, p->plen, n);
	xdp_mask(y, p->plen, n);
	return !memcmp(x, y, n);
}

/* The port whose connected subnet holds a (the most specific), or -1 (as dataplane/dpdk/route.c).
 */
static int xdp_connected_port(const struct config *cfg, const struct cfg_addr *a)
{
	unsigned int p, i;
	int best = -1, best_len = -1;

	for (p = 0; p < cfg->n_ports; p++)
		for (i = 0; i < cfg->ports[p].n_addrs; i++) {
			const struct cfg_addr *pa = &cfg->ports[p].addrs[i];

			if (xdp_prefix_contains(pa, a) && pa->plen > best_len) {
				best = (int)p;
				best_len = pa->plen;
			}
		}
	return best;
}

/* One route: prefix -> (port, via); via NULL = connected. Later ones replace equal prefixes. */
static int xdp_route_add(struct xdp_dp *x, const struct cfg_addr *prefix, unsigned int port,
			 const struct cfg_addr *via)
{
	if (prefix->family == 4) {
		struct xdp_route4_key k = {.prefixlen = prefix->plen};
		struct xdp_route v = {.port = port, .ifindex = x->ifindex[port]};

		memcpy(&k.addr, prefix->addr, 4);
		xdp_mask((uint8_t *)&k.addr, prefix->plen, 4);
		if (via)
			memcpy(&v.via, via->addr, 4);
		return bpf_map_update_elem(x->maps.routes4, &k, &v, BPF_ANY) ? -errno : 0;
	} else {
		struct xdp_route6_key k = {.prefixlen = prefix->plen};
		struct xdp_route6 v = {.port = port, .ifindex = x->ifindex[port]};

		if (x->maps.routes6 < 0)
			return 0; /* the program forwards no IPv6 by route */
		memcpy(k.addr, prefix->addr, 16);
		xdp_mask(k.addr, prefix->plen, 16);
		if (via)
			memcpy(v.via, via->addr, 16);
		return bpf_map_update_elem(x->maps.routes6, &k, &v, BPF_ANY) ? -errno : 0;
	}
}

static int xdp_fill_routes(struct xdp_dp *x, char *err, size_t errlen)
{
	const struct config *cfg = x->cfg;
	unsigned int p, i;
	int ret;

	for (p = 0; p < cfg->n_ports; p++)
		for (i = 0; i < cfg->ports[p].n_addrs; i++) {
			ret = xdp_route_add(x, &cfg->ports[p].addrs[i], p, NULL);
			if (ret)
				goto fail;
		}
	for (i = 0; i < cfg->n_routes; i++) {
		const struct cfg_route *r = &cfg->routes[i];
		int port = xdp_connected_port(cfg, &r->via);

		if (port < 0) {
			snprintf(err, errlen, "%s: route %u: next hop is in no connected subnet",
				 cfg->path, i);
			return -EINVAL;
		}
		ret = xdp_route_add(x, &r->prefix, (unsigned int)port, &r->via);
		if (ret)
			goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "filling sl_routes: %s", strerror(-ret));
	return ret;
}

static int xdp_fill_neigh(struct xdp_dp *x, char *err, size_t errlen)
{
	const struct config *cfg = x->cfg;
	unsigned int i;

	for (i = 0; i < cfg->n_neighbors; i++) {
		const struct cfg_neighbor *n = &cfg->neighbors[i];
		struct xdp_neigh v = {0};
		int fd = n->address.family == 4 ? x->maps.neigh : x->maps.neigh6;

		if (fd < 0)
			continue; /* no sl_neigh6: IPv6 next hops by bpf_fib_lookup only */
		memcpy(v.mac, n->mac, 6);
		if (bpf_map_update_elem(fd, n->address.addr, &v, BPF_ANY)) {
			snprintf(err, errlen, "filling sl_neigh: %s", strerror(errno));
			return -errno;
		}
	}
	return 0;
}

static void xdp_fill_node(struct xdp_dp *x)
{
	const struct config *cfg = x->cfg;
	struct xdp_node *n = &x->node;
	unsigned int i;

	memset(n, 0, sizeof(*n));
	memcpy(n->secret, cfg->node.cookie_secret, sizeof(n->secret));
	if (cfg->node.has_geneve_address)
		memcpy(&n->geneve_src, cfg->node.geneve_address.addr, 4);
	for (i = 0; i < cfg->n_zones; i++) {
		const struct cfg_addr *a = &cfg->zones[i].address;

		if (strcmp(cfg->zones[i].name, cfg->node.zone))
			continue;
		n->zone_family = a->family;
		if (a->family == 4)
			memcpy(&n->zone_ip4, a->addr, 4);
		else
			memcpy(n->zone_ip6, a->addr, 16);
	}
	n->ttl = cfg->node.ttl;
	n->frag_timeout_ms = cfg->node.fragment_timeout_ms;
	n->n_attach = (uint8_t)cfg->n_inspections;
	n->replay = (uint8_t) !!x->replay;
}

static void xdp_fill_port(struct xdp_dp *x, unsigned int p)
{
	const struct config *cfg = x->cfg;
	const struct cfg_port *cp = &cfg->ports[p];
	struct xdp_port *v = &x->ports[p];
	unsigned int i, j, n4 = 0, n6 = 0;

	memset(v, 0, sizeof(*v));
	v->index = p;
	v->ifindex = x->ifindex[p];
	memcpy(v->mac, x->mac[p], 6);
	v->mtu = cp->mtu;
	v->attach = -1;
	for (i = 0; i < cfg->n_inspections && v->attach < 0; i++)
		for (j = 0; j < cfg->inspections[i].n_from; j++)
			if (cfg->inspections[i].from[j] == p)
				v->attach = (int32_t)i;
	for (i = 0; i < cp->n_addrs; i++) {
		const struct cfg_addr *a = &cp->addrs[i];

		if (a->family == 4) {
			memcpy(&v->addr4[n4], a->addr, 4);
			v->plen4[n4++] = a->plen;
		} else {
			memcpy(v->addr6[n6], a->addr, 16);
			v->plen6[n6++] = a->plen;
		}
	}
	v->geneve_src = x->node.geneve_src ? x->node.geneve_src : v->addr4[0];
}

_Static_assert(XDP_LOCAL_MAX >= LOCALTAB_MAX, "sl_local holds lib/localtab.h's entries");

/* sl_local: lib/localtab.h's entries (the same table as sluice-dp's dp.local). */
static int xdp_fill_local(struct xdp_dp *x, char *err, size_t errlen)
{
	struct localtab_ent *e = calloc(LOCALTAB_MAX, sizeof(*e));
	int n, i, ret = 0;

	if (!e) {
		snprintf(err, errlen, "local addresses: out of memory");
		return -ENOMEM;
	}
	n = localtab_compile(x->cfg, e, err, errlen);
	for (i = 0; i < n && !ret; i++) {
		struct xdp_local_key k = {.family = e[i].family};
		uint32_t v = e[i].port | (uint32_t)e[i].kind << XDP_LOCAL_KIND_SHIFT;

		memcpy(k.addr, e[i].addr, sizeof(k.addr));
		if (bpf_map_update_elem(x->maps.local, &k, &v, BPF_ANY)) {
			snprintf(err, errlen, "filling sl_local: %s", strerror(errno));
			ret = -errno;
		}
	}
	free(e);
	return n < 0 ? n : ret;
}

static int xdp_fill_progs(struct xdp_dp *x, char *err, size_t errlen)
{
	uint32_t i;

	for (i = 0; i < XDP_STAGE_MAX; i++) {
		struct bpf_program *prog =
			bpf_object__find_program_by_name(x->obj, xdp_stage_names[i]);
		int fd = prog ? bpf_program__fd(prog) : -1;

		if (fd < 0) {
			fprintf(stderr, "sluice-xdp: warning: the BPF object has no program %s\n",
				xdp_stage_names[i]);
			continue;
		}
		if (bpf_map_update_elem(x->maps.progs, &i, &fd, BPF_ANY)) {
			snprintf(err, errlen, "sl_progs[%u] = %s: %s", i, xdp_stage_names[i],
				 strerror(errno));
			return -errno;
		}
	}
	return 0;
}

int xdp_maps_fill(struct xdp_dp *x, char *err, size_t errlen)
{
	const struct config *cfg = x->cfg;
	unsigned int i;
	int ret;

	xdp_fill_node(x);
	ret = xdp_node_update(x);
	if (ret) {
		snprintf(err, errlen, "filling sl_node: %s", strerror(-ret));
		return ret;
	}
	for (i = 0; i < cfg->n_ports; i++) {
		xdp_fill_port(x, i);
		ret = xdp_port_map(x, x->ifindex[i], i);
		if (!ret && bpf_map_update_elem(x->maps.portv, &i, &x->ports[i], BPF_ANY))
			ret = -errno;
		if (ret) {
			snprintf(err, errlen, "filling sl_ports: %s", strerror(-ret));
			return ret;
		}
	}
	ret = xdp_fill_local(x, err, errlen);
	if (!ret)
		ret = xdp_fill_routes(x, err, errlen);
	if (!ret)
		ret = xdp_fill_neigh(x, err, errlen);
	if (!ret)
		ret = xdp_fill_progs(x, err, errlen);
	return ret;
}

int xdp_ncpu(void)
{
	return libbpf_num_possible_cpus();
}

int xdp_prog_run(struct xdp_dp *x, int cpu, const void *in, uint32_t len, void *out,
		 uint32_t *out_len, uint32_t *verdict, uint32_t *port, uint32_t *seen)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = in, .data_size_in = len, .data_out = out,
		    .data_size_out = *out_len, .repeat = 1);
	int ncpu = libbpf_num_possible_cpus(), i, ret = 0;
	struct xdp_out *outs;
	uint32_t zero = 0;

	if (ncpu < 0)
		return ncpu;
	if (cpu < 0 || cpu >= ncpu)
		return -EINVAL;
	outs = calloc((size_t)ncpu, sizeof(*outs));
	if (!outs)
		return -ENOMEM;
	/* an unset record reads UINT32_MAX: the program did not say where the frame went */
	for (i = 0; i < ncpu; i++)
		outs[i].port = outs[i].action = outs[i].seen = UINT32_MAX;
	if (bpf_map_update_elem(x->maps.out, &zero, outs, BPF_ANY) ||
	    bpf_prog_test_run_opts(x->prog_fd, &t) ||
	    bpf_map_lookup_elem(x->maps.out, &zero, outs)) {
		ret = -errno;
		goto out;
	}
	*out_len = t.data_size_out;
	*verdict = t.retval;
	*port = UINT32_MAX;
	*seen = outs[cpu].seen;
	if (t.retval == XDP_TX || t.retval == XDP_REDIRECT)
		*port = outs[cpu].port;
out:
	free(outs);
	return ret;
}

/* --- generations ------------------------------------------------------------------------ */

_Static_assert(RT_SLOTS == XDP_GROUP_TARGETS, "rt_model's slots are the inner map's");
_Static_assert(GWLB_MAGLEV_EMPTY == 0xffff, "xdp_group_from_rt fills empty tables with 0xff");

int xdp_group_from_rt(const struct rt_state *s, unsigned int gi, struct xdp_group *out, char *err,
		      size_t errlen)
{
	const struct rt_group *g = &s->groups[gi];
	unsigned int i;

	if (g->n_targets > XDP_GROUP_TARGETS) {
		snprintf(err, errlen, "target group %s: %u slots, the XDP path holds %d",
			 g->cfg->name, g->n_targets, XDP_GROUP_TARGETS);
		return -EINVAL;
	}
	for (i = 0; i < g->n_targets; i++)
		/* a free slot keeps its last address (returns in flight), whatever its family */
		if (g->tgt[i].present && g->tgt[i].family != 4 &&
		    g->cfg->protocol == CFG_PROTO_GENEVE) {
			snprintf(err, errlen,
				 "target group %s, target %s: the XDP path sends GENEVE to IPv4 "
				 "appliances only",
				 g->cfg->name, g->targets[i].id);
			return -EINVAL;
		}
	memset(out, 0, sizeof(*out));
	out->gw = g->gw;
	memcpy(out->targets, g->tgt, sizeof(*g->tgt) * g->n_targets);
	return 0;
}

void xdp_maglev_write(uint16_t *rows, const struct rt_group *g, uint32_t m, uint32_t n_rows)
{
	size_t n = g->maglev ? m : 0;

	if (n)
		memcpy(rows, g->maglev, n * sizeof(*rows));
	/* no table (none built: the group has no Maglev mode), and the last row's tail */
	memset(rows + n, 0xff, ((size_t)n_rows * XDP_MAGLEV_ROW - n) * sizeof(*rows));
}

int xdp_state_build(const struct xdp_dp *x, const struct rt_state *s, unsigned int half, char *err,
		    size_t errlen)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = x->inner_flags);
	uint32_t m = x->cfg->node.maglev_size;
	struct xdp_group *v = NULL;
	uint32_t i;
	int fd, ret;

	if (s->n_groups > x->inner_max) {
		/* the config's groups are the same in every generation (a reload that adds one
		 * needs a restart): not reached */
		snprintf(err, errlen, "%u target groups, sl_state's inner map holds %u",
			 s->n_groups, x->inner_max);
		return -E2BIG;
	}
	v = malloc(sizeof(*v)); /* 12 KB: one group at a time */
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sl_state_gen", sizeof(uint32_t),
			    sizeof(struct xdp_group), x->inner_max, &opts);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "creating an inner map: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < s->n_groups; i++) {
		uint64_t row = ((uint64_t)half * x->inner_max + i) * x->maglev_rows;

		ret = xdp_group_from_rt(s, i, v, err, errlen);
		if (ret)
			goto fail;
		/* the table into sl_maglev's free half, before the group naming it is swapped in */
		xdp_maglev_write((uint16_t *)x->maglev + row * XDP_MAGLEV_ROW, &s->groups[i], m,
				 x->maglev_rows);
		v->maglev_row = (uint32_t)row;
		v->maglev_size = m;
		if (bpf_map_update_elem(fd, &i, v, BPF_ANY)) {
			ret = -errno;
			snprintf(err, errlen, "filling the inner map: %s", strerror(errno));
			goto fail;
		}
	}
	ret = fd;
	goto out;
fail:
	close(fd);
out:
	free(v);
	return ret;
}

/* Zero sl_tstats[gidx] on every CPU: the slot's counters of its previous target. */
static int xdp_tstats_zero(const struct xdp_dp *x, uint32_t gidx)
{
	int ncpu = libbpf_num_possible_cpus(), ret = 0;
	struct xdp_tstats *z;

	if (ncpu < 0)
		return ncpu;
	z = calloc((size_t)ncpu, sizeof(*z));
	if (!z)
		return -ENOMEM;
	if (bpf_map_update_elem(x->maps.tstats, &gidx, z, BPF_ANY))
		ret = -errno;
	free(z);
	return ret;
}

/*
 * The attachments of s (the config's: the same in every generation) into sl_attach and
 * sl_endpoints, and a new return table for sl_appliances[0], swapped in (the outer map holds
 * it; the old one goes when no program uses it). 0 or -errno with a message in err.
 */
static int xdp_gwlb_publish(struct xdp_dp *x, const struct rt_state *s, char *err, size_t errlen)
{
	uint32_t a, zero = 0;
	int fd, ret = 0;

	for (a = 0; a < s->n_attach; a++) {
		const uint32_t *first = rt_map_find(&s->by_endpoint, s->attach[a].endpoint_id);

		if (bpf_map_update_elem(x->maps.attach, &a, &s->attach[a], BPF_ANY) ||
		    (first && *first == a &&
		     bpf_map_update_elem(x->maps.endpoints, &s->attach[a].endpoint_id, &a,
					 BPF_ANY))) {
			snprintf(err, errlen, "filling sl_attach: %s", strerror(errno));
			return -errno;
		}
	}
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "sl_appl_gen", sizeof(uint64_t), sizeof(uint32_t),
			    s->by_appliance.n ? s->by_appliance.n : 1, NULL);
	if (fd < 0) {
		snprintf(err, errlen, "creating a return table: %s", strerror(errno));
		return -errno;
	}
	for (a = 0; s->by_appliance.n && a <= s->by_appliance.mask && !ret; a++) {
		const struct rt_map_ent *e = &s->by_appliance.e[a];

		if (e->used && bpf_map_update_elem(fd, &e->key, &e->val, BPF_NOEXIST))
			ret = -errno;
	}
	if (!ret && bpf_map_update_elem(x->maps.appliances, &zero, &fd, BPF_ANY))
		ret = -errno;
	if (ret)
		snprintf(err, errlen, "filling sl_appliances: %s", strerror(-ret));
	close(fd);
	return ret;
}

int xdp_state_publish(struct xdp_dp *x, struct rt_state *s, char *err, size_t errlen)
{
	uint32_t zero = 0;
	unsigned int g, t;
	int fd, ret;

	/* into the half of sl_maglev the published generation does not read */
	fd = xdp_state_build(x, s, !x->maglev_half, err, errlen);
	if (fd < 0) {
		rt_state_free(s);
		return fd;
	}
	/*
	 * Counters of the slots that are new in s start at zero, as sluice-dp's (which resets
	 * them before its RCU publish too). A fresh slot is either never used or was freed, so
	 * the old generation sends no new flow there.
	 */
	for (g = 0; g < s->n_groups; g++)
		for (t = 0; t < s->groups[g].n_targets; t++) {
			if (!s->groups[g].targets[t].fresh)
				continue;
			ret = xdp_tstats_zero(x, s->groups[g].targets[t].gidx);
			if (ret) {
				snprintf(err, errlen, "zeroing sl_tstats[%u]: %s",
					 s->groups[g].targets[t].gidx, strerror(-ret));
				goto fail;
			}
		}
	/*
	 * The swap. Updating an ARRAY_OF_MAPS from user space waits for an RCU grace period
	 * before the syscall returns (the kernel's maybe_wait_bpf_programs: synchronize_rcu for
	 * map-in-map types): every program run that looked up the old inner map has finished,
	 * so once this returns no packet is processed with the old generation, and closing it
	 * below is safe.
	 */
	if (bpf_map_update_elem(x->maps.state, &zero, &fd, BPF_ANY)) {
		ret = -errno;
		snprintf(err, errlen, "swapping sl_state[0]: %s", strerror(errno));
		goto fail;
	}
	xdp_state_free(x);
	x->state_fd = fd;
	x->state = s;
	x->maglev_half = !x->maglev_half;
	ret = xdp_gwlb_publish(x, s, err, errlen);
	return ret ? ret : xdp_nlb_replies_sync(x, s, err, errlen);
fail:
	close(fd);
	rt_state_free(s);
	return ret;
}

int xdp_state_init(struct xdp_dp *x, char *err, size_t errlen)
{
	struct rt_state *s = rt_state_build(x->cfg, x->cfg->node.maglev_size, err, errlen);

	if (!s)
		return -EINVAL;
	return xdp_state_publish(x, s, err, errlen);
}

void xdp_state_free(struct xdp_dp *x)
{
	if (x->state_fd >= 0)
		close(x->state_fd);
	x->state_fd = -1;
	rt_state_free(x->state);
	x->state = NULL;
}

unsigned int xdp_maps_frag_sweep(struct xdp_dp *x, uint64_t now_us, unsigned int budget)
{
	static struct frag_key cursor; /* the last key looked at */
	static int started;
	uint64_t timeout_us = (uint64_t)x->cfg->node.fragment_timeout_ms * 1000, v;
	struct frag_key next;
	unsigned int n = 0, seen;

	for (seen = 0; seen < budget; seen++) {
		if (bpf_map_get_next_key(x->maps.frags, started ? &cursor : NULL, &next)) {
			started = 0; /* the end, or the cursor was deleted: start again */
			break;
		}
		started = 1;
		cursor = next;
		if (bpf_map_lookup_elem(x->maps.frags, &next, &v) ||
		    frag_val_live(v, now_us, timeout_us))
			continue;
		if (!bpf_map_delete_elem(x->maps.frags, &next))
			n++;
	}
	return n;
}
