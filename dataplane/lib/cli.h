/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli.h - the command-line checks every sluice program makes the same way (sluice-dp,
 * sluice-xdp, sluiced, sluice-appliance): a number in a range, the end of the options (no
 * stray argument, --config given), and a usage error. Only what getopt_long does not do; each
 * program keeps its own option table and texts.
 */
#ifndef SL_CLI_H
#define SL_CLI_H

#include <stdio.h>

/*
 * s as a decimal (strtoul: leading blanks and a sign are strtoul's business) in [min, max]:
 * 0 and *out, else -EINVAL and *out untouched. Callers that want digits only check s[0].
 */
int cli_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/*
 * After getopt_long: 0 when every argument was an option and config is set; else -EINVAL,
 * with "PROG: unexpected argument: ARG" or "PROG: --config FILE is required" (then usage) on
 * stderr.
 */
int cli_end(const char *prog, int argc, char **argv, const char *config, void (*usage)(FILE *f));

/* "PROG: MESSAGE\nHINT" on stderr (hint ends with its own newline); returns 2, the exit status
 * of a usage error. */
int cli_usage(const char *prog, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* SL_CLI_H */
