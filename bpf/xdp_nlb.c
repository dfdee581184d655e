/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_nlb.c - listeners into sl_listeners / sl_nlbcfg; per-listener counters (sl_lstats), the
 * live sessions (client entries of sl_sess) counted into the stats JSON and listed for the
 * protocol's flows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/xdp_nlb.h"

#define XDP_NLB_TCP 6
#define XDP_NLB_UDP 17

static int xdp_nlb_fd(const struct xdp_dp *x, const char *name)
{
	return bpf_object__find_map_fd_by_name(x->obj, name);
}

int xdp_nlb_init(struct xdp_dp *x, char *err, size_t errlen)
{
	const struct config *cfg = x->cfg;
	struct xdp_nlbcfg nc;
	int lfd = xdp_nlb_fd(x, "sl_listeners"), cfd = xdp_nlb_fd(x, "sl_nlbcfg");
	uint32_t zero = 0;
	unsigned int i, p;

	if (lfd < 0 || cfd < 0) {
		snprintf(err, errlen, "BPF object without sl_listeners / sl_nlbcfg");
		return -ENOENT;
	}
	memset(&nc, 0, sizeof(nc));
	for (i = 0; i < cfg->n_listeners; i++) {
		const struct cfg_listener *l = &cfg->listeners[i];
		struct nlb_listener v;

		rt_listener_compile(cfg, i, &v);
		for (p = 0; p < 2; p++) {
			struct xdp_listener_key k = {
				.proto = p ? XDP_NLB_UDP : XDP_NLB_TCP,
				.port = l->port,
			};

			if (!(l->protocol & (p ? CFG_LPROTO_UDP : CFG_LPROTO_TCP)))
				continue;
			if (bpf_map_update_elem(lfd, &k, &v, BPF_ANY)) {
				snprintf(err, errlen, "sl_listeners (%s): %s", l->name,
					 strerror(errno));
				return -errno;
			}
		}
	}
	nc.n_listeners = cfg->n_listeners;
	if (bpf_map_update_elem(cfd, &zero, &nc, BPF_ANY)) {
		snprintf(err, errlen, "sl_nlbcfg: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static void xdp_reply_key_of(const struct rt_reply *e, struct xdp_reply_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = e->key.family;
	memcpy(k->addr, e->key.addr, 16);
	k->port = e->key.port;
	k->proto = e->key.proto;
}

/* sl_nlbcfg[0].n_replies = n: whether transit packets are looked up in sl_replies. */
static int xdp_nlb_replies_count(const struct xdp_dp *x, uint32_t n, char *err, size_t errlen)
{
	int fd = xdp_nlb_fd(x, "sl_nlbcfg");
	struct xdp_nlbcfg nc;
	uint32_t zero = 0;

	if (fd < 0 || bpf_map_lookup_elem(fd, &zero, &nc)) {
		snprintf(err, errlen, "sl_nlbcfg: %s", fd < 0 ? "missing" : strerror(errno));
		return fd < 0 ? -ENOENT : -errno;
	}
	nc.n_replies = n;
	if (bpf_map_update_elem(fd, &zero, &nc, BPF_ANY)) {
		snprintf(err, errlen, "sl_nlbcfg: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int xdp_nlb_replies_sync(const struct xdp_dp *x, const struct rt_state *s, char *err, size_t errlen)
{
	const struct config *cfg = x->cfg;
	int fd = xdp_nlb_fd(x, "sl_replies");
	struct xdp_reply_key k, next, *stale = NULL;
	size_t n_stale = 0, cap = 0;
	void *prev = NULL;
	uint32_t i;
	int ret = 0;

	if (fd < 0) {
		snprintf(err, errlen, "BPF object without sl_replies");
		return -ENOENT;
	}
	for (i = 0; s->replies.n && i <= s->replies.mask; i++) {
		const struct rt_reply *e = &s->replies.e[i];
		struct nlb_listener l;
		struct xdp_reply v;

		if (!e->own.flags)
			continue;
		rt_listener_compile(cfg, e->own.listener, &l);
		memset(&v, 0, sizeof(v));
		v.own = e->own;
		v.inspect = l.inspect;
		v.lflags = l.flags;
		xdp_reply_key_of(e, &k);
		if (bpf_map_update_elem(fd, &k, &v, BPF_ANY)) {
			snprintf(err, errlen, "sl_replies: %s", strerror(errno));
			return -errno;
		}
	}
	/* then the keys the generation has no more (collected first: a delete under
	 * bpf_map_get_next_key restarts the walk) */
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct rt_reply_key rk;

		k = next;
		prev = &k;
		memset(&rk, 0, sizeof(rk));
		rk.family = k.family;
		rk.proto = k.proto;
		rk.port = k.port;
		memcpy(rk.addr, k.addr, 16);
		if (rt_reply_find(&s->replies, &rk))
			continue;
		if (n_stale == cap) {
			struct xdp_reply_key *a;

			cap = cap ? 2 * cap : 64;
			a = realloc(stale, cap * sizeof(*a));
			if (!a) {
				ret = -ENOMEM;
				snprintf(err, errlen, "sl_replies: out of memory");
				goto out;
			}
			stale = a;
		}
		stale[n_stale++] = k;
	}
	for (i = 0; i < n_stale; i++)
		bpf_map_delete_elem(fd, &stale[i]);
	ret = xdp_nlb_replies_count(x, s->replies.n, err, errlen);
out:
	free(stale);
	return ret;
}

/*
 * Call fn for every client entry of sl_sess (one per session; idle ones included until the
 * program finds them expired or the LRU recycles them), with its key; fn returns non-zero to
 * stop, which is returned. The program inserts and the LRU evicts while this walks: an entry
 * whose lookup fails went meanwhile and is skipped; a key that vanished under
 * bpf_map_get_next_key makes the kernel restart from the first key, so the walk is bounded by
 * the map's size. 0, or -errno when sl_sess cannot be read.
 */
static int xdp_nlb_walk(const struct xdp_dp *x,
			int (*fn)(const struct nlb_sess_key *k, const struct xdp_sess *v,
				  void *arg),
			void *arg)
{
	struct bpf_map *m = bpf_object__find_map_by_name(x->obj, "sl_sess");
	int fd = m ? bpf_map__fd(m) : -ENOENT, ret;
	uint64_t max = m ? bpf_map__max_entries(m) : 0, seen = 0;
	struct nlb_sess_key k, next;
	struct xdp_sess v;
	void *prev = NULL;

	if (fd < 0)
		return fd;
	while (seen++ <= max && !bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &v)) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		if (v.dir != NLB_DIR_CLIENT)
			continue;
		ret = fn(&k, &v, arg);
		if (ret)
			return ret;
	}
	return 0;
}

/* Live sessions: in all, per config listener, per counter index (RT_GIDX) of their target. */
struct xdp_nlb_count {
	const struct rt_state *s;
	uint64_t total;
	uint64_t *by_listener; /* [n_listeners] */
	uint64_t *by_gidx;     /* [n_gidx]: the groups' slots */
	uint32_t n_listeners, n_gidx;
};

/*
 * A session counts for the target its tag names in the current generation (rt_pin_target):
 * a slot reused by another target since the session began (another incarnation in the tag)
 * does not inherit it, and a removed target's sessions count for no target.
 */
static int xdp_nlb_count_one(const struct nlb_sess_key *k, const struct xdp_sess *v, void *arg)
{
	struct xdp_nlb_count *c = arg;
	const struct rt_target *t;

	(void)k;
	c->total++;
	if (v->listener < c->n_listeners)
		c->by_listener[v->listener]++;
	if (!c->s || v->group >= c->s->n_groups)
		return 0;
	t = rt_pin_target(&c->s->groups[v->group], v->tag);
	if (t && t->gidx < c->n_gidx)
		c->by_gidx[t->gidx]++;
	return 0;
}

int xdp_nlb_stats_json(const struct xdp_dp *x, json_t *root)
{
	const struct config *cfg = x->cfg;
	const struct rt_state *s = x->state;
	int ncpu = libbpf_num_possible_cpus(), fd = xdp_nlb_fd(x, "sl_lstats"), ret = 0, c;
	struct xdp_nlb_count cnt = {
		.s = s,
		.by_listener = calloc(cfg->n_listeners + 1, sizeof(uint64_t)),
		.by_gidx = calloc((size_t)cfg->n_groups * XDP_GROUP_TARGETS + 1, sizeof(uint64_t)),
		.n_listeners = cfg->n_listeners,
		.n_gidx = cfg->n_groups * XDP_GROUP_TARGETS,
	};
	struct xdp_lstats *v = NULL, sum;
	json_t *listeners = NULL, *targets;
	unsigned int i, r, g, t;

	if (ncpu < 0 || fd < 0) {
		ret = ncpu < 0 ? ncpu : fd;
		goto out;
	}
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v || !cnt.by_listener || !cnt.by_gidx) {
		ret = -ENOMEM;
		goto out;
	}
	ret = xdp_nlb_walk(x, xdp_nlb_count_one, &cnt);
	if (ret)
		goto out;
	json_object_set_new(root, "nlb_sessions", json_integer((json_int_t)cnt.total));
	if (cfg->n_listeners) { /* as sluice-dp: no listeners{} without listeners */
		listeners = json_object();
		if (!listeners) {
			ret = -ENOMEM;
			goto out;
		}
		json_object_set_new(root, "listeners", listeners);
	}
	for (i = 0; i < cfg->n_listeners; i++) {
		json_t *reasons = json_object();

		if (bpf_map_lookup_elem(fd, &i, v)) {
			json_decref(reasons);
			ret = -errno;
			goto out;
		}
		memset(&sum, 0, sizeof(sum));
		for (c = 0; c < ncpu; c++) {
			sum.pkts += v[c].pkts;
			sum.bytes += v[c].bytes;
			sum.flows += v[c].flows;
			sum.drops += v[c].drops;
			for (r = 0; r < SL_DROP_MAX; r++)
				sum.dreasons[r] += v[c].dreasons[r];
		}
		for (r = 0; r < SL_DROP_MAX; r++)
			if (sum.dreasons[r])
				json_object_set_new(reasons, stats_drop_name(r),
						    json_integer((json_int_t)sum.dreasons[r]));
		json_object_set_new(listeners, cfg->listeners[i].name,
				    json_pack("{s:I,s:I,s:I,s:I,s:I,s:o}", "packets",
					      (json_int_t)sum.pkts, "bytes", (json_int_t)sum.bytes,
					      "new_flows", (json_int_t)sum.flows, "active_flows",
					      (json_int_t)cnt.by_listener[i], "drops",
					      (json_int_t)sum.drops, "drop_reasons", reasons));
	}
	/* the current generation's present targets, by slot (their counters' index) */
	targets = json_object_get(root, "targets");
	for (g = 0; targets && s && g < s->n_groups; g++) {
		const struct rt_group *rg = &s->groups[g];
		json_t *jg = json_object_get(targets, rg->cfg->name);

		if (rg->cfg->protocol == CFG_PROTO_GENEVE) /* as sluice-dp: NLB groups only */
			continue;
		for (t = 0; jg && t < rg->n_targets; t++) {
			const struct rt_target *rt = &rg->targets[t];
			json_t *jt = rt->present ? json_object_get(jg, rt->id) : NULL;

			if (jt && rt->gidx < cnt.n_gidx)
				json_object_set_new(
					jt, "active_flows",
					json_integer((json_int_t)cnt.by_gidx[rt->gidx]));
		}
	}
out:
	free(v);
	free(cnt.by_listener);
	free(cnt.by_gidx);
	return ret;
}

/* The flows request being answered, and the generation its sessions are read against. */
struct xdp_nlb_list {
	const struct xdp_dp *x;
	struct ctl_flows *f;
};

static int xdp_nlb_list_one(const struct nlb_sess_key *k, const struct xdp_sess *v, void *arg)
{
	struct xdp_nlb_list *l = arg;
	const struct rt_state *s = l->x->state;
	const struct rt_group *g;
	const struct rt_target *t;
	struct nat_rewrite rw;
	struct ctl_session e;

	if (v->group >= s->n_groups || v->listener >= l->x->cfg->n_listeners)
		return 0;
	g = &s->groups[v->group];
	t = rt_pin_target(g, v->tag);
	if (!ctl_flows_take(l->f, v->group, t))
		return 0;
	/* the client entry: key = the client's packet, rewrite = its destination, the target */
	nlb_rw_of(&v->other, v->rw_ends, &rw);
	e = (struct ctl_session){
		.listener = l->x->cfg->listeners[v->listener].name,
		.proto = k->proto,
		.family = k->family,
		.client = k->saddr,
		.vip = k->daddr,
		.target_address = rw.daddr,
		.cport = k->sport,
		.vport = k->dport,
		.tport = rw.dport,
		.last_seen = v->last_seen,
	};
	ctl_flows_add_session(l->f, g, t, &e);
	return 0;
}

int xdp_nlb_flows(const struct xdp_dp *x, struct ctl_flows *f, char *err, size_t errlen)
{
	struct xdp_nlb_list l = {.x = x, .f = f};
	int ret = xdp_nlb_walk(x, xdp_nlb_list_one, &l);

	if (ret)
		snprintf(err, errlen, "reading sl_sess: %s", strerror(-ret));
	return ret;
}
