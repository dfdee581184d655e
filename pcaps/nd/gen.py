#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nd: IPv6 neighbour discovery on outside. A solicitation for 2001:db8:a::10 gets an exact
solicited + override advertisement to the solicitor (nd_advert) and the solicitor is learned;
a duplicate address detection probe (from ::) gets an advertisement to all-nodes; a
solicitation with hop limit 64 or a bad checksum is nd_invalid; a solicitation for another
address gets no answer (its sender is learned). Writes the case files into argv[1] (default:
this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

ALL_NODES, ALL_NODES_MAC = "ff02::1", "33:33:00:00:00:01"


def bad_checksum(frame):
    return frame[:56] + bytes([frame[56] ^ 0xFF]) + frame[57:]


def build():
    gw = sc.gateway(sc.firewalls(4))
    case = ck.Case(gw, "nd: neighbour solicitations and advertisements")
    mac1, ip1 = ck.client_mac(1), ck.client6(1)
    case.rx("outside", ck.nd_solicit(mac1, ip1, ck.NODE6))
    case.tx([("outside", ck.nd_advert(ck.OUTSIDE_MAC, mac1, ck.NODE6, ip1, ck.NODE6))])
    case.rx("outside", ck.nd_solicit(mac1, ip1, ck.NODE6, hlim=64))
    case.rx("outside", bad_checksum(ck.nd_solicit(mac1, ip1, ck.NODE6)))
    case.rx("outside", ck.nd_solicit(ck.client_mac(2), ck.client6(2), "2001:db8:a::99"))
    case.rx("outside", ck.nd_solicit("02:00:00:00:10:77", "::", ck.NODE6))
    case.tx([("outside", ck.nd_advert(ck.OUTSIDE_MAC, ALL_NODES_MAC, ck.NODE6, ALL_NODES,
                                      ck.NODE6, solicited=False))])
    case.expect_stats({"events": {"nd_advert": 2, "nd_learned": 2, "geneve_encap": 0},
                       "drops": {"nd_invalid": 2}})
    return case


ck.main(build)
