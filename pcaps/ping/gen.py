#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ping: echo requests to 10.0.1.10, 2001:db8:a::10 and 192.168.50.1 (another port's address)
arriving on outside are answered out of outside to the sender's MAC: addresses swapped, TTL /
hop limit 64, type 0 / 129, the rest of the packet unchanged. An echo to another address is
transit (encapsulated); other traffic to our addresses is dropped local_unhandled.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import ICMP, ICMPv6EchoRequest, IP, IPv6, TCP, UDP  # noqa: E402

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

PAYLOAD = bytes(range(0x10, 0x48))  # 56 bytes, like ping(8)


def echo4(dst, ident):
    return IP(src=ck.client4(1), dst=dst, ttl=63, id=0x1234, flags="DF") / ICMP(
        id=ident, seq=1) / PAYLOAD


def reply4(request):
    rep = IP(bytes(request))
    rep.src, rep.dst, rep.ttl = request.dst, request.src, 64
    rep[ICMP].type = 0
    del rep.chksum
    del rep[ICMP].chksum
    return IP(bytes(rep))


def echo6(ident):
    return IPv6(src=ck.client6(1), dst=ck.NODE6, hlim=63) / ICMPv6EchoRequest(
        id=ident, seq=1, data=PAYLOAD)


def reply6(request):
    rep = IPv6(bytes(request))
    rep.src, rep.dst, rep.hlim = request.dst, request.src, 64
    rep[ICMPv6EchoRequest].type = 129
    del rep[ICMPv6EchoRequest].cksum
    return IPv6(bytes(rep))


def answered(case, request, reply):
    case.rx("outside", ck.frame(request, ck.client_mac(1)))
    case.tx([("outside", ck.frame(reply, ck.OUTSIDE_MAC, dst_mac=ck.client_mac(1)))])


def build():
    gw = sc.gateway(sc.firewalls(4))
    case = ck.Case(gw, "ping: echo replies from our addresses")
    for dst, ident in ((ck.NODE4, 1), (ck.NODE_APPL, 2)):
        request = echo4(dst, ident)
        answered(case, request, reply4(request))
    answered(case, echo6(3), reply6(echo6(3)))
    case.transit(ck.frame(echo4(ck.server4(10), 4), ck.client_mac(1)))
    unhandled = [IP(src=ck.client4(1), dst=ck.NODE4) / UDP(sport=40001, dport=9999) / b"x",
                 IP(src=ck.client4(1), dst=ck.NODE4) / TCP(sport=40000, dport=22, flags="S"),
                 IP(src=ck.client4(1), dst=ck.NODE4) / ICMP(type=0, id=5, seq=1)]
    for l3 in unhandled:
        case.rx("outside", ck.frame(l3, ck.client_mac(1)))
    case.expect_stats({"events": {"icmp_echo_reply": 3, "geneve_encap": 1},
                       "drops": {"local_unhandled": 3}})
    return case


ck.main(build)
