/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_ctl.h - sluice-xdp's backend of the control protocol server (dataplane/lib/ctl_server.h):
 * sluiced drives sluice-xdp exactly as it drives sluice-dp. Each sync / update becomes a new
 * generation (rt_model.h), converted into a new inner map and swapped into sl_state[0]
 * (xdp_state_publish: the reply goes out after the kernel's RCU grace period, when no packet
 * uses the old generation); stats are the --stats-json object; flows are read from sl_flows.
 * Live mode only, served from the main loop's thread.
 */
#ifndef SL_XDP_CTL_H
#define SL_XDP_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/lib/ctl_server.h"
#include "bpf/xdp_maps.h"

/*
 * Serve the protocol for x (loaded, filled, generation 1 published; x must outlive the
 * server) on `path`. Then ctl_server_pollfds / poll / ctl_server_serve from the same thread,
 * ctl_server_fini at exit. 0 or -errno with a message in err.
 */
int xdp_ctl_init(struct xdp_dp *x, const char *path, char *err, size_t errlen);
/* SIGTERM with node.drain_time: the liveness op reports stopping from now on. */
void xdp_ctl_set_stopping(int stopping);
/* The program's clock (bpf_ktime_get_ns() / 1000: CLOCK_MONOTONIC), us. */
uint64_t xdp_ctl_now_us(void);

#endif /* SL_XDP_CTL_H */
