/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_neigh.h - next hops the kernel has not resolved yet. The XDP program reads next-hop MACs
 * from the kernel's neighbour table (bpf_fib_lookup), which never resolves anything itself:
 * a next hop no traffic of the host's own has touched would stay neigh_unresolved for ever.
 * So on BPF_FIB_LKUP_RET_NO_NEIGH the program records {ifindex, next hop} in sl_resolve (once:
 * BPF_NOEXIST), and sluice-xdp's main loop asks the kernel to resolve each one (RTM_NEWNEIGH
 * with NTF_USE: the kernel sends the ARP request / neighbour solicitation as if a packet had
 * used the entry), then deletes the record. The packet that found no neighbour is dropped and
 * counted neigh_unresolved, as before; the flow's next packets find the MAC.
 *
 * Refresh: the kernel never sees the traffic the program forwards, so an entry it resolved goes
 * STALE after its reachable time and stays STALE with whatever MAC it had (bpf_fib_lookup
 * forwards to a STALE entry): a next hop that moved to another MAC without a gratuitous ARP
 * would be black-holed for ever. So the program records every next hop it forwards to through
 * the kernel's table in sl_nh_used (with the time, rewritten at most twice a second), and once
 * every XDP_NEIGH_REFRESH_MS sluice-xdp "uses" each one used in the last XDP_NEIGH_USED_NS for
 * the kernel (RTM_NEWNEIGH, NTF_USE), as the kernel's own forwarding does per packet: the kernel
 * then re-validates it by its own timers (REACHABLE -> DELAY -> PROBE, unicast requests; no
 * answer: FAILED, bpf_fib_lookup misses, sl_resolve asks again by broadcast and learns the new
 * MAC). Records unused for XDP_NEIGH_IDLE_NS are deleted. docs/xdp.md.
 */
#ifndef SL_XDP_NEIGH_H
#define SL_XDP_NEIGH_H

#include "bpf/xdp_maps.h"

/* How often the main loop looks at sl_resolve, in ms. */
#define XDP_NEIGH_POLL_MS 100

/* A netlink route socket for xdp_neigh_resolve: its descriptor, or -errno. */
int xdp_neigh_open(void);
/*
 * Ask the kernel to resolve every next hop in x's sl_resolve and delete the records: how many
 * were asked for, or -errno (a netlink send failed; the records stay for the next round).
 */
int xdp_neigh_resolve(struct xdp_dp *x, int nl);
/* How often the main loop refreshes the next hops in use (sl_nh_used), and what counts. */
#define XDP_NEIGH_REFRESH_MS 1000
#define XDP_NEIGH_USED_NS    2000000000ull  /* used this recently: in use */
#define XDP_NEIGH_IDLE_NS    60000000000ull /* unused this long: the record goes */
/*
 * Have the kernel re-validate every next hop in x's sl_nh_used used in the last
 * XDP_NEIGH_USED_NS (NTF_USE), delete the records idle for XDP_NEIGH_IDLE_NS: how many were
 * refreshed, or -errno (a netlink send failed).
 */
int xdp_neigh_refresh(struct xdp_dp *x, int nl);
void xdp_neigh_close(int nl);

#endif /* SL_XDP_NEIGH_H */
