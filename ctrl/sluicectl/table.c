/* SPDX-License-Identifier: BSD-3-Clause */
/* table.c - aligned text tables (table.h). */
#define _GNU_SOURCE /* vasprintf */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl/sluicectl/table.h"

#define TABLE_MAX_COLS 32
#define TABLE_GAP      2

struct table_col {
	char *header;
	enum table_align align;
	size_t width; /* in characters */
};

struct table {
	struct table_col cols[TABLE_MAX_COLS];
	unsigned int n_cols;
	char **cells; /* n_rows * n_cols, NULL for missing */
	unsigned int n_rows, cap_rows;
	unsigned int cur; /* next cell of the last row */
};

/* Characters, not bytes: continuation bytes of UTF-8 do not count. */
static size_t table_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static char *table_clean(const char *s)
{
	char *c = strdup(s);
	char *p;

	if (!c)
		return NULL;
	for (p = c; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return c;
}

struct table *table_new(void)
{
	return calloc(1, sizeof(struct table));
}

void table_free(struct table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < (size_t)t->n_rows * t->n_cols; i++)
		free(t->cells[i]);
	free(t->cells);
	for (i = 0; i < t->n_cols; i++)
		free(t->cols[i].header);
	free(t);
}

int table_column(struct table *t, const char *header, enum table_align align)
{
	struct table_col *c;

	if (t->n_rows || t->n_cols == TABLE_MAX_COLS)
		return -EINVAL;
	c = &t->cols[t->n_cols];
	c->header = table_clean(header);
	if (!c->header)
		return -ENOMEM;
	c->align = align;
	c->width = table_width(c->header);
	t->n_cols++;
	return 0;
}

int table_row(struct table *t)
{
	if (t->n_rows == t->cap_rows) {
		unsigned int cap = t->cap_rows ? t->cap_rows * 2 : 16;
		char **cells = realloc(t->cells, sizeof(*cells) * cap * t->n_cols);

		if (!cells)
			return -ENOMEM;
		t->cells = cells;
		t->cap_rows = cap;
	}
	memset(&t->cells[(size_t)t->n_rows * t->n_cols], 0, sizeof(*t->cells) * t->n_cols);
	t->n_rows++;
	t->cur = 0;
	return 0;
}

int table_cell(struct table *t, const char *s)
{
	char *c = NULL;
	size_t w;

	if (!t->n_rows || t->cur == t->n_cols)
		return -ERANGE;
	if (s && *s) {
		c = table_clean(s);
		if (!c)
			return -ENOMEM;
	}
	t->cells[(size_t)(t->n_rows - 1) * t->n_cols + t->cur] = c;
	w = c ? table_width(c) : 1;
	if (w > t->cols[t->cur].width)
		t->cols[t->cur].width = w;
	t->cur++;
	return 0;
}

int table_cellf(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n, err;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	err = table_cell(t, s);
	free(s);
	return err;
}

unsigned int table_rows(const struct table *t)
{
	return t->n_rows;
}

static void table_put(const struct table *t, unsigned int col, const char *s, FILE *f)
{
	const struct table_col *c = &t->cols[col];
	size_t pad = c->width - table_width(s);
	int last = col + 1 == t->n_cols;

	if (col)
		fprintf(f, "%*s", TABLE_GAP, "");
	if (c->align == TABLE_RIGHT)
		fprintf(f, "%*s", (int)pad, "");
	fputs(s, f);
	if (c->align == TABLE_LEFT && !last)
		fprintf(f, "%*s", (int)pad, "");
}

int table_print(const struct table *t, FILE *f)
{
	unsigned int r, i;

	for (i = 0; i < t->n_cols; i++)
		table_put(t, i, t->cols[i].header, f);
	fputc('\n', f);
	for (r = 0; r < t->n_rows; r++) {
		for (i = 0; i < t->n_cols; i++) {
			const char *s = t->cells[(size_t)r * t->n_cols + i];

			table_put(t, i, s ? s : "-", f);
		}
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}
