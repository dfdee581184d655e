#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""geneve_address: the appliances port has a second address 192.168.50.2 and
node.geneve_address selects it: encapsulations leave from 192.168.50.2, and returns sent back
to it are accepted and forwarded. Writes the case files into argv[1] (default: this
directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

GENEVE_ADDRESS = "192.168.50.2"


def gateway():
    appliances = ck.Port("appliances", ck.APPL_MAC, [ck.NODE_APPL + "/24", GENEVE_ADDRESS + "/32"])
    return sc.gateway(sc.firewalls(4), ports=[ck.outside_port(), appliances],
                      geneve_address=GENEVE_ADDRESS)


def build():
    gw = gateway()
    case = ck.Case(gw, "geneve_address: outer source 192.168.50.2")
    sent = []
    for data in sc.syn_flows(12) + [sc.tcp6(1, 5, 30000)]:
        sent += [f for _, f in case.transit(data)]
    for encap in sent[:6]:
        back = ck.appliance_return(encap)
        case.tx(gw.geneve_return(back, case.rx("appliances", back)))
    case.expect_stats(gw.stats_subset(events=["geneve_encap", "geneve_decap", "forwarded"]))
    return case


ck.main(build)
