/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl_server.h - the dataplane control protocol server (docs/protocol.md), shared by every
 * dataplane: a Unix stream socket, newline-delimited JSON, the ops hello, sync, update and
 * state, and liveness (parsing, validation, and the new generation built with rt_model.h), and the
 * argument checks and entry format of stats and flows. DPDK-free; what differs between dataplanes
 * is a struct ctl_backend of callbacks (sluice-dp's is ctl_dpdk.c).
 *
 * Implementing the protocol in another dataplane:
 *  - Build the first generation with rt_state_build() from the same struct config, keep it as
 *    the current one, and fill a struct ctl_backend (every member is required).
 *  - ctl_server_init() with it, then call ctl_server_pollfds(), poll() and ctl_server_serve()
 *    from one thread, the one that owns the current generation: the server is poll-driven,
 *    never blocks (non-blocking sockets) and never starts a thread. Every callback runs on that
 *    thread, in ctl_server_serve(); no generation is published by anyone else meanwhile.
 *  - sync and update clone current(), apply the request to the copy, finalize it (Maglev with
 *    maglev_size) and hand it to publish(), which must make it current atomically (all of it or
 *    none) and return only once no packet is processed with the old one any more: the reply
 *    goes out after publish() returns. A refused request changes nothing and publish() is not
 *    called. Targets whose slot is `fresh` in the new generation are new: their counters start
 *    at zero.
 *  - ctl_server_fini() at exit.
 */
#ifndef SL_CTL_SERVER_H
#define SL_CTL_SERVER_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dataplane/lib/config.h"
#include "dataplane/core/flow.h"
#include "dataplane/core/gwlb.h"
#include "dataplane/lib/rt_model.h"

#define CTL_PROTOCOL	1
#define CTL_MAX_CLIENTS 8
#define CTL_MAX_FDS	(CTL_MAX_CLIENTS + 1)
#define CTL_LINE_MAX	(4u << 20) /* bytes of one request, newline excluded */
#define CTL_ERR_MAX	640	   /* size of the err buffers the callbacks fill */

/* A flows request (arguments checked), and the listing the backend fills with ctl_flows_*. */
struct ctl_flows {
	/* the request */
	int64_t limit;	    /* entries listed at most (flows and sessions together) */
	int group;	    /* config index of the group asked for, or -1: every group */
	const char *target; /* the target id asked for, or NULL: any */
	uint64_t now;	    /* now_us() when the request came */
	/* the reply, filled through ctl_flows_take() and ctl_flows_add_*() */
	json_t *flows, *sessions;
	uint64_t total, listed;
};

/* An NLB session for ctl_flows_add_session(): addresses network order, in the family's size. */
struct ctl_session {
	const char *listener;
	uint8_t proto, family;
	const uint8_t *client, *vip, *target_address;
	uint16_t cport, vport, tport;
	uint64_t last_seen; /* us, the now_us() clock */
};

/* The liveness op's answer (docs/protocol.md "liveness"), filled by the backend. */
struct ctl_liveness {
	int alive;	     /* the packet path is running (not only this process) */
	uint64_t stalled_ms; /* how long the packet path has not proved it runs (0: just now) */
	int stopping;	     /* told to stop (SIGTERM): forwarding for node.drain_time, then exit */
};

struct ctl_backend {
	const char *name;	  /* hello's "dataplane", and the prefix of log lines */
	const struct config *cfg; /* the config the dataplane runs (groups, node zone) */
	uint32_t maglev_size;	  /* entries of every group's Maglev table */
	/* The current generation (never NULL once the server runs). */
	const struct rt_state *(*current)(void);
	/* The dataplane's clock, us: drain_start and the flows' last_seen are on it. */
	uint64_t (*now_us)(void);
	/*
	 * Make n (finalized, generation current()->generation + 1) the current generation and
	 * free the one it replaces; return once no packet is processed with the old one. Takes
	 * n either way: on failure (-errno and a message in err, CTL_ERR_MAX bytes) it frees n
	 * and the current generation stays.
	 */
	int (*publish)(struct rt_state *n, char *err);
	/* The "stats" object of the stats reply (docs/protocol.md), or NULL (out of memory). */
	json_t *(*stats)(void);
	/*
	 * List the pinned flows and sessions of current() matching f (group and target: see
	 * ctl_flows_take) with ctl_flows_add_flow / ctl_flows_add_session. 0, or -errno with a
	 * message in err.
	 */
	int (*flows)(struct ctl_flows *f, char *err);
	/*
	 * Whether the packet path runs: sluice-dp from its workers' heartbeats, sluice-xdp from
	 * its program being attached on every port. Cheap: sluiced asks every 100 ms or so.
	 */
	void (*liveness)(struct ctl_liveness *l);
};

/*
 * Listen on `path` (mode 0600; a stale socket file is replaced, a live one is an error) and
 * serve be, which must outlive the server. Returns 0 or a negative errno with a message in err.
 */
int ctl_server_init(const struct ctl_backend *be, const char *path, char *err, size_t errlen);
/* Close every client and the listener, remove the socket file. Safe without ctl_server_init. */
void ctl_server_fini(void);
/* The descriptors to poll (listener and clients): fills pfd, returns how many (<= max). */
unsigned int ctl_server_pollfds(struct pollfd *pfd, unsigned int max);
/* Serve what poll() reported on the descriptors ctl_server_pollfds() gave. Never blocks. */
void ctl_server_serve(const struct pollfd *pfd, unsigned int n);

/*
 * Flows listing: an entry pinned to target t (NULL: the target is gone) of config group
 * `group`. Returns 0 when f's group or target leaves it out; else counts it in f->total and
 * returns 1 when it is to be listed (under the limit: counted in f->listed, the caller then
 * adds it), 0 when not.
 */
int ctl_flows_take(struct ctl_flows *f, unsigned int group, const struct rt_target *t);
/* Append a flow-table entry (group g, target t or NULL) last seen at last_seen (us). */
void ctl_flows_add_flow(struct ctl_flows *f, const struct rt_group *g, const struct rt_target *t,
			const struct flow_key *fk, uint64_t last_seen);
/*
 * Flows listing: one entry of a flow table of pins (core/gwlb.h's key and value: sluice-dp's
 * flowtab, sluice-xdp's sl_flows) against generation s. An entry of a group s does not have
 * or of no address family (not a pin of s) is skipped; else it goes through ctl_flows_take
 * and, if taken, ctl_flows_add_flow with its target (NULL: gone) and last seen time.
 */
void ctl_flows_add_pin(struct ctl_flows *f, const struct rt_state *s, const struct gwlb_pin_key *k,
		       uint64_t val);
/* Append an NLB session of group g, target t or NULL. */
void ctl_flows_add_session(struct ctl_flows *f, const struct rt_group *g, const struct rt_target *t,
			   const struct ctl_session *s);

/*
 * The state log (--state-log FILE): one JSON line per published generation (generation,
 * publish times, every group's mode and present targets). Open appends; 0 or -errno with a
 * message in err.
 */
int ctl_state_log_open(const char *path, char *err, size_t errlen);
/*
 * Open the log and write s, the generation the dataplane starts with (from the config), as
 * published and synced now. 0 or -errno with a message in err.
 */
int ctl_state_log_start(const char *path, const struct rt_state *s, char *err, size_t errlen);
/* The state log's clock: CLOCK_REALTIME, us (the publish times a backend passes). */
uint64_t ctl_state_log_clock(void);
/* Append s with its publish times (us, ctl_state_log_clock). Nothing without an open log. */
void ctl_state_log_write(const struct rt_state *s, uint64_t published_us, uint64_t synced_us);
void ctl_state_log_close(void);

#endif /* SL_CTL_SERVER_H */
