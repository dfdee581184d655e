/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * appliance.h - the state of sluice-appliance, shared by its loop (main.c), its counters
 * (counters.c) and its HTTP side (health.c). Single-threaded: everything runs on the libevent
 * loop, so nothing here is locked.
 */
#ifndef SL_APPLIANCE_H
#define SL_APPLIANCE_H

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "dataplane/core/stats.h"
#include "appliance/delayq.h"
#include "appliance/rules.h"

struct appl_counters {
	uint64_t received;     /* datagrams read from the GENEVE socket */
	uint64_t returned;     /* datagrams sent back */
	uint64_t dropped_rule; /* dropped by a drop rule (per rule: rules->rule[i].hits) */
	uint64_t malformed[SL_DROP_MAX]; /* by reason (reflect.h REFLECT_REASONS) */
	uint64_t delay_overflow;	 /* --delay queue full */
	uint64_t send_errors;		 /* the raw socket refused the return (sendto failed) */
	uint64_t blackholed;		 /* dropped unread while blackholing (--blackhole) */
};

struct appl {
	const char *name;
	struct in_addr addr;
	uint16_t geneve_port, health_port;
	const char *rules_path;
	struct rules *rules; /* never NULL once started (an empty list passes all) */
	unsigned int delay_ms;
	const char *stats_json;
	int quiet, verbose;
	int failed;    /* SIGUSR2 toggles: /healthz answers 503 while set */
	int blackhole; /* --blackhole, SIGRTMIN toggles: return nothing, health unchanged */
	struct appl_counters c;
	struct delayq q;
};

/* The counters as a JSON object (new reference, NULL on allocation failure). */
json_t *counters_json(const struct appl *a);
/* Writes counters_json to path atomically (path.tmp, rename). 0 or -errno. */
int counters_write(const struct appl *a, const char *path);
/* The exit summary, a few human lines. */
void counters_print(const struct appl *a, FILE *f);

#endif /* SL_APPLIANCE_H */
