/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdp_rst.c - the sl_rst ring buffer: connection termination's RST to the sender, built with
 * core/nat.h and sent from user space (xdp_rst.h).
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "dataplane/core/nat.h"
#include "dataplane/core/pkt.h"
#include "bpf/xdp_rst.h"

struct xdp_rst {
	struct xdp_dp *x;
	struct ring_buffer *rb;
	xdp_rst_sink_fn sink;
	void *arg;
	int sock[XDP_MAX_PORTS]; /* live: AF_PACKET, bound to port i's interface; else -1 */
};

int xdp_rst_frame(const struct xdp_rst_ev *ev, uint8_t *out, size_t cap)
{
	struct pkt_info pi = {0};
	int len, v6 = (ev->seg[0] >> 4) == 6;

	if (ev->l4_off < 20 || (size_t)ev->l4_off + 20 > sizeof(ev->seg))
		return -EINVAL;
	if (cap < ETH_HLEN_)
		return -ENOSPC;
	/* the segment's headers only: its length and payload come from l3_len */
	pi.family = v6 ? 6 : 4;
	pi.proto = IPPROTO_TCP_;
	pi.flags = PKT_F_L4;
	pi.l3_off = 0;
	pi.l4_off = ev->l4_off;
	pi.l3_len = ev->l3_len;
	len = nat_tcp_rst(out + ETH_HLEN_, cap - ETH_HLEN_, ev->seg, ev->seg + ev->l4_off + 20, &pi,
			  NULL, NULL);
	if (len < 0)
		return len;
	memcpy(out, ev->dmac, 6);
	memcpy(out + 6, ev->smac, 6);
	sl_put_be16(out + 12, v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
	return ETH_HLEN_ + len;
}

/* ring_buffer__consume's callback: one record. Never fails the drain: a bad record is counted. */
static int xdp_rst_one(void *ctx, void *data, size_t size)
{
	struct xdp_rst *r = ctx;
	uint8_t frame[ETH_HLEN_ + NAT_RST6_LEN];
	const struct xdp_rst_ev *ev = data;
	int len;

	if (size < sizeof(*ev)) {
		r->x->user_drops[SL_DROP_PARSE_L4]++;
		return 0;
	}
	len = xdp_rst_frame(ev, frame, sizeof(frame));
	if (len < 0) {
		r->x->user_drops[SL_DROP_PARSE_L4]++;
		return 0;
	}
	if (ev->port >= r->x->cfg->n_ports ||
	    (!r->sink && (r->sock[ev->port] < 0 || r->x->ifindex[ev->port] != ev->ifindex))) {
		r->x->user_drops[SL_DROP_NO_ROUTE]++;
		return 0;
	}
	if (r->sink)
		r->sink(r->arg, ev->port, frame, (size_t)len);
	else if (send(r->sock[ev->port], frame, (size_t)len, MSG_DONTWAIT) != len)
		r->x->user_drops[SL_DROP_TX_FULL]++;
	return 0;
}

int xdp_rst_open(struct xdp_dp *x, xdp_rst_sink_fn sink, void *arg, struct xdp_rst **out, char *err,
		 size_t errlen)
{
	struct bpf_map *m = bpf_object__find_map_by_name(x->obj, "sl_rst");
	struct xdp_rst *r;
	unsigned int i;
	int ret;

	if (!m || bpf_map__fd(m) < 0) {
		snprintf(err, errlen, "the BPF object has no map sl_rst");
		return -ENOENT;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r->x = x;
	r->sink = sink;
	r->arg = arg;
	for (i = 0; i < XDP_MAX_PORTS; i++)
		r->sock[i] = -1;
	for (i = 0; !sink && i < x->cfg->n_ports; i++) {
		struct sockaddr_ll sll = {.sll_family = AF_PACKET,
					  .sll_ifindex = (int)x->ifindex[i]};

		/* protocol 0: sends only, nothing is queued for reading */
		r->sock[i] = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
		if (r->sock[i] < 0 || bind(r->sock[i], (struct sockaddr *)&sll, sizeof(sll))) {
			ret = -errno;
			snprintf(err, errlen,
				 "%s: AF_PACKET socket for connection-termination RSTs: %s",
				 x->cfg->ports[i].name, strerror(errno));
			goto fail;
		}
	}
	r->rb = ring_buffer__new(bpf_map__fd(m), xdp_rst_one, r, NULL);
	if (!r->rb) {
		ret = -errno;
		snprintf(err, errlen, "sl_rst ring buffer: %s", strerror(errno));
		goto fail;
	}
	*out = r;
	return 0;
fail:
	xdp_rst_close(r);
	return ret;
}

int xdp_rst_fd(const struct xdp_rst *r)
{
	return ring_buffer__epoll_fd(r->rb);
}

int xdp_rst_drain(struct xdp_rst *r)
{
	return ring_buffer__consume(r->rb);
}

void xdp_rst_close(struct xdp_rst *r)
{
	unsigned int i;

	if (!r)
		return;
	ring_buffer__free(r->rb);
	for (i = 0; i < XDP_MAX_PORTS; i++)
		if (r->sock[i] >= 0)
			close(r->sock[i]);
	free(r);
}
