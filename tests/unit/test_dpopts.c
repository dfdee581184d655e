/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_dpopts.c - the command line both dataplanes share (dataplane/lib/dpopts.h): the shared
 * options stored, a binary's own options handed to it (long and short), its errors passed on,
 * unknown options, a stray argument and a missing --config refused, a wrong spec (too many own
 * options, an own option with a shared value).
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/cu.h"
#include "dataplane/lib/dpopts.h"

struct own {
	const char *pin;
	int verbose;
	int calls;
};

static int own_opt(int c, char *arg, void *ctx)
{
	struct own *w = ctx;

	w->calls++;
	switch (c) {
	case 'P':
		if (!strcmp(arg, "bad")) {
			fprintf(stderr, "test: --pin: bad\n");
			return -EINVAL;
		}
		w->pin = arg;
		return 0;
	default: /* 'v' */
		w->verbose = 1;
		return 0;
	}
}

static void own_usage(FILE *f)
{
	fprintf(f, "usage: test --config FILE\n");
	dpopts_usage(f, "      --pin DIR  pin\n  -v, --verbose\n");
}

static const struct option own_long[] = {
	{"pin", required_argument, NULL, 'P'},
	{"verbose", no_argument, NULL, 'v'},
	{NULL, 0, NULL, 0},
};

static const struct dpopts_spec own_spec = {
	.prog = "test", .own_short = "v", .own = own_long, .own_opt = own_opt, .usage = own_usage};

/* Parse a NULL-ended argument list (argv[0] "test") with own_long. */
static int parse(struct dpopts *o, struct own *w, const char *const *args)
{
	char *argv[16];
	int argc = 0;

	memset(o, 0, sizeof(*o));
	memset(w, 0, sizeof(*w));
	argv[argc++] = (char *)"test";
	while (*args)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	return dpopts_parse(argc, argv, &own_spec, o, w);
}

static void test_shared(void)
{
	const char *const a[] = {"--config",	 "c.yaml", "--events",	"ev",
				 "--stats-json", "s.json", "--control", "ctl.sock",
				 "--state-log",	 "log",	   "-q",	NULL};
	struct dpopts o;
	struct own w;

	CU_ASSERT_EQUAL(parse(&o, &w, a), 0);
	CU_ASSERT_STRING_EQUAL(o.config, "c.yaml");
	CU_ASSERT_STRING_EQUAL(o.events, "ev");
	CU_ASSERT_STRING_EQUAL(o.stats_json, "s.json");
	CU_ASSERT_STRING_EQUAL(o.control, "ctl.sock");
	CU_ASSERT_STRING_EQUAL(o.state_log, "log");
	CU_ASSERT_EQUAL(o.quiet, 1);
	CU_ASSERT_EQUAL(w.calls, 0);
}

static void test_own(void)
{
	const char *const a[] = {"-c", "c.yaml", "--pin", "/sys/fs/bpf/x", "-v", "--quiet", NULL};
	const char *const b[] = {"--config=c.yaml", "--verbose", NULL};
	struct dpopts o;
	struct own w;

	CU_ASSERT_EQUAL(parse(&o, &w, a), 0);
	CU_ASSERT_STRING_EQUAL(o.config, "c.yaml");
	CU_ASSERT_STRING_EQUAL(w.pin, "/sys/fs/bpf/x");
	CU_ASSERT_EQUAL(w.verbose, 1);
	CU_ASSERT_EQUAL(w.calls, 2);
	CU_ASSERT_EQUAL(o.quiet, 1);
	CU_ASSERT_PTR_NULL(o.events);
	CU_ASSERT_EQUAL(parse(&o, &w, b), 0);
	CU_ASSERT_EQUAL(w.verbose, 1);
	CU_ASSERT_EQUAL(o.quiet, 0);
}

static void test_refused(void)
{
	const char *const own_err[] = {"-c", "c.yaml", "--pin", "bad", NULL};
	const char *const unknown[] = {"-c", "c.yaml", "--idle-exit", "5", NULL};
	const char *const short_unknown[] = {"-c", "c.yaml", "-x", NULL};
	const char *const no_arg[] = {"-c", "c.yaml", "--events", NULL};
	const char *const stray[] = {"-c", "c.yaml", "extra", NULL};
	const char *const no_config[] = {"-q", NULL};
	struct dpopts o;
	struct own w;

	CU_ASSERT_EQUAL(parse(&o, &w, own_err), -EINVAL);
	CU_ASSERT_EQUAL(parse(&o, &w, unknown), -EINVAL);
	CU_ASSERT_EQUAL(w.calls, 0);
	CU_ASSERT_EQUAL(parse(&o, &w, short_unknown), -EINVAL);
	CU_ASSERT_EQUAL(parse(&o, &w, no_arg), -EINVAL);
	CU_ASSERT_EQUAL(parse(&o, &w, stray), -EINVAL);
	CU_ASSERT_EQUAL(parse(&o, &w, no_config), -EINVAL);
}

static void test_bad_spec(void)
{
	struct option many[DPOPTS_MAX_OWN + 2];
	char *argv[] = {(char *)"test", (char *)"-c", (char *)"c.yaml", NULL};
	struct dpopts_spec spec = own_spec;
	struct dpopts o = {0};
	struct own w = {0};
	unsigned int i;

	spec.own = many;
	for (i = 0; i <= DPOPTS_MAX_OWN; i++)
		many[i] = (struct option){"x", no_argument, NULL, 'x'};
	many[i] = (struct option){NULL, 0, NULL, 0};
	CU_ASSERT_EQUAL(dpopts_parse(3, argv, &spec, &o, &w), -EINVAL);
	many[DPOPTS_MAX_OWN] = (struct option){NULL, 0, NULL, 0};
	CU_ASSERT_EQUAL(dpopts_parse(3, argv, &spec, &o, &w), 0);
	CU_ASSERT_STRING_EQUAL(o.config, "c.yaml");
	many[3].val = 'e'; /* --events' value */
	CU_ASSERT_EQUAL(dpopts_parse(3, argv, &spec, &o, &w), -EINVAL);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"shared options", test_shared},
		{"own options", test_own},
		{"refused", test_refused},
		{"a wrong spec", test_bad_spec},
		CU_TEST_INFO_NULL,
	};

	return cu_run("dpopts", tests);
}
