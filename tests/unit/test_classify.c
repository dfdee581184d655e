/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_classify.c - core/classify.h, the frame classification both shells call, and
 * lib/localtab.h, the local-address table both compile: parse errors map to their drop
 * reasons; size and L2 checks; what is local (own, zone IP, multicast, link-local with a kernel
 * interface), martian, another zone's, the load balancer's, inspected; the local dispatch
 * (GENEVE return, ND, echo, the NLB's, ICMP errors, the kernel's); the table's kinds, order
 * (the first entry of an address wins) and lookups.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/cu.h"
#include "dataplane/core/classify.h"
#include "dataplane/lib/localtab.h"

static const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
static const struct sl_port_view port = {.mac = mac, .mtu = 1500, .has_attach = 1};
static const struct sl_node_view nlb = {.has_listeners = 1, .nlb_v6 = 1};
static const struct sl_node_view plain = {0};

static struct pkt_info ip4(const char *dst, uint8_t proto, uint16_t flags)
{
	struct pkt_info pi = {.family = 4, .l3_off = 14, .proto = proto, .flags = flags};
	unsigned int a[4];

	sscanf(dst, "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]);
	for (int i = 0; i < 4; i++)
		pi.daddr[i] = (uint8_t)a[i];
	return pi;
}

static struct pkt_info ip6(uint8_t b0, uint8_t b1, uint8_t proto, uint16_t flags)
{
	struct pkt_info pi = {.family = 6, .l3_off = 14, .proto = proto, .flags = flags};

	pi.daddr[0] = b0;
	pi.daddr[1] = b1;
	pi.daddr[15] = 1;
	return pi;
}

static void parse_errors_map_to_their_drops(void)
{
	CU_ASSERT_EQUAL(pkt_parse_drop(-PKT_ERR_L2), SL_DROP_PARSE_L2);
	CU_ASSERT_EQUAL(pkt_parse_drop(-PKT_ERR_L3), SL_DROP_PARSE_L3);
	CU_ASSERT_EQUAL(pkt_parse_drop(-PKT_ERR_L4), SL_DROP_PARSE_L4);
	CU_ASSERT_EQUAL(pkt_parse_drop(-PKT_ERR_ETHERTYPE), SL_DROP_ETHERTYPE);
	CU_ASSERT_EQUAL(pkt_parse_drop(-99), SL_DROP_PARSE_L2);
}

static void frame_checks(void)
{
	struct pkt_info pi = ip4("10.0.0.1", IPPROTO_TCP_, PKT_F_L4);
	const uint8_t other[6] = {2, 0, 0, 0, 0, 9},
		      bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint16_t drop = 0;

	CU_ASSERT_EQUAL(sl_classify_frame(&port, 60, -PKT_ERR_L3, &pi, mac, &drop), SL_CLASS_DROP);
	CU_ASSERT_EQUAL(drop, SL_DROP_PARSE_L3);
	CU_ASSERT_EQUAL(sl_classify_frame(&port, 1515, 0, &pi, mac, &drop), SL_CLASS_DROP);
	CU_ASSERT_EQUAL(drop, SL_DROP_RX_OVERSIZE);
	CU_ASSERT_EQUAL(sl_classify_frame(&port, 1514, 0, &pi, mac, &drop), SL_CLASS_IP);
	CU_ASSERT_EQUAL(sl_classify_frame(&port, 60, 0, &pi, other, &drop), SL_CLASS_DROP);
	CU_ASSERT_EQUAL(drop, SL_DROP_L2_OTHER_HOST);
	CU_ASSERT_EQUAL(sl_classify_frame(&port, 60, 0, &pi, bcast, &drop), SL_CLASS_IP);
	pi.family = 0;
	pi.flags = PKT_F_ARP;
	CU_ASSERT_EQUAL(sl_classify_frame(&port, 60, 0, &pi, bcast, &drop), SL_CLASS_ARP);
}

static void ip_destinations(void)
{
	struct sl_port_view kif = port, bare = port;
	struct pkt_info pi = ip4("10.0.0.1", IPPROTO_TCP_, PKT_F_L4);
	uint16_t drop = 0;

	kif.has_kif = 1;
	bare.has_attach = 0;
	CU_ASSERT_EQUAL(sl_classify_ip(&port, &nlb, &pi, 0, SL_DST_OTHER, &drop), SL_CLASS_DROP);
	CU_ASSERT_EQUAL(drop, SL_DROP_IPV4_CHECKSUM);
	CU_ASSERT_EQUAL(sl_classify_ip(&port, &nlb, &pi, 1, SL_DST_OWN, &drop), SL_CLASS_LOCAL);
	CU_ASSERT_EQUAL(sl_classify_ip(&port, &nlb, &pi, 1, SL_DST_ZONE, &drop), SL_CLASS_LOCAL);
	CU_ASSERT_EQUAL(sl_classify_ip(&port, &nlb, &pi, 1, SL_DST_EDGE, &drop), SL_CLASS_DROP);
	CU_ASSERT_EQUAL(drop, SL_DROP_MARTIAN_DST);
	CU_ASSERT_EQUAL(sl_classify_ip(&port, &plain, &pi, 1, SL_DST_OTHER_ZONE, &drop),
			SL_CLASS_DROP);
	CU_ASSERT_EQUAL(drop, SL_DROP_OTHER_ZONE_IP);
	CU_ASSERT_EQUAL(sl_classify_ip(&port, &nlb, &pi, 1, SL_DST_OTHER, &drop),
			SL_CLASS_NLB_TRANSIT);
	CU_ASSERT_EQUAL(sl_classify_ip(&port, &plain, &pi, 1, SL_DST_OTHER, &drop),
			SL_CLASS_GW_ENCAP);
	CU_ASSERT_EQUAL(sl_classify_ip(&bare, &plain, &pi, 1, SL_DST_OTHER, &drop), SL_CLASS_DROP);
	CU_ASSERT_EQUAL(drop, SL_DROP_NO_ATTACHMENT);
	CU_ASSERT_EQUAL(sl_classify_encap(&port, &drop), SL_CLASS_GW_ENCAP);
	pi = ip4("224.0.0.5", 89, 0);
	CU_ASSERT_EQUAL(sl_classify_ip(&port, &nlb, &pi, 1, SL_DST_OTHER, &drop), SL_CLASS_LOCAL);
	pi = ip4("255.255.255.255", IPPROTO_UDP_, PKT_F_L4);
	CU_ASSERT_EQUAL(sl_classify_ip(&port, &nlb, &pi, 1, SL_DST_OTHER, &drop), SL_CLASS_LOCAL);
	pi = ip4("127.0.0.1", IPPROTO_UDP_, PKT_F_L4);
	CU_ASSERT_EQUAL(sl_classify_ip(&port, &nlb, &pi, 1, SL_DST_OTHER, &drop), SL_CLASS_DROP);
	CU_ASSERT_EQUAL(drop, SL_DROP_MARTIAN_DST);
	/* an other zone's IP that is martian too is martian first (the order of both shells) */
	CU_ASSERT_EQUAL(sl_classify_ip(&port, &nlb, &pi, 1, SL_DST_OTHER_ZONE, &drop),
			SL_CLASS_DROP);
	CU_ASSERT_EQUAL(drop, SL_DROP_MARTIAN_DST);
	/* IPv6: link-local is the kernel interface's, else martian; NLB transit per shell */
	pi = ip6(0xfe, 0x80, IPPROTO_TCP_, PKT_F_L4);
	CU_ASSERT_EQUAL(sl_classify_ip(&kif, &nlb, &pi, 1, SL_DST_OTHER, &drop), SL_CLASS_LOCAL);
	CU_ASSERT_EQUAL(sl_classify_ip(&port, &nlb, &pi, 1, SL_DST_OTHER, &drop), SL_CLASS_DROP);
	CU_ASSERT_EQUAL(drop, SL_DROP_MARTIAN_DST);
	pi = ip6(0x20, 0x01, IPPROTO_TCP_, PKT_F_L4);
	CU_ASSERT_EQUAL(sl_classify_ip(&port, &nlb, &pi, 1, SL_DST_OTHER_ZONE, &drop),
			SL_CLASS_DROP);
	CU_ASSERT_EQUAL(drop, SL_DROP_OTHER_ZONE_IP);
	CU_ASSERT_EQUAL(sl_classify_ip(&port, &nlb, &pi, 1, SL_DST_OTHER, &drop),
			SL_CLASS_NLB_TRANSIT);
	{
		struct sl_node_view v4only = {.has_listeners = 1};

		CU_ASSERT_EQUAL(sl_classify_ip(&port, &v4only, &pi, 1, SL_DST_OTHER, &drop),
				SL_CLASS_GW_ENCAP);
	}
}

static void local_dispatch(void)
{
	struct pkt_info pi = ip4("10.0.0.1", IPPROTO_UDP_, PKT_F_L4);
	uint16_t drop = 0;

	pi.dport = GENEVE_UDP_PORT;
	CU_ASSERT_EQUAL(sl_classify_local(&nlb, &pi, SL_DST_OWN, &drop), SL_CLASS_GW_RETURN);
	pi.dport = 53;
	CU_ASSERT_EQUAL(sl_classify_local(&nlb, &pi, SL_DST_ZONE, &drop), SL_CLASS_NLB_ZONE);
	CU_ASSERT_EQUAL(sl_classify_local(&nlb, &pi, SL_DST_OWN, &drop), SL_CLASS_NLB_LOCAL);
	CU_ASSERT_EQUAL(sl_classify_local(&plain, &pi, SL_DST_ZONE, &drop), SL_CLASS_KERNEL);
	CU_ASSERT_EQUAL(drop, SL_DROP_LOCAL_UNHANDLED);
	/* a later TCP/UDP fragment goes to the NLB; other packets without L4 to the kernel */
	pi.flags = PKT_F_FRAG | PKT_F_FRAG_LATER;
	pi.dport = 0;
	CU_ASSERT_EQUAL(sl_classify_local(&nlb, &pi, SL_DST_ZONE, &drop), SL_CLASS_NLB_ZONE);
	pi.proto = 47;
	CU_ASSERT_EQUAL(sl_classify_local(&nlb, &pi, SL_DST_ZONE, &drop), SL_CLASS_KERNEL);
	CU_ASSERT_EQUAL(drop, SL_DROP_LOCAL_UNHANDLED);
	/* ping: answered to a unicast address only */
	pi = ip4("10.0.0.1", IPPROTO_ICMP_, PKT_F_L4);
	pi.icmp_type = 8;
	CU_ASSERT_EQUAL(sl_classify_local(&nlb, &pi, SL_DST_OWN, &drop), SL_CLASS_ECHO);
	pi = ip4("224.0.0.1", IPPROTO_ICMP_, PKT_F_L4);
	pi.icmp_type = 8;
	CU_ASSERT_EQUAL(sl_classify_local(&nlb, &pi, SL_DST_OTHER, &drop), SL_CLASS_KERNEL);
	/* ICMP errors: the NLB's first, else checked for our GENEVE, else the kernel's */
	pi = ip4("10.0.0.1", IPPROTO_ICMP_, PKT_F_L4 | PKT_F_ICMP_ERR);
	pi.icmp_type = 3;
	CU_ASSERT_EQUAL(sl_classify_local(&nlb, &pi, SL_DST_OWN, &drop), SL_CLASS_NLB_LOCAL);
	CU_ASSERT_EQUAL(sl_classify_unclaimed(&nlb, &pi, &drop), SL_CLASS_ICMP_ERR);
	CU_ASSERT_EQUAL(drop, SL_DROP_NLB_ICMP_UNKNOWN);
	CU_ASSERT_EQUAL(sl_classify_local(&plain, &pi, SL_DST_OWN, &drop), SL_CLASS_ICMP_ERR);
	CU_ASSERT_EQUAL(drop, SL_DROP_LOCAL_UNHANDLED);
	/* ND */
	pi = ip6(0xff, 0x02, IPPROTO_ICMPV6_, PKT_F_L4);
	pi.icmp_type = ND_NS;
	CU_ASSERT_EQUAL(sl_classify_local(&nlb, &pi, SL_DST_OTHER, &drop), SL_CLASS_ND);
	pi.icmp_type = 128;
	CU_ASSERT_EQUAL(sl_classify_local(&nlb, &pi, SL_DST_OTHER, &drop), SL_CLASS_KERNEL);
	/* multicast TCP/UDP is nobody's session */
	pi.proto = IPPROTO_UDP_;
	CU_ASSERT_EQUAL(sl_classify_local(&nlb, &pi, SL_DST_OTHER, &drop), SL_CLASS_KERNEL);
}

static void kinds_for_the_other_callers(void)
{
	CU_ASSERT_EQUAL(sl_dst_pkt_kind(SL_DST_OTHER), PKT_DST_OTHER);
	CU_ASSERT_EQUAL(sl_dst_pkt_kind(SL_DST_OWN), PKT_DST_OWN);
	CU_ASSERT_EQUAL(sl_dst_pkt_kind(SL_DST_EDGE), PKT_DST_EDGE);
	CU_ASSERT_EQUAL(sl_dst_pkt_kind(SL_DST_ZONE), PKT_DST_OWN);
	CU_ASSERT_EQUAL(sl_dst_pkt_kind(SL_DST_OTHER_ZONE), PKT_DST_OTHER);
}

static struct cfg_addr addr4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t plen)
{
	struct cfg_addr x = {.family = 4, .plen = plen, .addr = {a, b, c, d}};

	return x;
}

/* cfg's table into t (emptied first): its number of entries, or the error of localtab_compile */
static int compile_into(struct localtab *t, const struct config *cfg)
{
	struct localtab_ent e[LOCALTAB_MAX];
	char err[128];
	int n = localtab_compile(cfg, e, err, sizeof(err));

	memset(t, 0, sizeof(*t));
	if (n > 0)
		localtab_build(t, e, (unsigned int)n);
	return n;
}

static void local_table(void)
{
	static struct cfg_port ports[2];
	static struct cfg_zone zones[3];
	static struct config cfg;
	static struct localtab t;
	struct cfg_addr a6 = {.family = 6, .plen = 64, .addr = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
	const uint8_t z3v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 3, [15] = 10};

	ports[0].addrs[0] = addr4(10, 0, 1, 10, 24);
	ports[0].addrs[1] = a6;
	ports[0].n_addrs = 2;
	ports[1].addrs[0] = addr4(192, 168, 50, 1, 24);
	ports[1].n_addrs = 1;
	strcpy(zones[0].name, "az1");
	zones[0].address = addr4(10, 0, 1, 20, 32); /* in port 0's subnet */
	strcpy(zones[1].name, "az2");
	zones[1].address = addr4(10, 0, 2, 10, 32);
	strcpy(zones[2].name, "az3");
	zones[2].address.family = 6;
	memcpy(zones[2].address.addr, z3v6, 16);
	strcpy(cfg.node.zone, "az1");
	cfg.ports = ports;
	cfg.n_ports = 2;
	cfg.zones = zones;
	cfg.n_zones = 3;
	/* zone, 3 addresses, 4 edges, 2 other zones */
	CU_ASSERT_EQUAL_FATAL(compile_into(&t, &cfg), 10);
	CU_ASSERT_EQUAL(localtab_kind(&t, 4, (const uint8_t[]){10, 0, 1, 20}), SL_DST_ZONE);
	CU_ASSERT_EQUAL(localtab_kind(&t, 4, (const uint8_t[]){10, 0, 1, 10}), SL_DST_OWN);
	CU_ASSERT_EQUAL(localtab_kind(&t, 6, a6.addr), SL_DST_OWN);
	CU_ASSERT_EQUAL(localtab_kind(&t, 4, (const uint8_t[]){10, 0, 1, 255}), SL_DST_EDGE);
	CU_ASSERT_EQUAL(localtab_kind(&t, 4, (const uint8_t[]){192, 168, 50, 0}), SL_DST_EDGE);
	CU_ASSERT_EQUAL(localtab_kind(&t, 4, (const uint8_t[]){10, 0, 2, 10}), SL_DST_OTHER_ZONE);
	CU_ASSERT_EQUAL(localtab_kind(&t, 6, z3v6), SL_DST_OTHER_ZONE);
	CU_ASSERT_EQUAL(localtab_kind(&t, 4, (const uint8_t[]){10, 0, 1, 11}), SL_DST_OTHER);
	CU_ASSERT_EQUAL(localtab_kind(&t, 6, (const uint8_t[16]){10, 0, 1, 10}), SL_DST_OTHER);

	/* the first entry wins: a zone IP that is a port's address is the zone IP; a zone IP
	 * outside every port's subnet is not the node's; an other zone on a port address is own */
	zones[0].address = addr4(10, 0, 1, 10, 32);
	zones[1].address = addr4(192, 168, 50, 1, 32);
	CU_ASSERT_EQUAL_FATAL(compile_into(&t, &cfg), 8);
	CU_ASSERT_EQUAL(localtab_kind(&t, 4, (const uint8_t[]){10, 0, 1, 10}), SL_DST_ZONE);
	CU_ASSERT_EQUAL(localtab_kind(&t, 4, (const uint8_t[]){192, 168, 50, 1}), SL_DST_OWN);
	zones[0].address = addr4(10, 9, 9, 9, 32);
	CU_ASSERT_EQUAL_FATAL(compile_into(&t, &cfg), 8);
	CU_ASSERT_EQUAL(localtab_kind(&t, 4, (const uint8_t[]){10, 9, 9, 9}), SL_DST_OTHER);
}

static void too_many_zones(void)
{
	static struct cfg_zone zones[LOCALTAB_ZONES_MAX + 2];
	static struct config cfg;
	struct localtab_ent e[LOCALTAB_MAX];
	char err[128] = "";
	unsigned int i;

	for (i = 0; i < LOCALTAB_ZONES_MAX + 2; i++) {
		snprintf(zones[i].name, sizeof(zones[i].name), "z%u", i);
		zones[i].address = addr4(10, 1, (uint8_t)i, 1, 32);
	}
	strcpy(cfg.node.zone, "z0");
	cfg.zones = zones;
	cfg.n_zones = LOCALTAB_ZONES_MAX + 1; /* this node's and 64 others */
	CU_ASSERT_EQUAL(localtab_compile(&cfg, e, err, sizeof(err)), LOCALTAB_ZONES_MAX);
	cfg.n_zones = LOCALTAB_ZONES_MAX + 2;
	CU_ASSERT_EQUAL(localtab_compile(&cfg, e, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "more than 64 zones");
}

static CU_TestInfo tests[] = {
	{"parse errors map to their drops", parse_errors_map_to_their_drops},
	{"frame checks", frame_checks},
	{"IP destinations", ip_destinations},
	{"local dispatch", local_dispatch},
	{"kinds for the other callers", kinds_for_the_other_callers},
	{"local table", local_table},
	{"too many zones", too_many_zones},
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("classify", tests);
}
