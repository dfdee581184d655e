#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""encap_ipv4_tcp: IPv4 TCP encapsulated to 4 firewalls, exact GENEVE frames.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP, IPOption_Router_Alert  # noqa: E402

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

REQUEST = b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


def build():
    gw = sc.gateway(sc.firewalls(4))
    case = ck.Case(gw, "encap_ipv4_tcp: IPv4 TCP encapsulated to 4 firewalls")
    for data in sc.tcp_connection(1, 10, 40000, 443, REQUEST, RESPONSE):
        case.transit(data)
    for i in range(16):
        case.transit(sc.tcp4(1 + i % 4, 11 + i, 40100 + i, 80))
    client, server = ck.client4(2), ck.server4(40)
    padded = IP(src=client, dst=server) / TCP(sport=40200, dport=22, flags="S")
    case.transit(ck.frame(padded, ck.client_mac(2), pad_to=60))
    options = IP(src=client, dst=server, tos=0x02, options=[IPOption_Router_Alert()]) / TCP(
        sport=40201, dport=22, flags="S")
    case.transit(ck.frame(options, ck.client_mac(2)))
    case.transit(sc.tcp4(3, 41, 40202, 8080, flags="PA", seq=7, ack=9,
                         load=bytes(range(256)) * 5))
    case.expect_stats(gw.stats_subset(events=["geneve_encap", "flow_new"],
                                      target_fields=["packets", "bytes", "new_flows"]))
    return case


ck.main(build)
