#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""arp_learn: one-arm: a single port (outside) with the appliance fw-a at 10.0.1.14 on the
same subnet and no static neighbour entry. The first packet makes sluice send
"who-has 10.0.1.14 tell 10.0.1.10" and drop it (neigh_unresolved); the appliance's ARP reply
is learned (arp_learned); then traffic is encapsulated to the learned MAC (outer source
10.0.1.10, the port's own address). One input pcap, so the order is exact.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

FW = ck.Target("fw-a", "10.0.1.14", static=False)


def build():
    gw = ck.Gateway([ck.Group("firewalls", [FW])], ["firewalls"], ports=[ck.outside_port()])
    case = ck.Case(gw, "arp_learn: resolving an appliance's MAC by ARP")
    case.rx("outside", sc.tcp4(1, 10, 40000, 443))
    case.tx([("outside", ck.arp_request(ck.OUTSIDE_MAC, ck.NODE4, FW.address, pad_to=0))])
    case.rx("outside", ck.arp_reply(FW.mac, FW.address, ck.OUTSIDE_MAC, ck.NODE4, pad_to=60))
    gw.learned[FW.address] = FW.mac
    case.transit(sc.tcp4(1, 10, 40000, 443, flags="S", seq=1000))
    case.transit(sc.tcp4(2, 11, 40001, 443))
    case.expect_stats({"events": {"arp_request": 1, "arp_learned": 1, "geneve_encap": 2},
                       "drops": {"neigh_unresolved": 1}})
    return case


ck.main(build)
