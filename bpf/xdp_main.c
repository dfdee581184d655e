/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_main.c - sluice-xdp: loads the XDP program (embedded skeleton), fills its maps from the
 * config, publishes generation 1, then either attaches to the configured interfaces until
 * SIGINT/SIGTERM or replays pcaps through BPF_PROG_TEST_RUN (docs/xdp.md).
 *
 * A port's `device` is the Linux interface: "IFNAME" or "xdp:IFNAME". In a replay the devices
 * are not used (the configs of pcaps/ name net_pcap vdevs there).
 */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "sluice.skel.h"
#include "bpf/xdp_ctl.h"
#include "bpf/xdp_maps.h"
#include "bpf/xdp_neigh.h"
#include "bpf/xdp_nlb.h"
#include "bpf/xdp_replay.h"
#include "bpf/xdp_rst.h"
#include "bpf/xdp_stats.h"
#include "dataplane/lib/dpopts.h"

#define XDP_ERR_MAX 1024
/* sl_frags entries looked at per tick (XDP_NEIGH_POLL_MS) by the ageing sweep */
#define XDP_FRAG_SWEEP_BUDGET 4096

struct xdp_main_opts {
	struct dpopts dp; /* --config, --events, --stats-json, --control, --state-log, -q */
	const char *pin;
	int generic;
	int verbose;
	struct xdp_replay_opts replay;
	const char **ports; /* --port, paired in order with replay.in[].path */
	unsigned int n_ports;
};

static volatile sig_atomic_t xdp_stop;
static volatile sig_atomic_t xdp_term; /* SIGTERM with node.drain_time: draining */
static unsigned int xdp_drain_time;    /* node.drain_time, s (read by the handler) */
static int xdp_nl_warned;	       /* the netlink warning, once */

static void xdp_main_usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-xdp --config FILE [--generic] [--pin DIR] [--stats-json FILE]\n"
		"                  [--control PATH] [--state-log FILE]\n"
		"       sluice-xdp --config FILE --replay IN.pcap --port NAME [--replay ... --port "
		"...]\n"
		"                  [--out OUT.pcap] [--out-port NAME=OUT.pcap ...] [--pass-out "
		"FILE]\n"
		"                  [--events FILE] [--stats-json FILE]\n"
		"\n"
		"The sluice XDP dataplane (docs/xdp.md): the same decisions as sluice-dp, as an "
		"XDP\n"
		"program on Linux interfaces. A port's device is its interface: IFNAME or "
		"xdp:IFNAME.\n"
		"\n"
		"options:\n");
	dpopts_usage(
		f,
		"      --generic          attach in generic (skb) mode; default native, falling\n"
		"                         back to generic with a warning\n"
		"      --pin DIR          pin the maps under DIR (on a bpf filesystem) while "
		"running\n"
		"      --replay FILE      replay mode: run the frames of FILE through the program\n"
		"                         (BPF_PROG_TEST_RUN) as received on the port of the\n"
		"                         matching --port (the i-th --port for the i-th "
		"--replay);\n"
		"                         several inputs are merged by timestamp\n"
		"      --port NAME        the config port a --replay file arrives on\n"
		"      --out FILE         write what the program sends on any port to FILE\n"
		"      --out-port NAME=FILE  what it sends on port NAME to FILE (before --out)\n"
		"      --pass-out FILE    frames the program passes to the kernel (XDP_PASS)\n"
		"  -v, --verbose          libbpf debug messages\n"
		"  -V, --version          the version\n");
	fprintf(f, "\n"
		   "--events is for --replay; --control and --state-log are for live mode. The\n"
		   "--stats-json object has sluice-dp's shape.\n");
}

/*
 * One more element of size bytes at the end of an array of *n: arrp points to the array's
 * pointer (any object pointer type; POSIX gives them void *'s representation). Returns the new
 * element, or NULL (out of memory; the array is as it was).
 */
static void *xdp_push(void *arrp, unsigned int *n, size_t size)
{
	void *a, *grown;

	memcpy(&a, arrp, sizeof(a));
	grown = realloc(a, (*n + 1) * size);
	if (!grown)
		return NULL;
	memcpy(arrp, &grown, sizeof(grown));
	return (char *)grown + (*n)++ * size;
}

/* sluice-xdp's own options (dpopts_spec.own_opt). */
static int xdp_main_opt(int c, char *arg, void *ctx)
{
	struct xdp_main_opts *o = ctx;
	struct xdp_replay_opts *r = &o->replay;
	struct xdp_replay_file *in;
	const char **port;
	char *eq;

	switch (c) {
	case 'g':
		o->generic = 1;
		break;
	case 'P':
		o->pin = arg;
		break;
	case 'r':
		in = xdp_push(&r->in, &r->n_in, sizeof(*r->in));
		if (!in)
			return -ENOMEM;
		in->port = NULL;
		in->path = arg;
		break;
	case 'p':
		port = xdp_push(&o->ports, &o->n_ports, sizeof(*o->ports));
		if (!port)
			return -ENOMEM;
		*port = arg;
		break;
	case 'o':
		r->out_all = arg;
		break;
	case 'O':
		eq = strchr(arg, '=');
		if (!eq || eq == arg || !eq[1]) {
			fprintf(stderr, "sluice-xdp: --out-port: expected NAME=FILE, not %s\n",
				arg);
			return -EINVAL;
		}
		in = xdp_push(&r->out, &r->n_out, sizeof(*r->out));
		if (!in)
			return -ENOMEM;
		*eq = '\0';
		in->port = arg;
		in->path = eq + 1;
		break;
	case 'a':
		r->pass_out = arg;
		break;
	case 'v':
		o->verbose = 1;
		break;
	default: /* 'V' */
		printf("sluice-xdp %s\n", SL_VERSION);
		exit(0);
	}
	return 0;
}

static const struct option xdp_main_long[] = {
	{"generic", no_argument, NULL, 'g'},	    {"pin", required_argument, NULL, 'P'},
	{"replay", required_argument, NULL, 'r'},   {"port", required_argument, NULL, 'p'},
	{"out", required_argument, NULL, 'o'},	    {"out-port", required_argument, NULL, 'O'},
	{"pass-out", required_argument, NULL, 'a'}, {"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, 'V'},	    {NULL, 0, NULL, 0},
};

static const struct dpopts_spec xdp_main_spec = {.prog = "sluice-xdp",
						 .own_short = "vV",
						 .own = xdp_main_long,
						 .own_opt = xdp_main_opt,
						 .usage = xdp_main_usage};

static int xdp_main_parse(int argc, char **argv, struct xdp_main_opts *o)
{
	struct xdp_replay_opts *r = &o->replay;
	unsigned int i;
	int ret;

	ret = dpopts_parse(argc, argv, &xdp_main_spec, &o->dp, o);
	if (ret)
		return ret;
	r->events = o->dp.events;
	r->quiet = o->dp.quiet;
	if (o->n_ports != r->n_in) {
		fprintf(stderr, "sluice-xdp: %u --replay but %u --port: one port per input\n",
			r->n_in, o->n_ports);
		return -EINVAL;
	}
	for (i = 0; i < r->n_in; i++)
		r->in[i].port = o->ports[i];
	if (!r->n_in && (r->out_all || r->n_out || r->pass_out || r->events)) {
		fprintf(stderr, "sluice-xdp: --out, --out-port, --pass-out and --events are for "
				"--replay\n");
		return -EINVAL;
	}
	/* a replay owns the state (--events, the packets' clock): nothing to control then */
	if (r->n_in && (o->dp.control || o->dp.state_log)) {
		fprintf(stderr,
			"sluice-xdp: --control and --state-log are for live mode: a --replay runs "
			"on its config and --events alone (the packets' clock, not the "
			"program's)\n");
		return -EINVAL;
	}
	if (r->n_in && (o->generic || o->pin)) {
		fprintf(stderr,
			"sluice-xdp: --generic and --pin are for live mode, not --replay\n");
		return -EINVAL;
	}
	return 0;
}

static int xdp_verbose;

/* libbpf's messages: debug ones only with --verbose. */
static int xdp_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static int xdp_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !xdp_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/*
 * SIGTERM with node.drain_time > 0: report stopping (liveness op) and keep the program attached
 * for the drain time (xdp_main_serve ends it), so that sluiced withdraws the routes first. A
 * second SIGTERM, or SIGINT, stops at once.
 */
static void xdp_main_signal(int sig)
{
	if (sig == SIGTERM && xdp_drain_time && !xdp_term) {
		xdp_term = 1;
		return;
	}
	xdp_stop = 1;
}

/* --- interfaces --------------------------------------------------------------------------- */

static const char *xdp_ifname(const char *device)
{
	return strncmp(device, "xdp:", 4) ? device : device + 4;
}

static int xdp_if_mac(const char *name, uint8_t mac[6])
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	if (strlen(name) >= sizeof(ifr.ifr_name)) {
		close(fd);
		return -ENAMETOOLONG;
	}
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		ret = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return ret;
}

/* Live: each port's interface and MAC. */
static int xdp_main_ifaces(struct xdp_dp *x, char *err, size_t errlen)
{
	const struct config *cfg = x->cfg;
	unsigned int i, j;
	int ret;

	for (i = 0; i < cfg->n_ports; i++) {
		const struct cfg_port *p = &cfg->ports[i];
		const char *name = xdp_ifname(p->device);

		x->ifindex[i] = if_nametoindex(name);
		if (!x->ifindex[i]) {
			snprintf(err, errlen,
				 "%s: port %s: device \"%.64s\": no such interface (sluice-xdp "
				 "takes "
				 "an interface name, or xdp:IFNAME)",
				 cfg->path, p->name, p->device);
			return -ENODEV;
		}
		for (j = 0; j < i; j++)
			if (x->ifindex[j] == x->ifindex[i]) {
				snprintf(err, errlen,
					 "%.200s: ports %.64s and %.64s are both interface %.64s",
					 cfg->path, cfg->ports[j].name, p->name, name);
				return -EINVAL;
			}
		ret = xdp_if_mac(name, x->mac[i]);
		if (ret) {
			snprintf(err, errlen, "%s: reading its MAC address: %s", name,
				 strerror(-ret));
			return ret;
		}
		if (p->has_mac && memcmp(p->mac, x->mac[i], 6))
			fprintf(stderr,
				"sluice-xdp: warning: port %s: the config's mac differs from "
				"%s's; using the interface's (%02x:%02x:%02x:%02x:%02x:%02x)\n",
				p->name, name, x->mac[i][0], x->mac[i][1], x->mac[i][2],
				x->mac[i][3], x->mac[i][4], x->mac[i][5]);
	}
	return 0;
}

/* Replay: stand-in ifindexes, the config's MACs. */
static void xdp_main_replay_ports(struct xdp_dp *x)
{
	unsigned int i;

	for (i = 0; i < x->cfg->n_ports; i++) {
		x->ifindex[i] = XDP_REPLAY_IFINDEX(i);
		if (x->cfg->ports[i].has_mac)
			memcpy(x->mac[i], x->cfg->ports[i].mac, 6);
	}
}

static void xdp_main_detach(struct xdp_dp *x, const uint32_t *modes, unsigned int n)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = x->prog_fd);
	unsigned int i;

	for (i = 0; i < n; i++)
		if (bpf_xdp_detach((int)x->ifindex[i], modes[i], &opts))
			fprintf(stderr, "sluice-xdp: detaching from %s: %s\n",
				xdp_ifname(x->cfg->ports[i].device), strerror(errno));
}

/*
 * A sluice-xdp that died without detaching (kill -9, a crash) leaves its program attached and
 * forwarding with its last state. Its successor takes that interface over by an atomic replace
 * (no packet sees no program) instead of refusing it as foreign: the attached program is an
 * orphan of ours when it has our entry program's name. Returns the orphan's fd (the caller
 * closes it) and sets *mode to its attach mode, or -1 when none is attached or it is not ours.
 */
static int xdp_main_orphan(int ifindex, uint32_t *mode)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	__u32 id;
	int fd;

	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	if (bpf_xdp_query(ifindex, 0, &q))
		return -1;
	if (q.drv_prog_id) {
		id = q.drv_prog_id;
		*mode = XDP_FLAGS_DRV_MODE;
	} else if (q.skb_prog_id) {
		id = q.skb_prog_id;
		*mode = XDP_FLAGS_SKB_MODE;
	} else {
		return -1;
	}
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -1;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || strcmp(info.name, XDP_PROG_ENTRY)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Attach to every port: native, else generic with a warning (or generic when asked). */
static int xdp_main_attach(struct xdp_dp *x, int generic, uint32_t *modes, char *err, size_t errlen)
{
	unsigned int i;
	int ret;

	for (i = 0; i < x->cfg->n_ports; i++) {
		const char *name = xdp_ifname(x->cfg->ports[i].device);
		int orphan = xdp_main_orphan((int)x->ifindex[i], &modes[i]);

		if (orphan >= 0) {
			LIBBPF_OPTS(bpf_xdp_attach_opts, ropts, .old_prog_fd = orphan);

			ret = bpf_xdp_attach((int)x->ifindex[i], x->prog_fd,
					     modes[i] | XDP_FLAGS_REPLACE, &ropts);
			close(orphan);
			if (ret) {
				snprintf(err, errlen,
					 "%s: replacing the XDP program a previous sluice-xdp left "
					 "attached: %s",
					 name, strerror(-ret));
				xdp_main_detach(x, modes, i);
				return ret;
			}
			fprintf(stderr,
				"sluice-xdp: %s: took over from the program a previous sluice-xdp "
				"left attached\n",
				name);
			continue;
		}
		modes[i] = generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
		ret = bpf_xdp_attach((int)x->ifindex[i], x->prog_fd,
				     modes[i] | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (ret && !generic && ret != -EBUSY && ret != -EEXIST) {
			fprintf(stderr,
				"sluice-xdp: warning: %s: native XDP failed (%s), attaching in "
				"generic mode (slower)\n",
				name, strerror(-ret));
			modes[i] = XDP_FLAGS_SKB_MODE;
			ret = bpf_xdp_attach((int)x->ifindex[i], x->prog_fd,
					     modes[i] | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		}
		if (ret) {
			snprintf(err, errlen, "%s: attaching the XDP program: %s%s", name,
				 strerror(-ret),
				 ret == -EBUSY || ret == -EEXIST
					 ? " (another XDP program is attached: ip link set dev "
					   "IFNAME xdp off)"
					 : "");
			xdp_main_detach(x, modes, i);
			return ret;
		}
	}
	return 0;
}

static int xdp_pin_created; /* --pin made DIR: removed again at exit */

static void xdp_main_unpin(struct xdp_dp *x, const char *dir)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, x->obj)
	{
		if (!strncmp(bpf_map__name(m), "sl_", 3) && bpf_map__is_pinned(m))
			bpf_map__unpin(m, NULL);
	}
	if (xdp_pin_created)
		rmdir(dir);
}

/* Pin the sl_* maps as DIR/NAME (DIR on a bpf filesystem). */
static int xdp_main_pin(struct xdp_dp *x, const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct bpf_map *m;
	int ret;

	if (!mkdir(dir, 0700)) {
		xdp_pin_created = 1;
	} else if (errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen,
			 "--pin %s: %s (is its parent on a bpf filesystem? mount -t bpf "
			 "bpf /sys/fs/bpf)",
			 dir, strerror(errno));
		return ret;
	}
	bpf_object__for_each_map(m, x->obj)
	{
		if (strncmp(bpf_map__name(m), "sl_", 3))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
		ret = bpf_map__pin(m, path);
		if (ret) {
			snprintf(err, errlen,
				 "pinning %.300s: %s (is %.300s on a bpf filesystem? mount -t bpf "
				 "bpf /sys/fs/bpf)",
				 path, strerror(-ret), dir);
			xdp_main_unpin(x, dir);
			return ret;
		}
	}
	return 0;
}

/*
 * --state-log (generation 1 first) and --control, once the program is attached: from then on
 * sluiced's sync and update are swapped in as new generations (xdp_ctl.c).
 */
static int xdp_main_control(struct xdp_dp *x, const struct xdp_main_opts *o, char *err,
			    size_t errlen)
{
	int ret;

	ret = o->dp.state_log ? ctl_state_log_start(o->dp.state_log, x->state, err, errlen) : 0;
	if (!ret && o->dp.control)
		ret = xdp_ctl_init(x, o->dp.control, err, errlen);
	return ret;
}

/*
 * Until SIGINT or SIGTERM: serve the control socket (if any) and send the program's
 * connection-termination RSTs (sl_rst, xdp_rst.h). The signals are blocked except inside
 * ppoll, so a stop request never falls between the check and the wait.
 */
static void xdp_main_serve(struct xdp_dp *x, struct xdp_rst *rst, int nl, const sigset_t *unblocked)
{
	const struct timespec tick = {.tv_nsec = XDP_NEIGH_POLL_MS * 1000000L};
	struct pollfd pfd[CTL_MAX_FDS + 1];
	uint64_t drain_end = 0, next_refresh = 0;
	unsigned int n;
	int r;

	while (!xdp_stop) {
		if (xdp_term && !drain_end) {
			drain_end = xdp_ctl_now_us() + (uint64_t)xdp_drain_time * 1000000;
			xdp_ctl_set_stopping(1);
			fprintf(stderr,
				"sluice-xdp: SIGTERM: stopping, forwarding for %u s more "
				"(node.drain_time)\n",
				xdp_drain_time);
		} else if (drain_end && xdp_ctl_now_us() >= drain_end) {
			break;
		}
		n = ctl_server_pollfds(pfd, CTL_MAX_FDS);
		pfd[n].fd = xdp_rst_fd(rst);
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		r = ppoll(pfd, n + 1, &tick, unblocked);
		if (nl >= 0 && xdp_ctl_now_us() >= next_refresh) {
			next_refresh = xdp_ctl_now_us() + XDP_NEIGH_REFRESH_MS * 1000ull;
			if (xdp_neigh_refresh(x, nl) < 0 && !xdp_nl_warned) {
				fprintf(stderr, "sluice-xdp: warning: cannot ask the kernel to "
						"re-validate next hops (netlink)\n");
				xdp_nl_warned = 1;
			}
		}
		xdp_maps_frag_sweep(x, xdp_ctl_now_us(), XDP_FRAG_SWEEP_BUDGET);
		if (nl >= 0 && xdp_neigh_resolve(x, nl) < 0 && !xdp_nl_warned) {
			fprintf(stderr,
				"sluice-xdp: warning: cannot ask the kernel to resolve next "
				"hops (netlink); they stay unresolved until the host's own "
				"traffic resolves them\n");
			xdp_nl_warned = 1;
		}
		if (r <= 0)
			continue;
		if (pfd[n].revents)
			xdp_rst_drain(rst);
		if (n)
			ctl_server_serve(pfd, n);
	}
	xdp_rst_drain(rst); /* what was recorded before the stop */
}

static int xdp_main_live(struct xdp_dp *x, const struct xdp_main_opts *o, char *err, size_t errlen)
{
	uint32_t modes[XDP_MAX_PORTS] = {0};
	struct sigaction sa = {.sa_handler = xdp_main_signal};
	struct xdp_rst *rst = NULL;
	int nl = -1;
	sigset_t block, old;
	unsigned int i;
	int ret;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	xdp_drain_time = x->cfg->node.drain_time;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = xdp_rst_open(x, NULL, NULL, &rst, err, errlen);
	if (ret)
		goto out_sig;
	nl = xdp_neigh_open();
	if (nl < 0)
		fprintf(stderr,
			"sluice-xdp: warning: no netlink socket (%s): next hops are resolved "
			"only by the host's own traffic\n",
			strerror(-nl));
	if (o->pin) {
		ret = xdp_main_pin(x, o->pin, err, errlen);
		if (ret)
			goto out_rst;
	}
	ret = xdp_main_attach(x, o->generic, modes, err, errlen);
	if (ret)
		goto out_unpin;
	if (!o->dp.quiet) {
		fprintf(stderr, "sluice-xdp: attached to");
		for (i = 0; i < x->cfg->n_ports; i++)
			fprintf(stderr, " %s (%s)", xdp_ifname(x->cfg->ports[i].device),
				modes[i] == XDP_FLAGS_DRV_MODE ? "native" : "generic");
		fprintf(stderr, "; SIGINT or SIGTERM to stop\n");
	}
	ret = xdp_main_control(x, o, err, errlen);
	if (!ret)
		xdp_main_serve(x, rst, nl, &old);
	ctl_server_fini();
	ctl_state_log_close();
	xdp_main_detach(x, modes, x->cfg->n_ports);
out_unpin:
	if (o->pin)
		xdp_main_unpin(x, o->pin);
out_rst:
	xdp_neigh_close(nl);
	xdp_rst_close(rst);
out_sig:
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

static int xdp_main_run(struct xdp_main_opts *o)
{
	struct xdp_dp x = {.state_fd = -1, .prog_fd = -1, .inner_tmpl_fd = -1};
	char err[XDP_ERR_MAX] = "";
	struct sluice_bpf *skel = NULL;
	int ret;

	ret = config_load(o->dp.config, &x.cfg, err, sizeof(err));
	if (ret)
		goto out;
	ret = xdp_maps_check_config(x.cfg, err, sizeof(err));
	if (ret)
		goto out_cfg;
	x.replay = o->replay.n_in > 0;
	if (x.replay) {
		ret = xdp_replay_check(&x, &o->replay, err, sizeof(err));
		xdp_main_replay_ports(&x);
	} else {
		ret = xdp_main_ifaces(&x, err, sizeof(err));
	}
	if (ret)
		goto out_cfg;

	skel = sluice_bpf__open();
	if (!skel) {
		ret = -errno;
		snprintf(err, sizeof(err), "opening the BPF object: %s", strerror(errno));
		goto out_cfg;
	}
	x.obj = skel->obj;
	ret = xdp_maps_size(&x, err, sizeof(err));
	if (ret)
		goto out_skel;
	ret = sluice_bpf__load(skel);
	if (ret) {
		snprintf(err, sizeof(err), "loading the BPF program: %s", strerror(-ret));
		goto out_skel;
	}
	ret = xdp_maps_find(&x, err, sizeof(err));
	if (!ret)
		ret = xdp_maps_fill(&x, err, sizeof(err));
	if (!ret)
		ret = xdp_nlb_init(&x, err, sizeof(err));
	if (ret)
		goto out_skel;
	ret = xdp_state_init(&x, err, sizeof(err)); /* generation 1, as sluice-dp's */
	if (ret)
		goto out_skel;

	x.run_start_us = xdp_ctl_now_us();
	if (x.replay)
		ret = xdp_replay_run(&x, &o->replay, err, sizeof(err));
	else
		ret = xdp_main_live(&x, o, err, sizeof(err));
	x.run_stop_us = xdp_ctl_now_us();
	if (!ret && !o->dp.quiet)
		xdp_stats_print_summary(&x, stdout);
	if (!ret && o->dp.stats_json) {
		ret = xdp_stats_write_json(&x, o->dp.stats_json);
		if (ret)
			snprintf(err, sizeof(err), "%s: %s", o->dp.stats_json, strerror(-ret));
	}
	xdp_state_free(&x);
out_skel:
	xdp_maps_unmap(&x);
	sluice_bpf__destroy(skel);
out_cfg:
	config_free(x.cfg);
out:
	if (ret)
		fprintf(stderr, "sluice-xdp: %s\n", err[0] ? err : strerror(-ret));
	return ret;
}

int main(int argc, char **argv)
{
	struct xdp_main_opts o = {0};
	int ret;

	ret = xdp_main_parse(argc, argv, &o);
	if (!ret) {
		xdp_verbose = o.verbose;
		libbpf_set_print(xdp_libbpf_print);
		ret = xdp_main_run(&o);
	}
	free(o.replay.in);
	free(o.replay.out);
	free(o.ports);
	return ret ? 1 : 0;
}
