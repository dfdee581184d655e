#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""vlan: 802.1Q-tagged and QinQ (802.1ad + 802.1Q) frames on outside are encapsulated without
their tags (and without Ethernet padding): the GENEVE payload is the bare L3 packet.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import Dot1Q, Ether, IP, IPv6, TCP, UDP  # noqa: E402

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402


def tagged(l3, client, tags, outer_type=0x8100, pad_to=0):
    """l3 in an Ethernet frame with VLAN tags (outermost first)."""
    pkt = Ether(src=ck.client_mac(client), dst=ck.OUTSIDE_MAC, type=outer_type)
    for i, vid in enumerate(tags):
        pkt = pkt / Dot1Q(vlan=vid, prio=i)
    return ck.frame_raw(pkt / l3, pad_to)


def build():
    gw = sc.gateway(sc.firewalls(4))
    case = ck.Case(gw, "vlan: tagged frames are encapsulated without the tags")
    for i in range(4):
        l3 = IP(src=ck.client4(1 + i), dst=ck.server4(10 + i)) / TCP(sport=40000 + i, dport=443,
                                                                     flags="S")
        case.transit(tagged(l3, 1 + i, [100 + i], pad_to=64))
    for i in range(4):
        l3 = IPv6(src=ck.client6(1 + i), dst=ck.server6(20 + i)) / UDP(
            sport=41000 + i, dport=5000) / b"double-tagged"
        case.transit(tagged(l3, 1 + i, [10, 200 + i], outer_type=0x88A8))
    l3 = IP(src=ck.client4(2), dst=ck.server4(30)) / UDP(sport=42000, dport=5000) / b"qinq-v4"
    case.transit(tagged(l3, 2, [11, 300], outer_type=0x8100))
    case.expect_stats(gw.stats_subset(events=["geneve_encap", "flow_new"],
                                      target_fields=["packets", "bytes"]))
    return case


ck.main(build)
