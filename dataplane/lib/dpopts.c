/* SPDX-License-Identifier: BSD-3-Clause */
/* dpopts.c - the command line sluice-dp and sluice-xdp share (dpopts.h). */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/lib/cli.h"
#include "dataplane/lib/dpopts.h"

/* The shared options, and where each one's argument goes (a const char * of struct dpopts). */
static const struct dpopts_opt {
	struct option opt;
	size_t arg; /* with an argument: its offsetof in struct dpopts */
} dpopts_opts[] = {
	{{"config", required_argument, NULL, 'c'}, offsetof(struct dpopts, config)},
	{{"events", required_argument, NULL, 'e'}, offsetof(struct dpopts, events)},
	{{"stats-json", required_argument, NULL, 's'}, offsetof(struct dpopts, stats_json)},
	{{"control", required_argument, NULL, 'C'}, offsetof(struct dpopts, control)},
	{{"state-log", required_argument, NULL, 'L'}, offsetof(struct dpopts, state_log)},
	{{"quiet", no_argument, NULL, 'q'}, 0},
	{{"help", no_argument, NULL, 'h'}, 0},
};

#define DPOPTS_N (sizeof(dpopts_opts) / sizeof(dpopts_opts[0]))

void dpopts_usage(FILE *f, const char *own)
{
	fprintf(f,
		"  -c, --config FILE      YAML configuration (required; see docs/config.md)\n"
		"      --stats-json FILE  write every counter as JSON at exit\n"
		"      --events FILE      scheduled target state changes: TIME GROUP TARGET STATE\n"
		"      --control PATH     serve the control protocol (docs/protocol.md) on a Unix\n"
		"                         socket at PATH (mode 0600; sluiced connects there)\n"
		"      --state-log FILE   append one JSON line per published generation (targets,\n"
		"                         states, publish and RCU-sync times)\n"
		"%s"
		"  -q, --quiet            no summary at exit\n"
		"  -h, --help             this text\n",
		own);
}

/* The shared option getopt_long returned as c, or NULL: one of the binary's own. */
static const struct dpopts_opt *dpopts_find(int c)
{
	unsigned int i;

	for (i = 0; i < DPOPTS_N; i++)
		if (dpopts_opts[i].opt.val == c)
			return &dpopts_opts[i];
	return NULL;
}

int dpopts_parse(int argc, char **argv, const struct dpopts_spec *spec, struct dpopts *o, void *ctx)
{
	struct option lo[DPOPTS_N + DPOPTS_MAX_OWN + 1];
	const struct dpopts_opt *d;
	char so[64];
	unsigned int i, n = 0;
	int c, ret;

	for (n = 0; spec->own[n].name; n++)
		if (n == DPOPTS_MAX_OWN || dpopts_find(spec->own[n].val))
			return -EINVAL; /* a programming error: the binary's table */
	for (i = 0; i < DPOPTS_N; i++)
		lo[i] = dpopts_opts[i].opt;
	memcpy(lo + DPOPTS_N, spec->own, sizeof(*lo) * (n + 1)); /* with its {NULL} end */
	if ((size_t)snprintf(so, sizeof(so), "c:qh%s", spec->own_short ? spec->own_short : "") >=
	    sizeof(so))
		return -EINVAL;
	optind = 1;
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		d = dpopts_find(c);
		if (c == 'h') {
			spec->usage(stdout);
			exit(0);
		} else if (c == '?' || c == ':') {
			spec->usage(stderr);
			return -EINVAL;
		} else if (d && d->opt.has_arg) {
			*(const char **)((char *)o + d->arg) = optarg;
		} else if (d) {
			o->quiet = 1; /* -q */
		} else {
			ret = spec->own_opt(c, optarg, ctx);
			if (ret)
				return ret;
		}
	}
	return cli_end(spec->prog, argc, argv, o->config, spec->usage);
}
