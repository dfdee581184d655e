/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.c - leveled logging to stderr. Under systemd (JOURNAL_STREAM set) each line starts with
 * "<N>", the syslog priority journald reads, and carries neither program nor level name
 * (journald records both); otherwise "IDENT: LEVEL: message". Not thread-safe: the daemon is one
 * event loop.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctrl/log.h"

static enum log_level log_level_cur = LOG_LVL_INFO;
static char log_ident[32] = "sluiced";
static int log_journal = -1; /* -1: not yet known */

/*
 * JOURNAL_STREAM is "DEV:INODE" of the stream systemd connected; it is inherited by children,
 * so it only counts when stderr is still that stream (sd_journal_stream_fd(3)).
 */
static int log_to_journal(void)
{
	unsigned long long dev, ino;
	const char *js;
	struct stat st;

	if (log_journal >= 0)
		return log_journal;
	log_journal = 0;
	js = getenv("JOURNAL_STREAM");
	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return log_journal;
	if (fstat(2, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino)
		log_journal = 1;
	return log_journal;
}

void log_set_level(enum log_level level)
{
	log_level_cur = level;
}

enum log_level log_get_level(void)
{
	return log_level_cur;
}

/* The level names, both ways (log_level_parse, log_level_name). */
static const struct {
	const char *name;
	enum log_level level;
} log_levels[] = {
	{"error", LOG_LVL_ERROR},
	{"warning", LOG_LVL_WARNING},
	{"info", LOG_LVL_INFO},
	{"debug", LOG_LVL_DEBUG},
};

int log_level_parse(const char *s, enum log_level *out)
{
	size_t i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++) {
		if (strcmp(s, log_levels[i].name) == 0) {
			*out = log_levels[i].level;
			return 0;
		}
	}
	return -EINVAL;
}

const char *log_level_name(enum log_level level)
{
	size_t i;

	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (log_levels[i].level == level)
			return log_levels[i].name;
	return "?";
}

void log_set_ident(const char *ident)
{
	snprintf(log_ident, sizeof(log_ident), "%s", ident ? ident : "");
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	int saved = errno; /* callers may log and then look at errno */
	char line[2048];
	va_list ap;
	size_t n;

	if (level > log_level_cur)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One line per call: a trailing newline in fmt is not doubled, inner ones are flattened
	 * so journald does not split the message. */
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	for (char *p = line; *p; p++)
		if (*p == '\n')
			*p = ' ';

	/* journald knows the program and shows the priority itself */
	if (log_to_journal())
		fprintf(stderr, "<%d>%s\n", (int)level, line);
	else
		fprintf(stderr, "%s%s%s: %s\n", log_ident, log_ident[0] ? ": " : "",
			log_level_name(level), line);
	fflush(stderr);
	errno = saved;
}

void log_abort(const char *func)
{
	log_msg(LOG_LVL_ERROR, "fatal: broken invariant in %s", func);
	abort();
}

int errf(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}
