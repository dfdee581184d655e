/* SPDX-License-Identifier: BSD-3-Clause */
/* cli.c - the command-line checks the sluice programs share (cli.h). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>

#include "dataplane/lib/cli.h"

int cli_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int cli_end(const char *prog, int argc, char **argv, const char *config, void (*usage)(FILE *f))
{
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument: %s\n", prog, argv[optind]);
		return -EINVAL;
	}
	if (!config) {
		fprintf(stderr, "%s: --config FILE is required\n", prog);
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

int cli_usage(const char *prog, const char *hint, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", hint);
	return 2;
}
