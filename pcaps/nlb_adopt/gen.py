#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_adopt: another node's flows arrive mid-stream (docs/nlb.md "In a fleet"). Listener web
(tcp 443) -> group web (4 targets, port 8443, destination NAT, tcp_unknown_flow not given:
adopt); listener dns (udp 53) -> group dns (3 targets, port 0).
- web: mid-flow segments (ACK, PSH/ACK, FIN/ACK) of 6 flows this node has no session for are
  adopted (nlb_adopted, nlb_new_flow): sent to the target a SYN of the flow would get (check.py
  recomputes it with sluice_ref) and pinned: their second segments follow the session, and the
  targets' replies are translated back through it (nlb_reply, no nlb_reply_adopted);
- a RST of no flow is dropped (nlb_unknown_flow_reset, nothing answered), and a fresh SYN is a
  new flow (no nlb_adopted);
- dns: datagrams of flows without state are new flows (UDP is never "adopted"), to the target
  Maglev gives them, port kept (53).
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP, UDP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402

WEB_FLOWS = 6
DNS_FLOWS = 4


def model():
    groups = [nk.Group("web", "tcp", nk.targets("web", 4, port=8443)),
              nk.Group("dns", "udp", nk.targets("dns", 3, first=11))]
    listeners = [nk.Listener("web", "tcp", 443, "web"), nk.Listener("dns", "udp", 53, "dns")]
    return nk.Nlb(groups, listeners, single=True)


def seg(client, sport, flags, seq=5000, ack=9000, load=b""):
    l3 = IP(src=ck.client4(client), dst=nk.ZONE_IP, flags="DF") / TCP(
        sport=sport, dport=443, flags=flags, seq=seq, ack=ack) / load
    return ck.frame(l3, ck.client_mac(client))


def web_flows():
    """(client, sport, first segment, second segment) of the flows another node began."""
    firsts = ["A", "PA", "FA"]
    out = []
    for i in range(WEB_FLOWS):
        client, sport = 1 + i % 3, 45000 + i
        load = b"mid-flow data %d" % i if "P" in firsts[i % 3] else b""
        out.append((client, sport, seg(client, sport, firsts[i % 3], load=load),
                    seg(client, sport, "A", seq=5000 + len(load), ack=9100)))
    return out


def build():
    gw = model()
    case = ck.Case(gw, "nlb_adopt: mid-stream TCP of unknown flows adopted; UDP new flows")
    for _, _, first, _ in web_flows():
        assert len(nk.send(case, "outside", first)) == 1
    for _, _, _, second in web_flows():
        assert len(nk.send(case, "outside", second)) == 1
    # the targets answer through the adopted sessions
    for client, sport, _, _ in web_flows():
        s, _ = gw.sessions[(6, ck.client4(client), sport, nk.ZONE_IP, 443)]
        reply = IP(src=s.target.address, dst=ck.client4(client)) / TCP(
            sport=8443, dport=sport, flags="A", seq=9100, ack=5100)
        assert len(nk.send(case, "outside", nk.target_frame(gw, reply, s.target))) == 1
    # a RST of no flow: nothing to answer, nothing adopted
    assert not nk.send(case, "outside", seg(1, 45100, "RA"))
    # a fresh SYN: a new flow, not an adopted one
    assert len(nk.send(case, "outside", seg(2, 45101, "S", seq=1, ack=0))) == 1
    for i in range(DNS_FLOWS):
        l3 = IP(src=ck.client4(1 + i % 2), dst=nk.ZONE_IP) / UDP(sport=53000 + i, dport=53) / (
            b"query %d" % i)
        assert len(nk.send(case, "outside", ck.frame(l3, ck.client_mac(1 + i % 2)))) == 1
    case.expect_stats(gw.stats(events=["nlb_new_flow", "nlb_adopted", "nlb_reply_adopted",
                                       "nlb_forward", "nlb_reply", "nlb_rst_sent"],
                               drops=["nlb_unknown_flow_reset", "nlb_reply_ambiguous"],
                               listener_fields=["packets", "new_flows", "active_flows",
                                                "drops"],
                               target_fields=["packets", "new_flows"]))
    assert gw.events["nlb_adopted"] == WEB_FLOWS
    assert gw.events["nlb_new_flow"] == WEB_FLOWS + 1 + DNS_FLOWS
    assert gw.drops["nlb_unknown_flow_reset"] == 1 and not gw.events["nlb_rst_sent"]
    assert len({gw.sessions[(6, ck.client4(c), p, nk.ZONE_IP, 443)][0].target.id
                for c, p, _, _ in web_flows()}) > 1, "pick flows that reach several targets"
    return case


if __name__ == "__main__":
    ck.main(build)
