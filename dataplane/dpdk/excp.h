/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * excp.h - the exception path: a kernel interface (DPDK net_tap) per port that names one in
 * `kernel_interface`, so the host's own traffic that sluice-dp does not handle (BGP, BFD, SSH,
 * its PMTU errors, the ARP and ND it does not answer) reaches the kernel, and what the kernel
 * writes there leaves by the port. docs/dataplane.md "Exception path". The per-packet verbs
 * (excp_to_kernel, excp_poll, excp_flush) are in worker.h with the other modules'.
 */
#ifndef SL_EXCP_H
#define SL_EXCP_H

#include <stddef.h>

#include "dataplane/dpdk/dp.h"

/*
 * Create port i's kernel interface (its MAC, MTU and addresses; one RX and one TX queue per
 * worker; up). Port i must be open (its MAC is known). 0, or a negative errno with a message
 * in err; what was created is removed by excp_close_all().
 */
int excp_open(unsigned int i, const struct cfg_port *pc, char *err, size_t errlen);
/* Stop and remove every kernel interface created (the kernel deletes the TAP with it). */
void excp_close_all(void);

#endif /* SL_EXCP_H */
