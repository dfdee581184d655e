/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_rst.h - connection termination's RST to the segment's sender, which the XDP program
 * cannot send itself (one frame per packet; it makes the frame the RST to the other end): the
 * program records the segment in its sl_rst ring buffer (struct xdp_rst_ev), and sluice-xdp
 * builds the RST with core/nat.h nat_tcp_rst, as sluice-dp does, and sends it. Live: an
 * AF_PACKET socket per port, bound to its interface, drained from the main loop's ppoll().
 * Replay: drained after each BPF_PROG_TEST_RUN, each frame handed to the replay's sink ahead
 * of the frame the program sent (sluice-dp's order). docs/xdp.md.
 */
#ifndef SL_XDP_RST_H
#define SL_XDP_RST_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/xdp_maps.h"

struct xdp_rst;

/* Where a replay's RSTs go: `port` = config port index. */
typedef void (*xdp_rst_sink_fn)(void *arg, unsigned int port, const uint8_t *frame, size_t len);

/*
 * Open the ring buffer of x's loaded program. sink NULL: live (an AF_PACKET socket per port on
 * x->ifindex[]); else every built RST goes to sink(arg, ...). A record that cannot be built
 * (it never is) counts x->user_drops parse_l4, one that cannot be sent tx_full, one for no
 * port no_route: the program counted it sent. 0 or -errno with a message.
 */
int xdp_rst_open(struct xdp_dp *x, xdp_rst_sink_fn sink, void *arg, struct xdp_rst **out, char *err,
		 size_t errlen);
/* A descriptor that polls readable while records wait. */
int xdp_rst_fd(const struct xdp_rst *r);
/* Build and send (or sink) every waiting record: how many, or -errno. */
int xdp_rst_drain(struct xdp_rst *r);
void xdp_rst_close(struct xdp_rst *r);
/*
 * The Ethernet frame of record ev (its MACs, nat_tcp_rst over its segment) into out: its
 * length (54), or -EINVAL (a record that does not describe an IPv4 TCP segment) / -ENOSPC.
 */
int xdp_rst_frame(const struct xdp_rst_ev *ev, uint8_t *out, size_t cap);

#endif /* SL_XDP_RST_H */
