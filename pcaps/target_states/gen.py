#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""target_states: fw-a starts `initial` (registered, not yet checked) and fw-b has weight 0:
neither takes new flows while fw-c and fw-d are healthy. At t=1010 fw-c and fw-d turn unhealthy:
their pinned flows stay (no_rebalance), new flows fail open over every candidate that is not
draining with its weight, so fw-a takes them and fw-b (weight 0) still none. Writes the case
files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402


def build():
    group = sc.firewalls(4)
    group.targets[0].state = "initial"
    group.targets[1].weight = 0
    gw = sc.gateway(group)
    case = ck.Case(gw, "target_states: initial, weight 0, fail open")
    old = sc.syn_flows(40)
    for data in old:
        case.transit(data)
    case.event(1010.0, "firewalls", "fw-c", "unhealthy")
    case.event(1010.0, "firewalls", "fw-d", "unhealthy")
    for data in old + sc.syn_flows(40, first_port=20000):
        case.transit(data)
    case.expect_stats(gw.stats_subset(events=["geneve_encap", "flow_new", "fail_open",
                                              "flow_rebalanced"],
                                      target_fields=["packets", "new_flows"]))
    case.expect_stats({"targets": {"firewalls": {"fw-a": {"state": "initial"},
                                                 "fw-c": {"state": "unhealthy"}}}})
    return case


ck.main(build)
