#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""malformed: broken frames on outside are dropped with the exact parse counter and nothing is
emitted: truncated Ethernet / VLAN headers and too many tags (parse_l2), bad IPv4/IPv6 headers
and lengths (parse_l3), truncated or invalid TCP/UDP/ICMP headers (parse_l4), unknown
ethertypes (unsupported_ethertype). Writes the case files into argv[1] (default: this
directory)."""

import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import ICMP, IP, IPv6, IPv6ExtHdrHopByHop, TCP, UDP  # noqa: E402

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402
import sluice_ref as ref  # noqa: E402

SRC = ck.client_mac(1)


def eth(ethertype, payload):
    return ref.ether(ck.OUTSIDE_MAC, SRC, ethertype) + payload


def ip4(**kwargs):
    return bytes(IP(src=ck.client4(1), dst=ck.server4(10), **kwargs) / TCP(sport=40000,
                                                                           dport=443))


def patch(data, offset, value):
    return data[:offset] + value + data[offset + len(value):]


def tcp_doff4():
    data = ip4()
    return patch(data, 32, b"\x40")


def l2_errors():
    tcp = ip4()
    return [
        eth(0x0800, b"")[:10],
        eth(0x8100, b"\x00\x64"),
        eth(0x88A8, struct.pack("!HHHHHH", 10, 0x8100, 20, 0x8100, 30, 0x0800) + tcp),
    ]


def l3_errors():
    tcp = ip4()
    v6 = bytes(IPv6(src=ck.client6(1), dst=ck.server6(10)) / TCP(sport=40000, dport=443))
    hop = bytes(IPv6(src=ck.client6(1), dst=ck.server6(10)) / IPv6ExtHdrHopByHop() / TCP())
    return [
        eth(0x0800, tcp[:12]),
        eth(0x0800, patch(tcp, 0, b"\x44")),
        eth(0x0800, patch(tcp, 2, struct.pack("!H", 100))),
        eth(0x0800, patch(tcp, 2, struct.pack("!H", 16))),
        eth(0x0800, v6),
        eth(0x86DD, patch(v6, 4, struct.pack("!H", 200))),
        eth(0x86DD, v6[:30]),
        eth(0x86DD, patch(hop, 41, b"\x20")),
    ]


def l4_errors():
    def cut(l4, proto, keep):
        return bytes(IP(src=ck.client4(1), dst=ck.server4(10), proto=proto) / bytes(l4)[:keep])
    return [
        eth(0x0800, cut(TCP(sport=40000, dport=443), 6, 10)),
        eth(0x0800, tcp_doff4()),
        eth(0x0800, cut(UDP(sport=40000, dport=53), 17, 4)),
        eth(0x0800, cut(ICMP(), 1, 4)),
    ]


def other_ethertypes():
    return [eth(0x88CC, bytes(46)), eth(0x8137, bytes(46))]


def build():
    gw = sc.gateway(sc.firewalls(4))
    case = ck.Case(gw, "malformed: broken frames are dropped by reason")
    groups = {"parse_l2": l2_errors(), "parse_l3": l3_errors(), "parse_l4": l4_errors(),
              "unsupported_ethertype": other_ethertypes()}
    for frames in groups.values():
        for data in frames:
            case.rx("outside", data)
    drops = {reason: len(frames) for reason, frames in groups.items()}
    case.expect_stats({"drops": drops, "events": {"geneve_encap": 0}})
    return case


ck.main(build)
