/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl_dpdk.h - sluice-dp's backend of the control protocol server (ctl_server.h), served from
 * the main lcore's loop (never from a worker). Requests that change targets build a new
 * generation of the runtime state and publish it by RCU; the reply goes out once every worker
 * has left the old generation. Each published generation goes to the state log (--state-log,
 * ctl_state_log_open in ctl_server.h).
 */
#ifndef SL_CTL_DPDK_H
#define SL_CTL_DPDK_H

#include <stddef.h>

#include "dataplane/lib/ctl_server.h"

/*
 * Serve the protocol for sluice-dp (dp.cfg, dp.state) on `path`: ctl_server_init with the DPDK
 * backend. Then ctl_server_pollfds / ctl_server_serve from the main lcore, ctl_server_fini.
 * Returns 0 or a negative errno with a message in err.
 */
int ctl_dpdk_init(const char *path, char *err, size_t errlen);

#endif /* SL_CTL_DPDK_H */
