/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "dataplane/core/nlb_verdict.h"
#include "dataplane/dpdk/dp.h"
#include "dataplane/dpdk/hashtab.h"
#include "dataplane/dpdk/sesstab.h"
#include "dataplane/dpdk/sweep.h"

#define SESS_PORT_FIRST 1024
#define SESS_PORT_LAST	65535
#define SESS_REPLY_TAG	((uintptr_t)1) /* the reply key's data: same object, tagged */

static struct rte_hash *sess_hash;
static struct rte_mempool *sess_pool;
static struct rte_ring *sess_ports[RTE_MAX_LCORE];
static unsigned int sess_n_workers;
static uint64_t *sess_closed_l, *sess_closed_t; /* atomic: reclaim runs on any lcore */

/*
 * The table's signature of a key: the CPU's CRC32-C over the 40-byte key (five 8-byte steps),
 * passed to every rte_hash call of this file (the *_with_hash ones) in place of the table's
 * own rte_jhash, which costs several times more per packet. Every add, lookup and delete of
 * sess_hash goes through here, so the table never sees another hash of the same key. Only
 * where a key lands in the table: no value of a packet or a session depends on it.
 */
static inline hash_sig_t sesstab_sig(const struct nlb_sess_key *k)
{
	return rte_hash_crc(k, sizeof(*k), 0);
}

static void sesstab_reclaim(void *p, void *data)
{
	struct sess *s = data;

	(void)p;
	if ((uintptr_t)data & SESS_REPLY_TAG)
		return; /* the object goes with its client key */
	if (s->flags & NLB_SF_SNAT)
		sesstab_port_put(s->nport_owner, s->nport);
	__atomic_fetch_add(&sess_closed_l[s->listener], 1, __ATOMIC_RELAXED);
	/* dp.t_tag is NULL at exit (counters freed first): nobody reads them any more */
	if (dp.t_tag && s->tag == __atomic_load_n(&dp.t_tag[s->gidx], __ATOMIC_RELAXED))
		__atomic_fetch_add(&sess_closed_t[s->gidx], 1, __ATOMIC_RELAXED);
	rte_mempool_put(sess_pool, s);
}

int sesstab_init(uint32_t sessions, unsigned int n_workers)
{
	unsigned int w, per, p;
	char name[32];

	sess_n_workers = n_workers;
	sess_closed_l = rte_zmalloc(NULL, sizeof(uint64_t) * (dp.cfg->n_listeners + 1), 64);
	sess_closed_t = rte_zmalloc(NULL, sizeof(uint64_t) * (dp.n_targets_total + 1), 64);
	if (!sess_closed_l || !sess_closed_t)
		goto fail;
	if (hashtab_create("sl_sessions", sessions * 2, sizeof(struct nlb_sess_key),
			   sesstab_reclaim, &sess_hash))
		goto fail;
	sess_pool = rte_mempool_create("sl_sess", sessions, sizeof(struct sess), 256, 0, NULL, NULL,
				       NULL, NULL, SOCKET_ID_ANY, 0);
	if (!sess_pool)
		goto fail;
	per = (SESS_PORT_LAST - SESS_PORT_FIRST + 1) / n_workers;
	for (w = 0; w < n_workers; w++) {
		snprintf(name, sizeof(name), "sl_nat_ports%u", w);
		sess_ports[w] = rte_ring_create(name, rte_align32pow2(per + 1), SOCKET_ID_ANY,
						RING_F_SC_DEQ);
		if (!sess_ports[w])
			goto fail;
		for (p = 0; p < per; p++)
			sesstab_port_put(w, (uint16_t)(SESS_PORT_FIRST + w * per + p));
	}
	return 0;
fail:
	sesstab_free();
	return -ENOMEM;
}

void sesstab_free(void)
{
	unsigned int w;

	rte_hash_free(sess_hash);
	rte_mempool_free(sess_pool);
	for (w = 0; w < RTE_MAX_LCORE; w++) {
		rte_ring_free(sess_ports[w]);
		sess_ports[w] = NULL;
	}
	rte_free(sess_closed_l);
	rte_free(sess_closed_t);
	sess_closed_l = sess_closed_t = NULL;
	sess_hash = NULL;
	sess_pool = NULL;
}

uint64_t sesstab_closed_listener(unsigned int l)
{
	return sess_closed_l ? __atomic_load_n(&sess_closed_l[l], __ATOMIC_RELAXED) : 0;
}

uint64_t sesstab_closed_target(uint32_t gidx)
{
	return sess_closed_t ? __atomic_load_n(&sess_closed_t[gidx], __ATOMIC_RELAXED) : 0;
}

struct sess *sesstab_lookup(const struct nlb_sess_key *k, int *dir)
{
	void *data;

	if (!sess_hash || rte_hash_lookup_with_hash_data(sess_hash, k, sesstab_sig(k), &data) < 0)
		return NULL;
	*dir = ((uintptr_t)data & SESS_REPLY_TAG) ? NLB_DIR_REPLY : NLB_DIR_CLIENT;
	return (struct sess *)((uintptr_t)data & ~SESS_REPLY_TAG);
}

struct sess *sesstab_alloc(void)
{
	void *obj;

	if (rte_mempool_get(sess_pool, &obj))
		return NULL;
	memset(obj, 0, sizeof(struct sess));
	return obj;
}

void sesstab_put(struct sess *s)
{
	rte_mempool_put(sess_pool, s);
}

int sesstab_publish(struct sess *s)
{
	const struct nlb_sess_key *rk = &s->key[NLB_DIR_REPLY], *ck = &s->key[NLB_DIR_CLIENT];
	hash_sig_t rsig = sesstab_sig(rk), csig = sesstab_sig(ck);
	int ret;

	/* adding an existing key would replace its session: refuse instead */
	if (rte_hash_lookup_with_hash(sess_hash, rk, rsig) >= 0 ||
	    rte_hash_lookup_with_hash(sess_hash, ck, csig) >= 0)
		return -EEXIST;
	/* the reply key first: a client packet never finds a session its replies cannot */
	ret = rte_hash_add_key_with_hash_data(sess_hash, rk, rsig,
					      (void *)((uintptr_t)s | SESS_REPLY_TAG));
	if (ret)
		return ret;
	ret = rte_hash_add_key_with_hash_data(sess_hash, ck, csig, s);
	if (ret) {
		rte_hash_del_key_with_hash(sess_hash, rk, rsig);
		return ret;
	}
	return 0;
}

void sesstab_remove(struct sess *s)
{
	const struct nlb_sess_key *rk = &s->key[NLB_DIR_REPLY], *ck = &s->key[NLB_DIR_CLIENT];

	/*
	 * Reply key first, then the client key whose reclaim frees the object: a reader that
	 * found the object through either key is covered by the client key's grace period.
	 */
	rte_hash_del_key_with_hash(sess_hash, rk, sesstab_sig(rk));
	rte_hash_del_key_with_hash(sess_hash, ck, sesstab_sig(ck));
}

void sesstab_sweep(uint64_t now_us, struct sweep *sw)
{
	const struct rt_state *st = __atomic_load_n(&dp.state, __ATOMIC_ACQUIRE);
	const void *key;
	void *data;

	if (!sess_hash)
		return;
	while (sweep_next(sess_hash, sw, &key, &data) >= 0) {
		const struct rt_group *g;
		struct sess *s;
		uint64_t idle, last;

		if ((uintptr_t)data & SESS_REPLY_TAG)
			continue;
		s = data;
		if (s->group >= st->n_groups)
			continue;
		g = &st->groups[s->group];
		idle = nlb_idle(__atomic_load_n(&s->flags, __ATOMIC_RELAXED), s->proto, g->idle_tcp,
				g->idle_other);
		last = __atomic_load_n(&s->last_seen, __ATOMIC_RELAXED);
		if (now_us > last + idle) {
			sesstab_remove(s);
			sw->deleted++;
		}
	}
}

int sesstab_iterate(uint32_t *iter, struct sess *out)
{
	const void *key;
	void *data;

	if (!sess_hash)
		return -ENOENT;
	while (rte_hash_iterate(sess_hash, &key, &data, iter) >= 0) {
		if ((uintptr_t)data & SESS_REPLY_TAG)
			continue;
		memcpy(out, data, sizeof(*out));
		if (out->listener >= dp.cfg->n_listeners || out->group >= dp.cfg->n_groups)
			continue;
		return 0;
	}
	return -ENOENT;
}

unsigned int sesstab_count(void)
{
	int32_t c;

	if (!sess_hash)
		return 0;
	c = rte_hash_count(sess_hash);
	return c < 0 ? 0 : (unsigned int)c / 2;
}

unsigned int sesstab_size(void)
{
	return sess_pool ? sess_pool->size : 0;
}

uint16_t sesstab_port_get(unsigned int w)
{
	void *v;

	if (w >= sess_n_workers || rte_ring_sc_dequeue(sess_ports[w], &v))
		return 0;
	return (uint16_t)(uintptr_t)v;
}

void sesstab_port_put(unsigned int w, uint16_t port)
{
	if (w < sess_n_workers)
		rte_ring_mp_enqueue(sess_ports[w], (void *)(uintptr_t)port);
}
