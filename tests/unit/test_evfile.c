/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_evfile.c - the --events file both dataplanes replay (dataplane/lib/evfile.h): lines parsed
 * against the config, comments and blank lines, and every refusal with FILE:LINE (nothing
 * returned then). Run under valgrind to check that refusals leak nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/cu.h"
#include "dataplane/lib/evfile.h"

#ifndef SL_TEST_DATA
#error "SL_TEST_DATA (the tests/unit/configs directory) must be defined"
#endif

static struct config *evfile_cfg;
static char evfile_path[] = "/tmp/sluice-test-evfile.XXXXXX";

static int evfile_setup(void)
{
	char err[256];
	int fd = mkstemp(evfile_path);

	if (fd < 0)
		return -1;
	close(fd);
	return config_load(SL_TEST_DATA "/good.yaml", &evfile_cfg, err, sizeof(err));
}

static int evfile_teardown(void)
{
	unlink(evfile_path);
	config_free(evfile_cfg);
	return 0;
}

/* Write text to the temp file and load it. */
static int evfile_try(const char *text, struct evfile_event **ev, unsigned int *n, char *err,
		      size_t errlen)
{
	FILE *f = fopen(evfile_path, "w");

	if (!f)
		return -errno;
	fputs(text, f);
	fclose(f);
	*ev = NULL;
	*n = 0;
	err[0] = '\0';
	return evfile_load(evfile_cfg, evfile_path, ev, n, err, errlen);
}

static void test_evfile_lines_in_time_order_with_comments(void)
{
	struct evfile_event *ev;
	unsigned int n;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(evfile_try("# t group target state\n"
					 "\n"
					 "0.5 firewalls fw-b unhealthy   # fw-b fails\n"
					 "  1.25\tfirewalls\tfw-a draining\n"
					 "1.25 ids ids-1 healthy\n",
					 &ev, &n, err, sizeof(err)),
			      0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_EQUAL(ev[0].time, 500000);
	CU_ASSERT_EQUAL(ev[0].group, 0);
	CU_ASSERT_EQUAL(ev[0].target, 1);
	CU_ASSERT_EQUAL(ev[0].state, CFG_TS_UNHEALTHY);
	CU_ASSERT_EQUAL(ev[1].time, 1250000);
	CU_ASSERT_EQUAL(ev[1].target, 0);
	CU_ASSERT_EQUAL(ev[1].state, CFG_TS_DRAINING);
	CU_ASSERT_EQUAL(ev[2].group, 1);
	CU_ASSERT_EQUAL(ev[2].state, CFG_TS_HEALTHY);
	free(ev);
}

static void test_evfile_empty_file_is_no_events(void)
{
	struct evfile_event *ev;
	unsigned int n = 99;
	char err[256];

	CU_ASSERT_EQUAL(evfile_try("# nothing\n\n", &ev, &n, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(ev);
}

static void test_evfile_every_refusal_names_file_and_line(void)
{
	static const struct {
		const char *text, *says;
	} bad[] = {
		{"0 firewalls fw-a\n", ":1: expected TIME GROUP TARGET STATE"},
		{"x firewalls fw-a healthy\n", ":1: expected TIME GROUP TARGET STATE"},
		{"-1 firewalls fw-a healthy\n", ":1: expected TIME GROUP TARGET STATE"},
		{"nan firewalls fw-a healthy\n", ":1: expected TIME GROUP TARGET STATE"},
		{"1e13 firewalls fw-a healthy\n", ":1: expected TIME GROUP TARGET STATE"},
		{"# c\n1 firewalls fw-a sleepy\n", ":2: unknown state \"sleepy\""},
		{"1 firewalls fw-a unused\n", ":1: unknown state \"unused\""},
		{"1 firewalls fw-z healthy\n", ":1: no target \"fw-z\" in group \"firewalls\""},
		{"1 nogroup fw-a healthy\n", ":1: no target \"fw-a\" in group \"nogroup\""},
		{"2 firewalls fw-a healthy\n1 firewalls fw-b healthy\n",
		 ":2: events must be in time order"},
	};
	struct evfile_event *ev;
	unsigned int i, n;
	char err[256];

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(evfile_try(bad[i].text, &ev, &n, err, sizeof(err)), -EINVAL);
		CU_ASSERT_PTR_NULL(ev);
		CU_ASSERT_EQUAL(n, 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, evfile_path));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].says));
	}
}

static void test_evfile_missing_file_is_an_errno(void)
{
	struct evfile_event *ev = NULL;
	unsigned int n = 0;
	char err[256];

	CU_ASSERT_EQUAL(
		evfile_load(evfile_cfg, "/nonexistent/events.txt", &ev, &n, err, sizeof(err)),
		-ENOENT);
	CU_ASSERT_PTR_NULL(ev);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/events.txt"));
}

static CU_TestInfo tests[] = {
	{"lines_in_time_order_with_comments", test_evfile_lines_in_time_order_with_comments},
	{"empty_file_is_no_events", test_evfile_empty_file_is_no_events},
	{"every_refusal_names_file_and_line", test_evfile_every_refusal_names_file_and_line},
	{"missing_file_is_an_errno", test_evfile_missing_file_is_an_errno},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	if (evfile_setup()) {
		fprintf(stderr, "test_evfile: cannot load %s/good.yaml\n", SL_TEST_DATA);
		return 1;
	}
	int ret = cu_run("evfile", tests);

	evfile_teardown();
	return ret;
}
