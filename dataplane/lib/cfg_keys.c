/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg_keys.c - the generic walk of a section's key table (cfg_priv.h, struct cfg_key): parse a
 * mapping into a struct, and compare two structs by reload class (config_key_changed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/lib/cfg_priv.h"

#define CFG_KEYS_MAX 32 /* rows in one table */

/* Write u into the row's field (1, 2, 4 or 8 bytes wide). */
static void key_store(const struct cfg_key *k, const struct cfg_item *it, uint64_t u)
{
	void *f = cfg_field(k, it);
	uint8_t u8 = (uint8_t)u;
	uint16_t u16 = (uint16_t)u;
	uint32_t u32 = (uint32_t)u;

	switch (k->size) {
	case 1:
		memcpy(f, &u8, 1);
		break;
	case 2:
		memcpy(f, &u16, 2);
		break;
	case 4:
		memcpy(f, &u32, 4);
		break;
	default:
		memcpy(f, &u, 8);
		break;
	}
}

/* A name unique among the items before this one in its list. */
static int key_name(struct cfg_parser *p, const yaml_node_t *v, const char *path,
		    const struct cfg_key *k, const struct cfg_item *it)
{
	char *dst = cfg_field(k, it);
	unsigned int j;
	int rc = cfg_parse_word(p, v, path, dst, k->size, "-_.:", "name");

	if (rc || !(k->flags & CFG_K_UNIQUE))
		return rc;
	for (j = 0; j < it->idx; j++) {
		const char *other = dst - (size_t)(it->idx - j) * it->stride;

		if (!strcmp(other, dst))
			return cfg_fail(p, v, path, "duplicate %s \"%s\" (also %s[%u])", k->what,
					dst, it->list, j);
	}
	return 0;
}

/* The value of present key v into the row's field. */
static int key_value(struct cfg_parser *p, const yaml_node_t *v, const char *path,
		     const struct cfg_key *k, const struct cfg_item *it)
{
	uint64_t u;
	int rc, e;

	switch (k->type) {
	case CK_UINT:
		rc = cfg_parse_uint(p, v, path, k->min, k->max, &u);
		break;
	case CK_BOOL:
		rc = cfg_parse_bool(p, v, path, &e);
		u = (uint64_t)e;
		break;
	case CK_ENUM:
		rc = cfg_parse_enum(p, v, path, k->names, &e);
		u = rc ? 0 : (uint64_t)(k->values ? k->values[e] : e);
		break;
	case CK_NAME:
		return key_name(p, v, path, k, it);
	case CK_FUNC:
		return k->parse(p, v, path, it);
	default:
		return 0;
	}
	if (!rc)
		key_store(k, it, u);
	return rc;
}

int cfg_keys_parse(struct cfg_parser *p, yaml_node_t *m, const char *path,
		   const struct cfg_key *keys, const struct cfg_item *it)
{
	const char *names[CFG_KEYS_MAX + 1];
	const struct cfg_key *k;
	char kp[CFG_PATH_MAX];
	size_t n;
	int rc;

	for (n = 0; keys[n].name && n < CFG_KEYS_MAX; n++)
		names[n] = keys[n].name;
	names[n] = NULL;
	if (m && (rc = cfg_map_check(p, m, path, names)))
		return rc;
	for (k = keys; k->name; k++) {
		yaml_node_t *v = m ? cfg_map_get(p, m, k->name) : NULL;
		const char *why;

		if (k->type == CK_CODE)
			continue;
		cfg_path_key(kp, path, k->name);
		if (!v) {
			if (k->flags & CFG_K_REQUIRED)
				return cfg_fail(p, m, kp, "missing (required)");
			if (k->type == CK_UINT || k->type == CK_BOOL || k->type == CK_ENUM ||
			    (k->flags & CFG_K_DEFAULT))
				key_store(k, it, k->def_fn ? k->def_fn(it) : k->def);
			continue;
		}
		if (k->scope && (why = k->scope(it)))
			return cfg_fail(p, v, kp, "%s", why);
		rc = key_value(p, v, kp, k, it);
		if (!rc && k->check)
			rc = k->check(p, v, kp, it);
		if (rc)
			return rc;
	}
	return 0;
}

int cfg_parse_list(struct cfg_parser *p, yaml_node_t *n, const char *path,
		   const struct cfg_key *keys, const struct cfg_list *l)
{
	char ip[CFG_PATH_MAX];
	void *arr;
	size_t i;
	int rc = cfg_expect_seq(p, n, path);

	if (rc || !cfg_seq_len(n))
		return rc;
	arr = calloc(cfg_seq_len(n), l->stride);
	if (!arr)
		return -ENOMEM;
	memcpy(l->arr, &arr, sizeof(arr)); /* the config's struct X * member */
	for (i = 0; i < cfg_seq_len(n); i++) {
		struct cfg_item it = {(char *)arr + i * l->stride, l->ctx, l->name, (unsigned int)i,
				      l->stride};
		yaml_node_t *m = cfg_seq_item(p, n, i);

		cfg_path_idx(ip, path, i);
		/* counted first: config_free() frees what a half-built item holds */
		(*l->count)++;
		rc = cfg_keys_parse(p, m, ip, keys, &it);
		if (!rc && l->post)
			rc = l->post(p, m, ip, &it);
		if (rc)
			return rc;
	}
	return 0;
}

/* The first row of class cls whose field differs between a and b. */
static const char *keys_changed(const struct cfg_key *keys, const void *a, const void *b,
				enum cfg_reload cls)
{
	const struct cfg_key *k;

	for (k = keys; k->name; k++)
		if (k->reload == cls && k->size &&
		    memcmp((const char *)a + k->off, (const char *)b + k->off, k->size))
			return k->name;
	return NULL;
}

const char *config_key_changed(enum cfg_section sec, const void *a, const void *b,
			       enum cfg_reload cls)
{
	const char *key;

	switch (sec) {
	case CFG_SEC_NODE:
		return keys_changed(cfg_node_keys, a, b, cls);
	case CFG_SEC_PORT:
		return keys_changed(cfg_port_keys, a, b, cls);
	case CFG_SEC_DAEMON:
		return keys_changed(cfg_daemon_keys, a, b, cls);
	case CFG_SEC_GROUP:
		key = keys_changed(cfg_group_keys, a, b, cls);
		return key ? key : keys_changed(cfg_hc_keys, a, b, cls);
	}
	return NULL;
}
