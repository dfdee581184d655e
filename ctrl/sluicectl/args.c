/* SPDX-License-Identifier: BSD-3-Clause */
/* args.c - sluicectl's messages, command line and argument checks (sluicectl.h). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl/sluicectl/sluicectl.h"

/* The command options, in the order of enum ctl_opt_bit. */
static const struct {
	const char *name;
	size_t off; /* of its member in struct ctl_args */
	int flag;   /* no value: the member (int) is set to 1 */
} ctl_opts[] = {
	{"zone", offsetof(struct ctl_args, zone), 0},
	{"port", offsetof(struct ctl_args, port), 0},
	{"weight", offsetof(struct ctl_args, weight), 0},
	{"group", offsetof(struct ctl_args, group), 0},
	{"target", offsetof(struct ctl_args, target), 0},
	{"limit", offsetof(struct ctl_args, limit), 0},
	{"dataplane", offsetof(struct ctl_args, dataplane), 0},
	{"all", offsetof(struct ctl_args, all), 1},
};

/* ---- messages -------------------------------------------------------------------------- */

static void ctl_verr(const char *fmt, va_list ap)
{
	fputs("sluicectl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void ctl_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_verr(fmt, ap);
	va_end(ap);
}

void ctl_synopsis(FILE *f, const struct ctl_cmd *cmd)
{
	if (cmd)
		fprintf(f, "usage: sluicectl [OPTIONS] %s%s%s\n", cmd->name, *cmd->args ? " " : "",
			cmd->args);
	else
		fputs("usage: sluicectl [--socket PATH] [--json] [--timeout S] COMMAND [ARGS]\n",
		      f);
}

int ctl_usage(const struct ctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_verr(fmt, ap);
	va_end(ap);
	ctl_synopsis(stderr, cmd);
	fputs("Try 'sluicectl --help' for more information.\n", stderr);
	return CTL_EXIT_USAGE;
}

void ctl_oom(void)
{
	ctl_err("out of memory");
	exit(CTL_EXIT_REFUSED);
}

void ctl_wrap(FILE *f, const char *s, int indent)
{
	const int width = 80 - indent;

	while (*s) {
		int n = (int)strlen(s), cut = n;

		if (n > width) {
			for (cut = width; cut > 0 && s[cut] != ' '; cut--)
				;
			if (!cut)
				cut = width;
		}
		fprintf(f, "%*s%.*s\n", indent, "", cut, s);
		s += cut;
		while (*s == ' ')
			s++;
	}
}

/* ---- argument checks ------------------------------------------------------------------- */

int ctl_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!*s || !((*s >= '0' && *s <= '9') || *s == '-'))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int ctl_name_ok(const char *s)
{
	const char *p;

	if (!*s || strlen(s) > CTL_NAME_MAX)
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("-_.:", *p)))
			return 0;
	return 1;
}

int ctl_check_name(const struct ctl_cmd *cmd, const char *what, const char *s)
{
	if (ctl_name_ok(s))
		return 0;
	return ctl_usage(cmd, "%s: bad name '%s' (1-%d letters, digits, - _ . : only)", what, s,
			 CTL_NAME_MAX);
}

int ctl_bad_option(const struct ctl_cmd *cmd, const char *arg)
{
	const char *pre = cmd ? cmd->name : "", *sep = cmd ? ": " : "";

	if (strncmp(arg, "--", 2) && optopt)
		return ctl_usage(cmd, "%s%sunknown option '-%c'", pre, sep, optopt);
	if (!strncmp(arg, "--", 2) && strchr(arg, '='))
		return ctl_usage(cmd, "%s%sunknown option, or an option that takes no value: '%s'",
				 pre, sep, arg);
	return ctl_usage(cmd, "%s%sunknown or ambiguous option '%s'", pre, sep, arg);
}

int ctl_check_path(const struct ctl_cmd *cmd, const char *what, const char *s)
{
	json_t *j;

	if (!*s)
		return ctl_usage(cmd, "%s: empty path", what);
	j = json_string(s); /* JSON strings must be UTF-8 */
	if (!j)
		return ctl_usage(cmd, "%s: not valid UTF-8", what);
	json_decref(j);
	return 0;
}

/* ---- the command line ------------------------------------------------------------------ */

int ctl_global_opt(struct ctl *c, int o, char *arg)
{
	switch (o) {
	case 'j':
		c->json = 1;
		return 1;
	case 's':
		c->socket = arg;
		return 1;
	case 't':
		c->timeout_arg = arg;
		return 1;
	default:
		return 0;
	}
}

/* The global options once all are parsed: the timeout checked, the socket defaulted. */
static int ctl_globals(struct ctl *c, const struct ctl_cmd *cmd)
{
	const char *env = getenv("SLUICE_SOCKET");
	char *end;

	if (c->timeout_arg) {
		errno = 0;
		c->timeout = strtod(c->timeout_arg, &end);
		if (errno || end == c->timeout_arg || *end || !(c->timeout > 0) ||
		    c->timeout > 86400)
			return ctl_usage(cmd,
					 "--timeout: expected seconds, more than 0 and at "
					 "most 86400, got '%s'",
					 c->timeout_arg);
	}
	if (!c->socket)
		c->socket = env && *env ? env : CTL_DEFAULT_SOCKET;
	if (!*c->socket)
		return ctl_usage(cmd, "--socket: empty path");
	return 0;
}

/* A positional argument: 0, or a usage error past cmd->max_pos. */
static int ctl_positional(const struct ctl_cmd *cmd, struct ctl_args *a, char *arg)
{
	if (a->n_pos == cmd->max_pos)
		return ctl_usage(cmd, "%s: unexpected argument '%s'", cmd->name, arg);
	a->pos[a->n_pos++] = arg;
	return 0;
}

int ctl_parse(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv, struct ctl_args *a)
{
	struct option lo[CTL_DIM(ctl_opts) + 5] = {
		{"json", no_argument, NULL, 'j'},
		{"socket", required_argument, NULL, 's'},
		{"timeout", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
	};
	unsigned int i, n_lo = 4;
	int o, rc;

	for (i = 0; i < CTL_DIM(ctl_opts); i++) {
		if (!(cmd->opts & (1u << i)))
			continue;
		lo[n_lo].name = ctl_opts[i].name;
		lo[n_lo].has_arg = ctl_opts[i].flag ? no_argument : required_argument;
		lo[n_lo].flag = NULL;
		lo[n_lo++].val = 256 + (int)i;
	}
	memset(a, 0, sizeof(*a));
	optind = 0; /* GNU: restart, scanning from argv[1] */
	opterr = 0;
	while ((o = getopt_long(argc, argv, "-:hjs:t:", lo, NULL)) != -1) {
		if (ctl_global_opt(c, o, optarg))
			continue;
		switch (o) {
		case 1:
			if ((rc = ctl_positional(cmd, a, optarg)))
				return rc;
			break;
		case 'h':
			ctl_synopsis(stdout, cmd);
			ctl_wrap(stdout, cmd->what, 0);
			return -1;
		case ':':
			return ctl_usage(cmd, "%s: option '%s' needs a value", cmd->name,
					 argv[optind - 1]);
		case '?':
			return ctl_bad_option(cmd, argv[optind - 1]);
		default:
			i = (unsigned int)(o - 256);
			if (ctl_opts[i].flag)
				*(int *)((char *)a + ctl_opts[i].off) = 1;
			else
				*(const char **)((char *)a + ctl_opts[i].off) = optarg;
		}
	}
	for (; optind < argc; optind++) /* after "--" */
		if ((rc = ctl_positional(cmd, a, argv[optind])))
			return rc;
	return ctl_globals(c, cmd);
}
