/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * clients.c - limits, accounting and accept-error handling of sluiced's local listeners
 * (clients.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "ctrl/clients.h"
#include "ctrl/log.h"

static struct {
	unsigned int max_clients;
	unsigned int timeout_ms;
	unsigned int (*reserve)(void);
	uint64_t nofile; /* RLIMIT_NOFILE soft, 0 = not read yet */
	struct clients *list[CLIENTS_MAX];
} cl = {.max_clients = 64, .timeout_ms = 10000};

void clients_configure(unsigned int max_clients, unsigned int timeout_ms,
		       unsigned int (*reserve)(void))
{
	cl.max_clients = max_clients ? max_clients : 1;
	cl.timeout_ms = timeout_ms ? timeout_ms : 1;
	cl.reserve = reserve;
}

struct timeval clients_timeout(void)
{
	struct timeval tv = {(time_t)(cl.timeout_ms / 1000),
			     (suseconds_t)(cl.timeout_ms % 1000) * 1000};

	return tv;
}

static uint64_t clients_read_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024;
	return rl.rlim_cur == RLIM_INFINITY ? UINT32_MAX : (uint64_t)rl.rlim_cur;
}

uint64_t clients_raise_nofile(uint64_t *old)
{
	struct rlimit rl;

	*old = clients_read_nofile();
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			log_warn("cannot raise the file descriptor limit to %llu: %s",
				 (unsigned long long)rl.rlim_max, strerror(errno));
	}
	cl.nofile = clients_read_nofile();
	return cl.nofile;
}

static unsigned int clients_n_listeners(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < CLIENTS_MAX; i++)
		n += cl.list[i] != NULL;
	return n ? n : 1;
}

unsigned int clients_limit(const struct clients *c)
{
	uint64_t need = CLIENTS_FD_BASE + (cl.reserve ? cl.reserve() : 0), room;

	(void)c;
	room = cl.nofile > need ? (cl.nofile - need) / clients_n_listeners() : 0;
	if (!room)
		room = 1; /* an operator can still ask (CLIENTS_FD_BASE covers it) */
	return room < cl.max_clients ? (unsigned int)room : cl.max_clients;
}

int clients_admit(struct clients *c)
{
	unsigned int limit = clients_limit(c);

	if (c->open < limit) {
		c->open++;
		return 1;
	}
	c->refused++;
	ratelog_event(&c->refused_log, "%u connected, at most %u (%s)", c->open, limit,
		      limit < cl.max_clients ? "what the file descriptor limit leaves to clients"
					     : "daemon.max_clients");
	return 0;
}

void clients_closed(struct clients *c)
{
	if (!c->open)
		log_fatal("%s: more clients closed than opened", c->name);
	c->open--;
}

void clients_hold(struct clients *c)
{
	if (!c->holds++ && c->lis)
		evconnlistener_disable(c->lis);
}

void clients_release(struct clients *c)
{
	if (!c->holds)
		log_fatal("%s: released more than held", c->name);
	if (!--c->holds && c->lis)
		evconnlistener_enable(c->lis);
}

static void clients_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	clients_release(arg);
}

void clients_accept_error(struct clients *c, int err)
{
	struct timeval tv = {0, CLIENTS_PAUSE_MS * 1000};

	c->accept_errors++;
	ratelog_event(&c->error_log, "%s; accepting again in %u ms", strerror(err),
		      CLIENTS_PAUSE_MS);
	if (evtimer_pending(c->resume, NULL))
		return;
	clients_hold(c);
	if (evtimer_add(c->resume, &tv))
		log_fatal("%s: evtimer_add failed", c->name);
}

int clients_init(struct clients *c, struct event_base *base, const char *name,
		 struct evconnlistener *lis)
{
	char what[64];
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->name = name;
	c->lis = lis;
	if (!cl.nofile)
		cl.nofile = clients_read_nofile();
	c->resume = evtimer_new(base, clients_resume, c);
	snprintf(what, sizeof(what), "%s: refused clients", name);
	if (!c->resume || ratelog_init(&c->refused_log, base, LOG_LVL_WARNING, what))
		goto fail;
	snprintf(what, sizeof(what), "%s: accept failed", name);
	if (ratelog_init(&c->error_log, base, LOG_LVL_WARNING, what))
		goto fail;
	for (i = 0; i < CLIENTS_MAX && cl.list[i]; i++)
		;
	if (i == CLIENTS_MAX)
		log_fatal("more than %d listeners", CLIENTS_MAX);
	cl.list[i] = c;
	return 0;
fail:
	clients_free(c);
	return -ENOMEM;
}

void clients_free(struct clients *c)
{
	unsigned int i;

	for (i = 0; i < CLIENTS_MAX; i++)
		if (cl.list[i] == c)
			cl.list[i] = NULL;
	if (c->resume)
		event_free(c->resume);
	c->resume = NULL;
	ratelog_free(&c->refused_log);
	ratelog_free(&c->error_log);
	c->lis = NULL;
}

const struct clients *clients_get(unsigned int i)
{
	unsigned int k, n = 0;

	for (k = 0; k < CLIENTS_MAX; k++)
		if (cl.list[k] && n++ == i)
			return cl.list[k];
	return NULL;
}
