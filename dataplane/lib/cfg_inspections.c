/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg_inspections.c - the inspection: section: GWLB attachments (endpoint, ports, chain).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/lib/cfg_priv.h"

/* ---- inspection attachments ---- */

static int parse_from(struct cfg_parser *p, const yaml_node_t *n, const char *path,
		      const struct cfg_item *it)
{
	unsigned int idx = it->idx;
	struct config *cfg = p->cfg;
	struct cfg_inspection *ins = &cfg->inspections[idx];
	size_t count = n->type == YAML_SEQUENCE_NODE ? cfg_seq_len(n) : 1, i;
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
		const yaml_node_t *v = n->type == YAML_SEQUENCE_NODE ? cfg_seq_item(p, n, i) : n;
		const char *s;
		unsigned int j, k;
		int port, rc;

		if (n->type == YAML_SEQUENCE_NODE)
			cfg_path_idx(ip, path, i);
		else
			snprintf(ip, sizeof(ip), "%s", path);
		rc = cfg_parse_ref(p, v, ip, CFG_REF(cfg->ports, cfg->n_ports), "port", &port);
		if (rc)
			return rc;
		s = cfg->ports[port].name;
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
					if (cfg_addr_eq(&ga->targets[i].address,
							&gb->targets[j].address))
						return cfg_fail(
							p, n, path,
							"%s is a target of both \"%s\" and \"%s\" "
							"(returns could not be told apart)",
							cfg_addr_str(&ga->targets[i].address, buf,
								     sizeof(buf)),
							ga->name, gb->name);
		}
	return 0;
}

static int parse_chain(struct cfg_parser *p, const yaml_node_t *n, const char *path,
		       const struct cfg_item *it)
{
	unsigned int idx = it->idx;
	struct config *cfg = p->cfg;
	struct cfg_inspection *ins = &cfg->inspections[idx];
	char ip[CFG_PATH_MAX];
	size_t i;
	int rc = cfg_expect_seq(p, n, path);

	if (rc)
		return rc;
	if (!cfg_seq_len(n))
		return cfg_fail(p, n, path, "at least one target group is required");
	if (cfg_seq_len(n) > CFG_CHAIN_MAX)
		return cfg_fail(p, n, path, "too many groups (%zu, at most %d)", cfg_seq_len(n),
				CFG_CHAIN_MAX);
	for (i = 0; i < cfg_seq_len(n); i++) {
		yaml_node_t *v = cfg_seq_item(p, n, i);
		const char *s;
		unsigned int j;
		int g;

		cfg_path_idx(ip, path, i);
		rc = cfg_parse_ref(p, v, ip, CFG_REF(cfg->groups, cfg->n_groups), "target group",
				   &g);
		if (rc)
			return rc;
		s = cfg->groups[g].name;
		if (cfg->groups[g].protocol != CFG_PROTO_GENEVE)
			return cfg_fail(p, v, ip,
					"target group \"%s\" is a %s group; a chain takes geneve "
					"groups",
					s, cfg_proto_names[cfg->groups[g].protocol]);
		for (j = 0; j < ins->n_chain; j++)
			if (ins->chain[j] == (unsigned int)g)
				return cfg_fail(p, v, ip, "target group \"%s\" is listed twice", s);
		ins->chain[ins->n_chain++] = (unsigned int)g;
	}
	return check_chain_targets(p, n, path, ins);
}

static int check_endpoint_id(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			     const struct cfg_item *it)
{
	const struct cfg_inspection *ins = p->cfg->inspections;
	unsigned int j;

	for (j = 0; j < it->idx; j++)
		if (ins[j].endpoint_id == ins[it->idx].endpoint_id)
			return cfg_fail(p, v, path,
					"endpoint_id 0x%016" PRIx64
					" is already used by inspection \"%s\"",
					ins[it->idx].endpoint_id, ins[j].name);
	return 0;
}

/* An attachment's keys: a reload compares them whole (ctrl/targets_reload.c). */
#define I struct cfg_inspection
#define R CFG_RELOAD_RESTART
static const struct cfg_key inspection_keys[] = {
	{K_NAME("name", I, name, R), .flags = CFG_K_REQUIRED | CFG_K_UNIQUE,
	 .what = "inspection name"},
	/* decimal or 0x hexadecimal, any 64-bit value */
	{K_UINT("endpoint_id", I, endpoint_id, 0, UINT64_MAX, 0, R), .flags = CFG_K_REQUIRED,
	 .check = check_endpoint_id},
	{K_UINT("attachment_id", I, attachment_id, 0, UINT64_MAX, 0, R)},
	{K_FUNC("from", I, from, parse_from, R), .flags = CFG_K_REQUIRED},
	{K_FUNC("chain", I, chain, parse_chain, R), .flags = CFG_K_REQUIRED},
	CFG_KEYS_END,
};
#undef R
#undef I

int cfg_parse_inspections(struct cfg_parser *p, yaml_node_t *n)
{
	return cfg_parse_list(
		p, n, "inspection", inspection_keys,
		CFG_LIST(p->cfg->inspections, p->cfg->n_inspections, "inspection", NULL, NULL));
}
