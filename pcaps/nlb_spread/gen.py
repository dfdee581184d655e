#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_spread: TCP SYN flows from many clients (behind the router) to four listeners, each
with its own group:
  443 -> even:     4 equal targets, 10,000 flows: each gets 1/4 within ±15 %;
  444 -> weighted: 3 targets with weights 1, 2, 3, 6,000 flows: 1/6, 2/6, 3/6 within ±15 %;
  445 -> zonal:    2 targets in az1, 2 in az2, cross_zone false, 2,000 flows: only the az1
                   targets, 1/2 each;
  446 -> cross:    the same with cross_zone true, 2,000 flows: all four, 1/4 each.
The servers output (20,000 frames) is not a golden pcap: check.py compares every frame, in
order, with the model's and checks the shares. Writes the case files into argv[1]."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402

FLOWS = {443: 10000, 444: 6000, 445: 2000, 446: 2000}
GROUPS = {443: "even", 444: "weighted", 445: "zonal", 446: "cross"}


def model():
    weighted = nk.targets("weighted", 3, port=8080, first=11)
    for t, w in zip(weighted, (1, 2, 3)):
        t.weight = w
    zonal = nk.targets("zonal", 2, port=8080, first=21) + \
        nk.targets("zonal", 2, port=8080, first=23, zone="az2")
    cross = nk.targets("cross", 2, port=8080, first=31) + \
        nk.targets("cross", 2, port=8080, first=33, zone="az2")
    groups = [nk.Group("even", "tcp", nk.targets("even", 4, port=8080)),
              nk.Group("weighted", "tcp", weighted),
              nk.Group("zonal", "tcp", zonal),
              nk.Group("cross", "tcp", cross, cross_zone=True)]
    listeners = [nk.Listener(GROUPS[p], "tcp", p, GROUPS[p]) for p in sorted(GROUPS)]
    return nk.Nlb(groups, listeners)


def syn(i, lport):
    """Flow i: client 198.18.x.y (behind the router), source port 10000 + i % 50000."""
    client = "198.18.%d.%d" % (i // 200, 1 + i % 200)
    l3 = IP(src=client, dst=nk.ZONE_IP, id=i & 0xFFFF, flags="DF") / TCP(
        sport=10000 + (i * 7) % 50000, dport=lport, flags="S", seq=i * 1000)
    return ck.frame(l3, ck.ROUTER_MAC)


def frames():
    out, i = [], 0
    for lport in sorted(FLOWS):
        for _ in range(FLOWS[lport]):
            out.append(syn(i, lport))
            i += 1
    return out


def build():
    gw = model()
    case = ck.Case(gw, "nlb_spread: 20,000 SYN flows over four groups")
    case.meta["unchecked_ports"] = ["servers"]
    for data in frames():
        gw.rx("outside", data, case.rx("outside", data))  # outputs: check.py
    total = sum(FLOWS.values())
    case.expect_stats(gw.stats(events=["nlb_new_flow", "nlb_forward"],
                               listener_fields=["packets", "new_flows", "drops"],
                               target_fields=["packets", "new_flows"]))
    case.expect_stats({"events": {"nlb_new_flow": total, "nlb_forward": total}})
    return case


if __name__ == "__main__":
    ck.main(build)
