#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_unknown_flow: listener web (tcp 443) -> group web (tcp_unknown_flow adopt, the
destination-NAT default), listener api (tcp 8443) -> group api (tcp_unknown_flow reset).
- web: mid-flow segments (ACK, PSH/ACK, FIN/ACK) of 8 flows sluice has no state for are
  steered by Maglev over the flow key, to the target the SYN would have got, and pinned (a
  second segment of the flow follows the session; nlb_new_flow and nlb_adopted once per
  flow);
- api: mid-flow segments without state are answered with a RST to the client from
  10.0.1.10:8443 (RFC 9293 shapes as core/nat.h states them: with ACK, seq = its ack; without,
  RST/ACK with ack = seq + length (+1 for FIN)) and dropped nlb_unknown_flow_reset; a SYN
  starts a flow normally and that flow's later segments are forwarded.
check.py recomputes every web target with the reference Maglev.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402

WEB_FLOWS = 8


def model():
    groups = [nk.Group("web", "tcp", nk.targets("web", 4, port=8080)),
              nk.Group("api", "tcp", nk.targets("api", 4, port=9090, first=11),
                       tcp_unknown_flow="reset")]
    listeners = [nk.Listener("web", "tcp", 443, "web"), nk.Listener("api", "tcp", 8443, "api")]
    return nk.Nlb(groups, listeners)


def seg(client, sport, dport, flags, seq=5000, ack=9000, load=b""):
    l3 = IP(src=ck.client4(client), dst=nk.ZONE_IP, flags="DF") / TCP(
        sport=sport, dport=dport, flags=flags, seq=seq, ack=ack) / load
    return ck.frame(l3, ck.client_mac(client))


def web_segments():
    """(first, second) segments of flows without state."""
    firsts = ["A", "PA", "FA", "PA"]
    out = []
    for i in range(WEB_FLOWS):
        client, sport = 1 + i % 4, 43000 + i
        load = b"mid-flow data %d" % i if "P" in firsts[i % 4] else b""
        out.append((seg(client, sport, 443, firsts[i % 4], load=load),
                    seg(client, sport, 443, "A", seq=5000 + len(load), ack=9100)))
    return out


def build():
    gw = model()
    case = ck.Case(gw, "nlb_unknown_flow: mid-flow TCP without state, forward and reset")
    for first, _ in web_segments():
        nk.send(case, "outside", first)
    for _, second in web_segments():
        nk.send(case, "outside", second)
    # api: reset
    for data in (seg(1, 44000, 8443, "A"),
                 seg(2, 44001, 8443, "PA", load=b"hello"),
                 seg(3, 44002, 8443, "P", seq=123456, load=b"no ack flag"),
                 seg(4, 44003, 8443, "F", seq=777),
                 seg(1, 44004, 8443, "FPA", seq=4242, ack=4343, load=b"bye"),
                 seg(2, 44005, 8443, "SA", seq=1, ack=2)):
        out = nk.send(case, "outside", data)
        assert len(out) == 1
    # api: a SYN starts a flow; its next segment is forwarded
    nk.send(case, "outside", seg(3, 44006, 8443, "S", seq=100, ack=0))
    nk.send(case, "outside", seg(3, 44006, 8443, "A", seq=101, ack=9001))
    case.expect_stats(gw.stats(events=["nlb_new_flow", "nlb_adopted", "nlb_forward",
                                       "nlb_rst_sent"],
                               drops=["nlb_unknown_flow_reset", "nlb_no_listener"],
                               listener_fields=["packets", "new_flows", "drops"],
                               target_fields=["packets", "new_flows"]))
    assert gw.drops["nlb_unknown_flow_reset"] == 6 and gw.events["nlb_new_flow"] == 9
    assert gw.events["nlb_adopted"] == WEB_FLOWS
    return case


if __name__ == "__main__":
    ck.main(build)
