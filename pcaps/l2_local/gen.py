#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""l2_local: a unicast frame for another MAC is dropped l2_other_host (ports are not
promiscuous); traffic to broadcast and multicast addresses is never transit (local_unhandled,
an echo to 224.0.0.1 included); transit traffic on appliances, a port in no attachment's
`from`, is dropped no_attachment. Nothing is sent. Writes the case files into argv[1]
(default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import ICMP, IP, IPv6, TCP, UDP  # noqa: E402

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

OTHER_HOST_MAC = "02:00:00:00:00:99"


def to_group(l3, dst_mac):
    return ck.frame(l3, ck.client_mac(1), dst_mac=dst_mac)


def local_frames():
    c4, c6 = ck.client4(1), ck.client6(1)
    return [
        to_group(IP(src=c4, dst="255.255.255.255") / UDP(sport=40000, dport=9) / b"discard",
                 ck.BROADCAST),
        to_group(IP(src=c4, dst="224.0.0.251", ttl=255) / UDP(sport=5353, dport=5353) / (
            bytes(12)), "01:00:5e:00:00:fb"),
        to_group(IP(src=c4, dst="224.0.0.1", ttl=1) / ICMP(id=1, seq=1), "01:00:5e:00:00:01"),
        to_group(IPv6(src=c6, dst="ff02::1:2") / UDP(sport=40000, dport=9) / b"discard",
                 "33:33:00:01:00:02"),
    ]


def build():
    gw = sc.gateway(sc.firewalls(4))
    case = ck.Case(gw, "l2_local: L2 filter, multicast and broadcast, no attachment")
    case.rx("outside", ck.frame(IP(src=ck.client4(1), dst=ck.server4(10)) / TCP(
        sport=40000, dport=443, flags="S"), ck.client_mac(1), dst_mac=OTHER_HOST_MAC))
    for data in local_frames():
        case.rx("outside", data)
    from_appliance = IP(src="192.168.50.11", dst=ck.server4(10)) / UDP(sport=1, dport=2)
    case.rx("appliances", ck.frame(from_appliance, "02:00:00:00:50:11", dst_mac=ck.APPL_MAC))
    case.expect_stats({"drops": {"l2_other_host": 1, "local_unhandled": 4, "no_attachment": 1},
                       "events": {"geneve_encap": 0, "icmp_echo_reply": 0}})
    return case


ck.main(build)
