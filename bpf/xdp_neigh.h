/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_neigh.h - next hops the kernel has not resolved yet. The XDP program reads next-hop MACs
 * from the kernel's neighbour table (bpf_fib_lookup), which never resolves anything itself:
 * a next hop no traffic of the host's own has touched would stay neigh_unresolved for ever.
 * So on BPF_FIB_LKUP_RET_NO_NEIGH the program records {ifindex, next hop} in sl_resolve (once:
 * BPF_NOEXIST), and sluice-xdp's main loop asks the kernel to resolve each one (RTM_NEWNEIGH
 * with NTF_USE: the kernel sends the ARP request / neighbour solicitation as if a packet had
 * used the entry), then deletes the record. The packet that found no neighbour is dropped and
 * counted neigh_unresolved, as before; the flow's next packets find the MAC. docs/xdp.md.
 */
#ifndef SL_XDP_NEIGH_H
#define SL_XDP_NEIGH_H

#include "xdp_maps.h"

/* How often the main loop looks at sl_resolve, in ms. */
#define XDP_NEIGH_POLL_MS 100

/* A netlink route socket for xdp_neigh_resolve: its descriptor, or -errno. */
int xdp_neigh_open(void);
/*
 * Ask the kernel to resolve every next hop in x's sl_resolve and delete the records: how many
 * were asked for, or -errno (a netlink send failed; the records stay for the next round).
 */
int xdp_neigh_resolve(struct xdp_dp *x, int nl);
void xdp_neigh_close(int nl);

#endif /* SL_XDP_NEIGH_H */
