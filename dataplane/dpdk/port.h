/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port.h - bringing up the config's ports on DPDK: probe the device (PCI or vdev), size the
 * queues to the workers, use only what dev_info says the device has (ENA: no flow director;
 * pcap / af_packet: no offloads — checksums are done in software everywhere).
 */
#ifndef SL_PORT_H
#define SL_PORT_H

#include <stddef.h>

#include "dataplane/dpdk/dp.h"

/* Probe, configure and start port i of the config into dp.ports[i]. */
int port_open(unsigned int i, const struct cfg_port *pc, char *err, size_t errlen);
/* Stop and close every open port (this flushes pcap writers). */
void port_close_all(void);
/* Largest L2 frame any port takes, for sizing mbufs. */
uint32_t port_max_frame(const struct config *cfg);

#endif /* SL_PORT_H */
