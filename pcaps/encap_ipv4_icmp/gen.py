#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""encap_ipv4_icmp: ICMP echo (identifier as the ports), ICMP errors (keyed on the packet they
quote, so they follow its flow) and other ICMP, encapsulated to 4 firewalls.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import ICMP, IP, TCP, UDP  # noqa: E402

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

TRANSIT_ROUTER = "203.0.113.1"


def echo_pair(client, server, ident, seq):
    c, s = ck.client4(client), ck.server4(server)
    request = IP(src=c, dst=s) / ICMP(type=8, id=ident, seq=seq) / (b"abcdefgh" * 7)
    reply = IP(src=s, dst=c) / ICMP(type=0, id=ident, seq=seq) / (b"abcdefgh" * 7)
    return [ck.frame(request, ck.client_mac(client)), ck.frame(reply, ck.ROUTER_MAC)]


def icmp_error(src, client, icmp, quoted):
    """An ICMP error to client quoting the IP header + 8 bytes of quoted."""
    return ck.frame(IP(src=src, dst=ck.client4(client)) / icmp / bytes(quoted)[:28],
                    ck.ROUTER_MAC)


def build():
    gw = sc.gateway(sc.firewalls(4))
    case = ck.Case(gw, "encap_ipv4_icmp: ICMP encapsulated to 4 firewalls")
    for ident in range(0x100, 0x106):
        for seq in (1, 2):
            for data in echo_pair(1 + ident % 4, 90 + ident % 3, ident, seq):
                case.transit(data)
    probe = IP(src=ck.client4(3), dst=ck.server4(91), ttl=1) / UDP(sport=44321, dport=33434)
    case.transit(ck.frame(probe, ck.client_mac(3)))
    case.transit(icmp_error(TRANSIT_ROUTER, 3, ICMP(type=11, code=0), probe))
    case.transit(icmp_error(ck.server4(91), 3, ICMP(type=3, code=3), probe))
    big = IP(src=ck.client4(4), dst=ck.server4(92), flags="DF") / TCP(
        sport=45000, dport=443, flags="PA", seq=1, ack=1) / (b"x" * 1300)
    case.transit(ck.frame(big, ck.client_mac(4)))
    case.transit(icmp_error(TRANSIT_ROUTER, 4, ICMP(type=3, code=4, nexthopmtu=1280), big))
    stamp = IP(src=ck.client4(1), dst=ck.server4(93)) / ICMP(
        type=13, id=9, seq=1, ts_ori=36000000, ts_rx=0, ts_tx=0)  # fixed: no wall clock
    case.transit(ck.frame(stamp, ck.client_mac(1)))
    case.expect_stats(gw.stats_subset(events=["geneve_encap", "flow_new"],
                                      target_fields=["packets", "bytes", "new_flows"]))
    return case


ck.main(build)
