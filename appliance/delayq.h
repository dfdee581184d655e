/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * delayq.h - the --delay queue: a FIFO of built return frames in one byte ring allocated at
 * start (no allocation per packet). Every frame waits the same delay, so release times are in
 * FIFO order and only the head needs a timer. Full (bytes or count) -> the push fails.
 */
#ifndef SL_APPLIANCE_DELAYQ_H
#define SL_APPLIANCE_DELAYQ_H

#include <stddef.h>
#include <stdint.h>

struct delayq_item {
	uint64_t due_us; /* monotonic time at which the frame goes out */
	uint32_t dst_be; /* where it goes (network order) */
	uint32_t len;	 /* frame bytes that follow this header */
};

struct delayq {
	uint8_t *buf;
	size_t cap;	    /* bytes in buf */
	size_t head, tail;  /* read and write offsets */
	size_t wrap;	    /* where the writer went back to 0 (cap: it has not) */
	unsigned int count; /* frames queued */
	unsigned int max;   /* frames at most */
};

/* 0, or -ENOMEM. bytes is rounded down to a multiple of 8. */
int delayq_init(struct delayq *q, size_t bytes, unsigned int max);
void delayq_fini(struct delayq *q);
/* 0, or -ENOBUFS when the frame does not fit (the caller counts an overflow). */
int delayq_push(struct delayq *q, uint64_t due_us, uint32_t dst_be, const uint8_t *frame,
		uint32_t len);
/* The oldest item (its frame follows it in memory), or NULL when empty. */
const struct delayq_item *delayq_peek(const struct delayq *q);
void delayq_pop(struct delayq *q);

#endif /* SL_APPLIANCE_DELAYQ_H */
