#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""return_valid: GENEVE returns from the firewalls (as an appliance sends them: outer IPs and
MACs swapped, UDP ports kept) are forwarded out of outside, the inner packet byte-identical
(TTL untouched), to the next hop of the inner destination. IPv4 and IPv6 inner, both
directions, one return with a correct non-zero UDP checksum.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import ICMP, IP, IPv6, TCP  # noqa: E402

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402


def outbound_frames():
    """(frame as it entered outside, UDP checksum in the return?)"""
    ttl_one = IP(src=ck.client4(4), dst=ck.server4(14), ttl=1) / TCP(sport=40004, dport=443,
                                                                     flags="S")
    echo = IP(src=ck.client4(1), dst=ck.server4(15)) / ICMP(id=5, seq=1) / b"ping"
    return [
        (sc.tcp4(1, 10, 40001, 443, flags="PA", seq=1, ack=1, load=b"to server"), False),
        (sc.tcp4(1, 10, 40001, 443, flags="PA", seq=1, ack=10, load=b"to client",
                 reverse=True), False),
        (sc.tcp6(2, 11, 40002, 443, flags="PA", load=b"v6 to server"), False),
        (ck.frame(IPv6(src=ck.server6(11), dst=ck.client6(2)) / TCP(
            sport=443, dport=40002, flags="PA") / b"v6 to client", ck.ROUTER_MAC), False),
        (sc.udp4(3, 12, 40003, 5000, load=b"checksummed"), True),
        (ck.frame(ttl_one, ck.client_mac(4)), False),
        (ck.frame(echo, ck.client_mac(1)), True),
    ]


def build():
    gw = sc.gateway(sc.firewalls(4))
    sender = sc.gateway(sc.firewalls(4))  # computes what went to the appliances earlier
    case = ck.Case(gw, "return_valid: valid GENEVE returns are decapsulated and forwarded")
    for i, (data, checksum) in enumerate(outbound_frames()):
        (_, encap), = sender.transit(data, ck.START)
        back = ck.appliance_return(encap, with_checksum=checksum, ident=0x100 + i)
        t = case.rx("appliances", back)
        case.tx(gw.geneve_return(back, t))
    case.expect_stats(gw.stats_subset(events=["geneve_decap", "forwarded", "geneve_encap"]))
    case.expect_stats({"drops": {name: 0 for name in sc.GENEVE_DROPS}})
    return case


ck.main(build)
