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
 *
 * This file holds the top level (load, free, lookups); each section is parsed in its own
 * cfg_<section>.c from a key table (cfg_priv.h "key tables"): one row per key with its type,
 * field, range or keywords, default and reload class, walked by cfg_keys.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/lib/cfg_priv.h"

/* ---- top level ---- */

/*
 * The sections in dependency order, whatever their order in the file: each may refer to those
 * above it. A root parser gets the whole document and looks up its key itself (required, or
 * checked against other sections); the others get their section's value when it is given.
 */
static const struct {
	const char *key;
	int (*parse)(struct cfg_parser *p, yaml_node_t *n);
	int root;
} sections[] = {
	{"zones", cfg_parse_zones, 0},
	{"ports", cfg_parse_ports, 1},
	{"node", cfg_parse_node, 1},
	{"routes", cfg_parse_routes, 0},
	{"neighbors", cfg_parse_neighbors, 0},
	{"target_groups", cfg_parse_groups, 0},
	{"inspection", cfg_parse_inspections, 0},
	{"listeners", cfg_parse_listeners, 1},
	{"daemon", cfg_parse_daemon, 1},
};

static int parse_root(struct cfg_parser *p, yaml_node_t *root)
{
	static const char *const keys[] = {
		"node",		 "zones",      "ports",	    "routes", "neighbors",
		"target_groups", "inspection", "listeners", "daemon", NULL};
	yaml_node_t *v;
	size_t i;
	int rc;

	if (root->type != YAML_MAPPING_NODE)
		return cfg_fail(p, root, NULL, "the configuration must be a mapping, got %s",
				cfg_node_kind(root));
	rc = cfg_map_check(p, root, "", keys);
	for (i = 0; !rc && i < sizeof(sections) / sizeof(sections[0]); i++) {
		v = sections[i].root ? root : cfg_map_get(p, root, sections[i].key);
		if (v)
			rc = sections[i].parse(p, v);
	}
	return rc;
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
	return cfg ? cfg_name_index(CFG_REF(cfg->ports, cfg->n_ports), name) : -1;
}

int config_group_index(const struct config *cfg, const char *name)
{
	return cfg ? cfg_name_index(CFG_REF(cfg->groups, cfg->n_groups), name) : -1;
}
