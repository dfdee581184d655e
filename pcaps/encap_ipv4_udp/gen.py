#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""encap_ipv4_udp: IPv4 UDP (DNS both ways, checksum 0, fragments) encapsulated, node.ttl 32.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import DNS, DNSQR, DNSRR, IP, UDP, fragment  # noqa: E402

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402


def dns_exchange(client, server, sport, name):
    query = DNS(id=sport, rd=1, qd=DNSQR(qname=name))
    answer = DNS(id=sport, qr=1, ra=1, qd=DNSQR(qname=name),
                 an=DNSRR(rrname=name, ttl=300, rdata="192.0.2.%d" % (sport % 250)))
    c, s = ck.client4(client), ck.server4(server)
    return [ck.frame(IP(src=c, dst=s) / UDP(sport=sport, dport=53) / query,
                     ck.client_mac(client)),
            ck.frame(IP(src=s, dst=c) / UDP(sport=53, dport=sport) / answer, ck.ROUTER_MAC)]


def fragments(client, server):
    """A 3000-byte datagram in fragments: only the first carries the UDP ports; all three
    reach its appliance (core/frag.h)."""
    datagram = IP(src=ck.client4(client), dst=ck.server4(server), id=0x4242) / UDP(
        sport=5004, dport=5004) / (b"media-" * 500)
    return [ck.frame(f, ck.client_mac(client)) for f in fragment(datagram, fragsize=1200)]


def build():
    gw = sc.gateway(sc.firewalls(4), ttl=32)
    case = ck.Case(gw, "encap_ipv4_udp: IPv4 UDP encapsulated to 4 firewalls, outer TTL 32")
    for i, name in enumerate(["www.example.com.", "mail.example.org.", "ntp.example.net."]):
        for data in dns_exchange(1 + i, 53, 33000 + i, name):
            case.transit(data)
    zero = IP(src=ck.client4(4), dst=ck.server4(60)) / UDP(sport=7000, dport=7000, chksum=0) / (
        b"no-checksum")
    case.transit(ck.frame(zero, ck.client_mac(4)))
    for i in range(8):
        case.transit(sc.udp4(1 + i % 4, 70 + i, 50000 + i, 443, load=b"quic-initial" * 10))
    for data in fragments(2, 80):
        case.transit(data)
    case.expect_stats(gw.stats_subset(events=["geneve_encap", "flow_new"],
                                      target_fields=["packets", "bytes", "new_flows"]))
    return case


ck.main(build)
