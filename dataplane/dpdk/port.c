/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf_dyn.h>

#include "dataplane/dpdk/port.h"

#define PORT_RX_DESC	   1024
#define PORT_TX_DESC	   1024
#define PORT_FIXED_RXQ_MAX 16 /* more than this: a device whose queues are created on demand */

uint32_t port_max_frame(const struct config *cfg)
{
	uint32_t m = 1500;
	unsigned int i;

	for (i = 0; i < cfg->n_ports; i++)
		if (cfg->ports[i].mtu > m)
			m = cfg->ports[i].mtu;
	return m + RTE_ETHER_HDR_LEN + 2 * 4; /* two VLAN tags */
}

/* The ethdev name of a device string: up to the first comma. */
static void port_dev_name(const char *device, char *name, size_t len)
{
	size_t n = strcspn(device, ",");

	if (n >= len)
		n = len - 1;
	memcpy(name, device, n);
	name[n] = '\0';
}

static int port_find(const char *device, uint16_t *port_id, char *err, size_t errlen)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	int ret;

	port_dev_name(device, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0; /* already probed by EAL (-a / --vdev) */
	ret = rte_dev_probe(device);
	if (ret && ret != -EEXIST) {
		snprintf(err, errlen, "probing device \"%s\": %s", device, rte_strerror(-ret));
		return ret;
	}
	if (rte_eth_dev_get_port_by_name(name, port_id)) {
		snprintf(err, errlen, "device \"%s\" probed but no ethdev named \"%s\"", device,
			 name);
		return -ENODEV;
	}
	return 0;
}

int port_open(unsigned int i, const struct cfg_port *pc, char *err, size_t errlen)
{
	struct dp_port *p = &dp.ports[i];
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	unsigned int a;
	uint16_t q, nb_rxd = PORT_RX_DESC, nb_txd = PORT_TX_DESC;
	int ret;

	ret = port_find(pc->device, &p->port_id, err, errlen);
	if (ret)
		return ret;
	snprintf(p->name, sizeof(p->name), "%s", pc->name);
	p->mtu = pc->mtu;
	p->attach = -1;
	for (a = 0; a < pc->n_addrs; a++) {
		if (pc->addrs[a].family == 4 && !p->addr4)
			memcpy(&p->addr4, pc->addrs[a].addr, 4);
		if (pc->addrs[a].family == 6 && !p->has6) {
			memcpy(p->addr6, pc->addrs[a].addr, 16);
			p->has6 = 1;
		}
	}
	ret = rte_eth_dev_info_get(p->port_id, &info);
	if (ret)
		goto fail;
	/*
	 * One RX queue per worker. A vdev with a few fixed queues (af_packet qpairs, one pcap
	 * file per queue) delivers to all of them whatever we configure, so all are used; the
	 * workers share them round-robin (see main.c).
	 */
	p->n_rxq = (uint16_t)RTE_MIN(dp.n_workers, info.max_rx_queues);
	if (!info.flow_type_rss_offloads &&
	    info.max_rx_queues <= RTE_MIN(PORT_FIXED_RXQ_MAX, DP_MAX_RXQ))
		p->n_rxq = info.max_rx_queues;
	p->n_txq = (uint16_t)dp.n_workers;
	if (info.max_tx_queues < p->n_txq) {
		snprintf(err, errlen,
			 "port %s: %u workers need %u TX queues, the device has %u (use fewer "
			 "lcores)",
			 pc->name, dp.n_workers, p->n_txq, info.max_tx_queues);
		return -EINVAL;
	}
	if (p->n_rxq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			info.flow_type_rss_offloads;
		/*
		 * Without RSS the queues are still used: vdevs spread on their own (af_packet
		 * fanout, one pcap file per queue); a NIC without RSS just fills queue 0.
		 */
		if (!conf.rx_adv_conf.rss_conf.rss_hf)
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
	}
	/*
	 * Replays: net_pcap stamps every mbuf with its capture time (the RX timestamp dynfield,
	 * in us) without being asked; devices that advertise the offload need it enabled.
	 */
	if (dp.pcap_clock && (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	/* The IPv4 header checksum, checked by the NIC where it can (worker.c reads the flags). */
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	if ((uint32_t)pc->mtu + RTE_ETHER_HDR_LEN > info.max_rx_pktlen) {
		snprintf(err, errlen, "port %s: mtu %u exceeds the device's maximum frame %u",
			 pc->name, pc->mtu, info.max_rx_pktlen);
		return -EINVAL;
	}
	ret = rte_eth_dev_configure(p->port_id, p->n_rxq, p->n_txq, &conf);
	if (ret)
		goto fail;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
	if (ret)
		goto fail;
	for (q = 0; q < p->n_rxq; q++) {
		ret = rte_eth_rx_queue_setup(p->port_id, q, nb_rxd,
					     rte_eth_dev_socket_id(p->port_id), NULL, dp.pool);
		if (ret)
			goto fail;
	}
	for (q = 0; q < p->n_txq; q++) {
		ret = rte_eth_tx_queue_setup(p->port_id, q, nb_txd,
					     rte_eth_dev_socket_id(p->port_id), NULL);
		if (ret)
			goto fail;
	}
	/* The MTU is enforced in software too; a device that cannot set it is not fatal. */
	ret = rte_eth_dev_set_mtu(p->port_id, pc->mtu);
	if (ret && ret != -ENOTSUP)
		fprintf(stderr, "sluice-dp: port %s: setting mtu %u: %s (continuing)\n", pc->name,
			pc->mtu, rte_strerror(-ret));
	if (pc->has_mac) {
		memcpy(p->mac.addr_bytes, pc->mac, 6);
		ret = rte_eth_dev_default_mac_addr_set(p->port_id, &p->mac);
		if (ret == -ENOTSUP) {
			/* pcap/ring vdevs have no MAC to set: sluice uses the configured one */
			ret = 0;
		} else if (ret) {
			snprintf(err, errlen, "port %s: setting mac: %s", pc->name,
				 rte_strerror(-ret));
			return ret;
		}
	}
	ret = rte_eth_dev_start(p->port_id);
	if (ret)
		goto fail;
	if (!pc->has_mac) {
		ret = rte_eth_macaddr_get(p->port_id, &p->mac);
		if (ret)
			goto fail;
	}
	if (dp.pcap_clock && dp.ts_offset < 0) {
		dp.ts_offset = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
		ret = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);
		if (dp.ts_offset < 0 || ret < 0) {
			snprintf(err, errlen, "port %s: no RX timestamp field after start",
				 pc->name);
			return -ENOTSUP;
		}
		dp.ts_flag = 1ull << ret;
	}
	dp.n_ports = RTE_MAX(dp.n_ports, i + 1);
	return 0;
fail:
	snprintf(err, errlen, "port %s (%s): %s", pc->name, pc->device, rte_strerror(-ret));
	return ret;
}

void port_close_all(void)
{
	unsigned int i;

	for (i = 0; i < dp.n_ports; i++) {
		rte_eth_dev_stop(dp.ports[i].port_id);
		rte_eth_dev_close(dp.ports[i].port_id);
	}
}
