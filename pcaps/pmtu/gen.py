#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""pmtu: appliances port MTU 1500, so inner packets up to 1432 bytes fit (1432 + 68). Too big:
IPv4 with DF -> ICMP fragmentation-needed (MTU 1432) back out of outside to the source's MAC
from 10.0.1.10, quoting up to 576 bytes in all; IPv4 without DF -> dropped
mtu_exceeded_no_df; IPv6 -> ICMPv6 packet-too-big (MTU 1432) from 2001:db8:a::10, quoting up
to 1280 bytes in all. 1432-byte packets pass. Writes the case files into argv[1] (default:
this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import ICMP, ICMPv6PacketTooBig, IP, IPv6, TCP  # noqa: E402

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

MTU = 1500
INNER_MAX = MTU - 68


def tcp_packet(family, length, df=True, sport=40000):
    """A TCP packet of exactly length bytes (L3) from client 1."""
    if family == 4:
        ip = IP(src=ck.client4(1), dst=ck.server4(10), flags="DF" if df else 0, id=77)
        hdr = 40
    else:
        ip = IPv6(src=ck.client6(1), dst=ck.server6(10))
        hdr = 60
    l3 = ip / TCP(sport=sport, dport=443, flags="PA", seq=1, ack=1) / bytes(
        (i * 7) & 0xFF for i in range(length - hdr))
    assert len(l3) == length
    return ck.frame(l3, ck.client_mac(1))


def frag_needed(data):
    orig = ck.l3_of(data)
    icmp = IP(src=ck.NODE4, dst=ck.client4(1), ttl=64, id=0, flags=0) / ICMP(
        type=3, code=4, nexthopmtu=INNER_MAX) / orig[:576 - 28]
    return ck.frame(icmp, ck.OUTSIDE_MAC, dst_mac=ck.src_mac_of(data))


def too_big(data):
    orig = ck.l3_of(data)
    icmp = IPv6(src=ck.NODE6, dst=ck.client6(1), hlim=64) / ICMPv6PacketTooBig(
        mtu=INNER_MAX) / orig[:1280 - 48]
    return ck.frame(icmp, ck.OUTSIDE_MAC, dst_mac=ck.src_mac_of(data))


def build():
    gw = sc.gateway(sc.firewalls(4), ports=[ck.outside_port(), ck.appliances_port(mtu=MTU)])
    case = ck.Case(gw, "pmtu: appliances MTU 1500")
    big4 = tcp_packet(4, 1450)
    case.rx("outside", big4)
    case.tx([("outside", frag_needed(big4))])
    case.rx("outside", tcp_packet(4, 1450, df=False, sport=40001))
    big6 = tcp_packet(6, 1450, sport=40002)
    case.rx("outside", big6)
    case.tx([("outside", too_big(big6))])
    one_over = tcp_packet(4, INNER_MAX + 1, sport=40003)
    case.rx("outside", one_over)
    case.tx([("outside", frag_needed(one_over))])
    case.transit(tcp_packet(4, INNER_MAX, sport=40004))
    case.transit(tcp_packet(6, INNER_MAX, sport=40005))
    case.transit(tcp_packet(4, INNER_MAX, df=False, sport=40006))
    case.expect_stats({"drops": {"mtu_exceeded": 3, "mtu_exceeded_no_df": 1},
                       "events": {"icmp_frag_needed": 2, "icmp6_packet_too_big": 1,
                                  "geneve_encap": 3}})
    return case


ck.main(build)
