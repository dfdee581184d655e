/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluicectl.h - the parts of sluicectl, the CLI of sluiced's API (docs/daemon.md), private to it.
 * A blocking client: one request line {"v":1,"id":1,"op":...} on the API socket, one reply line
 * back (at most 4 MiB, within --timeout), printed as aligned tables or, with --json, as the
 * reply itself.
 *
 *   commands.c  the table of commands (name, synopsis, options, handler, printer), --help, main
 *   args.c      messages and usage errors, the command line and the argument checks
 *   conn.c      the connection: the request, the socket, the reply and its errors
 *   output.c    reply values as text, table cells and listings described by columns
 *   show.c      the printer of each reply
 *
 * Exit status: 0 success, 1 the daemon refused the request (or its reply made no sense),
 * 2 usage error (nothing was sent), 3 the daemon could not be reached or did not answer.
 */
#ifndef SL_SLUICECTL_H
#define SL_SLUICECTL_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "ctrl/sluicectl/table.h"

#ifndef SL_VERSION
#define SL_VERSION "0.0.0"
#endif

#define CTL_DEFAULT_SOCKET  "/run/sluice/sluiced.sock"
#define CTL_DEFAULT_TIMEOUT 10.0
#define CTL_REPLY_MAX	    (4u << 20) /* the API's line limit (jsonl.h JSONL_MAX) */
#define CTL_NAME_MAX	    63
#define CTL_FLOWS_MAX	    10000 /* docs/protocol.md "flows" */
#define CTL_MAX_POS	    3	  /* positional arguments of a command, at most */
#define CTL_DIM(a)	    (sizeof(a) / sizeof((a)[0]))
/*
 * The member naming the target in register, deregister, drain and undrain requests: "id" is
 * the request's own id in the envelope, so the target's id travels as "target" (as in flows).
 */
#define CTL_TARGET_MEMBER "target"

enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_REFUSED = 1,
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_UNREACHABLE = 3,
};

/* The global options. */
struct ctl {
	const char *socket;
	const char *timeout_arg;
	double timeout;
	int json;
};

/* The command options (bits of ctl_cmd.opts); each fills its member of struct ctl_args. */
enum ctl_opt_bit {
	CTL_OPT_ZONE = 1u << 0,
	CTL_OPT_PORT = 1u << 1,
	CTL_OPT_WEIGHT = 1u << 2,
	CTL_OPT_GROUP = 1u << 3,
	CTL_OPT_TARGET = 1u << 4,
	CTL_OPT_LIMIT = 1u << 5,
	CTL_OPT_DATAPLANE = 1u << 6,
	CTL_OPT_ALL = 1u << 7, /* a flag */
};

/* A command's arguments as given (NULL: option not given), checked by its handler. */
struct ctl_args {
	char *pos[CTL_MAX_POS];
	int n_pos;
	const char *zone, *port, *weight, *group, *target, *limit, *dataplane;
	int all;
};

/* Prints a reply (ok, without "v" and "id"); arg is the command's (ctl_run). */
typedef void (*ctl_show_fn)(json_t *reply, const void *arg);

struct ctl_cmd {
	const char *name;
	const char *args; /* the synopsis after the name */
	const char *what;
	unsigned int opts; /* enum ctl_opt_bit */
	int max_pos;
	int (*run)(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_args *a);
	ctl_show_fn show; /* the reply's printer */
	const char *done; /* target ops: the word in "GROUP/ID <done>: STATE" */
};

/* args.c */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: the message, the command's synopsis, a pointer to --help. Returns 2. */
int ctl_usage(const struct ctl_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ctl_oom(void) __attribute__((noreturn));
void ctl_synopsis(FILE *f, const struct ctl_cmd *cmd);
/* Text wrapped at 80 columns, every line indented. */
void ctl_wrap(FILE *f, const char *s, int indent);
/* getopt_long() said '?' about arg: an unknown option, or a value given to a flag. */
int ctl_bad_option(const struct ctl_cmd *cmd, const char *arg);
/* A global option's getopt value o (-j, -s, -t) into c: 1, or 0 when o is not one. */
int ctl_global_opt(struct ctl *c, int o, char *arg);
/*
 * Parse a command's arguments (argv[0] is the command): the global options, --help and the
 * command's own options (cmd->opts), in any order with the positional arguments (at most
 * cmd->max_pos; more is a usage error), into c and a. Returns 0, -1 after printing the
 * command's help, or an exit status for a usage error.
 */
int ctl_parse(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv, struct ctl_args *a);
/* A decimal integer in [min, max], nothing else around it. 0 or -EINVAL. */
int ctl_parse_long(const char *s, long min, long max, long *out);
/* Names as the config has them (1-63 of letters, digits and "-_.:"): 0 or a usage error. */
int ctl_check_name(const struct ctl_cmd *cmd, const char *what, const char *s);
/* A socket path to send (not empty, valid UTF-8): 0 or a usage error. */
int ctl_check_path(const struct ctl_cmd *cmd, const char *what, const char *s);

/* conn.c */
/* {"v":1,"id":1,"op":op}, and members added to a request. Out of memory is fatal. */
json_t *ctl_request(const char *op);
void ctl_set_str(json_t *req, const char *key, const char *val);
void ctl_set_int(json_t *req, const char *key, long val);
/* Send req (stolen), print the reply with show(reply, arg) or as JSON. An exit status. */
int ctl_run(struct ctl *c, json_t *req, ctl_show_fn show, const void *arg);

/* output.c */
/* Seconds as "4s", "2m05s", "1h02m", "3d04h"; below 10 s with one decimal when frac. */
void ctl_fmt_dur(double s, int frac, char *buf, size_t len);
/*
 * A value as text: scalars, and arrays of strings joined with ","; NULL for null, missing,
 * objects and empty arrays ("-" in a table). buf holds the text when it is not the JSON string.
 */
const char *ctl_str(json_t *v, char *buf, size_t len);
const char *ctl_get_str(json_t *o, const char *key, char *buf, size_t len);
/* A line "LABEL  value" with the label padded to width; NULL prints "-". */
void ctl_field(int width, const char *label, const char *value);
/* A line "LABEL  a b c" of an array of strings; an empty one prints "-". */
void ctl_field_list(int width, const char *label, json_t *list);
/* The table helpers: out of memory is fatal. ctl_print prints and frees. */
struct table *ctl_table(void);
void ctl_col(struct table *t, const char *header, enum table_align align);
void ctl_row(struct table *t);
void ctl_cell(struct table *t, const char *s);
void ctl_cellv(struct table *t, json_t *o, const char *key);
void ctl_print(struct table *t);
void ctl_print_json(json_t *reply);

/*
 * A listing's columns, described by a spec: the members shown, in order, separated by spaces,
 * e.g. "group id >port LAST-CHECK=check". The header is the member's name in capitals with
 * "-" for "_" ("new_flows": NEW-FLOWS) unless given as HEADER=member; ">" right-aligns the
 * column (numbers). A few members are shown other than as their value wherever they are a
 * column (output.c ctl_fmts: check, reason, idle_s, the 64-bit ids, dataplane, last_sync).
 */
void ctl_spec_cols(struct table *t, const char *spec);
/* The cells of the spec's columns of row (a JSON object), in the current table row. */
void ctl_spec_cells(struct table *t, const char *spec, json_t *row);
/*
 * Print the array rows as a table with the spec's columns; with counters, then one column for
 * each scalar member of the rows' "counters" objects, in the order first seen (they may differ
 * between daemon versions).
 */
void ctl_listing(const char *spec, json_t *rows, int counters);
/* The numeric members of obj not yet in the array keys, appended to it. */
void ctl_keys_add(json_t *keys, json_t *obj);
/* A column per key (header "new_flows" -> "NEW-FLOWS"), and a row's cells of them in cnt. */
void ctl_key_cols(struct table *t, json_t *keys);
void ctl_key_cells(struct table *t, json_t *keys, json_t *cnt);

/* show.c: the printers of the replies (arg: see each). */
void ctl_show_status(json_t *r, const void *arg);
void ctl_show_targets(json_t *r, const void *arg);
void ctl_show_target_op(json_t *r, const void *arg); /* arg: the word, "registered" */
void ctl_show_flows(json_t *r, const void *arg);
void ctl_show_counters(json_t *r, const void *arg); /* arg: int *, list zero counts too */
void ctl_show_listeners(json_t *r, const void *arg);
void ctl_show_attachments(json_t *r, const void *arg);
void ctl_show_dataplanes(json_t *r, const void *arg);
void ctl_show_node(json_t *r, const void *arg);
void ctl_show_reload(json_t *r, const void *arg);

#endif /* SL_SLUICECTL_H */
