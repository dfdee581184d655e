#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""mtu_forward: the egress MTU after decapsulation and on the all-unhealthy bypass. A third
port, inside (MTU 1280, 10.0.9.1/24, 2001:db8:9::1/64), has the servers 10.0.9.1N /
2001:db8:9::1N; outside and appliances keep 1500. Every firewall is unhealthy (policy
bypass), which changes nothing for returns: they validate by their cookie.

GENEVE returns (1482-byte frames, valid cookies) whose inner packet is for inside:
- IPv4 1400 bytes with DF -> not forwarded; ICMP fragmentation-needed (MTU 1280) to the
  inner source, routed (client 1 directly; 198.51.100.7 through the router), out of outside
  from 10.0.1.10, quoting 548 bytes; counted mtu_exceeded, icmp_frag_needed;
- 1281 bytes with DF: the same (one over);
- IPv4 1400 without DF -> dropped mtu_exceeded_no_df, no ICMP (sluice never fragments);
- IPv6 1400 -> packet-too-big (MTU 1280) from 2001:db8:a::10, quoting 1232 bytes;
- exactly 1280 bytes (IPv4 with DF, IPv4 without, IPv6) -> forwarded out of inside.
Transit frames from outside, bypassed (uninspected): the same rules (1400 DF -> ICMP,
1400 no DF -> dropped, IPv6 1400 -> packet-too-big, 1280 -> bypass).
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, IPv6, TCP, UDP  # noqa: E402

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

INSIDE_MTU = 1280
INSIDE_MAC = "02:00:00:00:00:03"
REMOTE = "198.51.100.7"


def server4(i):
    return "10.0.9.%d" % (10 + i)


def server6(i):
    return "2001:db8:9::%d" % (10 + i)


def server_mac(i):
    return "02:00:00:00:09:%02x" % (10 + i)


def ports():
    return [ck.outside_port(), ck.appliances_port(),
            ck.Port("inside", INSIDE_MAC, ["10.0.9.1/24", "2001:db8:9::1/64"], INSIDE_MTU)]


def neighbors():
    neigh = ck.default_neighbors()
    for i in range(1, 5):
        neigh[server4(i)] = server_mac(i)
        neigh[server6(i)] = server_mac(i)
    return neigh


def packet(family, length, df=True, sport=40000, server=1, src=None, udp=False):
    """A TCP (or UDP) packet of exactly length bytes (L3) from client 1 (or src) to a server
    on inside, in its frame on outside."""
    if family == 4:
        ip = IP(src=src or ck.client4(1), dst=server4(server), flags="DF" if df else 0,
                id=0x100 + sport % 256)
        hdr = 20
    else:
        ip = IPv6(src=ck.client6(1), dst=server6(server))
        hdr = 40
    l4 = UDP(sport=sport, dport=5000) if udp else TCP(sport=sport, dport=443, flags="PA",
                                                       seq=1, ack=1)
    hdr += 8 if udp else 20
    l3 = ip / l4 / bytes((i * 13 + sport) & 0xFF for i in range(length - hdr))
    assert len(l3) == length
    return ck.frame(l3, ck.ROUTER_MAC if src else ck.client_mac(1))


# (frame, what it proves), all to inside
RETURNS = [
    (packet(4, 1400, sport=41001), "IPv4 DF too big: frag-needed to client 1"),
    (packet(4, 1400, sport=41002, src=REMOTE), "from behind the router: ICMP via the router"),
    (packet(4, INSIDE_MTU + 1, sport=41003), "one over: frag-needed"),
    (packet(4, 1400, df=False, sport=41004), "no DF: mtu_exceeded_no_df"),
    (packet(4, 1400, df=False, sport=41005, udp=True), "no DF, UDP: mtu_exceeded_no_df"),
    (packet(6, 1400, sport=41006), "IPv6: packet-too-big"),
    (packet(4, INSIDE_MTU, sport=41007), "exactly the MTU: forwarded"),
    (packet(4, INSIDE_MTU, df=False, sport=41008), "exactly the MTU, no DF: forwarded"),
    (packet(6, INSIDE_MTU, sport=41009), "IPv6, exactly the MTU: forwarded"),
]

BYPASSED = [
    packet(4, 1400, sport=42001, server=2),
    packet(4, 1400, df=False, sport=42002, server=2),
    packet(6, 1400, sport=42003, server=2),
    packet(4, INSIDE_MTU, sport=42004, server=2),
    packet(6, INSIDE_MTU, sport=42005, server=2),
]


def build():
    gw = sc.gateway(sc.firewalls(4, state="unhealthy", all_unhealthy="bypass"), ports=ports(),
                    neighbors=neighbors())
    sender = sc.gateway(sc.firewalls(4), ports=ports(), neighbors=neighbors())
    case = ck.Case(gw, "mtu_forward: egress MTU after decapsulation and on bypass")
    for i, (data, _) in enumerate(RETURNS):
        (_, encap), = sender.transit(data, ck.START)
        back = ck.appliance_return(encap, ident=0x200 + i)
        t = case.rx("appliances", back)
        case.tx(gw.geneve_return(back, t))
    for data in BYPASSED:
        case.transit(data)
    stats = gw.stats_subset(events=["geneve_decap", "forwarded", "bypass", "geneve_encap",
                                    "icmp_frag_needed", "icmp6_packet_too_big"],
                            drops=["mtu_exceeded", "mtu_exceeded_no_df"])
    assert stats["drops"] == {"mtu_exceeded": 6, "mtu_exceeded_no_df": 3}, stats
    assert stats["events"]["forwarded"] == 3 and stats["events"]["bypass"] == 2, stats
    case.expect_stats(stats)
    return case


ck.main(build)
