/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluicectl - the CLI of sluiced's API (docs/daemon.md). A blocking client: one request line
 * {"v":1,"id":1,"op":...} on the API socket, one reply line back (at most 4 MiB, within
 * --timeout), printed as aligned tables or, with --json, as the reply itself.
 *
 * Exit status: 0 success, 1 the daemon refused the request (or its reply made no sense),
 * 2 usage error (nothing was sent), 3 the daemon could not be reached or did not answer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctrl/table.h"

#ifndef SL_VERSION
#define SL_VERSION "0.0.0"
#endif

#define CTL_DEFAULT_SOCKET  "/run/sluice/sluiced.sock"
#define CTL_DEFAULT_TIMEOUT 10.0
#define CTL_REPLY_MAX	    (4u << 20) /* the API's line limit (jsonl.h JSONL_MAX) */
#define CTL_NAME_MAX	    63
#define CTL_FLOWS_MAX	    10000 /* docs/protocol.md "flows" */
/*
 * The member naming the target in register, deregister, drain and undrain requests: "id" is
 * the request's own id in the envelope, so the target's id travels as "target" (as in flows).
 */
#define CTL_TARGET_MEMBER "target"

enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_REFUSED = 1,
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_UNREACHABLE = 3,
};

struct ctl {
	const char *socket;
	const char *timeout_arg;
	double timeout;
	int json;
};

struct ctl_cmd {
	const char *name;
	const char *args; /* the synopsis after the name */
	const char *what;
	int (*run)(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv);
};

/* A command option: a value (val) or a flag (flag). */
struct ctl_opt {
	const char *name;
	const char **val;
	int *flag;
};

static const struct ctl_cmd ctl_cmds[];

/* ---- messages -------------------------------------------------------------------------- */

static void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("sluicectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void ctl_synopsis(FILE *f, const struct ctl_cmd *cmd)
{
	if (cmd)
		fprintf(f, "usage: sluicectl [OPTIONS] %s%s%s\n", cmd->name, *cmd->args ? " " : "",
			cmd->args);
	else
		fputs("usage: sluicectl [--socket PATH] [--json] [--timeout S] COMMAND [ARGS]\n",
		      f);
}

/* A usage error: the message, the command's synopsis, a pointer to --help. Returns 2. */
static int ctl_usage(const struct ctl_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int ctl_usage(const struct ctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("sluicectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	ctl_synopsis(stderr, cmd);
	fputs("Try 'sluicectl --help' for more information.\n", stderr);
	return CTL_EXIT_USAGE;
}

static void ctl_oom(void) __attribute__((noreturn));
static void ctl_oom(void)
{
	ctl_err("out of memory");
	exit(CTL_EXIT_REFUSED);
}

/* Text wrapped at 80 columns, every line indented. */
static void ctl_wrap(FILE *f, const char *s, int indent)
{
	const int width = 80 - indent;

	while (*s) {
		int n = (int)strlen(s), cut = n;

		if (n > width) {
			for (cut = width; cut > 0 && s[cut] != ' '; cut--)
				;
			if (!cut)
				cut = width;
		}
		fprintf(f, "%*s%.*s\n", indent, "", cut, s);
		s += cut;
		while (*s == ' ')
			s++;
	}
}

static void ctl_help(FILE *f)
{
	unsigned int i;

	fputs("sluicectl - control the sluice gateway daemon (sluiced) through its API socket\n"
	      "\n"
	      "SYNOPSIS\n"
	      "  sluicectl [--socket PATH] [--json] [--timeout S] COMMAND [ARGS] [OPTIONS]\n"
	      "  sluicectl --help | help [COMMAND]\n"
	      "  sluicectl --version\n"
	      "\n"
	      "COMMANDS\n",
	      f);
	for (i = 0; ctl_cmds[i].name; i++) {
		fprintf(f, "  %s%s%s\n", ctl_cmds[i].name, *ctl_cmds[i].args ? " " : "",
			ctl_cmds[i].args);
		ctl_wrap(f, ctl_cmds[i].what, 6);
	}
	fputs("\n"
	      "GLOBAL OPTIONS (before the command; also accepted after it)\n"
	      "  -s, --socket PATH   the daemon's API socket (default: $SLUICE_SOCKET, else\n"
	      "                      " CTL_DEFAULT_SOCKET ")\n"
	      "  -j, --json          print the daemon's reply as indented JSON, without its\n"
	      "                      \"v\" and \"id\" members, instead of tables\n"
	      "  -t, --timeout S     give up when no complete reply came within S seconds\n"
	      "                      (default 10; fractions allowed, at most 86400)\n"
	      "  -h, --help          this text\n"
	      "  -V, --version       print the version\n"
	      "\n"
	      "COMMAND OPTIONS\n"
	      "  register:  --zone Z     the target's zone (default: the node's zone)\n"
	      "             --port P     0-65535 (default 0); NLB groups: the target's port,\n"
	      "                          0 = the packet's destination port; GENEVE groups: 0\n"
	      "             --weight W   0-1000, 0 takes no new flows (default 1)\n"
	      "  flows:     --group G    only flows of group G\n"
	      "             --target T   only flows pinned to target T\n"
	      "             --limit N    at most N entries, flows and sessions together,\n"
	      "                          1-10000 (default 100)\n"
	      "             --dataplane SOCK\n"
	      "                          ask the dataplane with control socket SOCK\n"
	      "                          (default: the first connected one)\n"
	      "  counters:  --dataplane SOCK\n"
	      "                          as for flows\n"
	      "             --all        also list drop reasons and events that are zero\n"
	      "\n"
	      "  Names (groups, targets, zones) are 1-63 letters, digits and - _ . :\n"
	      "  ADDRESS is IPv4 (IPv6 for tcp/udp groups whose zone IP is IPv6). Arguments are\n"
	      "  checked before anything is sent.\n"
	      "\n"
	      "OUTPUT\n"
	      "  Aligned tables with a header row; \"-\" marks a missing value. LAST-CHECK\n"
	      "  of 'targets' reads \"pass 3ms 4s ago\": the result and latency of the last\n"
	      "  health check and how long ago it ran; REASON says why a target is not\n"
	      "  healthy (the failed check, deregistered, drained, zone not served), with the\n"
	      "  time left while draining; LAST-FAILURE is the last failed check's reason,\n"
	      "  kept after the target recovers. With --json the reply is printed as the daemon\n"
	      "  sent it, without \"v\" and \"id\" (docs/daemon.md lists its members);\n"
	      "  errors still go to stderr.\n"
	      "\n"
	      "ENVIRONMENT\n"
	      "  SLUICE_SOCKET       the API socket when --socket is not given\n"
	      "\n"
	      "EXIT STATUS\n"
	      "  0  success\n"
	      "  1  the daemon refused the request (its message is printed on stderr), or its\n"
	      "     reply could not be understood\n"
	      "  2  usage error: unknown command or option, bad or missing argument\n"
	      "     (nothing was sent)\n"
	      "  3  the daemon could not be reached, closed the connection or did not answer\n"
	      "     within --timeout\n"
	      "\n"
	      "EXAMPLES\n"
	      "  sluicectl status\n"
	      "  sluicectl targets firewalls\n"
	      "  sluicectl register firewalls fw-c 192.168.50.13 --zone az1 --weight 2\n"
	      "  sluicectl drain firewalls fw-a; sluicectl undrain firewalls fw-a\n"
	      "  sluicectl deregister firewalls fw-c\n"
	      "  sluicectl flows --group firewalls --limit 20\n"
	      "  sluicectl counters --all\n"
	      "  sluicectl node drain; sluicectl node undrain\n"
	      "  sluicectl --json targets | jq '.targets[] | select(.state != \"healthy\")'\n"
	      "  SLUICE_SOCKET=/tmp/sluiced.sock sluicectl reload\n"
	      "\n"
	      "SEE ALSO\n"
	      "  sluiced(8), docs/daemon.md\n",
	      f);
}

/* ---- argument checks ------------------------------------------------------------------- */

/* A decimal integer in [min, max], nothing else around it. 0 or -EINVAL. */
static int ctl_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!*s || !((*s >= '0' && *s <= '9') || *s == '-'))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Names as the config has them: 1-63 of letters, digits and "-_.:". */
static int ctl_name_ok(const char *s)
{
	const char *p;

	if (!*s || strlen(s) > CTL_NAME_MAX)
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("-_.:", *p)))
			return 0;
	return 1;
}

static int ctl_check_name(const struct ctl_cmd *cmd, const char *what, const char *s)
{
	if (ctl_name_ok(s))
		return 0;
	return ctl_usage(cmd, "%s: bad name '%s' (1-%d letters, digits, - _ . : only)", what, s,
			 CTL_NAME_MAX);
}

/* getopt_long() said '?' about arg: an unknown option, or a value given to a flag. */
static int ctl_bad_option(const struct ctl_cmd *cmd, const char *arg)
{
	const char *pre = cmd ? cmd->name : "", *sep = cmd ? ": " : "";

	if (strncmp(arg, "--", 2) && optopt)
		return ctl_usage(cmd, "%s%sunknown option '-%c'", pre, sep, optopt);
	if (!strncmp(arg, "--", 2) && strchr(arg, '='))
		return ctl_usage(cmd, "%s%sunknown option, or an option that takes no value: '%s'",
				 pre, sep, arg);
	return ctl_usage(cmd, "%s%sunknown or ambiguous option '%s'", pre, sep, arg);
}

/* A socket path to send: not empty, valid UTF-8 (JSON strings must be). */
static int ctl_check_path(const struct ctl_cmd *cmd, const char *what, const char *s)
{
	json_t *j;

	if (!*s)
		return ctl_usage(cmd, "%s: empty path", what);
	j = json_string(s);
	if (!j)
		return ctl_usage(cmd, "%s: not valid UTF-8", what);
	json_decref(j);
	return 0;
}

/* The global options once all are parsed: the timeout checked, the socket defaulted. */
static int ctl_globals(struct ctl *c, const struct ctl_cmd *cmd)
{
	const char *env = getenv("SLUICE_SOCKET");
	char *end;

	if (c->timeout_arg) {
		errno = 0;
		c->timeout = strtod(c->timeout_arg, &end);
		if (errno || end == c->timeout_arg || *end || !(c->timeout > 0) ||
		    c->timeout > 86400)
			return ctl_usage(cmd,
					 "--timeout: expected seconds, more than 0 and at "
					 "most 86400, got '%s'",
					 c->timeout_arg);
	}
	if (!c->socket)
		c->socket = env && *env ? env : CTL_DEFAULT_SOCKET;
	if (!*c->socket)
		return ctl_usage(cmd, "--socket: empty path");
	return 0;
}

/*
 * Parse a command's arguments (argv[0] is the command): the global options, --help and the
 * command's own options, in any order with the positional arguments, which land in pos
 * (at most max_pos; more is a usage error). Returns 0, -1 after printing the command's help, or
 * an exit status for a usage error.
 */
static int ctl_parse(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv,
		     const struct ctl_opt *opts, unsigned int n_opts, char **pos, int *n_pos,
		     int max_pos)
{
	struct option lo[16] = {
		{"json", no_argument, NULL, 'j'},
		{"socket", required_argument, NULL, 's'},
		{"timeout", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
	};
	unsigned int i, n_lo = 4;
	int o;

	for (i = 0; i < n_opts && n_lo < 15; i++, n_lo++) {
		lo[n_lo].name = opts[i].name;
		lo[n_lo].has_arg = opts[i].val ? required_argument : no_argument;
		lo[n_lo].flag = NULL;
		lo[n_lo].val = 256 + (int)i;
	}
	*n_pos = 0;
	optind = 0; /* GNU: restart, scanning from argv[1] */
	opterr = 0;
	while ((o = getopt_long(argc, argv, "-:hjs:t:", lo, NULL)) != -1) {
		switch (o) {
		case 1:
			if (*n_pos == max_pos)
				return ctl_usage(cmd, "%s: unexpected argument '%s'", cmd->name,
						 optarg);
			pos[(*n_pos)++] = optarg;
			break;
		case 'j':
			c->json = 1;
			break;
		case 's':
			c->socket = optarg;
			break;
		case 't':
			c->timeout_arg = optarg;
			break;
		case 'h':
			ctl_synopsis(stdout, cmd);
			ctl_wrap(stdout, cmd->what, 0);
			return -1;
		case ':':
			return ctl_usage(cmd, "%s: option '%s' needs a value", cmd->name,
					 argv[optind - 1]);
		case '?':
			return ctl_bad_option(cmd, argv[optind - 1]);
		default:
			i = (unsigned int)(o - 256);
			if (opts[i].val)
				*opts[i].val = optarg;
			else
				*opts[i].flag = 1;
		}
	}
	for (; optind < argc; optind++) { /* after "--" */
		if (*n_pos == max_pos)
			return ctl_usage(cmd, "%s: unexpected argument '%s'", cmd->name,
					 argv[optind]);
		pos[(*n_pos)++] = argv[optind];
	}
	return ctl_globals(c, cmd);
}

/* ---- transport ------------------------------------------------------------------------- */

static double ctl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Milliseconds left before deadline for poll(), 0 when it has passed. */
static int ctl_left_ms(double deadline)
{
	double left = deadline - ctl_now();

	if (left <= 0)
		return 0;
	return left > 1e6 ? 1000000000 : (int)ceil(left * 1000);
}

/* Wait for events on fd until deadline: 0, -ETIMEDOUT or -errno. */
static int ctl_wait(int fd, short events, double deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	int ms, n;

	for (;;) {
		ms = ctl_left_ms(deadline);
		if (!ms)
			return -ETIMEDOUT;
		n = poll(&p, 1, ms);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int ctl_unreachable(const struct ctl *c, int err)
{
	ctl_err("cannot reach sluiced at %s: %s (is it running? --socket)", c->socket,
		strerror(err));
	return CTL_EXIT_UNREACHABLE;
}

/* Connect (non-blocking; a full backlog is retried until the deadline). fd or an exit status. */
static int ctl_connect(const struct ctl *c, double deadline, int *fd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s, rc;

	if (strlen(c->socket) >= sizeof(sa.sun_path))
		return ctl_unreachable(c, ENAMETOOLONG);
	memcpy(sa.sun_path, c->socket, strlen(c->socket) + 1);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return ctl_unreachable(c, errno);
	while ((rc = connect(s, (struct sockaddr *)&sa, sizeof(sa))) < 0) {
		int e = errno;
		struct timespec ts = {0, 10 * 1000 * 1000};

		if (e == EINTR)
			continue;
		if (e == EINPROGRESS) {
			socklen_t len = sizeof(e);

			rc = ctl_wait(s, POLLOUT, deadline);
			if (!rc && getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
				e = errno;
			else if (rc)
				e = -rc;
			if (!e)
				break;
		} else if (e == EAGAIN && ctl_left_ms(deadline)) { /* backlog full */
			nanosleep(&ts, NULL);
			continue;
		}
		close(s);
		return ctl_unreachable(c, e == EAGAIN ? ETIMEDOUT : e);
	}
	*fd = s;
	return 0;
}

static int ctl_transport_err(const struct ctl *c, int err, const char *what)
{
	if (err == -ETIMEDOUT)
		ctl_err("no reply from sluiced at %s within %g s (--timeout)", c->socket,
			c->timeout);
	else
		ctl_err("%s sluiced at %s: %s", what, c->socket, strerror(-err));
	return CTL_EXIT_UNREACHABLE;
}

/*
 * Send req (steals it) and read one reply line. 0 and *reply (ok true), or an exit status after
 * printing the error.
 */
static int ctl_call(struct ctl *c, json_t *req, json_t **reply)
{
	double deadline = ctl_now() + c->timeout;
	char *line, *buf = NULL, *nl = NULL;
	size_t len, off = 0, used = 0, cap = 0;
	json_error_t jerr;
	json_t *rep, *ok, *id;
	int fd = -1, rc;

	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!line)
		ctl_oom();
	len = strlen(line);
	line[len++] = '\n'; /* over the NUL: line is not a C string any more */
	rc = ctl_connect(c, deadline, &fd);
	if (rc)
		goto out;
	while (off < len) {
		ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);

		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		rc = errno == EAGAIN ? ctl_wait(fd, POLLOUT, deadline) : -errno;
		if (rc) {
			rc = ctl_transport_err(c, rc, "cannot send to");
			goto out;
		}
	}
	while (!nl) {
		ssize_t n;

		if (used == cap) {
			char *b;

			if (cap > CTL_REPLY_MAX) {
				ctl_err("bad reply from sluiced: longer than %u bytes",
					CTL_REPLY_MAX);
				rc = CTL_EXIT_REFUSED;
				goto out;
			}
			cap = cap ? cap * 2 : 65536;
			b = realloc(buf, cap + 1);
			if (!b)
				ctl_oom();
			buf = b;
		}
		n = recv(fd, buf + used, cap - used, 0);
		if (n > 0) {
			nl = memchr(buf + used, '\n', (size_t)n);
			used += (size_t)n;
			continue;
		}
		if (!n) {
			ctl_err("sluiced at %s closed the connection without a reply", c->socket);
			rc = CTL_EXIT_UNREACHABLE;
			goto out;
		}
		if (errno == EINTR)
			continue;
		rc = errno == EAGAIN ? ctl_wait(fd, POLLIN, deadline) : -errno;
		if (rc) {
			rc = ctl_transport_err(c, rc, "cannot read from");
			goto out;
		}
	}
	if ((size_t)(nl - buf) > CTL_REPLY_MAX) {
		ctl_err("bad reply from sluiced: longer than %u bytes", CTL_REPLY_MAX);
		rc = CTL_EXIT_REFUSED;
		goto out;
	}
	rep = json_loadb(buf, (size_t)(nl - buf), JSON_REJECT_DUPLICATES, &jerr);
	if (!rep || !json_is_object(rep)) {
		ctl_err("bad reply from sluiced: %s", rep ? "not a JSON object" : jerr.text);
		json_decref(rep);
		rc = CTL_EXIT_REFUSED;
		goto out;
	}
	ok = json_object_get(rep, "ok");
	id = json_object_get(rep, "id");
	if (json_is_false(ok)) {
		json_t *e = json_object_get(rep, "error");

		ctl_err("%s", json_is_string(e) ? json_string_value(e) : "request refused");
		json_decref(rep);
		rc = CTL_EXIT_REFUSED;
		goto out;
	}
	if (!json_is_true(ok) || !json_is_integer(id) || json_integer_value(id) != 1) {
		ctl_err("bad reply from sluiced: %s",
			!json_is_true(ok) ? "no \"ok\" member" : "not the id of the request");
		json_decref(rep);
		rc = CTL_EXIT_REFUSED;
		goto out;
	}
	json_object_del(rep, "v");
	json_object_del(rep, "id");
	*reply = rep;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(line);
	return rc;
}

static json_t *ctl_request(const char *op)
{
	json_t *req = json_pack("{s:i,s:i,s:s}", "v", 1, "id", 1, "op", op);

	if (!req)
		ctl_oom();
	return req;
}

static void ctl_set_str(json_t *req, const char *key, const char *val)
{
	if (json_object_set_new(req, key, json_string(val)))
		ctl_oom();
}

static void ctl_set_int(json_t *req, const char *key, long val)
{
	if (json_object_set_new(req, key, json_integer(val)))
		ctl_oom();
}

/* ---- formatting ------------------------------------------------------------------------ */

/* Seconds as "4s", "2m05s", "1h02m", "3d04h"; below 10 s with one decimal when frac. */
static void ctl_fmt_dur(double s, int frac, char *buf, size_t len)
{
	long v;

	if (s < 0)
		s = 0;
	if (frac && s < 10) {
		snprintf(buf, len, "%.1fs", s);
		return;
	}
	v = (long)s;
	if (v < 60)
		snprintf(buf, len, "%lds", v);
	else if (v < 3600)
		snprintf(buf, len, "%ldm%02lds", v / 60, v % 60);
	else if (v < 86400)
		snprintf(buf, len, "%ldh%02ldm", v / 3600, v % 3600 / 60);
	else
		snprintf(buf, len, "%ldd%02ldh", v / 86400, v % 86400 / 3600);
}

/*
 * A value as text: scalars, and arrays of strings joined with ","; NULL for null, missing,
 * objects and empty arrays ("-" in a table). buf holds the text when it is not the JSON string.
 */
static const char *ctl_str(json_t *v, char *buf, size_t len)
{
	json_t *e;
	size_t i, n = 0;

	if (!v)
		return NULL;
	switch (json_typeof(v)) {
	case JSON_ARRAY:
		if (!json_array_size(v))
			return NULL;
		buf[0] = '\0';
		json_array_foreach(v, i, e)
		{
			const char *s = json_string_value(e);

			if (n < len)
				n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "," : "",
						      s ? s : "?");
		}
		return buf;
	case JSON_STRING:
		return json_string_value(v);
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	case JSON_REAL:
		snprintf(buf, len, "%g", json_real_value(v));
		return buf;
	case JSON_TRUE:
		return "yes";
	case JSON_FALSE:
		return "no";
	default:
		return NULL;
	}
}

static const char *ctl_get_str(json_t *o, const char *key, char *buf, size_t len)
{
	return ctl_str(json_object_get(o, key), buf, len);
}

static void ctl_cell(struct table *t, const char *s)
{
	if (table_cell(t, s) == -ENOMEM)
		ctl_oom();
}

static void ctl_cellv(struct table *t, json_t *o, const char *key)
{
	char buf[512];

	ctl_cell(t, ctl_str(json_object_get(o, key), buf, sizeof(buf)));
}

static void ctl_col(struct table *t, const char *header, enum table_align align)
{
	if (table_column(t, header, align))
		ctl_oom();
}

static void ctl_row(struct table *t)
{
	if (table_row(t))
		ctl_oom();
}

static struct table *ctl_table(void)
{
	struct table *t = table_new();

	if (!t)
		ctl_oom();
	return t;
}

static void ctl_print(struct table *t)
{
	table_print(t, stdout);
	table_free(t);
}

static void ctl_print_json(json_t *reply)
{
	json_dumpf(reply, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	fputc('\n', stdout);
}

/* A header from a JSON key: "new_flows" -> "NEW-FLOWS". */
static void ctl_header(const char *key, char *buf, size_t len)
{
	size_t i;

	for (i = 0; key[i] && i + 1 < len; i++)
		buf[i] = key[i] == '_'
				 ? '-'
				 : (char)(key[i] >= 'a' && key[i] <= 'z' ? key[i] - 32 : key[i]);
	buf[i] = '\0';
}

/*
 * The scalar members of the "counters" objects of rows, in the order first seen, as extra
 * columns (a list's counters may differ in shape between daemon versions). Returns an array of
 * key strings (caller decrefs).
 */
static json_t *ctl_counter_keys(json_t *rows)
{
	json_t *keys = json_array(), *row, *v;
	const char *k;
	size_t i, j;

	if (!keys)
		ctl_oom();
	json_array_foreach(rows, i, row)
	{
		json_object_foreach(json_object_get(row, "counters"), k, v)
		{
			int seen = 0;

			if (!json_is_number(v))
				continue;
			for (j = 0; j < json_array_size(keys); j++)
				seen |= !strcmp(json_string_value(json_array_get(keys, j)), k);
			if (!seen && json_array_append_new(keys, json_string(k)))
				ctl_oom();
		}
	}
	return keys;
}

static void ctl_counter_cols(struct table *t, json_t *keys)
{
	char h[64];
	size_t i;

	for (i = 0; i < json_array_size(keys); i++) {
		ctl_header(json_string_value(json_array_get(keys, i)), h, sizeof(h));
		ctl_col(t, h, TABLE_RIGHT);
	}
}

static void ctl_counter_cells(struct table *t, json_t *keys, json_t *row)
{
	json_t *cnt = json_object_get(row, "counters");
	size_t i;

	for (i = 0; i < json_array_size(keys); i++)
		ctl_cellv(t, cnt, json_string_value(json_array_get(keys, i)));
}

/* ---- commands -------------------------------------------------------------------------- */

/* Send req, then print the reply with show (or as JSON). Steals req. */
static int ctl_run(struct ctl *c, json_t *req, void (*show)(json_t *reply, const void *arg),
		   const void *arg)
{
	json_t *reply;
	int rc = ctl_call(c, req, &reply);

	if (rc)
		return rc;
	if (c->json)
		ctl_print_json(reply);
	else
		show(reply, arg);
	json_decref(reply);
	if (fflush(stdout) || ferror(stdout)) {
		ctl_err("cannot write the output: %s", strerror(errno));
		return CTL_EXIT_REFUSED;
	}
	return CTL_EXIT_OK;
}

static void ctl_show_dataplanes(json_t *list)
{
	struct table *t = ctl_table();
	json_t *dp;
	size_t i;

	ctl_col(t, "SOCKET", TABLE_LEFT);
	ctl_col(t, "CONNECTED", TABLE_LEFT);
	ctl_col(t, "STATE", TABLE_LEFT);
	ctl_col(t, "DATAPLANE", TABLE_LEFT);
	ctl_col(t, "GENERATION", TABLE_RIGHT);
	ctl_col(t, "LAST-SYNC", TABLE_LEFT);
	ctl_col(t, "LAST-ERROR", TABLE_LEFT);
	json_array_foreach(list, i, dp)
	{
		json_t *ls = json_object_get(dp, "last_sync");
		const char *name, *ver;
		char buf[160];

		ctl_row(t);
		ctl_cellv(t, dp, "socket");
		ctl_cellv(t, dp, "connected");
		ctl_cellv(t, dp, "state");
		name = json_string_value(json_object_get(dp, "dataplane"));
		ver = json_string_value(json_object_get(dp, "version"));
		if (name && ver) /* "sluice-dp 0.1.0" */
			snprintf(buf, sizeof(buf), "%s %s", name, ver);
		ctl_cell(t, name && ver ? buf : name);
		ctl_cellv(t, dp, "generation");
		if (json_is_number(ls)) {
			double v = json_number_value(ls);

			if (v > 1e9) /* a Unix time rather than an age */
				v = (double)time(NULL) - v;
			ctl_fmt_dur(v, 0, buf, sizeof(buf));
			strncat(buf, " ago", sizeof(buf) - strlen(buf) - 1);
			ctl_cell(t, buf);
		} else {
			ctl_cellv(t, dp, "last_sync");
		}
		ctl_cellv(t, dp, "last_error");
	}
	ctl_print(t);
}

static void ctl_show_status(json_t *r, const void *arg)
{
	json_t *up = json_object_get(r, "uptime_s"), *dps = json_object_get(r, "dataplanes");
	char buf[64];
	const char *s;

	(void)arg;
	s = ctl_get_str(r, "version", buf, sizeof(buf));
	printf("version     %s\n", s ? s : "-");
	s = ctl_get_str(r, "config", buf, sizeof(buf));
	printf("config      %s\n", s ? s : "-");
	if (json_is_number(up))
		ctl_fmt_dur(json_number_value(up), 0, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "-");
	printf("uptime      %s\n", buf);
	s = ctl_get_str(r, "zone", buf, sizeof(buf));
	printf("zone        %s\n", s ? s : "-");
	if (json_is_array(dps)) {
		size_t i, n = 0;
		json_t *dp;

		json_array_foreach(dps, i, dp)
		{
			n += json_is_true(json_object_get(dp, "connected"));
		}
		printf("dataplanes  %zu of %zu connected\n", n, json_array_size(dps));
		if (json_array_size(dps)) {
			putchar('\n');
			ctl_show_dataplanes(dps);
		}
	} else {
		s = ctl_str(dps, buf, sizeof(buf));
		printf("dataplanes  %s\n", s ? s : "-");
	}
}

static int cmd_status(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv)
{
	char *pos[1];
	int n, rc = ctl_parse(c, cmd, argc, argv, NULL, 0, pos, &n, 0);

	if (rc)
		return rc;
	return ctl_run(c, ctl_request("status"), ctl_show_status, NULL);
}

/* "pass 3ms 4s ago" from a target's check object; NULL when it was never checked. */
static const char *ctl_last_check(json_t *check, char *buf, size_t len)
{
	json_t *res = json_object_get(check, "last_result");
	json_t *lat = json_object_get(check, "last_latency_ms");
	json_t *ago = json_object_get(check, "last_check_s");
	const char *r = json_is_string(res)  ? json_string_value(res)
			: json_is_true(res)  ? "pass"
			: json_is_false(res) ? "fail"
					     : NULL;
	size_t n;

	if (!r || !*r)
		return NULL;
	n = (size_t)snprintf(buf, len, "%s", r);
	if (json_is_number(lat) && n < len) {
		double ms = json_number_value(lat);

		if (ms < 1)
			n += (size_t)snprintf(buf + n, len - n, " <1ms");
		else
			n += (size_t)snprintf(buf + n, len - n, " %.0fms", ms);
	}
	if (json_is_number(ago) && n < len) {
		char d[32];

		ctl_fmt_dur(json_number_value(ago), 0, d, sizeof(d));
		snprintf(buf + n, len - n, " %s ago", d);
	}
	return buf;
}

/* The reason, with the time left to drain. */
static const char *ctl_reason(json_t *tg, char *buf, size_t len)
{
	json_t *left = json_object_get(tg, "drain_remaining_s");
	json_t *reason = json_object_get(tg, "reason");
	const char *r = json_is_string(reason) ? json_string_value(reason) : NULL;
	char d[32];

	if (!json_is_number(left))
		return r;
	ctl_fmt_dur(json_number_value(left), 0, d, sizeof(d));
	if (r && *r)
		snprintf(buf, len, "%s (%s left)", r, d);
	else
		snprintf(buf, len, "draining (%s left)", d);
	return buf;
}

static void ctl_show_targets(json_t *r, const void *arg)
{
	json_t *list = json_object_get(r, "targets"), *tg;
	struct table *t = ctl_table();
	char buf[512];
	size_t i;

	(void)arg;
	ctl_col(t, "GROUP", TABLE_LEFT);
	ctl_col(t, "ID", TABLE_LEFT);
	ctl_col(t, "ADDRESS", TABLE_LEFT);
	ctl_col(t, "PORT", TABLE_RIGHT);
	ctl_col(t, "ZONE", TABLE_LEFT);
	ctl_col(t, "WEIGHT", TABLE_RIGHT);
	ctl_col(t, "STATE", TABLE_LEFT);
	ctl_col(t, "LAST-CHECK", TABLE_LEFT);
	ctl_col(t, "REASON", TABLE_LEFT);
	ctl_col(t, "LAST-FAILURE", TABLE_LEFT);
	json_array_foreach(list, i, tg)
	{
		ctl_row(t);
		ctl_cellv(t, tg, "group");
		ctl_cellv(t, tg, "id");
		ctl_cellv(t, tg, "address");
		ctl_cellv(t, tg, "port");
		ctl_cellv(t, tg, "zone");
		ctl_cellv(t, tg, "weight");
		ctl_cellv(t, tg, "state");
		ctl_cell(t, ctl_last_check(json_object_get(tg, "check"), buf, sizeof(buf)));
		ctl_cell(t, ctl_reason(tg, buf, sizeof(buf)));
		ctl_cellv(t, tg, "last_failure");
	}
	ctl_print(t);
}

static int cmd_targets(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv)
{
	char *pos[1];
	int n, rc = ctl_parse(c, cmd, argc, argv, NULL, 0, pos, &n, 1);
	json_t *req;

	if (rc)
		return rc;
	if (n && (rc = ctl_check_name(cmd, "GROUP", pos[0])))
		return rc;
	req = ctl_request("targets");
	if (n)
		ctl_set_str(req, "group", pos[0]);
	return ctl_run(c, req, ctl_show_targets, NULL);
}

/* "firewalls/fw-c registered: initial" */
static void ctl_show_target_op(json_t *r, const void *arg)
{
	json_t *tg = json_object_get(r, "target");
	const char *done = arg;
	const char *g = json_string_value(json_object_get(tg, "group"));
	const char *id = json_string_value(json_object_get(tg, "id"));
	const char *st = json_string_value(json_object_get(tg, "state"));
	json_t *left = json_object_get(tg, "drain_remaining_s");

	printf("%s/%s %s: %s", g ? g : "?", id ? id : "?", done, st ? st : "-");
	if (json_is_number(left)) {
		char d[32];

		ctl_fmt_dur(json_number_value(left), 0, d, sizeof(d));
		printf(" (%s left)", d);
	}
	putchar('\n');
}

static int cmd_register(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv)
{
	const char *zone = NULL, *port = NULL, *weight = NULL;
	const struct ctl_opt opts[] = {
		{"zone", &zone, NULL},
		{"port", &port, NULL},
		{"weight", &weight, NULL},
	};
	struct in6_addr a; /* IPv4 or IPv6: the daemon applies the group's rule */
	long p = 0, w = 1;
	char *pos[3];
	json_t *req;
	int n, rc = ctl_parse(c, cmd, argc, argv, opts, 3, pos, &n, 3);

	if (rc)
		return rc;
	if (n < 3)
		return ctl_usage(cmd, "register: missing %s",
				 n == 0	  ? "GROUP, ID and ADDRESS"
				 : n == 1 ? "ID and ADDRESS"
					  : "ADDRESS");
	if ((rc = ctl_check_name(cmd, "GROUP", pos[0])) || (rc = ctl_check_name(cmd, "ID", pos[1])))
		return rc;
	if (inet_pton(AF_INET, pos[2], &a) != 1 && inet_pton(AF_INET6, pos[2], &a) != 1)
		return ctl_usage(cmd, "ADDRESS: not an IPv4 or IPv6 address '%s'", pos[2]);
	if (zone && (rc = ctl_check_name(cmd, "--zone", zone)))
		return rc;
	if (port && ctl_parse_long(port, 0, 65535, &p))
		return ctl_usage(cmd, "--port: expected an integer 0-65535, got '%s'", port);
	if (weight && ctl_parse_long(weight, 0, 1000, &w))
		return ctl_usage(cmd, "--weight: expected an integer 0-1000, got '%s'", weight);
	req = ctl_request("register");
	ctl_set_str(req, "group", pos[0]);
	ctl_set_str(req, CTL_TARGET_MEMBER, pos[1]);
	ctl_set_str(req, "address", pos[2]);
	if (zone)
		ctl_set_str(req, "zone", zone);
	if (port)
		ctl_set_int(req, "port", p);
	if (weight)
		ctl_set_int(req, "weight", w);
	return ctl_run(c, req, ctl_show_target_op, "registered");
}

/* deregister, drain, undrain: GROUP ID. */
static int cmd_target_op(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv)
{
	static const char *const done[][2] = {
		{"deregister", "deregistered"},
		{"drain", "drained"},
		{"undrain", "undrained"},
	};
	const char *what = cmd->name;
	char *pos[2];
	json_t *req;
	unsigned int i;
	int n, rc = ctl_parse(c, cmd, argc, argv, NULL, 0, pos, &n, 2);

	if (rc)
		return rc;
	if (n < 2)
		return ctl_usage(cmd, "%s: missing %s", cmd->name, n ? "ID" : "GROUP and ID");
	if ((rc = ctl_check_name(cmd, "GROUP", pos[0])) || (rc = ctl_check_name(cmd, "ID", pos[1])))
		return rc;
	for (i = 0; i < sizeof(done) / sizeof(done[0]); i++)
		if (!strcmp(done[i][0], cmd->name))
			what = done[i][1];
	req = ctl_request(cmd->name);
	ctl_set_str(req, "group", pos[0]);
	ctl_set_str(req, CTL_TARGET_MEMBER, pos[1]);
	return ctl_run(c, req, ctl_show_target_op, what);
}

static void ctl_idle_cell(struct table *t, json_t *o)
{
	json_t *v = json_object_get(o, "idle_s");
	char buf[32];

	if (!json_is_number(v)) {
		ctl_cell(t, NULL);
		return;
	}
	ctl_fmt_dur(json_number_value(v), 1, buf, sizeof(buf));
	ctl_cell(t, buf);
}

static void ctl_show_flows(json_t *r, const void *arg)
{
	json_t *flows = json_object_get(r, "flows"), *sess = json_object_get(r, "sessions");
	json_t *total = json_object_get(r, "total"), *e;
	size_t i, shown = json_array_size(flows) + json_array_size(sess);
	const char *dp = json_string_value(json_object_get(r, "dataplane"));
	struct table *t;

	(void)arg;
	if (json_array_size(flows)) {
		t = ctl_table();
		ctl_col(t, "GROUP", TABLE_LEFT);
		ctl_col(t, "TARGET", TABLE_LEFT);
		ctl_col(t, "PROTO", TABLE_LEFT);
		ctl_col(t, "SRC", TABLE_LEFT);
		ctl_col(t, "SPORT", TABLE_RIGHT);
		ctl_col(t, "DST", TABLE_LEFT);
		ctl_col(t, "DPORT", TABLE_RIGHT);
		ctl_col(t, "IDLE", TABLE_RIGHT);
		json_array_foreach(flows, i, e)
		{
			ctl_row(t);
			ctl_cellv(t, e, "group");
			ctl_cellv(t, e, "target");
			ctl_cellv(t, e, "proto");
			ctl_cellv(t, e, "src");
			ctl_cellv(t, e, "sport");
			ctl_cellv(t, e, "dst");
			ctl_cellv(t, e, "dport");
			ctl_idle_cell(t, e);
		}
		ctl_print(t);
	}
	if (json_array_size(sess)) {
		if (json_array_size(flows))
			putchar('\n');
		t = ctl_table();
		ctl_col(t, "LISTENER", TABLE_LEFT);
		ctl_col(t, "GROUP", TABLE_LEFT);
		ctl_col(t, "TARGET", TABLE_LEFT);
		ctl_col(t, "PROTO", TABLE_LEFT);
		ctl_col(t, "CLIENT", TABLE_LEFT);
		ctl_col(t, "CPORT", TABLE_RIGHT);
		ctl_col(t, "VIP", TABLE_LEFT);
		ctl_col(t, "VPORT", TABLE_RIGHT);
		ctl_col(t, "TARGET-ADDRESS", TABLE_LEFT);
		ctl_col(t, "TPORT", TABLE_RIGHT);
		ctl_col(t, "IDLE", TABLE_RIGHT);
		json_array_foreach(sess, i, e)
		{
			ctl_row(t);
			ctl_cellv(t, e, "listener");
			ctl_cellv(t, e, "group");
			ctl_cellv(t, e, "target");
			ctl_cellv(t, e, "proto");
			ctl_cellv(t, e, "client");
			ctl_cellv(t, e, "cport");
			ctl_cellv(t, e, "vip");
			ctl_cellv(t, e, "vport");
			ctl_cellv(t, e, "target_address");
			ctl_cellv(t, e, "tport");
			ctl_idle_cell(t, e);
		}
		ctl_print(t);
	}
	if (shown)
		putchar('\n');
	printf("%zu flow%s, %zu session%s", json_array_size(flows),
	       json_array_size(flows) == 1 ? "" : "s", json_array_size(sess),
	       json_array_size(sess) == 1 ? "" : "s");
	if (json_is_integer(total) && (size_t)json_integer_value(total) > shown)
		printf(" (of %" JSON_INTEGER_FORMAT "; raise --limit to see more)",
		       json_integer_value(total));
	else if (json_is_true(json_object_get(r, "truncated")))
		printf(" (truncated; raise --limit to see more)");
	if (dp)
		printf(" on dataplane %s", dp);
	putchar('\n');
}

static int cmd_flows(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv)
{
	const char *group = NULL, *target = NULL, *limit = NULL, *dp = NULL;
	const struct ctl_opt opts[] = {
		{"group", &group, NULL},
		{"target", &target, NULL},
		{"limit", &limit, NULL},
		{"dataplane", &dp, NULL},
	};
	char *pos[1];
	long l = 0;
	json_t *req;
	int n, rc = ctl_parse(c, cmd, argc, argv, opts, 4, pos, &n, 0);

	if (rc)
		return rc;
	if (group && (rc = ctl_check_name(cmd, "--group", group)))
		return rc;
	if (target && (rc = ctl_check_name(cmd, "--target", target)))
		return rc;
	if (limit && ctl_parse_long(limit, 1, CTL_FLOWS_MAX, &l))
		return ctl_usage(cmd, "--limit: expected an integer 1-%d, got '%s'", CTL_FLOWS_MAX,
				 limit);
	if (dp && (rc = ctl_check_path(cmd, "--dataplane", dp)))
		return rc;
	req = ctl_request("flows");
	if (limit)
		ctl_set_int(req, "limit", l);
	if (group)
		ctl_set_str(req, "group", group);
	if (target)
		ctl_set_str(req, "target", target);
	if (dp)
		ctl_set_str(req, "dataplane", dp);
	return ctl_run(c, req, ctl_show_flows, NULL);
}

/* A NAME COUNT table of an object of counters: non-zero ones unless all. */
static void ctl_show_named_counts(json_t *obj, const char *header, const char *none, int all)
{
	struct table *t = ctl_table();
	const char *k;
	json_t *v;
	char buf[64];

	ctl_col(t, header, TABLE_LEFT);
	ctl_col(t, "COUNT", TABLE_RIGHT);
	json_object_foreach((json_t *)obj, k, v)
	{
		if (!all && json_is_number(v) && json_number_value(v) == 0)
			continue;
		ctl_row(t);
		ctl_cell(t, k);
		ctl_cell(t, ctl_str(v, buf, sizeof(buf)));
	}
	if (table_rows(t))
		ctl_print(t);
	else {
		printf("%s\n", none);
		table_free(t);
	}
}

static void ctl_show_counters(json_t *r, const void *arg)
{
	json_t *st = json_object_get(r, "stats"), *v, *tg;
	const char *dp = json_string_value(json_object_get(r, "dataplane"));
	const char *k, *id;
	struct table *t;
	char b1[64], b2[64];
	const int *all = arg;

	printf("dataplane %s: active flows %s, NLB sessions %s\n\n", dp ? dp : "-",
	       ctl_get_str(st, "flows_active", b1, sizeof(b1)) ?: "-",
	       ctl_get_str(st, "nlb_sessions", b2, sizeof(b2)) ?: "-");
	t = ctl_table();
	ctl_col(t, "PORT", TABLE_LEFT);
	ctl_col(t, "RX-PACKETS", TABLE_RIGHT);
	ctl_col(t, "RX-BYTES", TABLE_RIGHT);
	ctl_col(t, "TX-PACKETS", TABLE_RIGHT);
	ctl_col(t, "TX-BYTES", TABLE_RIGHT);
	json_object_foreach(json_object_get(st, "ports"), k, v)
	{
		ctl_row(t);
		ctl_cell(t, k);
		ctl_cellv(t, v, "rx_packets");
		ctl_cellv(t, v, "rx_bytes");
		ctl_cellv(t, v, "tx_packets");
		ctl_cellv(t, v, "tx_bytes");
	}
	ctl_print(t);
	putchar('\n');
	ctl_show_named_counts(json_object_get(st, "drops"), "DROP", "no drops", *all);
	putchar('\n');
	ctl_show_named_counts(json_object_get(st, "events"), "EVENT", "no events", *all);
	if (!json_object_size(json_object_get(st, "targets")))
		return;
	putchar('\n');
	t = ctl_table();
	ctl_col(t, "GROUP", TABLE_LEFT);
	ctl_col(t, "TARGET", TABLE_LEFT);
	ctl_col(t, "STATE", TABLE_LEFT);
	ctl_col(t, "PACKETS", TABLE_RIGHT);
	ctl_col(t, "BYTES", TABLE_RIGHT);
	ctl_col(t, "NEW-FLOWS", TABLE_RIGHT);
	ctl_col(t, "RETURNS", TABLE_RIGHT); /* geneve groups: what the passive check weighs */
	ctl_col(t, "ACTIVE-FLOWS", TABLE_RIGHT);
	json_object_foreach(json_object_get(st, "targets"), k, v)
	{
		json_object_foreach(v, id, tg)
		{
			ctl_row(t);
			ctl_cell(t, k);
			ctl_cell(t, id);
			ctl_cellv(t, tg, "state");
			ctl_cellv(t, tg, "packets");
			ctl_cellv(t, tg, "bytes");
			ctl_cellv(t, tg, "new_flows");
			ctl_cellv(t, tg, "returns");
			ctl_cellv(t, tg, "active_flows");
		}
	}
	ctl_print(t);
}

static int cmd_counters(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv)
{
	const char *dp = NULL;
	int all = 0;
	const struct ctl_opt opts[] = {
		{"dataplane", &dp, NULL},
		{"all", NULL, &all},
	};
	char *pos[1];
	json_t *req;
	int n, rc = ctl_parse(c, cmd, argc, argv, opts, 2, pos, &n, 0);

	if (rc)
		return rc;
	if (dp && (rc = ctl_check_path(cmd, "--dataplane", dp)))
		return rc;
	req = ctl_request("counters");
	if (dp)
		ctl_set_str(req, "dataplane", dp);
	return ctl_run(c, req, ctl_show_counters, &all);
}

/* Where the counters of a listing came from (its "dataplane" member, null: none connected). */
static void ctl_counters_source(json_t *r)
{
	json_t *dp = json_object_get(r, "dataplane");

	if (json_is_string(dp))
		printf("\ncounters from dataplane %s\n", json_string_value(dp));
	else if (dp)
		printf("\nno dataplane connected: no counters\n");
}

static void ctl_show_listeners(json_t *r, const void *arg)
{
	json_t *list = json_object_get(r, "listeners"), *l;
	json_t *keys = ctl_counter_keys(list);
	struct table *t = ctl_table();
	size_t i;

	(void)arg;
	ctl_col(t, "NAME", TABLE_LEFT);
	ctl_col(t, "PROTOCOL", TABLE_LEFT);
	ctl_col(t, "PORT", TABLE_RIGHT);
	ctl_col(t, "GROUP", TABLE_LEFT);
	ctl_col(t, "INSPECT", TABLE_LEFT);
	ctl_counter_cols(t, keys);
	json_array_foreach(list, i, l)
	{
		ctl_row(t);
		ctl_cellv(t, l, "name");
		ctl_cellv(t, l, "protocol");
		ctl_cellv(t, l, "port");
		ctl_cellv(t, l, "group");
		ctl_cellv(t, l, "inspect");
		ctl_counter_cells(t, keys, l);
	}
	ctl_print(t);
	json_decref(keys);
	ctl_counters_source(r);
}

/* Per chain group counters of the attachments ({"GROUP": {"packets": n, ...}}), if any. */
static void ctl_show_chain_counters(json_t *list)
{
	json_t *keys = json_array(), *a, *g, *v;
	struct table *t = ctl_table();
	const char *gname, *k;
	size_t i, j;
	char h[64];

	if (!keys)
		ctl_oom();
	json_array_foreach(list, i, a)
	{
		json_object_foreach(json_object_get(a, "counters"), gname, g)
		{
			json_object_foreach(g, k, v)
			{
				int seen = 0;

				if (!json_is_number(v))
					continue;
				for (j = 0; j < json_array_size(keys); j++)
					seen |= !strcmp(json_string_value(json_array_get(keys, j)),
							k);
				if (!seen && json_array_append_new(keys, json_string(k)))
					ctl_oom();
			}
		}
	}
	ctl_col(t, "ATTACHMENT", TABLE_LEFT);
	ctl_col(t, "GROUP", TABLE_LEFT);
	for (j = 0; j < json_array_size(keys); j++) {
		ctl_header(json_string_value(json_array_get(keys, j)), h, sizeof(h));
		ctl_col(t, h, TABLE_RIGHT);
	}
	json_array_foreach(list, i, a)
	{
		json_object_foreach(json_object_get(a, "counters"), gname, g)
		{
			if (!json_is_object(g))
				continue;
			ctl_row(t);
			ctl_cellv(t, a, "name");
			ctl_cell(t, gname);
			for (j = 0; j < json_array_size(keys); j++)
				ctl_cellv(t, g, json_string_value(json_array_get(keys, j)));
		}
	}
	if (table_rows(t)) {
		putchar('\n');
		ctl_print(t);
	} else {
		table_free(t);
	}
	json_decref(keys);
}

static void ctl_show_attachments(json_t *r, const void *arg)
{
	json_t *list = json_object_get(r, "attachments"), *a, *v;
	json_t *keys = ctl_counter_keys(list);
	struct table *t = ctl_table();
	char buf[64];
	size_t i;

	(void)arg;
	ctl_col(t, "NAME", TABLE_LEFT);
	ctl_col(t, "ENDPOINT-ID", TABLE_LEFT);
	ctl_col(t, "ATTACHMENT-ID", TABLE_LEFT);
	ctl_col(t, "FROM", TABLE_LEFT);
	ctl_col(t, "CHAIN", TABLE_LEFT);
	ctl_counter_cols(t, keys);
	json_array_foreach(list, i, a)
	{
		static const char *const ids[] = {"endpoint_id", "attachment_id"};
		unsigned int k;

		ctl_row(t);
		ctl_cellv(t, a, "name");
		for (k = 0; k < 2; k++) { /* 64-bit ids read best in hex */
			v = json_object_get(a, ids[k]);
			if (json_is_integer(v)) {
				snprintf(buf, sizeof(buf), "0x%016" PRIx64,
					 (uint64_t)json_integer_value(v));
				ctl_cell(t, buf);
			} else {
				ctl_cellv(t, a, ids[k]);
			}
		}
		ctl_cellv(t, a, "from");
		ctl_cellv(t, a, "chain");
		ctl_counter_cells(t, keys, a);
	}
	ctl_print(t);
	json_decref(keys);
	ctl_show_chain_counters(list);
	ctl_counters_source(r);
}

static void ctl_show_dataplanes_reply(json_t *r, const void *arg)
{
	(void)arg;
	ctl_show_dataplanes(json_object_get(r, "dataplanes"));
}

static void ctl_show_reload(json_t *r, const void *arg)
{
	static const char *const lists[] = {"added", "removed", "changed"};
	unsigned int k, n = 0;
	json_t *v;
	size_t i;

	(void)arg;
	for (k = 0; k < 3; k++)
		json_array_foreach(json_object_get(r, lists[k]), i, v)
		{
			printf("%-7s  %s\n", lists[k], json_string_value(v) ?: "?");
			n++;
		}
	if (!n)
		printf("no changes\n");
}

/* listeners, attachments, dataplanes, reload: no arguments. */
static int cmd_simple(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*show)(json_t *reply, const void *arg);
	} shows[] = {
		{"listeners", ctl_show_listeners},
		{"attachments", ctl_show_attachments},
		{"dataplanes", ctl_show_dataplanes_reply},
		{"reload", ctl_show_reload},
	};
	char *pos[1];
	unsigned int i;
	int n, rc = ctl_parse(c, cmd, argc, argv, NULL, 0, pos, &n, 0);

	if (rc)
		return rc;
	for (i = 0; strcmp(shows[i].name, cmd->name); i++)
		;
	return ctl_run(c, ctl_request(cmd->name), shows[i].show, NULL);
}

/* The node object (docs/daemon.md "Node states"): state, routes, then the conditions. */
static void ctl_show_node(json_t *r, const void *arg)
{
	json_t *n = json_object_get(r, "node"), *cond = json_object_get(n, "conditions");
	json_t *since = json_object_get(n, "since_s"),
	       *rem = json_object_get(n, "drain_remaining_s");
	struct table *t;
	char buf[160], dur[64];
	const char *s;
	json_t *v;
	size_t i;

	(void)arg;
	s = ctl_get_str(n, "state", buf, sizeof(buf));
	printf("state        %s\n", s ? s : "-");
	s = ctl_get_str(n, "reason", buf, sizeof(buf));
	printf("reason       %s\n", s && *s ? s : "-");
	if (json_is_number(since)) {
		ctl_fmt_dur(json_number_value(since), 0, dur, sizeof(dur));
		printf("since        %s ago\n", dur);
	}
	if (json_is_number(rem)) {
		ctl_fmt_dur(json_number_value(rem), 0, dur, sizeof(dur));
		printf("drain left   %s\n", dur);
	}
	s = ctl_get_str(n, "table", buf, sizeof(buf));
	printf("table        %s\n", s ? s : "-");
	printf("announced   ");
	json_array_foreach(json_object_get(n, "announced"), i, v)
		printf(" %s", json_string_value(v) ?: "?");
	printf("%s\n", json_array_size(json_object_get(n, "announced")) ? "" : " -");
	printf("routes      ");
	json_array_foreach(json_object_get(n, "routes"), i, v)
		printf(" %s", json_string_value(v) ?: "?");
	printf("%s\n", json_array_size(json_object_get(n, "routes")) ? "" : " -");
	s = ctl_get_str(n, "transitions", buf, sizeof(buf));
	printf("transitions  %s\n\n", s ? s : "-");

	t = ctl_table();
	ctl_col(t, "CONDITION", TABLE_LEFT);
	ctl_col(t, "OK", TABLE_LEFT);
	ctl_col(t, "DETAIL", TABLE_LEFT);
	ctl_row(t);
	ctl_cell(t, "announce configured");
	ctl_cell(t, json_is_true(json_object_get(cond, "announce_configured")) ? "yes" : "no");
	ctl_cell(t, "daemon.announce");
	json_array_foreach(json_object_get(cond, "dataplanes"), i, v)
	{
		ctl_row(t);
		snprintf(buf, sizeof(buf), "dataplane %s",
			 json_string_value(json_object_get(v, "socket")) ?: "?");
		ctl_cell(t, buf);
		ctl_cell(t, json_is_true(json_object_get(v, "ok")) ? "yes" : "no");
		ctl_cellv(t, v, "reason");
	}
	ctl_row(t);
	ctl_cell(t, "groups");
	ctl_cell(t, json_is_true(json_object_get(cond, "groups_failed")) ? "no" : "yes");
	s = ctl_get_str(cond, "min_healthy_targets", dur, sizeof(dur));
	snprintf(buf, sizeof(buf), "%s (min_healthy_targets %s)",
		 json_is_true(json_object_get(cond, "groups_failed")) ? "all groups failed"
								      : "not all failed",
		 s ? s : "?");
	ctl_cell(t, buf);
	ctl_row(t);
	ctl_cell(t, "not drained");
	ctl_cell(t, json_is_true(json_object_get(cond, "drained")) ? "no" : "yes");
	ctl_cell(t,
		 json_is_true(json_object_get(cond, "drained")) ? "sluicectl node undrain" : NULL);
	ctl_row(t);
	ctl_cell(t, "not stopping");
	ctl_cell(t, json_is_true(json_object_get(cond, "stopping")) ? "no" : "yes");
	ctl_cell(t, json_is_true(json_object_get(cond, "stopping")) ? "SIGTERM" : NULL);
	ctl_print(t);
}

/* node [drain | undrain] */
static int cmd_node(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv)
{
	char *pos[1];
	int n, rc = ctl_parse(c, cmd, argc, argv, NULL, 0, pos, &n, 1);

	if (rc)
		return rc;
	if (!n)
		return ctl_run(c, ctl_request("node"), ctl_show_node, NULL);
	if (!strcmp(pos[0], "drain"))
		return ctl_run(c, ctl_request("node_drain"), ctl_show_node, NULL);
	if (!strcmp(pos[0], "undrain"))
		return ctl_run(c, ctl_request("node_undrain"), ctl_show_node, NULL);
	return ctl_usage(cmd, "node: unknown action '%s' (expected drain or undrain)", pos[0]);
}

static const struct ctl_cmd *ctl_find(const char *name)
{
	unsigned int i;

	for (i = 0; ctl_cmds[i].name; i++)
		if (!strcmp(ctl_cmds[i].name, name))
			return &ctl_cmds[i];
	return NULL;
}

static int cmd_help(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv)
{
	const struct ctl_cmd *of;
	char *pos[1];
	int n, rc = ctl_parse(c, cmd, argc, argv, NULL, 0, pos, &n, 1);

	if (rc)
		return rc < 0 ? 0 : rc;
	if (!n) {
		ctl_help(stdout);
		return CTL_EXIT_OK;
	}
	of = ctl_find(pos[0]);
	if (!of)
		return ctl_usage(cmd, "help: unknown command '%s'", pos[0]);
	ctl_synopsis(stdout, of);
	ctl_wrap(stdout, of->what, 0);
	return CTL_EXIT_OK;
}

static const struct ctl_cmd ctl_cmds[] = {
	{"status", "", "daemon version, config file, uptime, zone and dataplane connections",
	 cmd_status},
	{"targets", "[GROUP]",
	 "targets (of GROUP, or all) with address, zone, weight, state, last health check, why "
	 "one is not healthy and its last failed check",
	 cmd_targets},
	{"register", "GROUP ID ADDRESS [--zone Z] [--port P] [--weight W]",
	 "add a target to GROUP; it starts 'initial' ('unused' in a zone this node does not serve) "
	 "and is health-checked (kept until the daemon stops: add it to the config to keep it). "
	 "A draining target with this ID is registered again with the new values",
	 cmd_register},
	{"deregister", "GROUP ID",
	 "take a target out of new flows; it drains and leaves the group after the "
	 "deregistration delay (again: no change)",
	 cmd_target_op},
	{"drain", "GROUP ID",
	 "take a target out of new flows (existing ones continue for the delay); kept in the "
	 "group (refused for a deregistered target)",
	 cmd_target_op},
	{"undrain", "GROUP ID",
	 "put a drained target back ('initial' or 'unused', health-checked again); refused for "
	 "any other target",
	 cmd_target_op},
	{"flows", "[--group G] [--target T] [--limit N] [--dataplane SOCK]",
	 "pinned inspection flows and NLB sessions of a dataplane", cmd_flows},
	{"counters", "[--dataplane SOCK] [--all]",
	 "a dataplane's counters: ports, drops by reason, events, per target", cmd_counters},
	{"listeners", "", "NLB listeners with their counters", cmd_simple},
	{"attachments", "", "inspection attachments with their chains and counters", cmd_simple},
	{"dataplanes", "", "the daemon's dataplane connections", cmd_simple},
	{"node", "[drain | undrain]",
	 "the node's announcement: state (serving, draining, withdrawn), reason, routes and "
	 "conditions; drain withdraws the routes (the dataplanes keep forwarding), undrain "
	 "announces them again",
	 cmd_node},
	{"reload", "",
	 "re-read the config file; prints the targets added, removed and changed (a bad file "
	 "changes nothing)",
	 cmd_simple},
	{"help", "[COMMAND]", "this text, or the synopsis of COMMAND", cmd_help},
	{NULL, NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"socket", required_argument, NULL, 's'},  {"json", no_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},	   {NULL, 0, NULL, 0},
	};
	struct ctl c = {.timeout = CTL_DEFAULT_TIMEOUT};
	const struct ctl_cmd *cmd;
	int o, rc;

	opterr = 0;
	while ((o = getopt_long(argc, argv, "+:s:jt:hV", lo, NULL)) != -1) {
		switch (o) {
		case 's':
			c.socket = optarg;
			break;
		case 'j':
			c.json = 1;
			break;
		case 't':
			c.timeout_arg = optarg;
			break;
		case 'h':
			ctl_help(stdout);
			return CTL_EXIT_OK;
		case 'V':
			printf("sluicectl %s\n", SL_VERSION);
			return CTL_EXIT_OK;
		case ':':
			return ctl_usage(NULL, "option '%s' needs a value", argv[optind - 1]);
		default:
			return ctl_bad_option(NULL, argv[optind - 1]);
		}
	}
	if (optind == argc)
		return ctl_usage(NULL, "no command (try 'sluicectl help')");
	cmd = ctl_find(argv[optind]);
	if (!cmd)
		return ctl_usage(NULL, "unknown command '%s'", argv[optind]);
	rc = cmd->run(&c, cmd, argc - optind, argv + optind);
	return rc < 0 ? CTL_EXIT_OK : rc;
}
