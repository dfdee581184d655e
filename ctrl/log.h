/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.h - leveled logging to stderr for sluiced and sluicectl. One line per call, prefixed
 * "<N>" (syslog priority, read by journald) when JOURNAL_STREAM is set, else with the level
 * name. Never called per packet (the daemon sees none).
 */
#ifndef SL_LOG_H
#define SL_LOG_H

#include <stddef.h>

enum log_level {
	LOG_LVL_ERROR = 3, /* the syslog priorities */
	LOG_LVL_WARNING = 4,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

/* Messages above `level` are not written. Default LOG_LVL_INFO. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "error", "warning", "info", "debug" -> 0 and *out, else -EINVAL. */
int log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level level);
/* Program name put before each line ("sluiced"). */
void log_set_ident(const char *ident);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)  log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_dbg(...)  log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/*
 * An error a function hands back to its caller (who decides whether to log it): the message
 * into err (errlen bytes, truncated), and rc returned, so that `return errf(...)` fails.
 */
int errf(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A broken invariant in the daemon: log with the function name and abort. */
#define log_fatal(...)                               \
	do {                                         \
		log_msg(LOG_LVL_ERROR, __VA_ARGS__); \
		log_abort(__func__);                 \
	} while (0)
void log_abort(const char *func) __attribute__((noreturn));

#endif /* SL_LOG_H */
