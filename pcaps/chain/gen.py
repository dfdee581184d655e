#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""chain: attachment chain [firewalls, ids]. Traffic from outside goes to a firewall; the
firewall's return is re-encapsulated to an IDS (the ids group uses 3-tuple stickiness, so its
cookie and source port come from the 3-tuple key; same endpoint and attachment IDs); the IDS's
return is forwarded out of outside. The inputs on appliances are what the appliances send back.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402


def originals():
    frames = []
    for i in range(8):
        frames += sc.tcp_connection(1 + i % 4, 30 + i, 44000 + i, 443, b"hello", b"world")[:4]
    frames += [sc.udp4(1 + i % 4, 40 + i, 45000 + i) for i in range(4)]
    frames += [sc.tcp6(1 + i % 4, 50 + i, 46000 + i) for i in range(4)]
    return frames


def build():
    gw = sc.chain_gateway(2)
    case = ck.Case(gw, "chain: firewalls then ids")
    to_firewalls = []
    for data in originals():
        to_firewalls += sc.encap_only(case.transit(data))
    to_ids = []
    for encap in to_firewalls:
        back = ck.appliance_return(encap)
        to_ids += sc.encap_only(gw.geneve_return(back, case.rx("appliances", back)))
        case.tx([("appliances", to_ids[-1])])
    for encap in to_ids:
        back = ck.appliance_return(encap)
        case.tx(gw.geneve_return(back, case.rx("appliances", back)))
    case.expect_stats(gw.stats_subset(events=["geneve_encap", "geneve_decap", "forwarded",
                                              "flow_new"],
                                      target_fields=["packets", "bytes", "new_flows"]))
    return case


ck.main(build)
