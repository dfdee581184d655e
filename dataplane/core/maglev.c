/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * maglev.c - the Maglev table build (user space only). The algorithm is specified in maglev.h;
 * keep the two in step, and the Python reference with them.
 */
#include <stdlib.h>
#include <string.h>

#include "dataplane/core/maglev.h"
#include "dataplane/core/siphash.h"

/* 16 bytes, the NUL excluded: the key of maglev_target_key's SipHash. */
static const uint8_t maglev_hash_key[16] = {'s', 'l', 'u', 'i', 'c', 'e', '-', 'm',
					    'a', 'g', 'l', 'e', 'v', '-', 'v', '1'};

struct maglev_slot {
	uint64_t key;
	uint64_t credit;
	uint32_t index; /* position in the caller's keys/weights: what the table stores */
	uint32_t weight;
	uint32_t offset;
	uint32_t skip;
	uint32_t next;
};

uint64_t maglev_target_key(const char *id)
{
	return sl_siphash24(maglev_hash_key, (const uint8_t *)id, strlen(id));
}

int maglev_is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return 0;
	if (n % 2 == 0)
		return n == 2;
	for (d = 3; (uint64_t)d * d <= n; d += 2)
		if (n % d == 0)
			return 0;
	return 1;
}

static int maglev_slot_cmp(const void *a, const void *b)
{
	const struct maglev_slot *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

int maglev_build(uint32_t *table, uint32_t size, const uint64_t *keys, const uint32_t *weights,
		 uint32_t n)
{
	struct maglev_slot *s;
	uint32_t i, m, filled, max_w = 0;
	uint64_t c;

	if (!table || !maglev_is_prime(size) || (n && (!keys || !weights)))
		return -EINVAL;
	for (c = 0; c < size; c++)
		table[c] = MAGLEV_EMPTY;
	/* Eligible targets only: weight-0 ones never take a turn. */
	for (i = 0, m = 0; i < n; i++) {
		if (weights[i] > 0)
			m++;
		if (weights[i] > max_w)
			max_w = weights[i];
	}
	if (m == 0)
		return 0;

	s = calloc(m, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (i = 0, m = 0; i < n; i++) {
		if (weights[i] == 0)
			continue;
		s[m].key = keys[i];
		s[m].index = i;
		s[m].weight = weights[i];
		s[m].offset = (uint32_t)keys[i] % size;
		/* size 2 is prime: skip is then always 1 */
		s[m].skip = (uint32_t)(keys[i] >> 32) % (size - 1) + 1;
		m++;
	}
	qsort(s, m, sizeof(*s), maglev_slot_cmp);

	/*
	 * Each round the max-weight target takes a turn, so at most size rounds; a target's
	 * permutation visits every slot (size prime, 1 <= skip < size), so the inner scan ends.
	 */
	filled = 0;
	while (filled < size) {
		for (i = 0; i < m && filled < size; i++) {
			struct maglev_slot *t = &s[i];

			t->credit += t->weight;
			while (t->credit >= max_w && filled < size) {
				c = (t->offset + (uint64_t)t->next * t->skip) % size;
				while (table[c] != MAGLEV_EMPTY) {
					t->next++;
					c = (t->offset + (uint64_t)t->next * t->skip) % size;
				}
				table[c] = t->index;
				t->next++;
				filled++;
				t->credit -= max_w;
			}
		}
	}
	free(s);
	return 0;
}
