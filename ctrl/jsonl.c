/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * jsonl.c - one compact JSON object per '\n'-terminated line on libevent buffers
 * (docs/protocol.md "Transport").
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl/jsonl.h"

int jsonl_read(struct evbuffer *buf, json_t **out, char *err, size_t errlen)
{
	struct evbuffer_ptr eol;
	json_error_t jerr;
	size_t eol_len = 0, len;
	char *line;
	json_t *v;

	eol = evbuffer_search_eol(buf, NULL, &eol_len, EVBUFFER_EOL_LF);
	if (eol.pos < 0) {
		/* no complete line: a partial one may not grow past the limit either */
		if (evbuffer_get_length(buf) > JSONL_MAX) {
			snprintf(err, errlen, "line longer than %u bytes", JSONL_MAX);
			return -EMSGSIZE;
		}
		return 0;
	}
	if ((size_t)eol.pos > JSONL_MAX) {
		snprintf(err, errlen, "line longer than %u bytes", JSONL_MAX);
		return -EMSGSIZE;
	}
	line = evbuffer_readln(buf, &len, EVBUFFER_EOL_LF);
	if (!line) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	v = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	free(line);
	if (!v) {
		snprintf(err, errlen, "invalid JSON at column %d: %s", jerr.column, jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		snprintf(err, errlen, "not a JSON object");
		return -EINVAL;
	}
	*out = v;
	return 1;
}

int jsonl_write(struct evbuffer *buf, json_t *msg)
{
	json_t *copy;
	char *s;
	size_t len;
	int ret = 0;

	if (!json_is_object(msg))
		return -EINVAL;
	/* "v" first and without touching the caller's object */
	copy = json_object();
	if (!copy)
		return -ENOMEM;
	if (json_object_set_new(copy, "v", json_integer(JSONL_VERSION)) ||
	    json_object_update(copy, msg)) {
		ret = -ENOMEM;
		goto out_copy;
	}
	if (json_object_set_new(copy, "v", json_integer(JSONL_VERSION))) {
		ret = -ENOMEM;
		goto out_copy;
	}
	/* compact: no newline can appear inside (strings escape it) */
	s = json_dumps(copy, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
	if (!s) {
		ret = -ENOMEM;
		goto out_copy;
	}
	len = strlen(s);
	if (len > JSONL_MAX) {
		ret = -EMSGSIZE;
		goto out_s;
	}
	if (evbuffer_add(buf, s, len) || evbuffer_add(buf, "\n", 1))
		ret = -ENOMEM;
out_s:
	free(s);
out_copy:
	json_decref(copy);
	return ret;
}

json_t *jsonl_ok(json_t *id)
{
	json_t *r = json_object();

	if (!r)
		return NULL;
	if (json_object_set_new(r, "v", json_integer(JSONL_VERSION)) ||
	    json_object_set(r, "id", id ? id : json_null()) ||
	    json_object_set_new(r, "ok", json_true())) {
		json_decref(r);
		return NULL;
	}
	return r;
}

json_t *jsonl_error(json_t *id, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	json_t *r;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r = json_object();
	if (!r)
		return NULL;
	if (json_object_set_new(r, "v", json_integer(JSONL_VERSION)) ||
	    json_object_set(r, "id", id ? id : json_null()) ||
	    json_object_set_new(r, "ok", json_false()) ||
	    json_object_set_new(r, "error", json_string(msg))) {
		json_decref(r);
		return NULL;
	}
	return r;
}
