/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpopts.h - the command line both dataplanes share (sluice-dp, sluice-xdp): the options they
 * both take, their help lines, and one getopt_long loop that hands each binary its own options.
 * What an option means beyond storing its argument (which mode allows it) stays the binary's.
 */
#ifndef SL_DPOPTS_H
#define SL_DPOPTS_H

#include <getopt.h>
#include <stdio.h>

/* The shared options, as given (NULL / 0: not given). */
struct dpopts {
	const char *config;	/* -c, --config FILE (required) */
	const char *events;	/* --events FILE */
	const char *stats_json; /* --stats-json FILE */
	const char *control;	/* --control PATH */
	const char *state_log;	/* --state-log FILE */
	int quiet;		/* -q, --quiet */
};

/*
 * A binary: its name, its own options and its help. Its own options' getopt_long values must
 * not be the shared ones' ('c', 'e', 's', 'C', 'L', 'q', 'h').
 */
struct dpopts_spec {
	const char *prog;	  /* the prefix of messages: "sluice-dp" */
	const char *own_short;	  /* its own short options, getopt syntax (NULL: none) */
	const struct option *own; /* its own long options, ended by a {NULL} entry */
	/*
	 * One of its own options: c as getopt_long returned it, arg its optarg (NULL for none;
	 * writable). 0, or a negative errno after a message on stderr.
	 */
	int (*own_opt)(int c, char *arg, void *ctx);
	/* The whole help (dpopts_usage inside); on stdout for -h, on stderr after an error. */
	void (*usage)(FILE *f);
};

/* Own long options a binary may have at most. */
#define DPOPTS_MAX_OWN 24

/*
 * Parse argv[optind = 1...] into o, and the binary's own options through spec->own_opt (with
 * ctx): -h prints the help on stdout and exits 0; an unknown option prints it on stderr. Then
 * cli_end (no stray argument, --config given). 0, or a negative errno (the message is on
 * stderr); -EINVAL without a message when spec is wrong (more than DPOPTS_MAX_OWN own options,
 * or one with a shared value).
 */
int dpopts_parse(int argc, char **argv, const struct dpopts_spec *spec, struct dpopts *o,
		 void *ctx);

/*
 * The options' help lines: the shared ones, then `own` (the binary's own lines, each ending in
 * a newline), then -q and -h. What a binary allows the shared ones with goes in its own text.
 */
void dpopts_usage(FILE *f, const char *own);

#endif /* SL_DPOPTS_H */
