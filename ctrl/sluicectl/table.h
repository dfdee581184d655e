/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * table.h - aligned text tables for sluicectl: a header row, columns as wide as their widest
 * cell, two spaces between columns, numbers right-aligned, "-" for a missing value and no
 * trailing spaces. Widths count UTF-8 characters; control characters in a cell print as '?'
 * so that a daemon-supplied string cannot break the layout.
 */
#ifndef SL_TABLE_H
#define SL_TABLE_H

#include <stdio.h>

enum table_align {
	TABLE_LEFT,
	TABLE_RIGHT, /* numbers */
};

struct table;

struct table *table_new(void);
void table_free(struct table *t);
/* Add a column (before the first row). 0 or -ENOMEM/-EINVAL. */
int table_column(struct table *t, const char *header, enum table_align align);
/* Start a new row; its cells are filled left to right, missing ones print "-". 0 or -ENOMEM. */
int table_row(struct table *t);
/* The next cell of the current row; NULL or "" prints "-". 0, -ENOMEM or -ERANGE (too many). */
int table_cell(struct table *t, const char *s);
int table_cellf(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
unsigned int table_rows(const struct table *t);
/* Write header and rows to f. 0 or -EIO. */
int table_print(const struct table *t, FILE *f);

#endif /* SL_TABLE_H */
