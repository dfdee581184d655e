#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""no_target: every target of the group is in az2, the node is in az1 and cross_zone is false:
the group has no candidates, so transit traffic is dropped no_target (not failed open).
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402


def build():
    gw = sc.gateway(sc.firewalls(2, zone="az2"))
    case = ck.Case(gw, "no_target: no candidate in the node's zone")
    for data in sc.syn_flows(10):
        case.transit(data)
    case.expect_stats(gw.stats_subset(events=["geneve_encap", "fail_open", "flow_new"],
                                      drops=["no_target", "all_unhealthy_drop"]))
    return case


ck.main(build)
