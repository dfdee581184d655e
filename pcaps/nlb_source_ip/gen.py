#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_source_ip: listener web (tcp 443) -> group web with stickiness source_ip (= 2-tuple:
client IP affinity), 4 targets; listener alt (tcp 444) -> group alt, the same targets with the
default 5-tuple. 8 clients open 6 connections each to both listeners: on web every connection
of a client goes to the one target Maglev gives its (client, 10.0.1.10) key; on alt they
spread. check.py asserts the affinity. Writes the case files into argv[1]."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402

CLIENTS = 8
CONNS = 6


def model():
    groups = [nk.Group("web", "tcp", nk.targets("web", 4, port=8443), stickiness="source_ip"),
              nk.Group("alt", "tcp", nk.targets("web", 4, port=8444))]
    listeners = [nk.Listener("web", "tcp", 443, "web"), nk.Listener("alt", "tcp", 444, "alt")]
    return nk.Nlb(groups, listeners)


def client(i):
    return "198.51.100.%d" % (20 + i)


def build():
    gw = model()
    case = ck.Case(gw, "nlb_source_ip: client-IP affinity with stickiness source_ip")
    for lport in (443, 444):
        for i in range(CLIENTS):
            for n in range(CONNS):
                l3 = IP(src=client(i), dst=nk.ZONE_IP) / TCP(sport=30000 + 97 * n + i,
                                                             dport=lport, flags="S")
                nk.send(case, "outside", ck.frame(l3, ck.ROUTER_MAC))
    case.expect_stats(gw.stats(events=["nlb_new_flow", "nlb_forward"],
                               target_fields=["new_flows"]))
    return case


if __name__ == "__main__":
    ck.main(build)
