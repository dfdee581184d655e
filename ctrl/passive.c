/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * passive.c - the passive check's window (passive.h). The totals only grow; a window's packets
 * are the difference between the totals now and at its baseline sample.
 */
#include <string.h>

#include "ctrl/passive.h"

#define PASSIVE_US_PER_S 1000000ull

void passive_init(struct passive *p)
{
	memset(p, 0, sizeof(*p));
}

void passive_feed(struct passive *p, unsigned int dp, unsigned int epoch, uint64_t sent,
		  uint64_t returned)
{
	struct passive_dp *d;

	if (dp >= CFG_DATAPLANES_MAX)
		return;
	d = &p->dp[dp];
	if (d->seen && d->epoch == epoch) {
		p->sent += sent >= d->sent ? sent - d->sent : sent;
		p->returned += returned >= d->returned ? returned - d->returned : returned;
	}
	d->sent = sent;
	d->returned = returned;
	d->epoch = epoch;
	d->seen = 1;
}

static struct passive_sample *passive_at(struct passive *p, unsigned int i)
{
	return &p->s[(p->head + i) % PASSIVE_SAMPLES];
}

static void passive_push(struct passive *p, uint64_t now)
{
	struct passive_sample *s;

	if (p->n == PASSIVE_SAMPLES) { /* cannot happen (see passive.h); keep the newest */
		p->head = (p->head + 1) % PASSIVE_SAMPLES;
		p->n--;
	}
	s = passive_at(p, p->n++);
	s->t = now;
	s->sent = p->sent;
	s->returned = p->returned;
}

void passive_restart(struct passive *p, uint64_t now)
{
	p->head = 0;
	p->n = 0;
	p->judged = 0;
	p->win_sent = 0;
	p->win_returned = 0;
	passive_push(p, now);
}

uint64_t passive_returns_since_restart(const struct passive *p)
{
	return p->n ? p->returned - p->s[p->head].returned : 0;
}

int passive_judge(struct passive *p, uint64_t now, uint32_t window_s, uint32_t min_packets)
{
	uint64_t window = (uint64_t)window_s * PASSIVE_US_PER_S, step = window / PASSIVE_STEPS;
	const struct passive_sample *base;
	unsigned int b;

	/* Samples are kept at least `step` apart: a window holds at most PASSIVE_STEPS + 1. */
	if (!p->n || now - passive_at(p, p->n - 1)->t >= step)
		passive_push(p, now);
	/* The baseline: the newest sample at least a window old; older ones are not needed. */
	for (b = p->n; b > 0 && now - passive_at(p, b - 1)->t < window; b--)
		;
	if (b == 0) {
		p->judged = 0;
		return 0;
	}
	p->head = (p->head + b - 1) % PASSIVE_SAMPLES;
	p->n -= b - 1;
	base = passive_at(p, 0);
	p->judged = 1;
	p->win_sent = p->sent - base->sent;
	p->win_returned = p->returned - base->returned;
	return min_packets && p->win_sent >= min_packets && !p->win_returned;
}
