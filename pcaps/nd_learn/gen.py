#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nd_learn: one-arm (a single port, the appliance fw-a at 10.0.1.14 on the client subnet). A
GENEVE return whose inner IPv6 destination 2001:db8:a::88 is on-link and unknown makes sluice
send an exact solicitation to ff02::1:ff00:88 from 2001:db8:a::10 (nd_solicit) and drop the
packet (neigh_unresolved); the host's advertisement is learned (nd_learned); the same return
is then forwarded to the learned MAC. One input pcap, so the order is exact.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IPv6, TCP  # noqa: E402

import casekit as ck  # noqa: E402

HOST, HOST_MAC = "2001:db8:a::88", "02:00:00:00:10:88"


def one_arm():
    fw = ck.Target("fw-a", "10.0.1.14")
    return ck.Gateway([ck.Group("firewalls", [fw])], ["firewalls"], ports=[ck.outside_port()])


def appliance_return():
    """What fw-a sends back for a server's packet to HOST (sluice encapsulated it earlier)."""
    inner = IPv6(src=ck.server6(10), dst=HOST) / TCP(sport=443, dport=40000, flags="SA")
    (_, encap), = one_arm().transit(ck.frame(inner, ck.ROUTER_MAC), ck.START)
    return ck.appliance_return(encap)


def build():
    gw = one_arm()
    case = ck.Case(gw, "nd_learn: resolving an IPv6 next hop by neighbour discovery")
    back = appliance_return()
    case.rx("outside", back)
    case.tx([("outside", ck.nd_solicit(ck.OUTSIDE_MAC, ck.NODE6, HOST))])
    case.rx("outside", ck.nd_advert(HOST_MAC, ck.OUTSIDE_MAC, HOST, ck.NODE6, HOST))
    gw.learned[HOST] = HOST_MAC
    t = case.rx("outside", back)
    case.tx(gw.geneve_return(back, t))
    case.expect_stats({"events": {"nd_solicit": 1, "nd_learned": 1, "geneve_decap": 2,
                                  "forwarded": 1},
                       "drops": {"neigh_unresolved": 1}})
    return case


ck.main(build)
