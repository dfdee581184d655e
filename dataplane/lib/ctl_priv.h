/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl_priv.h - the parts of the control protocol server (ctl_server.h), private to it. One
 * thread only: every function runs in ctl_server_serve(), between two poll() calls of the
 * dataplane's control loop.
 *
 *   ctl_server.c  the socket and its clients, the line framing, the request envelope (v, id,
 *                 op) and the dispatch to an op
 *   ctl_ops.c     the ops that read: hello, state, stats, liveness, flows (and the listing's
 *                 entries, ctl_flows_*)
 *   ctl_state.c   the ops that write, sync and update: applied to a copy of the current
 *                 generation, then published; the state log
 *   ctl_target.c  a target object of sync or update: parsed, validated, applied to its slot
 */
#ifndef SL_CTL_PRIV_H
#define SL_CTL_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dataplane/lib/config.h"
#include "dataplane/lib/ctl_server.h"
#include "dataplane/lib/rt_model.h"

#define CTL_DIM(a) (sizeof(a) / sizeof((a)[0]))

/* A request being served: the op's handler adds its members to reply (the ok reply). */
struct ctl_req {
	json_t *msg;
	const char *op;
	json_t *reply;
};

/* What a sync or update changed, for the log line. */
struct ctl_summary {
	unsigned int added, removed, changed;
};

/* A parsed target object of sync or update `set`: the members given, validated. */
struct ctl_tspec {
	const char *id;
	unsigned int has_address : 1, has_port : 1, has_zone : 1, has_weight : 1, has_state : 1,
		has_drain : 1;
	uint8_t family;
	uint8_t addr16[16];
	uint16_t port;
	const char *zone;
	uint32_t weight;
	uint8_t state;
	double drain_s;
};

/* ctl_server.c: the backend being served, and whether a sync was applied since the start. */
extern const struct ctl_backend *ctl_be;
extern int ctl_synced;
/* A line "<dataplane>: info: ..." on stderr. */
void ctl_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The message of a refused request, in err (CTL_ERR_MAX bytes). */
void ctl_errf(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * o is an object and every member of it is in allowed or more (NULL-terminated lists, either
 * may be NULL): 0, or -EINVAL with "WHERE: not an object" or "WHERE: unknown member "NAME""
 * in err.
 */
int ctl_members(json_t *o, const char *const *allowed, const char *const *more, const char *where,
		char *err);
/* The request's members besides v, id and op are all in extra (may be NULL): as ctl_members. */
int ctl_check_members(json_t *msg, const char *op, const char *const *extra, char *err);
/* An address (network order, the family's size) as text; "?" when it cannot be. */
const char *ctl_ip_str(uint8_t family, const uint8_t *a, char *buf, size_t len);

/* An op of the protocol: its name and handler (0, or a negative errno with the message in err). */
struct ctl_op {
	const char *name;
	int (*fn)(struct ctl_req *r, char *err);
};

/* The ops that read (ctl_ops.c) and those that write (ctl_state.c); each ends with {NULL}. */
extern const struct ctl_op ctl_read_ops[];
extern const struct ctl_op ctl_write_ops[];

/* ctl_target.c */
/*
 * Parse target object o for group cg into ts. Members besides the target's are refused but
 * for those in extra (update: "group"; may be NULL). Presence of required members is checked
 * by the caller (ctl_tspec_missing). 0 or -EINVAL with the message in err.
 */
int ctl_parse_target(json_t *o, const struct cfg_group *cg, const char *const *extra,
		     struct ctl_tspec *ts, const char *where, char *err);
/* The first member a new target needs that ts lacks (address, zone, state), or NULL. */
const char *ctl_tspec_missing(const struct ctl_tspec *ts);
/*
 * Apply ts to slot `slot` of group gi of n (existing target, or -1: a new one). `full`: every
 * member not given takes its default (sync). Returns 0, or -ENOSPC (group full) / -ENOMEM.
 * The resulting state must be draining when draining_for_s is given (checked here).
 */
int ctl_apply(struct rt_state *n, unsigned int gi, int slot, const struct ctl_tspec *ts, int full,
	      uint64_t now, const char *where, char *err);

#endif /* SL_CTL_PRIV_H */
