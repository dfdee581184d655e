#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""passive_returns: the per-target `returns` counter that sluiced's passive data-path check
weighs against `packets`. Chain [firewalls, ids]: transit flows go to fw-a, fw-b, fw-c; fw-a and
fw-b return everything (re-encapsulated to the IDSs, which return everything), fw-c returns
nothing (a dead data path); a return from fw-a with a wrong cookie is dropped and not counted.
Each return counts in the group and target it came from; fw-c's `returns` stays 0.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402


def build():
    gw = sc.chain_gateway(3)
    case = ck.Case(gw, "passive_returns: returns counted per target, a blackholing firewall")
    dead = gw.groups["firewalls"].target("fw-c").address
    to_firewalls = []
    for i in range(24):
        to_firewalls += sc.encap_only(case.transit(sc.udp4(1 + i % 4, 40 + i, 45000 + i)))
    to_ids = []
    bad = None
    for encap in to_firewalls:
        if ".".join(str(b) for b in encap[30:34]) == dead:
            continue  # fw-c blackholes
        back = ck.appliance_return(encap)
        if bad is None:  # the same return once more, its cookie (the last 4 bytes) damaged
            bad = bytearray(back)
            cookie = 14 + 20 + 8 + 8 + 24 + 4
            bad[cookie] ^= 0xFF
        to_ids += sc.encap_only(gw.geneve_return(back, case.rx("appliances", back)))
        case.tx([("appliances", to_ids[-1])])
    case.rx("appliances", bytes(bad))
    gw.drops["geneve_bad_cookie"] += 1
    for encap in to_ids:
        back = ck.appliance_return(encap)
        case.tx(gw.geneve_return(back, case.rx("appliances", back)))
    case.expect_stats(gw.stats_subset(events=["geneve_encap", "geneve_decap", "forwarded"],
                                      drops=["geneve_bad_cookie"],
                                      target_fields=["packets", "returns"]))
    return case


ck.main(build)
