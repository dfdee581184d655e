#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""symmetric: both directions of 20 flows (14 TCP connections, 6 UDP exchanges) reach the
same one of 4 firewalls. Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402


def build():
    gw = sc.gateway(sc.firewalls(4))
    case = ck.Case(gw, "symmetric: both directions of 20 flows, 4 firewalls")
    for i in range(14):
        for data in sc.tcp_connection(1 + i % 4, 100 + i, 42000 + i, 443,
                                      b"request %d" % i, b"response %d" % i):
            case.transit(data)
    for i in range(6):
        case.transit(sc.udp4(1 + i % 4, 120 + i, 43000 + i, 5001, load=b"request"))
        case.transit(sc.udp4(1 + i % 4, 120 + i, 43000 + i, 5001, load=b"reply",
                             reverse=True))
    case.expect_stats(gw.stats_subset(events=["geneve_encap", "flow_new"],
                                      target_fields=["packets", "new_flows"]))
    return case


ck.main(build)
