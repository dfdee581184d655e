/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced.c - the control-plane daemon (docs/daemon.md): loads the config, runs the health
 * checks (targets.c), serves the API (api.c) and the metrics (metrics.c) and programs the
 * dataplanes (dpconn.c), and announces the node's routes (announce.c), all on one libevent
 * loop. SIGHUP reloads; SIGINT/SIGTERM stop gracefully (withdraw, run for the drain time, exit),
 * a second one at once.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "ctrl/announce.h"
#include "ctrl/api.h"
#include "ctrl/clients.h"
#include "dataplane/lib/cli.h"
#include "dataplane/lib/config.h"
#include "ctrl/dpconn.h"
#include "ctrl/log.h"
#include "ctrl/metrics.h"
#include "ctrl/targets.h"

#ifndef SL_VERSION
#define SL_VERSION "0.1.0"
#endif

static const char sluiced_help[] =
	"Usage: sluiced --config FILE [--log-level LEVEL] [--check]\n"
	"       sluiced --help | --version\n"
	"\n"
	"sluiced is the control-plane daemon of sluice. It reads the sluice configuration, runs\n"
	"the health checks of every target group (TCP connect, HTTP, HTTPS), drives the target\n"
	"states (initial, healthy, unhealthy, draining, unused) and the deregistration delay,\n"
	"and programs its dataplanes (sluice-dp --control SOCKET) over the control protocol:\n"
	"a full sync on every (re)connect, then incremental updates. It runs and health-checks\n"
	"while no dataplane is connected; a dataplane keeps its last state when sluiced stops.\n"
	"It serves an API on a Unix socket (used by sluicectl) and Prometheus metrics on\n"
	"localhost. The targets are those of FILE plus those registered through the API;\n"
	"API registrations last as long as the daemon (add them to FILE to keep them).\n"
	"\n"
	"Options:\n"
	"  -c, --config FILE      the YAML configuration (the same file as sluice-dp's)\n"
	"  -l, --log-level LEVEL  error | warning | info | debug; overrides daemon.log_level\n"
	"      --check            validate FILE and exit: 0 valid, 1 invalid (FILE:LINE: KEY:\n"
	"                         problem on stderr)\n"
	"  -h, --help             this text\n"
	"  -V, --version          the version\n"
	"\n"
	"Configuration (section daemon:, ignored by the dataplanes; docs/config.md for the rest):\n"
	"  api_socket: PATH          the API socket (default /run/sluice/sluiced.sock)\n"
	"  api_socket_mode: \"0600\"   its file mode, octal, quoted (default 0600)\n"
	"  metrics_address: A:PORT   Prometheus endpoint, loopback only (default\n"
	"                            127.0.0.1:9469); \"off\" disables it\n"
	"  dataplanes: [PATH, ...]   the dataplanes' control sockets (default\n"
	"                            [/run/sluice/dp.sock])\n"
	"  log_level: LEVEL          error | warning | info (default) | debug\n"
	"  max_clients: N            connections at once per listener (API socket, metrics),\n"
	"                            1..4096 (default 64); fewer when the file descriptor\n"
	"                            limit must keep room for the health checks\n"
	"  client_timeout_ms: MS     close a client idle or stuck in a request this long,\n"
	"                            100..3600000 (default 10000)\n"
	"  announce: {table: N, ...} announce the node's routes through the host's BGP daemon\n"
	"                            (kernel table N, protocol 250; docs/scale-out.md)\n"
	"\n"
	"Signals:\n"
	"  SIGHUP           re-read FILE. A file that fails validation, or that changes the\n"
	"                   structure (node, zones, ports, routes, neighbors, groups added or\n"
	"                   removed, group keys other than health_check, deregistration_delay\n"
	"                   and targets, inspection, listeners: restart the dataplanes and\n"
	"                   sluiced for those), changes nothing; the reason is logged. Changes\n"
	"                   of the daemon: section other than log_level, announce,\n"
	"                   max_clients and client_timeout_ms take effect at the next start.\n"
	"  SIGINT, SIGTERM  graceful stop: withdraw the node's routes, keep running (health\n"
	"                   checks, programming) for daemon.announce.drain_time, then exit; a\n"
	"                   node not serving stops at once, and so does a second signal. The\n"
	"                   API socket is removed; the dataplanes keep their state.\n"
	"\n"
	"Files:\n"
	"  /etc/sluice/sluice.yaml     the usual configuration file\n"
	"  /run/sluice/sluiced.sock    the API socket (sluicectl --socket, $SLUICE_SOCKET)\n"
	"  /run/sluice/dp.sock         the default dataplane control socket\n"
	"\n"
	"Logs go to stderr, one line per event (\"sluiced: LEVEL: message\"); under systemd\n"
	"(JOURNAL_STREAM naming stderr) as \"<N>message\", the priority journald reads.\n"
	"\n"
	"Exit status:\n"
	"  0  stopped by SIGINT/SIGTERM, or --check found the configuration valid\n"
	"  1  the configuration is invalid, or the daemon could not start (API socket in use,\n"
	"     metrics address taken, ...)\n"
	"  2  usage error\n"
	"\n"
	"See also: sluicectl --help, sluice-dp --help, docs/daemon.md (daemon, API, metrics),\n"
	"docs/protocol.md (control protocol), docs/config.md (configuration).\n";

static struct {
	const char
		*config_path; /* absolute when realpath() resolves it (a later chdir is harmless) */
	char config_real[PATH_MAX];
	int log_level_forced; /* --log-level given: daemon.log_level is not used */
	struct event_base *base;
	int stopping; /* a first SIGINT/SIGTERM came: draining */
} sluiced;

/*
 * The descriptors the health checks and the dataplane connections may hold at once, kept from
 * the clients (clients.h): a check holds at most two (an HTTP(S) request and the diagnosis
 * connect of probe.c), every registered target may be checked at the same moment.
 */
static unsigned int sluiced_fd_reserve(void)
{
	const struct config *cfg = targets_config();

	return 2 * targets_count() + (cfg ? cfg->daemon.n_dataplanes : 0);
}

static void sluiced_clients_configure(const struct cfg_daemon *d)
{
	clients_configure(d->max_clients, d->client_timeout_ms, sluiced_fd_reserve);
	metrics_reconfigure();
}

/*
 * libevent's own messages (a failed connect of a check, ...) go to our log, at most
 * SLUICED_EVLOG_BURST a minute: a local shortage must not turn into a flood of lines.
 */
#define SLUICED_EVLOG_BURST 10
static void sluiced_event_log(int severity, const char *msg)
{
	static time_t window;
	static unsigned int logged;
	static unsigned long suppressed;
	time_t now = time(NULL);
	enum log_level lvl = severity >= EVENT_LOG_ERR	  ? LOG_LVL_ERROR
			     : severity >= EVENT_LOG_WARN ? LOG_LVL_WARNING
			     : severity >= EVENT_LOG_MSG  ? LOG_LVL_INFO
							  : LOG_LVL_DEBUG;

	if (now - window >= 60) {
		if (suppressed)
			log_warn("libevent: %lu more messages in the last minute not logged",
				 suppressed);
		window = now;
		logged = 0;
		suppressed = 0;
	}
	if (logged >= SLUICED_EVLOG_BURST) {
		suppressed++;
		return;
	}
	logged++;
	log_msg(lvl, "libevent: %s", msg);
}

/* Re-read the config file and apply it; the API's reload and SIGHUP's. */
static int sluiced_reload(json_t **changes, char *err, size_t errlen)
{
	const struct config *cur = targets_config();
	struct cfg_daemon old = cur->daemon;
	enum log_level lvl;
	struct config *cfg;
	int rc;

	rc = config_load(sluiced.config_path, &cfg, err, errlen);
	if (rc)
		return rc;
	rc = targets_reload(cfg, changes, err, errlen);
	if (rc) {
		config_free(cfg);
		return rc;
	}
	cfg = (struct config *)targets_config(); /* now the new one */
	announce_reload(cfg);
	sluiced_clients_configure(&cfg->daemon);
	if (strcmp(old.api_socket, cfg->daemon.api_socket) ||
	    old.api_socket_mode != cfg->daemon.api_socket_mode ||
	    strcmp(old.metrics_address, cfg->daemon.metrics_address) ||
	    old.n_dataplanes != cfg->daemon.n_dataplanes ||
	    memcmp(old.dataplanes, cfg->daemon.dataplanes, sizeof(old.dataplanes)))
		log_warn("reload: changes of the daemon section (sockets, metrics address) take "
			 "effect at the next start");
	if (!sluiced.log_level_forced && strcmp(old.log_level, cfg->daemon.log_level) &&
	    !log_level_parse(cfg->daemon.log_level, &lvl)) {
		log_set_level(lvl);
		log_info("log level %s", log_level_name(lvl));
	}
	return 0;
}

static void sluiced_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;
	char err[CFG_ERR_MAX + 256];

	(void)what;
	if (sig != SIGHUP) {
		if (sluiced.stopping) {
			log_info("%s again: stopping now", strsignal((int)sig));
			event_base_loopbreak(base);
			return;
		}
		sluiced.stopping = 1;
		if (announce_stop()) {
			log_info("%s: stopping", strsignal((int)sig));
			event_base_loopbreak(base);
		} else {
			log_info("%s: stopping: routes withdrawn, running on for the drain time "
				 "(daemon.announce.drain_time; again to stop now)",
				 strsignal((int)sig));
		}
		return;
	}
	log_info("SIGHUP: reloading %s", sluiced.config_path);
	if (sluiced_reload(NULL, err, sizeof(err)))
		log_err("reload refused: %s", err);
}

/* The graceful stop's drain time is over (announce.c). */
static void sluiced_drained(void)
{
	log_info("drain time over: stopping");
	event_base_loopbreak(sluiced.base);
}

/* A usage error: the message and the hint on stderr; returns the exit status 2. */
#define sluiced_usage(...) cli_usage("sluiced", "Try 'sluiced --help'.\n", __VA_ARGS__)

static unsigned int sluiced_count_targets(const struct config *cfg)
{
	unsigned int n = 0, i;

	for (i = 0; i < cfg->n_groups; i++)
		n += cfg->groups[i].n_targets;
	return n;
}

/* The client limits the descriptor limit leaves (clients.h); a warning when below the config's. */
static void sluiced_log_limits(const struct config *cfg)
{
	const struct clients *c = clients_get(0);
	unsigned int limit = c ? clients_limit(c) : 0;

	if (!c)
		return;
	if (limit < cfg->daemon.max_clients)
		log_warn("the file descriptor limit leaves room for %u clients per listener "
			 "(daemon.max_clients %u) once the health checks of %u targets are "
			 "served; raise LimitNOFILE",
			 limit, cfg->daemon.max_clients, targets_count());
	else
		log_info("at most %u clients per listener, idle ones closed after %u ms", limit,
			 cfg->daemon.client_timeout_ms);
}

static int sluiced_run(struct config *cfg)
{
	const char *sockets[CFG_DATAPLANES_MAX];
	struct event *sigs[3] = {NULL};
	static const int signums[3] = {SIGHUP, SIGINT, SIGTERM};
	struct event_base *base;
	char err[CFG_ERR_MAX + 256];
	unsigned int i;
	int rc = 1;

	event_set_log_callback(sluiced_event_log);
	base = event_base_new();
	if (!base) {
		log_err("cannot create the event loop");
		config_free(cfg);
		return 1;
	}
	for (i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(base, signums[i], sluiced_signal, base);
		if (!sigs[i] || evsignal_add(sigs[i], NULL)) {
			log_err("cannot handle signal %d", signums[i]);
			config_free(cfg);
			goto out_signals;
		}
	}
	log_info("sluiced %s starting: %s, zone %s, %u groups, %u targets", SL_VERSION,
		 sluiced.config_path, cfg->node.zone, cfg->n_groups, sluiced_count_targets(cfg));
	if (targets_init(base, cfg, err, sizeof(err))) {
		log_err("%s", err);
		config_free(cfg);
		goto out_signals;
	}
	cfg = (struct config *)targets_config();
	sluiced_clients_configure(&cfg->daemon);
	if (api_init(base, cfg->daemon.api_socket, (mode_t)cfg->daemon.api_socket_mode,
		     sluiced_reload, err, sizeof(err))) {
		log_err("api: %s", err);
		goto out_targets;
	}
	log_info("api on %s (mode %04o)", cfg->daemon.api_socket, cfg->daemon.api_socket_mode);
	if (cfg->daemon.metrics_address[0]) {
		if (metrics_init(base, cfg->daemon.metrics_address, err, sizeof(err))) {
			log_err("%s", err);
			goto out_api;
		}
		log_info("metrics on http://%s/metrics", cfg->daemon.metrics_address);
	}
	sluiced_log_limits(cfg);
	for (i = 0; i < cfg->daemon.n_dataplanes; i++)
		sockets[i] = cfg->daemon.dataplanes[i];
	if (dpconn_init(base, sockets, cfg->daemon.n_dataplanes)) {
		log_err("cannot start the dataplane connections");
		goto out_metrics;
	}
	sluiced.base = base;
	if (announce_init(base, cfg, sluiced_drained, err, sizeof(err))) {
		log_err("%s", err);
		goto out_dpconn;
	}
	if (cfg->daemon.announce.enabled)
		log_info("announcing in kernel routing table %u (protocol 250) while serving",
			 cfg->daemon.announce.table);
	if (event_base_dispatch(base) < 0)
		log_err("event loop failed");
	else
		rc = 0;
	announce_free(1); /* a stopped daemon announces nothing (kill -9 leaves the routes) */
out_dpconn:
	dpconn_free(); /* before api_free(): drops the API's requests in flight */
out_metrics:
	metrics_free();
out_api:
	api_free();
out_targets:
	targets_free();
out_signals:
	for (i = 0; i < 3; i++)
		if (sigs[i])
			event_free(sigs[i]);
	event_base_free(base);
	libevent_global_shutdown();
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"log-level", required_argument, NULL, 'l'},
		{"check", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *level_arg = NULL;
	char err[CFG_ERR_MAX];
	uint64_t nofile, nofile_old;
	struct config *cfg;
	enum log_level lvl;
	int c, check = 0;

	log_set_ident("sluiced");
	while ((c = getopt_long(argc, argv, "c:l:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			sluiced.config_path = optarg;
			break;
		case 'l':
			level_arg = optarg;
			break;
		case 'k':
			check = 1;
			break;
		case 'h':
			fputs(sluiced_help, stdout);
			return 0;
		case 'V':
			printf("sluiced %s\n", SL_VERSION);
			return 0;
		default:
			return 2; /* getopt said why */
		}
	}
	if (optind < argc)
		return sluiced_usage("unexpected argument \"%s\"", argv[optind]);
	if (!sluiced.config_path)
		return sluiced_usage("%s", "--config FILE is required");
	if (!check && realpath(sluiced.config_path, sluiced.config_real))
		sluiced.config_path =
			sluiced.config_real; /* --check: messages name FILE as given */
	if (level_arg) {
		if (log_level_parse(level_arg, &lvl))
			return sluiced_usage("--log-level: \"%s\" is not error, warning, info or "
					     "debug",
					     level_arg);
		log_set_level(lvl);
		sluiced.log_level_forced = 1;
	}
	if (config_load(sluiced.config_path, &cfg, err, sizeof(err))) {
		if (check)
			fprintf(stderr, "%s\n", err);
		else
			log_err("%s", err);
		return 1;
	}
	if (check) {
		printf("%s: ok\n", sluiced.config_path);
		config_free(cfg);
		return 0;
	}
	if (!level_arg && !log_level_parse(cfg->daemon.log_level, &lvl))
		log_set_level(lvl);
	signal(SIGPIPE, SIG_IGN); /* a client gone mid-reply is an error return, not a signal */
	/* Room for the checks, the dataplanes and the clients (clients.h); the unit sets the
	 * hard limit (LimitNOFILE), the soft one is raised to it here. */
	nofile = clients_raise_nofile(&nofile_old);
	if (nofile != nofile_old)
		log_info("file descriptor limit %llu (raised from %llu)",
			 (unsigned long long)nofile, (unsigned long long)nofile_old);
	else
		log_info("file descriptor limit %llu", (unsigned long long)nofile);
	srandom((unsigned int)time(NULL) ^ ((unsigned int)getpid() << 16));
	return sluiced_run(cfg);
}
