/* SPDX-License-Identifier: BSD-3-Clause */
/* delayq.c - the --delay FIFO (see delayq.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/delayq.h"

/* A record: the item header, the frame, padding to 8 bytes. */
static size_t delayq_rec_len(uint32_t len)
{
	return (sizeof(struct delayq_item) + len + 7) & ~(size_t)7;
}

int delayq_init(struct delayq *q, size_t bytes, unsigned int max)
{
	memset(q, 0, sizeof(*q));
	q->cap = bytes & ~(size_t)7;
	q->buf = malloc(q->cap ? q->cap : 8);
	if (!q->buf)
		return -ENOMEM;
	q->wrap = q->cap;
	q->max = max;
	return 0;
}

void delayq_fini(struct delayq *q)
{
	free(q->buf);
	memset(q, 0, sizeof(*q));
}

int delayq_push(struct delayq *q, uint64_t due_us, uint32_t dst_be, const uint8_t *frame,
		uint32_t len)
{
	size_t need = delayq_rec_len(len);
	struct delayq_item it = {.due_us = due_us, .dst_be = dst_be, .len = len};
	size_t at;

	if (q->count >= q->max)
		return -ENOBUFS;
	if (q->count == 0) {
		q->head = q->tail = 0;
		q->wrap = q->cap;
	}
	if (q->count == 0 || q->tail > q->head) {
		/* Not wrapped: room after tail, else from 0 up to head. */
		if (q->cap - q->tail >= need) {
			at = q->tail;
		} else if (q->head >= need) {
			q->wrap = q->tail;
			at = 0;
		} else {
			return -ENOBUFS;
		}
	} else {
		/* Wrapped: the room is between tail and head. */
		if (q->head - q->tail < need)
			return -ENOBUFS;
		at = q->tail;
	}
	memcpy(q->buf + at, &it, sizeof(it));
	memcpy(q->buf + at + sizeof(it), frame, len);
	q->tail = at + need;
	q->count++;
	return 0;
}

const struct delayq_item *delayq_peek(const struct delayq *q)
{
	return q->count ? (const struct delayq_item *)(const void *)(q->buf + q->head) : NULL;
}

void delayq_pop(struct delayq *q)
{
	const struct delayq_item *it = delayq_peek(q);

	if (!it)
		return;
	q->head += delayq_rec_len(it->len);
	q->count--;
	if (q->head == q->wrap) {
		q->head = 0;
		q->wrap = q->cap;
	}
}
