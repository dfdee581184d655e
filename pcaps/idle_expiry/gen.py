#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""idle_expiry: tcp_idle_timeout 60. TCP flow F starts at t=1000 on appliance X; X turns
unhealthy at t=1030 (no_rebalance), so F's packet at t=1030 stays on X; F's next packet comes
at t=1091, 61 s idle: the entry has expired (flow_expired 1) and F moves to a healthy
appliance. TCP flow G (idle 59 s) and UDP flow U (idle 91 s < other_idle_timeout 120) keep
their appliances. Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402
import sluice_ref as ref  # noqa: E402

IDS = ["fw-a", "fw-b", "fw-c", "fw-d"]


def target_of(data):
    return ref.maglev_pick(IDS, None, ref.flow_hash(sc.key_of(data)))


def flow_not_on(target, make):
    """The first of make(0), make(1), ... that Maglev does not put on target."""
    return next(make(i) for i in range(100) if target_of(make(i)) != target)


def build():
    gw = sc.gateway(sc.firewalls(4, tcp_idle_timeout=60))
    case = ck.Case(gw, "idle_expiry: tcp_idle_timeout 60, X unhealthy at t=1030")
    flow_f = sc.tcp4(1, 10, 40000, 443, flags="A", seq=1, ack=1)
    x = target_of(flow_f)
    flow_g = flow_not_on(x, lambda i: sc.tcp4(2, 11, 41000 + i, 443, flags="A", seq=1, ack=1))
    flow_u = flow_not_on(x, lambda i: sc.udp4(3, 12, 42000 + i, 5000))
    for data in (flow_f, flow_g, flow_u):
        case.transit(data)
    case.event(1030.0, "firewalls", x, "unhealthy")
    case.transit(flow_f)
    case.at(1059.0)
    case.transit(flow_g)
    case.at(1091.0)
    for data in (flow_f, flow_u):
        case.transit(data)
    case.expect_stats(gw.stats_subset(events=["flow_expired", "flow_rebalanced", "geneve_encap"],
                                      target_fields=["packets"]))
    return case


ck.main(build)
