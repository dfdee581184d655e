/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_replay.c - pcaps through the XDP program with BPF_PROG_TEST_RUN.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "dataplane/lib/evfile.h"
#include "bpf/xdp_replay.h"
#include "bpf/xdp_rst.h"

#define XDP_REPLAY_ETH_HLEN 14
/* Output room: the frame, the program's GENEVE headers (68 B) and any tail growth. */
#define XDP_REPLAY_OUT_MAX (256 * 1024)

struct xdp_frame {
	uint64_t ts_us;
	struct timeval tv;
	unsigned int port;
	unsigned int seq; /* input order: ties in time keep it */
	uint32_t len;
	uint8_t *data;
};

struct xdp_dump {
	const char *path;
	pcap_dumper_t *d;
};

struct xdp_replay {
	struct xdp_frame *frames;
	size_t n_frames, cap_frames;
	struct evfile_event *events; /* --events (evfile.h) */
	unsigned int n_events;
	pcap_t *dead;
	struct xdp_dump dumps[XDP_MAX_PORTS + 2];
	unsigned int n_dumps;
	pcap_dumper_t *port_dump[XDP_MAX_PORTS]; /* NULL: not written */
	pcap_dumper_t *pass_dump;
	struct xdp_rst *rst;	     /* sl_rst: connection termination's RSTs to the sender */
	const struct xdp_frame *cur; /* the frame being run (its timestamp for those RSTs) */
	/* what happened */
	uint64_t tx[XDP_MAX_PORTS], pass, drop, aborted, unrun, no_port;
};

static int xdp_replay_port(const struct config *cfg, const char *name, char *err, size_t errlen)
{
	int p = config_port_index(cfg, name);

	if (p < 0)
		snprintf(err, errlen, "%s: no port named \"%s\"", cfg->path, name);
	return p;
}

int xdp_replay_check(const struct xdp_dp *x, const struct xdp_replay_opts *o, char *err,
		     size_t errlen)
{
	unsigned int i;

	if (!o->n_in) {
		snprintf(err, errlen, "nothing to replay");
		return -EINVAL;
	}
	for (i = 0; i < o->n_in; i++)
		if (xdp_replay_port(x->cfg, o->in[i].port, err, errlen) < 0)
			return -EINVAL;
	for (i = 0; i < o->n_out; i++)
		if (xdp_replay_port(x->cfg, o->out[i].port, err, errlen) < 0)
			return -EINVAL;
	return 0;
}

/* --- inputs ------------------------------------------------------------------------------- */

static int xdp_frame_add(struct xdp_replay *r, const struct pcap_pkthdr *h, const uint8_t *data,
			 unsigned int port)
{
	struct xdp_frame *f;

	if (r->n_frames == r->cap_frames) {
		size_t cap = r->cap_frames ? r->cap_frames * 2 : 1024;
		void *a = realloc(r->frames, cap * sizeof(*r->frames));

		if (!a)
			return -ENOMEM;
		r->frames = a;
		r->cap_frames = cap;
	}
	f = &r->frames[r->n_frames];
	f->data = malloc(h->caplen ? h->caplen : 1);
	if (!f->data)
		return -ENOMEM;
	memcpy(f->data, data, h->caplen);
	f->len = h->caplen;
	f->tv = h->ts;
	f->ts_us = (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;
	f->port = port;
	f->seq = (unsigned int)r->n_frames++;
	return 0;
}

static int xdp_frames_load(struct xdp_replay *r, const struct xdp_dp *x,
			   const struct xdp_replay_file *in, char *err, size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	int port = xdp_replay_port(x->cfg, in->port, err, errlen);
	struct pcap_pkthdr *h;
	const uint8_t *data;
	pcap_t *p;
	int ret = 0, rc;

	if (port < 0)
		return -EINVAL;
	p = pcap_open_offline_with_tstamp_precision(in->path, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!p) {
		snprintf(err, errlen, "%s", errbuf); /* names the file */
		return -EINVAL;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		snprintf(err, errlen, "%s: not an Ethernet capture (link type %d)", in->path,
			 pcap_datalink(p));
		ret = -EINVAL;
		goto out;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		ret = xdp_frame_add(r, h, data, (unsigned int)port);
		if (ret) {
			snprintf(err, errlen, "%s: out of memory", in->path);
			goto out;
		}
	}
	if (rc == PCAP_ERROR) {
		snprintf(err, errlen, "%s: %s", in->path, pcap_geterr(p));
		ret = -EIO;
	}
out:
	pcap_close(p);
	return ret;
}

static int xdp_frame_cmp(const void *a, const void *b)
{
	const struct xdp_frame *x = a, *y = b;

	if (x->ts_us != y->ts_us)
		return x->ts_us < y->ts_us ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* --- outputs ------------------------------------------------------------------------------ */

static pcap_dumper_t *xdp_dump_open(struct xdp_replay *r, const char *path, char *err,
				    size_t errlen)
{
	unsigned int i;
	pcap_dumper_t *d;

	for (i = 0; i < r->n_dumps; i++)
		if (!strcmp(r->dumps[i].path, path))
			return r->dumps[i].d;
	if (r->n_dumps == sizeof(r->dumps) / sizeof(r->dumps[0])) {
		snprintf(err, errlen, "too many output files");
		return NULL;
	}
	d = pcap_dump_open(r->dead, path);
	if (!d) {
		snprintf(err, errlen, "%s: %s", path, pcap_geterr(r->dead));
		return NULL;
	}
	r->dumps[r->n_dumps].path = path;
	r->dumps[r->n_dumps++].d = d;
	return d;
}

static int xdp_outputs_open(struct xdp_replay *r, const struct xdp_dp *x,
			    const struct xdp_replay_opts *o, char *err, size_t errlen)
{
	unsigned int i;

	r->dead = pcap_open_dead(DLT_EN10MB, 262144);
	if (!r->dead) {
		snprintf(err, errlen, "pcap_open_dead failed");
		return -ENOMEM;
	}
	for (i = 0; i < x->cfg->n_ports && o->out_all; i++) {
		r->port_dump[i] = xdp_dump_open(r, o->out_all, err, errlen);
		if (!r->port_dump[i])
			return -EIO;
	}
	for (i = 0; i < o->n_out; i++) {
		int p = xdp_replay_port(x->cfg, o->out[i].port, err, errlen);

		if (p < 0)
			return -EINVAL;
		r->port_dump[p] = xdp_dump_open(r, o->out[i].path, err, errlen);
		if (!r->port_dump[p])
			return -EIO;
	}
	if (o->pass_out) {
		r->pass_dump = xdp_dump_open(r, o->pass_out, err, errlen);
		if (!r->pass_dump)
			return -EIO;
	}
	return 0;
}

static void xdp_dump(pcap_dumper_t *d, const struct xdp_frame *f, const uint8_t *data, uint32_t len)
{
	struct pcap_pkthdr h = {.ts = f->tv, .caplen = len, .len = len};

	if (d)
		pcap_dump((u_char *)d, &h, data);
}

/* xdp_rst's sink: a RST the program recorded for the current frame, to its port's pcap. */
static void xdp_replay_rst(void *arg, unsigned int port, const uint8_t *frame, size_t len)
{
	struct xdp_replay *r = arg;

	r->tx[port]++;
	xdp_dump(r->port_dump[port], r->cur, frame, (uint32_t)len);
}

static void xdp_replay_free(struct xdp_replay *r)
{
	size_t i;

	xdp_rst_close(r->rst);
	for (i = 0; i < r->n_dumps; i++)
		pcap_dump_close(r->dumps[i].d);
	if (r->dead)
		pcap_close(r->dead);
	for (i = 0; i < r->n_frames; i++)
		free(r->frames[i].data);
	free(r->frames);
	free(r->events);
}

/* --- the run ------------------------------------------------------------------------------ */

/* Publish every event due at `now` (each on top of the previous generation). */
static int xdp_events_apply(struct xdp_replay *r, struct xdp_dp *x, unsigned int *next,
			    uint64_t now, char *err, size_t errlen)
{
	while (*next < r->n_events && now >= r->events[*next].time) {
		const struct evfile_event *e = &r->events[(*next)++];
		struct rt_state *n = rt_state_with_target(x->state, e->group, e->target, e->state,
							  e->time, x->cfg->node.maglev_size);
		uint64_t gen = x->state->generation + 1;
		char perr[256] = "";
		int ret;

		if (!n) {
			snprintf(err, errlen, "out of memory building a generation");
			return -ENOMEM;
		}
		ret = xdp_state_publish(x, n, perr, sizeof(perr));
		if (ret) {
			snprintf(err, errlen, "publishing generation %" PRIu64 ": %s", gen, perr);
			return ret;
		}
	}
	return 0;
}

/* Run one frame; dump what it sends. 0 or -errno with a message. */
static int xdp_replay_frame(struct xdp_replay *r, struct xdp_dp *x, const struct xdp_frame *f,
			    uint8_t *buf, int cpu, char *err, size_t errlen)
{
	uint32_t out_len = XDP_REPLAY_OUT_MAX, verdict, port, seen;
	int ret;

	if (f->len < XDP_REPLAY_ETH_HLEN) { /* the kernel refuses it: what the program would do */
		x->user_rx_pkts[f->port]++;
		x->user_rx_bytes[f->port] += f->len;
		x->user_drops[SL_DROP_PARSE_L2]++;
		r->unrun++;
		return 0;
	}
	ret = xdp_prog_run(x, cpu, f->data, f->len, buf, &out_len, &verdict, &port, &seen);
	if (ret) {
		snprintf(err, errlen, "frame %u (%u bytes): BPF_PROG_TEST_RUN: %s", f->seq + 1,
			 f->len, strerror(-ret));
		return ret;
	}
	/*
	 * The test run shows the program only the part of a frame that fits its page; the rest
	 * would be XDP fragments, which this program does not read. A replay of that frame would
	 * be a replay of a different, shorter one: refused, never misread.
	 */
	if (seen != UINT32_MAX && seen < f->len) {
		snprintf(err, errlen,
			 "frame %u (%u bytes): BPF_PROG_TEST_RUN showed the program only %u bytes "
			 "(the rest in XDP fragments); --replay refuses frames above that",
			 f->seq + 1, f->len, seen);
		return -EMSGSIZE;
	}
	/* the RSTs it recorded (to the sender) before the frame it sent, as sluice-dp sends them */
	r->cur = f;
	ret = xdp_rst_drain(r->rst);
	if (ret < 0) {
		snprintf(err, errlen, "frame %u: reading sl_rst: %s", f->seq + 1, strerror(-ret));
		return ret;
	}
	switch (verdict) {
	case XDP_V_TX:
	case XDP_V_REDIRECT:
		if (port == UINT32_MAX && verdict == XDP_V_TX)
			port = f->port; /* XDP_TX without a record: back out of its port */
		if (port >= x->cfg->n_ports) {
			r->no_port++;
			return 0;
		}
		r->tx[port]++;
		xdp_dump(r->port_dump[port], f, buf, out_len);
		return 0;
	case XDP_V_PASS:
		r->pass++;
		xdp_dump(r->pass_dump, f, buf, out_len);
		return 0;
	case XDP_V_DROP:
		r->drop++;
		return 0;
	default:
		r->aborted++;
		return 0;
	}
}

static void xdp_replay_report(const struct xdp_replay *r, const struct xdp_dp *x)
{
	unsigned int i;

	fprintf(stderr, "sluice-xdp: replayed %zu frames:", r->n_frames);
	for (i = 0; i < x->cfg->n_ports; i++)
		if (r->tx[i])
			fprintf(stderr, " %" PRIu64 " to %s,", r->tx[i], x->cfg->ports[i].name);
	fprintf(stderr, " %" PRIu64 " passed, %" PRIu64 " dropped", r->pass, r->drop + r->unrun);
	if (r->aborted)
		fprintf(stderr, ", %" PRIu64 " aborted", r->aborted);
	if (r->no_port)
		fprintf(stderr, ", %" PRIu64 " sent to no port (sl_out unset)", r->no_port);
	fprintf(stderr, "\n");
}

int xdp_replay_run(struct xdp_dp *x, const struct xdp_replay_opts *o, char *err, size_t errlen)
{
	struct xdp_replay r = {0};
	unsigned int lo, next_event = 0, cur_port = UINT32_MAX;
	int ncpu = xdp_ncpu(), cpu;
	cpu_set_t old_set, set;
	uint8_t *buf = NULL;
	size_t i;
	int ret = -ENOMEM;

	lo = if_nametoindex("lo");
	if (!lo) {
		snprintf(err, errlen, "no loopback interface: %s", strerror(errno));
		return -ENODEV;
	}
	if (ncpu < 0) {
		snprintf(err, errlen, "cannot count CPUs: %s", strerror(-ncpu));
		return ncpu;
	}
	buf = malloc(XDP_REPLAY_OUT_MAX);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (o->events) {
		ret = evfile_load(x->cfg, o->events, &r.events, &r.n_events, err, errlen);
		if (ret)
			goto out;
	}
	for (i = 0; i < o->n_in; i++) {
		ret = xdp_frames_load(&r, x, &o->in[i], err, errlen);
		if (ret)
			goto out;
	}
	if (r.n_frames)
		qsort(r.frames, r.n_frames, sizeof(*r.frames), xdp_frame_cmp);
	ret = xdp_outputs_open(&r, x, o, err, errlen);
	if (ret)
		goto out;
	ret = xdp_rst_open(x, xdp_replay_rst, &r, &r.rst, err, errlen);
	if (ret)
		goto out;

	/* one CPU: the program's per-CPU sl_out is this CPU's slot */
	cpu = sched_getcpu();
	if (cpu < 0 || cpu >= ncpu || sched_getaffinity(0, sizeof(old_set), &old_set)) {
		ret = cpu < 0 || cpu >= ncpu ? -ERANGE : -errno;
		snprintf(err, errlen, "cannot pin the replay to CPU %d: %s", cpu, strerror(-ret));
		goto out;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		ret = -errno;
		snprintf(err, errlen, "cannot pin the replay to CPU %d: %s", cpu, strerror(errno));
		goto out;
	}
	for (i = 0; i < r.n_frames; i++) {
		const struct xdp_frame *f = &r.frames[i];

		ret = xdp_events_apply(&r, x, &next_event, f->ts_us, err, errlen);
		if (ret)
			break;
		x->node.clock_us = f->ts_us;
		ret = xdp_node_update(x);
		if (!ret && f->port != cur_port)
			ret = xdp_port_map(x, lo, f->port);
		if (ret) {
			snprintf(err, errlen, "updating sl_node / sl_ports: %s", strerror(-ret));
			break;
		}
		cur_port = f->port;
		ret = xdp_replay_frame(&r, x, f, buf, cpu, err, errlen);
		if (ret)
			break;
	}
	sched_setaffinity(0, sizeof(old_set), &old_set);
	if (!ret && !o->quiet)
		xdp_replay_report(&r, x);
out:
	xdp_replay_free(&r);
	free(buf);
	return ret;
}
