/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_jsonl.c - the line framing of the API and the dataplane protocol (docs/protocol.md
 * "Transport"): partial lines, several lines in one buffer, the size limit (also on a partial
 * line), lines that are not JSON objects, and "v": 1 on what is written.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/cu.h"
#include "ctrl/jsonl.h"

static struct evbuffer *buf_of(const char *s)
{
	struct evbuffer *b = evbuffer_new();

	CU_ASSERT_FATAL(b != NULL);
	if (s)
		CU_ASSERT_FATAL(evbuffer_add(b, s, strlen(s)) == 0);
	return b;
}

/* The buffer's content as a string (caller frees). */
static char *buf_str(struct evbuffer *b)
{
	size_t len = evbuffer_get_length(b);
	char *s = malloc(len + 1);

	CU_ASSERT_FATAL(s != NULL);
	evbuffer_copyout(b, s, len);
	s[len] = '\0';
	return s;
}

/* jsonl_write() refuses msg with err and leaves nothing in the buffer. */
static void write_refused(struct evbuffer *b, json_t *msg, int err)
{
	CU_ASSERT_EQUAL(jsonl_write(b, msg), err);
	CU_ASSERT_EQUAL(evbuffer_get_length(b), 0);
}

static void test_one_line(void)
{
	struct evbuffer *b = buf_of("{\"v\":1,\"id\":7,\"op\":\"hello\"}\n");
	json_t *m = NULL;
	char err[128] = "";

	CU_ASSERT_EQUAL(jsonl_read(b, &m, err, sizeof(err)), 1);
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(m, "id")), 7);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(m, "op")), "hello");
	json_decref(m);
	CU_ASSERT_EQUAL(evbuffer_get_length(b), 0);
	CU_ASSERT_EQUAL(jsonl_read(b, &m, err, sizeof(err)), 0);
	evbuffer_free(b);
}

/* A line arriving in pieces is read once its '\n' is there; nothing is consumed before. */
static void test_partial_line_waits(void)
{
	static const char *const pieces[] = {"{\"op\"", ":\"sta", "tus\",\"id\"", ":1}"};
	struct evbuffer *b = buf_of(NULL);
	json_t *m = NULL;
	char err[128];
	size_t i, len = 0;

	for (i = 0; i < 4; i++) {
		evbuffer_add(b, pieces[i], strlen(pieces[i]));
		len += strlen(pieces[i]);
		CU_ASSERT_EQUAL(jsonl_read(b, &m, err, sizeof(err)), 0);
		CU_ASSERT_PTR_NULL(m);
		CU_ASSERT_EQUAL(evbuffer_get_length(b), len);
	}
	evbuffer_add(b, "\n{\"op\":", 7);
	CU_ASSERT_EQUAL(jsonl_read(b, &m, err, sizeof(err)), 1);
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(m, "op")), "status");
	json_decref(m);
	m = NULL;
	/* the start of the next line stays */
	CU_ASSERT_EQUAL(evbuffer_get_length(b), 6);
	CU_ASSERT_EQUAL(jsonl_read(b, &m, err, sizeof(err)), 0);
	evbuffer_free(b);
}

static void test_several_lines_in_one_buffer(void)
{
	struct evbuffer *b = buf_of("{\"id\":1}\n{\"id\":2}\r\n  {\"id\":3}  \n{\"id\":4}");
	json_t *m;
	char err[128];
	int i;

	for (i = 1; i <= 3; i++) {
		m = NULL;
		CU_ASSERT_EQUAL(jsonl_read(b, &m, err, sizeof(err)), 1);
		CU_ASSERT_FATAL(m != NULL);
		CU_ASSERT_EQUAL(json_integer_value(json_object_get(m, "id")), i);
		json_decref(m);
	}
	CU_ASSERT_EQUAL(jsonl_read(b, &m, err, sizeof(err)), 0);
	evbuffer_add(b, "\n", 1);
	m = NULL;
	CU_ASSERT_EQUAL(jsonl_read(b, &m, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(m, "id")), 4);
	json_decref(m);
	evbuffer_free(b);
}

/* Not an object, or not JSON: -EINVAL, the line is consumed, the next one reads fine. */
static void test_non_object_is_refused_and_consumed(void)
{
	static const char *const bad[] = {"[1,2]\n",	"\"hello\"\n", "42\n",
					  "null\n",	"{\"a\":\n",   "{}}\n",
					  "not json\n", "\n",	       "{\"a\":1,\"a\":2}\n"};
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct evbuffer *b = buf_of(bad[i]);
		json_t *m = NULL;

		evbuffer_add(b, "{\"ok\":true}\n", 12);
		err[0] = '\0';
		CU_ASSERT_EQUAL(jsonl_read(b, &m, err, sizeof(err)), -EINVAL);
		CU_ASSERT_PTR_NULL(m);
		CU_ASSERT(err[0] != '\0');
		CU_ASSERT_EQUAL(jsonl_read(b, &m, err, sizeof(err)), 1);
		CU_ASSERT(json_is_true(json_object_get(m, "ok")));
		json_decref(m);
		evbuffer_free(b);
	}
}

static void test_oversize_line_is_refused(void)
{
	size_t big = JSONL_MAX + 16;
	char *s = malloc(big + 2), err[128] = "";
	struct evbuffer *b;
	json_t *m = NULL;

	CU_ASSERT_FATAL(s != NULL);
	/* a complete line over the limit */
	memset(s, ' ', big);
	s[0] = '{';
	s[big - 1] = '}';
	s[big] = '\n';
	s[big + 1] = '\0';
	b = buf_of(s);
	CU_ASSERT_EQUAL(jsonl_read(b, &m, err, sizeof(err)), -EMSGSIZE);
	CU_ASSERT_PTR_NULL(m);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "longer than"));
	evbuffer_free(b);

	/* a partial line over the limit: refused before its '\n' ever comes */
	s[big] = '\0';
	b = buf_of(s);
	err[0] = '\0';
	CU_ASSERT_EQUAL(jsonl_read(b, &m, err, sizeof(err)), -EMSGSIZE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "longer than"));
	evbuffer_free(b);

	/* exactly JSONL_MAX bytes before the '\n' is still fine, one more is not */
	s[JSONL_MAX - 1] = '}';
	s[JSONL_MAX] = '\n';
	b = buf_of(NULL);
	evbuffer_add(b, s, JSONL_MAX + 1);
	CU_ASSERT_EQUAL(jsonl_read(b, &m, err, sizeof(err)), 1);
	json_decref(m);
	m = NULL;
	/* a partial line of exactly JSONL_MAX bytes may still get its '\n' */
	evbuffer_add(b, s, JSONL_MAX);
	CU_ASSERT_EQUAL(jsonl_read(b, &m, err, sizeof(err)), 0);
	evbuffer_add(b, " ", 1);
	CU_ASSERT_EQUAL(jsonl_read(b, &m, err, sizeof(err)), -EMSGSIZE);
	evbuffer_free(b);
	free(s);
}

static void test_write_adds_v_and_one_newline(void)
{
	struct evbuffer *b = buf_of(NULL);
	json_t *msg = json_pack("{s:i, s:s, s:{s:s}}", "id", 3, "op", "sync", "x", "text",
				"line1\nline2");
	json_t *back = NULL;
	char err[128], *s;

	CU_ASSERT_FATAL(msg != NULL);
	CU_ASSERT_EQUAL(jsonl_write(b, msg), 0);
	/* msg is not changed or stolen */
	CU_ASSERT_PTR_NULL(json_object_get(msg, "v"));
	CU_ASSERT_EQUAL(msg->refcount, 1);
	s = buf_str(b);
	CU_ASSERT_EQUAL(strncmp(s, "{\"v\":1,", 7), 0); /* "v" first */
	CU_ASSERT_PTR_EQUAL(strchr(s, '\n'), s + strlen(s) - 1);
	CU_ASSERT_PTR_NULL(strchr(s, ' ')); /* compact */
	free(s);
	CU_ASSERT_EQUAL(jsonl_read(b, &back, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(back, "v")), 1);
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_object_get(json_object_get(back, "x"), "text")),
		"line1\nline2");
	json_decref(back);

	/* a "v" in msg is replaced by ours */
	json_object_set_new(msg, "v", json_integer(9));
	CU_ASSERT_EQUAL(jsonl_write(b, msg), 0);
	back = NULL;
	CU_ASSERT_EQUAL(jsonl_read(b, &back, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(back, "v")), 1);
	json_decref(back);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(msg, "v")), 9);

	/* only objects are messages */
	back = json_array();
	write_refused(b, back, -EINVAL);
	write_refused(b, NULL, -EINVAL);
	json_decref(back);
	json_decref(msg);
	evbuffer_free(b);
}

static void test_write_refuses_oversize(void)
{
	struct evbuffer *b = buf_of(NULL);
	char *big = malloc(JSONL_MAX + 1);
	json_t *msg;

	CU_ASSERT_FATAL(big != NULL);
	memset(big, 'a', JSONL_MAX);
	big[JSONL_MAX] = '\0';
	msg = json_pack("{s:s}", "blob", big);
	write_refused(b, msg, -EMSGSIZE);
	json_decref(msg);
	free(big);
	evbuffer_free(b);
}

static void test_ok_and_error_replies(void)
{
	json_t *id = json_integer(12), *r;
	struct evbuffer *b = buf_of(NULL);
	char *s;

	r = jsonl_ok(id);
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r, "v")), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r, "id")), 12);
	CU_ASSERT(json_is_true(json_object_get(r, "ok")));
	json_object_set_new(r, "protocol", json_integer(1));
	CU_ASSERT_EQUAL(jsonl_write(b, r), 0);
	s = buf_str(b);
	CU_ASSERT_STRING_EQUAL(s, "{\"v\":1,\"id\":12,\"ok\":true,\"protocol\":1}\n");
	free(s);
	evbuffer_drain(b, evbuffer_get_length(b));
	json_decref(r);

	r = jsonl_error(NULL, "unknown op \"%s\"", "frob");
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT(json_is_null(json_object_get(r, "id")));
	CU_ASSERT(json_is_false(json_object_get(r, "ok")));
	CU_ASSERT_EQUAL(jsonl_write(b, r), 0);
	s = buf_str(b);
	CU_ASSERT_STRING_EQUAL(
		s, "{\"v\":1,\"id\":null,\"ok\":false,\"error\":\"unknown op \\\"frob\\\"\"}\n");
	free(s);
	json_decref(r);

	/* the id is shared, not stolen */
	r = jsonl_error(id, "x");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r, "id")), 12);
	json_decref(r);
	CU_ASSERT_EQUAL(id->refcount, 1);
	json_decref(id);
	evbuffer_free(b);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"one line", test_one_line},
		{"partial line waits for its newline", test_partial_line_waits},
		{"several lines in one buffer", test_several_lines_in_one_buffer},
		{"non-object is refused and consumed", test_non_object_is_refused_and_consumed},
		{"oversize line is refused (also partial)", test_oversize_line_is_refused},
		{"write adds v and one newline", test_write_adds_v_and_one_newline},
		{"write refuses oversize", test_write_refuses_oversize},
		{"ok and error replies", test_ok_and_error_replies},
		CU_TEST_INFO_NULL,
	};

	return cu_run("jsonl", tests);
}
