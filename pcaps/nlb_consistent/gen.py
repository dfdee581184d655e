#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_consistent: group app, 10 equal targets (app-1..app-10), tcp_idle_timeout 60,
deregistration_delay 0. 2,000 TCP SYN flows at t=1000; events.txt drains app-4 at t=1010;
at t=1070 (their sessions idle 68 s or more: expired) the same 2,000 SYNs are new flows again
and Maglev chooses over the 9 others. check.py: the choices equal the reference Maglev's over
10 and over 9 targets, every flow of app-4 moved, and at most ~10 % + 3 % of all flows
changed target (Maglev's minimal disruption). Writes the case files into argv[1]."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402

FLOWS = 2000
REMOVED = "app-4"
DRAIN_AT = 1010.0
AGAIN_AT = 1070.0


def model():
    group = nk.Group("app", "tcp", nk.targets("app", 10, port=8080), tcp_idle_timeout=60,
                     deregistration_delay=0)
    return nk.Nlb([group], [nk.Listener("app", "tcp", 443, "app")])


def syn(i):
    client = "198.18.%d.%d" % (i // 100, 1 + i % 100)
    l3 = IP(src=client, dst=nk.ZONE_IP, flags="DF") / TCP(sport=20000 + i, dport=443,
                                                          flags="S", seq=i)
    return ck.frame(l3, ck.ROUTER_MAC)


def build():
    gw = model()
    case = ck.Case(gw, "nlb_consistent: 2,000 flows before and after draining 1 of 10 targets")
    for i in range(FLOWS):
        nk.send(case, "outside", syn(i))
    case.event(DRAIN_AT, "app", REMOVED, "draining")
    case.at(AGAIN_AT)
    for i in range(FLOWS):
        nk.send(case, "outside", syn(i))
    case.expect_stats(gw.stats(events=["nlb_new_flow", "nlb_forward"],
                               drops=["nlb_drained", "nlb_terminated"],
                               listener_fields=["packets", "new_flows", "drops"],
                               target_fields=["packets", "new_flows", "state"]))
    return case


if __name__ == "__main__":
    ck.main(build)
