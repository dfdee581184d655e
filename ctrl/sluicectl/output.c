/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * output.c - reply values as text and table cells for sluicectl (sluicectl.h): durations, scalars,
 * "LABEL value" lines, and listings described by a spec of their columns. Out of memory is
 * fatal.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ctrl/sluicectl/sluicectl.h"

void ctl_fmt_dur(double s, int frac, char *buf, size_t len)
{
	long v;

	if (s < 0)
		s = 0;
	if (frac && s < 10) {
		snprintf(buf, len, "%.1fs", s);
		return;
	}
	v = (long)s;
	if (v < 60)
		snprintf(buf, len, "%lds", v);
	else if (v < 3600)
		snprintf(buf, len, "%ldm%02lds", v / 60, v % 60);
	else if (v < 86400)
		snprintf(buf, len, "%ldh%02ldm", v / 3600, v % 3600 / 60);
	else
		snprintf(buf, len, "%ldd%02ldh", v / 86400, v % 86400 / 3600);
}

const char *ctl_str(json_t *v, char *buf, size_t len)
{
	json_t *e;
	size_t i, n = 0;

	if (!v)
		return NULL;
	switch (json_typeof(v)) {
	case JSON_ARRAY:
		if (!json_array_size(v))
			return NULL;
		buf[0] = '\0';
		json_array_foreach(v, i, e)
		{
			const char *s = json_string_value(e);

			if (n < len)
				n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "," : "",
						      s ? s : "?");
		}
		return buf;
	case JSON_STRING:
		return json_string_value(v);
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	case JSON_REAL:
		snprintf(buf, len, "%g", json_real_value(v));
		return buf;
	case JSON_TRUE:
		return "yes";
	case JSON_FALSE:
		return "no";
	default:
		return NULL;
	}
}

const char *ctl_get_str(json_t *o, const char *key, char *buf, size_t len)
{
	return ctl_str(json_object_get(o, key), buf, len);
}

void ctl_field(int width, const char *label, const char *value)
{
	printf("%-*s%s\n", width, label, value ? value : "-");
}

void ctl_field_list(int width, const char *label, json_t *list)
{
	json_t *v;
	size_t i;

	printf("%-*s", width, label);
	json_array_foreach(list, i, v)
	{
		printf(" %s", json_string_value(v) ?: "?");
	}
	printf("%s\n", json_array_size(list) ? "" : " -");
}

/* ---- tables ---------------------------------------------------------------------------- */

struct table *ctl_table(void)
{
	struct table *t = table_new();

	if (!t)
		ctl_oom();
	return t;
}

void ctl_col(struct table *t, const char *header, enum table_align align)
{
	if (table_column(t, header, align))
		ctl_oom();
}

void ctl_row(struct table *t)
{
	if (table_row(t))
		ctl_oom();
}

void ctl_cell(struct table *t, const char *s)
{
	if (table_cell(t, s) == -ENOMEM)
		ctl_oom();
}

void ctl_cellv(struct table *t, json_t *o, const char *key)
{
	char buf[512];

	ctl_cell(t, ctl_get_str(o, key, buf, sizeof(buf)));
}

void ctl_print(struct table *t)
{
	table_print(t, stdout);
	table_free(t);
}

void ctl_print_json(json_t *reply)
{
	json_dumpf(reply, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	fputc('\n', stdout);
}

/* ---- counters -------------------------------------------------------------------------- */

void ctl_keys_add(json_t *keys, json_t *obj)
{
	const char *k;
	json_t *v;
	size_t j;

	json_object_foreach(obj, k, v)
	{
		int seen = 0;

		if (!json_is_number(v))
			continue;
		for (j = 0; j < json_array_size(keys); j++)
			seen |= !strcmp(json_string_value(json_array_get(keys, j)), k);
		if (!seen && json_array_append_new(keys, json_string(k)))
			ctl_oom();
	}
}

/* A header from a JSON key: "new_flows" -> "NEW-FLOWS". */
static void ctl_header(const char *key, char *buf, size_t len)
{
	size_t i;

	for (i = 0; key[i] && i + 1 < len; i++)
		buf[i] = key[i] == '_'
				 ? '-'
				 : (char)(key[i] >= 'a' && key[i] <= 'z' ? key[i] - 32 : key[i]);
	buf[i] = '\0';
}

void ctl_key_cols(struct table *t, json_t *keys)
{
	char h[64];
	size_t i;

	for (i = 0; i < json_array_size(keys); i++) {
		ctl_header(json_string_value(json_array_get(keys, i)), h, sizeof(h));
		ctl_col(t, h, TABLE_RIGHT);
	}
}

void ctl_key_cells(struct table *t, json_t *keys, json_t *cnt)
{
	size_t i;

	for (i = 0; i < json_array_size(keys); i++)
		ctl_cellv(t, cnt, json_string_value(json_array_get(keys, i)));
}

/* ---- members shown other than as their value (ctl_fmts) ------------------------------- */

/* "sluice-dp 0.1.0": the dataplane's name and version from its hello. */
static const char *ctl_fmt_dataplane(json_t *dp, const char *key, char *buf, size_t len)
{
	const char *name = json_string_value(json_object_get(dp, key));
	const char *ver = json_string_value(json_object_get(dp, "version"));

	if (!name || !ver)
		return name;
	snprintf(buf, len, "%s %s", name, ver);
	return buf;
}

/* "4s ago" from seconds (or a Unix time, for daemons that sent one). */
static const char *ctl_fmt_ago(json_t *row, const char *key, char *buf, size_t len)
{
	json_t *ls = json_object_get(row, key);
	double v;

	if (!json_is_number(ls))
		return ctl_str(ls, buf, len);
	v = json_number_value(ls);
	if (v > 1e9) /* a Unix time rather than an age */
		v = (double)time(NULL) - v;
	ctl_fmt_dur(v, 0, buf, len);
	strncat(buf, " ago", len - strlen(buf) - 1);
	return buf;
}

/* "pass 3ms 4s ago" from a target's check object; NULL when it was never checked. */
static const char *ctl_fmt_check(json_t *tg, const char *key, char *buf, size_t len)
{
	json_t *check = json_object_get(tg, key);
	json_t *res = json_object_get(check, "last_result");
	json_t *lat = json_object_get(check, "last_latency_ms");
	json_t *ago = json_object_get(check, "last_check_s");
	const char *r = json_is_string(res)  ? json_string_value(res)
			: json_is_true(res)  ? "pass"
			: json_is_false(res) ? "fail"
					     : NULL;
	size_t n;

	if (!r || !*r)
		return NULL;
	n = (size_t)snprintf(buf, len, "%s", r);
	if (json_is_number(lat) && n < len) {
		double ms = json_number_value(lat);

		if (ms < 1)
			n += (size_t)snprintf(buf + n, len - n, " <1ms");
		else
			n += (size_t)snprintf(buf + n, len - n, " %.0fms", ms);
	}
	if (json_is_number(ago) && n < len) {
		char d[32];

		ctl_fmt_dur(json_number_value(ago), 0, d, sizeof(d));
		snprintf(buf + n, len - n, " %s ago", d);
	}
	return buf;
}

/* The reason, with the time left to drain. */
static const char *ctl_fmt_reason(json_t *tg, const char *key, char *buf, size_t len)
{
	json_t *left = json_object_get(tg, "drain_remaining_s");
	json_t *reason = json_object_get(tg, key);
	const char *r = json_is_string(reason) ? json_string_value(reason) : NULL;
	char d[32];

	if (!json_is_number(left))
		return r;
	ctl_fmt_dur(json_number_value(left), 0, d, sizeof(d));
	if (r && *r)
		snprintf(buf, len, "%s (%s left)", r, d);
	else
		snprintf(buf, len, "draining (%s left)", d);
	return buf;
}

/* An idle time in seconds, with a decimal below 10 s. */
static const char *ctl_fmt_idle(json_t *row, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(row, key);

	if (!json_is_number(v))
		return NULL;
	ctl_fmt_dur(json_number_value(v), 1, buf, len);
	return buf;
}

/* 64-bit ids read best in hex. */
static const char *ctl_fmt_hex(json_t *row, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(row, key);

	if (!json_is_integer(v))
		return ctl_str(v, buf, len);
	snprintf(buf, len, "0x%016" PRIx64, (uint64_t)json_integer_value(v));
	return buf;
}

/*
 * How a member is shown wherever it is a column, when not as its value: the cell of row
 * (a JSON object) for member key, in buf or a string of the row; NULL prints "-".
 */
static const struct {
	const char *key;
	const char *(*fmt)(json_t *row, const char *key, char *buf, size_t len);
} ctl_fmts[] = {
	{"check", ctl_fmt_check},	{"reason", ctl_fmt_reason},
	{"idle_s", ctl_fmt_idle},	{"endpoint_id", ctl_fmt_hex},
	{"attachment_id", ctl_fmt_hex}, {"dataplane", ctl_fmt_dataplane},
	{"last_sync", ctl_fmt_ago},
};

/* ---- listings -------------------------------------------------------------------------- */

/* One column of a listing's spec (sluicectl.h ctl_listing). */
struct ctl_spec {
	char header[64];
	char key[64];
	enum table_align align;
};

/* Parse the column at s into c: what follows it, or NULL at the end of the spec. */
static const char *ctl_spec_next(const char *s, struct ctl_spec *c)
{
	const char *eq;
	size_t n;

	s += strspn(s, " ");
	if (!*s)
		return NULL;
	c->align = *s == '>' ? TABLE_RIGHT : TABLE_LEFT;
	s += *s == '>';
	n = strcspn(s, " ");
	eq = memchr(s, '=', n);
	if (eq) {
		snprintf(c->header, sizeof(c->header), "%.*s", (int)(eq - s), s);
		snprintf(c->key, sizeof(c->key), "%.*s", (int)(s + n - eq - 1), eq + 1);
	} else {
		snprintf(c->key, sizeof(c->key), "%.*s", (int)n, s);
		ctl_header(c->key, c->header, sizeof(c->header));
	}
	return s + n;
}

void ctl_spec_cols(struct table *t, const char *spec)
{
	struct ctl_spec c;

	while ((spec = ctl_spec_next(spec, &c)))
		ctl_col(t, c.header, c.align);
}

void ctl_spec_cells(struct table *t, const char *spec, json_t *row)
{
	struct ctl_spec c;
	char buf[512];
	size_t i;

	while ((spec = ctl_spec_next(spec, &c))) {
		for (i = 0; i < CTL_DIM(ctl_fmts) && strcmp(ctl_fmts[i].key, c.key); i++)
			;
		if (i < CTL_DIM(ctl_fmts))
			ctl_cell(t, ctl_fmts[i].fmt(row, c.key, buf, sizeof(buf)));
		else
			ctl_cellv(t, row, c.key);
	}
}

void ctl_listing(const char *spec, json_t *rows, int counters)
{
	json_t *keys = json_array(), *row;
	struct table *t = ctl_table();
	size_t i;

	if (!keys)
		ctl_oom();
	json_array_foreach(rows, i, row)
	{
		if (counters)
			ctl_keys_add(keys, json_object_get(row, "counters"));
	}
	ctl_spec_cols(t, spec);
	ctl_key_cols(t, keys);
	json_array_foreach(rows, i, row)
	{
		ctl_row(t);
		ctl_spec_cells(t, spec, row);
		ctl_key_cells(t, keys, json_object_get(row, "counters"));
	}
	ctl_print(t);
	json_decref(keys);
}
