/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg_priv.h - what the config parser's files share (config.c and cfg_*.c; not for callers:
 * they use config.h). The parser state, the limits and defaults, the message and YAML helpers,
 * the value parsers and one entry point per section.
 */
#ifndef SL_CFG_PRIV_H
#define SL_CFG_PRIV_H

#include <arpa/inet.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#include "dataplane/lib/config.h"

#define CFG_PATH_MAX	    256
#define CFG_FILE_MAX	    (16u << 20) /* refuse config files larger than this */
#define CFG_SECRET_READ_MAX 4096	/* bytes of a secret file looked at */
#define CFG_DIR_TOKEN	    "@DIR@"

/* Defaults and limits (DESIGN.md, "Behaviour"). */
#define CFG_TTL_DEFAULT	       64
#define CFG_DRAIN_TIME_MAX     3600
#define CFG_FLOW_TABLE_MIN     1024u
#define CFG_FLOW_TABLE_MAX     67108864u
#define CFG_FLOW_TABLE_DEFAULT 1048576u
#define CFG_MAGLEV_MIN	       65537u
#define CFG_MAGLEV_MAX	       16777259u /* the first prime above 2^24 */
#define CFG_MTU_MIN	       576
#define CFG_MTU_MAX	       9216
#define CFG_MTU_DEFAULT	       1500
#define CFG_MTU_IPV6_MIN       1280
#define CFG_DEREG_MAX	       3600
#define CFG_DEREG_DEFAULT      300
#define CFG_IDLE_MIN	       60
#define CFG_IDLE_MAX	       6000
#define CFG_TCP_IDLE_DEFAULT   350
#define CFG_OTHER_IDLE_DEFAULT 120
#define CFG_WEIGHT_MAX	       1000
/* node.neighbor_table_size, node.neighbor_reachable_ms (sluice-dp; core/neigh.h) */
#define CFG_NEIGH_TABLE_MIN	16u
#define CFG_NEIGH_TABLE_MAX	4194304u
#define CFG_NEIGH_REACHABLE_MIN 1000u
#define CFG_NEIGH_REACHABLE_MAX 3600000u
/* Lower than AWS (5..300 and 2..120) so labs and tests can fail over fast: docs/config.md. */
#define CFG_HC_INTERVAL_MIN  2
#define CFG_HC_INTERVAL_MAX  300
#define CFG_HC_TIMEOUT_MIN   1
#define CFG_HC_TIMEOUT_MAX   120
#define CFG_HC_THRESHOLD_MIN 2
#define CFG_HC_THRESHOLD_MAX 10
#define CFG_HC_MATCHER_MIN   200
#define CFG_HC_MATCHER_MAX   599
#define CFG_HC_GENEVE_PORT   80

/* passive check: at least two of sluiced's 2-second counter polls per window */
#define CFG_HC_PASSIVE_WINDOW_MIN  4
#define CFG_HC_PASSIVE_WINDOW_MAX  3600
#define CFG_HC_PASSIVE_WINDOW_DEF  10
#define CFG_HC_PASSIVE_PACKETS_MAX 1000000000

/* The daemon section (docs/daemon.md). */
#define CFG_API_SOCKET_DEFAULT	    "/run/sluice/sluiced.sock"
#define CFG_API_SOCKET_MODE_DEFAULT 0600
#define CFG_METRICS_DEFAULT	    "127.0.0.1:9469"
#define CFG_MAX_CLIENTS_MAX	    4096
#define CFG_DATAPLANE_DEFAULT	    "/run/sluice/dp.sock"
#define CFG_LOG_LEVEL_DEFAULT	    "info"

enum { FAM4 = 1, FAM6 = 2, FAM_ANY = FAM4 | FAM6 };

struct cfg_parser {
	yaml_document_t doc;
	const char *name;   /* the file name in messages */
	char dir[PATH_MAX]; /* the config file's directory (for @DIR@ and relative paths) */
	char *err;
	size_t errlen;
	struct config *cfg;
};

/* ---- key tables (cfg_keys.c) ---- */

/*
 * A mapping's keys are described once, in a table of struct cfg_key rows in the order the
 * "unknown key (expected one of: ...)" message lists them; cfg_keys_parse() walks it: it
 * refuses unknown and duplicate keys, then for each row in order refuses a key that is not
 * allowed here (scope), a missing required key, parses and range-checks the value into the
 * struct at the row's offset (or writes the default when the key is absent) and runs the row's
 * check. config_key_changed() walks the same rows to compare two structs by reload class.
 */
enum cfg_ktype {
	CK_UINT, /* unsigned of size 1, 2, 4 or 8: min..max, default def */
	CK_BOOL, /* int: true/yes or false/no, default def */
	CK_ENUM, /* int or uint8_t: one of names (value values[i], or i), default def */
	CK_NAME, /* char[size]: a name (cfg_parse_name); with CFG_K_UNIQUE in its list */
	CK_FUNC, /* parsed by the row's parse function; nothing written when absent */
	CK_CODE, /* parsed by the section's own code (nested mappings, keys that go together) */
};

#define CFG_K_REQUIRED 1u /* "missing (required)" when absent */
#define CFG_K_UNIQUE   2u /* CK_NAME: no earlier item of the list has the same name */
#define CFG_K_DEFAULT  4u /* CK_FUNC: def (1, 2, 4 or 8 bytes) is written when absent */

/* The object a key table fills, and where it stands (for defaults, scopes, duplicates). */
struct cfg_item {
	void *obj;	  /* the struct the rows' offsets are in */
	const void *ctx;  /* its parent (a target's group), or NULL */
	const char *list; /* the list it is an item of ("ports"), for duplicate messages */
	unsigned int idx; /* its index there; item k is at obj - (idx - k) * stride */
	size_t stride;
};

struct cfg_key {
	const char *name;
	enum cfg_ktype type;
	unsigned int flags;	/* CFG_K_* */
	enum cfg_reload reload; /* what a change needs (config.h) */
	size_t off, size;	/* the field in the item's struct; size 0: nothing to compare */
	uint64_t min, max, def;
	const char *const *names; /* CK_ENUM keywords, NULL-terminated */
	const int *values;	  /* CK_ENUM: the value of names[i]; NULL: i */
	const char *what;	  /* CK_NAME: "port name" in "duplicate port name ..." */
	/* default computed from the fields already parsed (rows above), instead of def */
	uint64_t (*def_fn)(const struct cfg_item *it);
	/* NULL when the key may be given here, else why not (the message) */
	const char *(*scope)(const struct cfg_item *it);
	int (*parse)(struct cfg_parser *p, const yaml_node_t *v, const char *path,
		     const struct cfg_item *it); /* CK_FUNC */
	/* after the value is stored (present keys only): rules beyond type and range */
	int (*check)(struct cfg_parser *p, const yaml_node_t *v, const char *path,
		     const struct cfg_item *it);
};

#define CFG_FIELD(T, f) .off = offsetof(T, f), .size = sizeof(((T *)0)->f)
#define K_UINT(k, T, f, lo, hi, d, cls) \
	.name = k, .type = CK_UINT, CFG_FIELD(T, f), .min = lo, .max = hi, .def = d, .reload = cls
#define K_BOOL(k, T, f, d, cls) .name = k, .type = CK_BOOL, CFG_FIELD(T, f), .def = d, .reload = cls
#define K_ENUM(k, T, f, nm, d, cls) \
	.name = k, .type = CK_ENUM, CFG_FIELD(T, f), .names = nm, .def = d, .reload = cls
#define K_NAME(k, T, f, cls) .name = k, .type = CK_NAME, CFG_FIELD(T, f), .reload = cls
#define K_FUNC(k, T, f, fn, cls) \
	.name = k, .type = CK_FUNC, CFG_FIELD(T, f), .parse = fn, .reload = cls
#define K_CODE(k, cls) .name = k, .type = CK_CODE, .reload = cls
#define CFG_KEYS_END         \
	{                    \
		.name = NULL \
	}

/* Walk keys over mapping m (NULL: every key absent, defaults only) at path. */
int cfg_keys_parse(struct cfg_parser *p, yaml_node_t *m, const char *path,
		   const struct cfg_key *keys, const struct cfg_item *it);
/* A list section: where its array and count go, and what to do after each item's keys. */
struct cfg_list {
	void *arr;	     /* &cfg->X: the array is calloc'ed here, stride bytes an item */
	unsigned int *count; /* counted before the item is parsed (config_free frees it) */
	size_t stride;
	const char *name; /* in messages: "duplicate ... (also NAME[i])" */
	const void *ctx;  /* the items' parent, or NULL */
	int (*post)(struct cfg_parser *p, yaml_node_t *m, const char *path,
		    const struct cfg_item *it);
};

/* A pointer to the cfg_list of array member arr (struct X *) and its count. */
#define CFG_LIST(arr, count, name, ctx, post) \
	(&(struct cfg_list){&(arr), &(count), sizeof(*(arr)), name, ctx, post})

/* n is a list (empty: nothing) of mappings, each walked with keys; the path is the list's. */
int cfg_parse_list(struct cfg_parser *p, yaml_node_t *n, const char *path,
		   const struct cfg_key *keys, const struct cfg_list *l);
/* The field of row k in the item. */
static inline void *cfg_field(const struct cfg_key *k, const struct cfg_item *it)
{
	return (char *)it->obj + k->off;
}

extern const struct cfg_key cfg_node_keys[];
extern const struct cfg_key cfg_port_keys[];
extern const struct cfg_key cfg_group_keys[];
extern const struct cfg_key cfg_hc_keys[]; /* offsets in struct cfg_group */
extern const struct cfg_key cfg_daemon_keys[];

/* cfg_util.c */
extern const char *const cfg_proto_names[];
extern const char *const cfg_lproto_names[];
extern const char *const cfg_state_names[];
int __attribute__((format(printf, 4, 5)))
cfg_fail(struct cfg_parser *p, const yaml_node_t *n, const char *path, const char *fmt, ...);
const char *cfg_path_key(char *buf, const char *parent, const char *key);
void cfg_path_idx(char *buf, const char *parent, size_t i);
yaml_node_t *cfg_get_node(struct cfg_parser *p, int idx);
const char *cfg_node_kind(const yaml_node_t *n);
int cfg_scalar(struct cfg_parser *p, const yaml_node_t *n, const char *path, const char **out);
size_t cfg_seq_len(const yaml_node_t *n);
yaml_node_t *cfg_seq_item(struct cfg_parser *p, const yaml_node_t *n, size_t i);
int cfg_expect_seq(struct cfg_parser *p, const yaml_node_t *n, const char *path);
const char *cfg_pair_key(struct cfg_parser *p, const yaml_node_pair_t *pair);
int cfg_map_keys_check(struct cfg_parser *p, yaml_node_t *n, const char *path);
int cfg_map_check(struct cfg_parser *p, yaml_node_t *n, const char *path, const char *const *keys);
yaml_node_t *cfg_map_get(struct cfg_parser *p, const yaml_node_t *n, const char *key);
int cfg_map_req(struct cfg_parser *p, const yaml_node_t *n, const char *path, const char *key,
		yaml_node_t **out);
int cfg_hexval(char c);
int cfg_parse_u64(struct cfg_parser *p, const yaml_node_t *n, const char *path, uint64_t *out);
int cfg_parse_uint(struct cfg_parser *p, const yaml_node_t *n, const char *path, uint64_t min,
		   uint64_t max, uint64_t *out);
int cfg_parse_bool(struct cfg_parser *p, const yaml_node_t *n, const char *path, int *out);
int cfg_parse_enum(struct cfg_parser *p, const yaml_node_t *n, const char *path,
		   const char *const *names, int *out);
int cfg_parse_word(struct cfg_parser *p, const yaml_node_t *n, const char *path, char *dst,
		   size_t size, const char *punct, const char *what);
int cfg_parse_name(struct cfg_parser *p, const yaml_node_t *n, const char *path, char *dst);
int cfg_hex_decode(const char *s, size_t len, uint8_t *out);

/* The index of the item named name among n items stride bytes apart (the name their first
 * member), or -1. */
int cfg_name_index(const void *items, unsigned int n, size_t stride, const char *name);
/* v names one of those items: *idx is its index, else "no WHAT named ..." */
int cfg_parse_ref(struct cfg_parser *p, const yaml_node_t *v, const char *path, const void *items,
		  unsigned int n, size_t stride, const char *what, int *idx);
#define CFG_REF(arr, n) (arr), (n), sizeof(*(arr))

/* cfg_addr.c */
const char *cfg_addr_str(const struct cfg_addr *a, char *buf, size_t len);
int cfg_parse_addr(struct cfg_parser *p, const yaml_node_t *n, const char *path, int fams,
		   int with_plen, struct cfg_addr *a);
int cfg_parse_host(struct cfg_parser *p, const yaml_node_t *n, const char *path, int fams,
		   struct cfg_addr *a);
int cfg_addr_eq(const struct cfg_addr *a, const struct cfg_addr *b);
int cfg_addr_in(const struct cfg_addr *a, const struct cfg_addr *net, unsigned int plen);
int cfg_addr_is_network(const struct cfg_addr *a);
int cfg_parse_mac(struct cfg_parser *p, const yaml_node_t *n, const char *path, uint8_t mac[6]);
/* Checks out[i] (all[0..i-1] parsed before it); messages name ip. */
typedef int (*cfg_addr_check_fn)(struct cfg_parser *p, const yaml_node_t *e, const char *ip,
				 const struct cfg_addr *all, unsigned int i, const void *ctx);
/* v, a list of at most max addresses or prefixes ("too many WHAT"), into out[], each passed
 * to check; *n counts them. */
int cfg_parse_addr_list(struct cfg_parser *p, const yaml_node_t *v, const char *path,
			const char *what, unsigned int max, struct cfg_addr *out, unsigned int *n,
			cfg_addr_check_fn check, const void *ctx);

/* cfg_node.c */
int cfg_check_zone(struct cfg_parser *p, const yaml_node_t *n, const char *path, const char *name);
int cfg_parse_zones(struct cfg_parser *p, yaml_node_t *n);
int cfg_parse_node(struct cfg_parser *p, yaml_node_t *root);

/* cfg_ports.c */
int cfg_port_with_addr(const struct config *cfg, unsigned int n_ports, const struct cfg_addr *a,
		       unsigned int *ai);
int cfg_addr_on_link(const struct config *cfg, const struct cfg_addr *a);
int cfg_subst_dir(const char *src, const char *dir, char *dst);
int cfg_parse_ports(struct cfg_parser *p, yaml_node_t *root);
int cfg_parse_routes(struct cfg_parser *p, yaml_node_t *n);
int cfg_parse_neighbors(struct cfg_parser *p, yaml_node_t *n);

/* cfg_groups.c */
int cfg_parse_groups(struct cfg_parser *p, yaml_node_t *n);

/* cfg_inspections.c */
int cfg_parse_inspections(struct cfg_parser *p, yaml_node_t *n);

/* cfg_listeners.c */
int cfg_parse_listeners(struct cfg_parser *p, yaml_node_t *root);

/* cfg_daemon.c */
int cfg_parse_daemon(struct cfg_parser *p, yaml_node_t *root);

#endif /* SL_CFG_PRIV_H */
