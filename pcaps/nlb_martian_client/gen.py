#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_martian_client: a packet to a listener whose source is one of the node's own addresses
or a network / broadcast address of a port's subnet (10.0.1.0, 10.0.1.255, 172.16.0.0,
172.16.0.255, 172.16.0.1) creates no NAT session, with destination NAT (web) or source NAT
(api): dropped nlb_martian_source and counted per listener. Such a session would send its
replies to that address (the target's reply to the node, translated back, would be routed and
ARPed for a broadcast address). Ordinary clients still get their sessions.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402

SOURCES = ["10.0.1.0", "10.0.1.255", "172.16.0.0", "172.16.0.255", "172.16.0.1"]


def model():
    groups = [nk.Group("web", "tcp", nk.targets("web", 2, port=8080)),
              nk.Group("api", "tcp", nk.targets("api", 2, first=11), preserve_client_ip=False)]
    listeners = [nk.Listener("web", "tcp", 443, "web"), nk.Listener("api", "tcp", 8443, "api")]
    return nk.Nlb(groups, listeners)


def syn(src, sport, dport, client=1):
    l3 = IP(src=src, dst=nk.ZONE_IP) / TCP(sport=sport, dport=dport, flags="S", seq=7000)
    return ck.frame(l3, ck.client_mac(client))


def build():
    gw = model()
    case = ck.Case(gw, "nlb_martian_client: the node's addresses and subnet edges are no clients")
    for i, src in enumerate(SOURCES):
        for dport in (443, 8443):
            assert not nk.send(case, "outside", syn(src, 48000 + i, dport))
    assert len(nk.send(case, "outside", syn(ck.client4(1), 49000, 443))) == 1
    assert len(nk.send(case, "outside", syn(ck.client4(2), 49001, 8443, client=2))) == 1
    case.expect_stats(gw.stats(events=["nlb_new_flow", "nlb_forward"],
                               drops=["nlb_martian_source", "martian_destination"],
                               listener_fields=["packets", "new_flows", "drops"],
                               target_fields=["packets", "new_flows"]))
    assert gw.drops["nlb_martian_source"] == 2 * len(SOURCES)
    assert gw.events["nlb_new_flow"] == 2
    return case


ck.main(build)
