/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * targets_priv.h - the registry's internals shared by targets.c (registry, API operations,
 * JSON), targets_check.c (check and removal timers) and targets_reload.c (config reload).
 * Not for other modules: they use targets.h.
 */
#ifndef SL_TARGETS_PRIV_H
#define SL_TARGETS_PRIV_H

#include <stdint.h>

#include <event2/event.h>
#include <jansson.h>
#include <openssl/ssl.h>

#include "dataplane/lib/config.h"
#include "ctrl/health.h"
#include "ctrl/passive.h"
#include "ctrl/probe.h"
#include "ctrl/ratelog.h"

struct tgroup;

/* One target of a group: its values (not pointing into the config), health and timers. */
struct tgt {
	struct tgroup *g;
	struct cfg_target c;  /* id, address, port, zone, weight (state unused) */
	int api;	      /* registered through the API (source "api") */
	int api_deregistered; /* deregistered through the API: stays out across reloads */
	struct health h;
	struct event *check_ev; /* next check */
	struct event *drain_ev; /* end of the deregistration delay */
	struct probe *probe;	/* the check in flight */
	char path[256];		/* the in-flight probe's path (probe_spec points here) */
	/* the passive check (targets_passive): its window, restarted when these change */
	struct passive pv;
	uint8_t pv_state;
	uint32_t pv_min, pv_window;
};

struct tgroup {
	const struct cfg_group *cfg; /* in treg.cfg */
	struct tgt *t[CFG_GROUP_TARGETS_MAX];
	unsigned int n;
};

/* A target deregistered through the API that a reload must not bring back. */
struct ttomb {
	struct ttomb *next;
	char group[CFG_NAME_MAX];
	char id[CFG_NAME_MAX];
};

struct treg {
	struct event_base *base;
	struct config *cfg;
	SSL_CTX *ssl;
	struct tgroup *groups; /* cfg->n_groups, in config order */
	struct ttomb *tombs;
	struct ratelog local_log; /* checks not run for a local reason (targets_check.c) */
};

extern struct treg treg;

/* Monotonic microseconds: the health clock. */
uint64_t targets_now(void);
struct tgroup *targets_group(const char *name);
struct tgt *targets_find(struct tgroup *g, const char *id);
/* In the node's zone, or the group balances across zones. */
int targets_in_zone(const struct tgroup *g, const char *zone);
/* A new target (health initial / unused, checks started); NULL on allocation failure. */
struct tgt *targets_add(struct tgroup *g, const struct cfg_target *c, int api);
/* Stop its timers and probe, take it out of its group and free it (no push). */
void targets_drop(struct tgt *t);
/* Log the change from `old` and push t's entry to the dataplanes. */
void targets_changed(struct tgt *t, uint8_t old);
/* The protocol's target entry (with "group" when with_group) and the API's target object. */
json_t *targets_entry_json(const struct tgt *t, int with_group, uint64_t now);
json_t *targets_object_json(const struct tgt *t, uint64_t now);
void targets_tomb_del(const char *group, const char *id);
int targets_tomb_has(const char *group, const char *id);
void targets_addr_str(const struct cfg_addr *a, char *buf, size_t len);

/* targets_check.c: the check schedule (first at a random offset) and the removal timer. */
int targets_check_init(struct tgt *t);
/* The port checks of t go to: hc.port, else its port, else its group's first listener's, or 80. */
uint16_t targets_check_port(const struct tgt *t);
void targets_check_start(struct tgt *t);
void targets_check_stop(struct tgt *t);
/* (Re)arm the end of a deregistered target's delay; removes (frees) it when already over. */
void targets_drain_timer(struct tgt *t);
void targets_timers_free(struct tgt *t);

#endif /* SL_TARGETS_PRIV_H */
