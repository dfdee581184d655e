#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_bogus_new: listener web (tcp 443, tcp_unknown_flow forward: mid-flow segments are
adopted) and dns (udp 53). Packets that match no session and that no client sends create no
NAT session and are not forwarded: TCP flag combinations NULL, SYN+FIN, SYN+RST, Xmas
(FIN+PSH+URG) and all flags are dropped nlb_bad_tcp_flags; TCP and UDP from martian sources
(0.0.0.0, 127.0.0.1, 224.0.0.5, 240.0.0.1, 255.255.255.255) are dropped nlb_martian_source;
both counted per listener. A SYN and an adopted FIN+PSH+ACK mid-flow segment (not Xmas: it
has ACK) still create sessions and are forwarded. Writes the case files into argv[1] (default:
this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP, UDP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402

MARTIANS = ["0.0.0.0", "127.0.0.1", "224.0.0.5", "240.0.0.1", "255.255.255.255"]


def model():
    groups = [nk.Group("web", "tcp", nk.targets("web", 4, port=8080)),
              nk.Group("dns", "udp", nk.targets("dns", 2, first=11))]
    listeners = [nk.Listener("web", "tcp", 443, "web"), nk.Listener("dns", "udp", 53, "dns")]
    return nk.Nlb(groups, listeners)


def seg(client, sport, flags, src=None, seq=5000, ack=0):
    l3 = IP(src=src or ck.client4(client), dst=nk.ZONE_IP) / TCP(
        sport=sport, dport=443, flags=flags, seq=seq, ack=ack)
    return ck.frame(l3, ck.client_mac(client))


def build():
    gw = model()
    case = ck.Case(gw, "nlb_bogus_new: bogus TCP flags and martian sources create no session")
    for i, flags in enumerate(["", "SF", "SR", "FPU", "FSRPAUEC"]):
        assert not nk.send(case, "outside", seg(1 + i % 4, 45000 + i, flags))
    for i, src in enumerate(MARTIANS):
        assert not nk.send(case, "outside", seg(1, 46000 + i, "S", src=src))
    udp = IP(src="127.0.0.1", dst=nk.ZONE_IP) / UDP(sport=5353, dport=53) / b"query"
    assert not nk.send(case, "outside", ck.frame(udp, ck.client_mac(2)))
    assert len(nk.send(case, "outside", seg(1, 47000, "S"))) == 1
    assert len(nk.send(case, "outside", seg(2, 47001, "FPA", ack=9000))) == 1
    case.expect_stats(gw.stats(events=["nlb_new_flow", "nlb_forward"],
                               drops=["nlb_bad_tcp_flags", "nlb_martian_source",
                                      "nlb_unknown_flow_reset"],
                               listener_fields=["packets", "new_flows", "drops"],
                               target_fields=["packets", "new_flows"]))
    assert gw.drops["nlb_bad_tcp_flags"] == 5 and gw.drops["nlb_martian_source"] == 6
    assert gw.events["nlb_new_flow"] == 2
    return case


ck.main(build)
