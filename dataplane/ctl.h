/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl.h - the control protocol server of sluice-dp (docs/protocol.md): a Unix stream socket,
 * newline-delimited JSON, served from the main lcore's loop (never from a worker). Requests
 * that change targets build a new generation of the runtime state and publish it by RCU; the
 * reply goes out once every worker has left the old generation.
 *
 * Also the state log (--state-log FILE): one JSON line per published generation.
 */
#ifndef SL_CTL_H
#define SL_CTL_H

#include <poll.h>
#include <stdint.h>
#include <stddef.h>

#define CTL_MAX_CLIENTS 8
#define CTL_MAX_FDS	(CTL_MAX_CLIENTS + 1)
#define CTL_LINE_MAX	(4u << 20) /* bytes of one request, newline excluded */

/*
 * Listen on `path` (mode 0600; a stale socket file is replaced, a live one is an error).
 * Returns 0 or a negative errno with a message in err.
 */
int ctl_init(const char *path, char *err, size_t errlen);
/* Close every client and the listener, remove the socket file. Safe without ctl_init. */
void ctl_fini(void);
/* The descriptors to poll (listener and clients): fills pfd, returns how many (<= max). */
unsigned int ctl_pollfds(struct pollfd *pfd, unsigned int max);
/* Serve what poll() reported on the descriptors ctl_pollfds() gave. Never blocks. */
void ctl_serve(const struct pollfd *pfd, unsigned int n);

/* Open the state log (append). 0 or a negative errno with a message in err. */
int ctl_state_log_open(const char *path, char *err, size_t errlen);
/* Append the current generation (dp.state) with its publish times (us, CLOCK_REALTIME). */
void ctl_state_log_write(uint64_t published_us, uint64_t synced_us);
void ctl_state_log_close(void);

#endif /* SL_CTL_H */
