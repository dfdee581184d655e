#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""encap_ipv6: inner IPv6 (TCP both ways, UDP, ICMPv6 echo, extension headers, fragments,
packet-too-big about a flow) encapsulated in outer IPv4 with protocol type 0x86DD.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import (DNS, DNSQR, ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6PacketTooBig,  # noqa: E402
                       IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, TCP, UDP, fragment6)

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402


def v6(client, server, reverse=False, **kwargs):
    c, s = ck.client6(client), ck.server6(server)
    return IPv6(src=s, dst=c, **kwargs) if reverse else IPv6(src=c, dst=s, **kwargs)


def send(case, l3, client, reverse=False):
    case.transit(ck.frame(l3, ck.ROUTER_MAC if reverse else ck.client_mac(client)))


def tcp_exchange(case, client, server, sport):
    steps = [("S", False, 100, 0), ("SA", True, 900, 101), ("A", False, 101, 901),
             ("PA", False, 101, 901)]
    for flags, rev, seq, ack in steps:
        ports = dict(sport=443, dport=sport) if rev else dict(sport=sport, dport=443)
        l3 = v6(client, server, rev, fl=0x12345, tc=0x20) / TCP(
            flags=flags, seq=seq, ack=ack, **ports)
        send(case, l3 / b"hello" if flags == "PA" else l3, client, rev)


def build():
    gw = sc.gateway(sc.firewalls(4))
    case = ck.Case(gw, "encap_ipv6: inner IPv6 encapsulated to 4 firewalls")
    for i in range(4):
        tcp_exchange(case, 1 + i, 10 + i, 46000 + i)
    for i in range(4):
        send(case, v6(1 + i, 20 + i) / UDP(sport=47000 + i, dport=53) / DNS(
            id=i, rd=1, qd=DNSQR(qname="www.example.com.", qtype="AAAA")), 1 + i)
    send(case, v6(2, 30) / ICMPv6EchoRequest(id=77, seq=1, data=b"ping6"), 2)
    send(case, v6(2, 30, True) / ICMPv6EchoReply(id=77, seq=1, data=b"ping6"), 2, True)
    send(case, v6(3, 31) / IPv6ExtHdrDestOpt() / TCP(sport=48000, dport=22, flags="S"), 3)
    datagram = v6(4, 32) / IPv6ExtHdrFragment(id=0xABCD) / UDP(sport=48100, dport=9000) / (
        b"bulk" * 600)
    for frag in fragment6(datagram, 1000):
        send(case, frag, 4)
    quoted = v6(1, 10) / TCP(sport=46000, dport=443, flags="PA", seq=101, ack=901) / (
        b"y" * 1300)
    too_big = IPv6(src="2001:db8:ee::1", dst=ck.client6(1)) / ICMPv6PacketTooBig(mtu=1280) / (
        bytes(quoted)[:1232])
    send(case, too_big, 1, True)
    case.expect_stats(gw.stats_subset(events=["geneve_encap", "flow_new"],
                                      target_fields=["packets", "bytes", "new_flows"]))
    return case


ck.main(build)
