/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c - sluice-appliance: the reference inspection appliance. Options, the two sockets (a
 * UDP socket receiving GENEVE, a raw IPv4 socket sending the returns with the header this
 * program builds), the libevent loop and signals. See README.md for the contract.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>

#include "appliance/appliance.h"
#include "appliance/health.h"
#include "appliance/reflect.h"
#include "dataplane/lib/cli.h"

#define APPL_EXIT_USAGE	   2
#define APPL_NAME_MAX	   64
#define APPL_DELAY_MAX_MS  600000
#define APPL_DELAYQ_FRAMES 8192
#define APPL_DELAYQ_BYTES  (32u << 20)
#define APPL_RX_BATCH	   256 /* datagrams read per wakeup, so timers and HTTP get a turn */
#define APPL_SOCKBUF	   (8 << 20)

static const char appl_help[] =
	"usage: sluice-appliance --address IPV4 [--geneve-port 6081] [--health-port 80]\n"
	"                        [--rules FILE] [--delay MS] [--delay-queue N]\n"
	"                        [--stats-json FILE] [--name NAME] [--blackhole] [--quiet]\n"
	"                        [--verbose]\n"
	"\n"
	"Receives GENEVE (AWS GWLB options) on UDP ADDRESS:GENEVE-PORT, checks it, applies the\n"
	"rules to the inner packet and returns what passes to its sender: outer IPs swapped, UDP\n"
	"ports kept, GENEVE header, options and inner packet unchanged.\n"
	"\n"
	"  --address IPV4       the appliance's address (GENEVE and health listeners)\n"
	"  --geneve-port N      GENEVE UDP port (default 6081)\n"
	"  --health-port N      HTTP port of /healthz and /stats (default 80)\n"
	"  --rules FILE         ordered rules, first match wins, default pass (see README.md)\n"
	"  --delay MS           hold each accepted datagram MS ms before returning it (0..600000)\n"
	"  --delay-queue N      frames the delay queue holds at most (default 8192)\n"
	"  --stats-json FILE    write the counters here at exit and on SIGUSR1\n"
	"  --name NAME          name in the ready line and the counters (default appliance)\n"
	"  --blackhole          return nothing (a dead data path) while health stays as it is\n"
	"  --quiet              no counter summary at exit\n"
	"  --verbose            one stderr line per dropped or malformed datagram\n"
	"\n"
	"Signals: SIGINT/SIGTERM exit 0; SIGUSR1 writes --stats-json; SIGUSR2 toggles /healthz\n"
	"between 200 and 503; SIGRTMIN toggles --blackhole.\n";

static struct {
	struct appl a;
	struct event_base *base;
	struct event *rx_ev, *delay_ev;
	int rx_fd, tx_fd;
	unsigned int delayq_frames;
	uint8_t rx[65536];
	uint8_t tx[REFLECT_FRAME_MAX];
} appl = {.rx_fd = -1, .tx_fd = -1};

/* A usage error: the message and the hint on stderr; returns APPL_EXIT_USAGE (cli_usage's 2). */
#define appl_usage(...) \
	cli_usage("sluice-appliance", "(sluice-appliance --help for the options)\n", __VA_ARGS__)

/* A decimal (digits only) in [min, max] -> 0, else -EINVAL. */
static int appl_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	if (*s < '0' || *s > '9')
		return -EINVAL;
	return cli_ulong(s, min, max, out);
}

static uint64_t appl_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void appl_send(const uint8_t *frame, uint32_t len, uint32_t dst_be)
{
	struct sockaddr_in to = {.sin_family = AF_INET};

	to.sin_addr.s_addr = dst_be;
	if (sendto(appl.tx_fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len) {
		appl.a.c.returned++;
		return;
	}
	appl.a.c.send_errors++;
	if (appl.a.verbose)
		fprintf(stderr, "sluice-appliance %s: send: %s\n", appl.a.name, strerror(errno));
}

/* Sends the frames whose time has come; re-arms the timer for the next one. */
static void appl_delay_cb(evutil_socket_t fd, short what, void *arg)
{
	const struct delayq_item *it;
	uint64_t now = appl_now_us(), wait;
	struct timeval tv;

	(void)fd;
	(void)what;
	(void)arg;
	while ((it = delayq_peek(&appl.a.q)) && it->due_us <= now) {
		appl_send((const uint8_t *)(it + 1), it->len, it->dst_be);
		delayq_pop(&appl.a.q);
	}
	if (!it)
		return;
	wait = it->due_us - now;
	tv.tv_sec = (time_t)(wait / 1000000u);
	tv.tv_usec = (suseconds_t)(wait % 1000000u);
	evtimer_add(appl.delay_ev, &tv);
}

static void appl_verbose(const struct sockaddr_in *from, const char *what)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &from->sin_addr, ip, sizeof(ip));
	fprintf(stderr, "sluice-appliance %s: %s:%u: %s\n", appl.a.name, ip, ntohs(from->sin_port),
		what);
}

/* One received datagram: check, rules, return (now or after --delay). */
static void appl_packet(size_t len, const struct sockaddr_in *from)
{
	struct appl *a = &appl.a;
	struct pkt_info inner;
	struct gwlb_meta m;
	unsigned int reason;
	int idx, n;

	a->c.received++;
	if (a->blackhole) { /* the data path is dead; /healthz does not know */
		a->c.blackholed++;
		return;
	}
	if (reflect_check(appl.rx, len, &m, &inner, &reason)) {
		a->c.malformed[reason]++;
		if (a->verbose)
			appl_verbose(from, reflect_reason_name(reason));
		return;
	}
	idx = rules_match(a->rules, &inner);
	if (idx >= 0) {
		a->rules->rule[idx].hits++;
		if (a->rules->rule[idx].action == RULES_DROP) {
			a->c.dropped_rule++;
			if (a->verbose)
				appl_verbose(from, a->rules->rule[idx].text);
			return;
		}
	}
	n = reflect_build(appl.tx, sizeof(appl.tx), appl.rx, len, a->addr.s_addr,
			  from->sin_addr.s_addr, ntohs(from->sin_port), a->geneve_port);
	if (n < 0) {
		a->c.malformed[SL_DROP_GENEVE_TRUNCATED]++; /* larger than an IPv4 packet */
		return;
	}
	if (!a->delay_ms) {
		appl_send(appl.tx, (uint32_t)n, from->sin_addr.s_addr);
		return;
	}
	if (delayq_push(&a->q, appl_now_us() + (uint64_t)a->delay_ms * 1000u, from->sin_addr.s_addr,
			appl.tx, (uint32_t)n)) {
		a->c.delay_overflow++;
		if (a->verbose)
			appl_verbose(from, "delay queue full");
		return;
	}
	if (a->q.count == 1)
		appl_delay_cb(-1, 0, NULL);
}

static void appl_rx_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sockaddr_in from;
	socklen_t flen;
	ssize_t n;
	int i;

	(void)what;
	(void)arg;
	for (i = 0; i < APPL_RX_BATCH; i++) {
		flen = sizeof(from);
		n = recvfrom(fd, appl.rx, sizeof(appl.rx), 0, (struct sockaddr *)&from, &flen);
		if (n < 0)
			return; /* EAGAIN, or an ICMP error queued on the socket: nothing to read */
		if (flen < sizeof(from) || from.sin_family != AF_INET)
			continue;
		appl_packet((size_t)n, &from);
	}
}

static void appl_write_stats(void)
{
	int rc;

	if (!appl.a.stats_json)
		return;
	rc = counters_write(&appl.a, appl.a.stats_json);
	if (rc)
		fprintf(stderr, "sluice-appliance %s: %s: %s\n", appl.a.name, appl.a.stats_json,
			strerror(-rc));
}

static void appl_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	if (sig == SIGUSR1) {
		appl_write_stats();
	} else if (sig == SIGRTMIN) {
		appl.a.blackhole = !appl.a.blackhole;
		fprintf(stderr, "sluice-appliance %s: %s\n", appl.a.name,
			appl.a.blackhole ? "blackholing GENEVE (nothing returned)"
					 : "returning GENEVE again");
	} else if (sig == SIGUSR2) {
		appl.a.failed = !appl.a.failed;
		fprintf(stderr, "sluice-appliance %s: health %s\n", appl.a.name,
			appl.a.failed ? "failed (/healthz 503)" : "restored (/healthz 200)");
	} else {
		event_base_loopbreak(appl.base);
	}
}

static int appl_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{"address", required_argument, NULL, 'a'},
		{"geneve-port", required_argument, NULL, 'g'},
		{"health-port", required_argument, NULL, 'p'},
		{"rules", required_argument, NULL, 'r'},
		{"delay", required_argument, NULL, 'd'},
		{"delay-queue", required_argument, NULL, 'D'},
		{"stats-json", required_argument, NULL, 's'},
		{"name", required_argument, NULL, 'n'},
		{"blackhole", no_argument, NULL, 'b'},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct appl *a = &appl.a;
	unsigned long v;
	const char *c;
	int o, have_addr = 0;

	a->name = "appliance";
	a->geneve_port = 6081;
	a->health_port = 80;
	appl.delayq_frames = APPL_DELAYQ_FRAMES;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case 'a':
			if (inet_pton(AF_INET, optarg, &a->addr) != 1)
				return appl_usage("--address: not an IPv4 address: \"%s\"", optarg);
			v = ntohl(a->addr.s_addr);
			if (v == 0 || v >= 0xE0000000u)
				return appl_usage("--address: %s is not a unicast address", optarg);
			have_addr = 1;
			break;
		case 'g':
		case 'p':
			if (appl_uint(optarg, 1, 65535, &v))
				return appl_usage("--%s: expected a port 1..65535, got \"%s\"",
						  o == 'g' ? "geneve-port" : "health-port", optarg);
			*(o == 'g' ? &a->geneve_port : &a->health_port) = (uint16_t)v;
			break;
		case 'r':
			a->rules_path = optarg;
			break;
		case 'd':
			if (appl_uint(optarg, 0, APPL_DELAY_MAX_MS, &v))
				return appl_usage(
					"--delay: expected milliseconds 0..%d, got \"%s\"",
					APPL_DELAY_MAX_MS, optarg);
			a->delay_ms = (unsigned int)v;
			break;
		case 'D':
			if (appl_uint(optarg, 1, 1u << 20, &v))
				return appl_usage(
					"--delay-queue: expected frames 1..%u, got \"%s\"",
					1u << 20, optarg);
			appl.delayq_frames = (unsigned int)v;
			break;
		case 's':
			if (!*optarg)
				return appl_usage("--stats-json: empty file name");
			a->stats_json = optarg;
			break;
		case 'n':
			if (!*optarg || strlen(optarg) > APPL_NAME_MAX)
				return appl_usage("--name: 1..%d characters", APPL_NAME_MAX);
			for (c = optarg; *c; c++) {
				if (*c <= ' ' || *c == 0x7f)
					return appl_usage(
						"--name: no blanks or control characters");
			}
			a->name = optarg;
			break;
		case 'b':
			a->blackhole = 1;
			break;
		case 'q':
			a->quiet = 1;
			break;
		case 'v':
			a->verbose = 1;
			break;
		case 'h':
			fputs(appl_help, stdout);
			exit(0);
		case ':':
			return appl_usage("%s needs a value", argv[optind - 1]);
		default:
			return appl_usage("unknown option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return appl_usage("unexpected argument \"%s\"", argv[optind]);
	if (!have_addr)
		return appl_usage("--address is required");
	return 0;
}

static int appl_sockets(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int buf = APPL_SOCKBUF;

	appl.rx_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (appl.rx_fd < 0)
		goto fail_errno;
	/* Best effort: bursts of datagrams while the loop serves HTTP or the delay timer. */
	if (setsockopt(appl.rx_fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)))
		setsockopt(appl.rx_fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	sin.sin_addr = appl.a.addr;
	sin.sin_port = htons(appl.a.geneve_port);
	if (bind(appl.rx_fd, (struct sockaddr *)&sin, sizeof(sin))) {
		fprintf(stderr, "sluice-appliance: cannot bind UDP %s:%u: %s\n",
			inet_ntoa(appl.a.addr), appl.a.geneve_port, strerror(errno));
		return -errno;
	}
	/* IPPROTO_RAW implies IP_HDRINCL: the program writes the outer IPv4 + UDP headers. */
	appl.tx_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
	if (appl.tx_fd < 0) {
		fprintf(stderr, "sluice-appliance: raw IPv4 socket: %s (needs CAP_NET_RAW)\n",
			strerror(errno));
		return -errno;
	}
	if (setsockopt(appl.tx_fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)))
		setsockopt(appl.tx_fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	return 0;
fail_errno:
	fprintf(stderr, "sluice-appliance: socket: %s\n", strerror(errno));
	return -errno;
}

int main(int argc, char **argv)
{
	const int sigs[] = {SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGRTMIN};
	struct event *sig_ev[5] = {NULL};
	struct evhttp *http = NULL;
	char err[RULES_ERR_MAX];
	int rc, ret = 1;
	size_t i;

	rc = appl_options(argc, argv);
	if (rc)
		return rc;
	if (appl.a.rules_path) {
		if (rules_load(appl.a.rules_path, &appl.a.rules, err, sizeof(err))) {
			fprintf(stderr, "sluice-appliance: %s\n", err);
			return APPL_EXIT_USAGE;
		}
	} else if (rules_parse("", 0, "(none)", &appl.a.rules, err, sizeof(err))) {
		fprintf(stderr, "sluice-appliance: %s\n", err);
		return 1;
	}
	if (appl.a.delay_ms && delayq_init(&appl.a.q, APPL_DELAYQ_BYTES, appl.delayq_frames)) {
		fprintf(stderr, "sluice-appliance: out of memory for the delay queue\n");
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	appl.base = event_base_new();
	if (!appl.base)
		goto out;
	if (appl_sockets())
		goto out;
	rc = health_start(appl.base, &appl.a, &http);
	if (rc) {
		fprintf(stderr, "sluice-appliance: cannot bind HTTP %s:%u: %s\n",
			inet_ntoa(appl.a.addr), appl.a.health_port, strerror(-rc));
		goto out;
	}
	appl.rx_ev = event_new(appl.base, appl.rx_fd, EV_READ | EV_PERSIST, appl_rx_cb, NULL);
	appl.delay_ev = evtimer_new(appl.base, appl_delay_cb, NULL);
	if (!appl.rx_ev || !appl.delay_ev || event_add(appl.rx_ev, NULL))
		goto out;
	for (i = 0; i < 5; i++) {
		sig_ev[i] = evsignal_new(appl.base, sigs[i], appl_signal_cb, NULL);
		if (!sig_ev[i] || event_add(sig_ev[i], NULL))
			goto out;
	}
	printf("sluice-appliance %s: ready on %s:%u, ", appl.a.name, inet_ntoa(appl.a.addr),
	       appl.a.geneve_port);
	printf("health on %s:%u\n", inet_ntoa(appl.a.addr), appl.a.health_port);
	fflush(stdout);

	if (event_base_dispatch(appl.base) < 0)
		goto out;
	if (!appl.a.quiet)
		counters_print(&appl.a, stdout);
	ret = 0;
	if (appl.a.stats_json && counters_write(&appl.a, appl.a.stats_json)) {
		fprintf(stderr, "sluice-appliance: cannot write %s\n", appl.a.stats_json);
		ret = 1;
	}
out:
	for (i = 0; i < 5; i++) {
		if (sig_ev[i])
			event_free(sig_ev[i]);
	}
	if (appl.rx_ev)
		event_free(appl.rx_ev);
	if (appl.delay_ev)
		event_free(appl.delay_ev);
	if (http)
		evhttp_free(http);
	if (appl.base)
		event_base_free(appl.base);
	if (appl.rx_fd >= 0)
		close(appl.rx_fd);
	if (appl.tx_fd >= 0)
		close(appl.tx_fd);
	if (appl.a.delay_ms)
		delayq_fini(&appl.a.q);
	rules_free(appl.a.rules);
	return ret;
}
