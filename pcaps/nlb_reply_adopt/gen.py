#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_reply_adopt: targets' replies for sessions this node never saw (docs/nlb.md "In a
fleet": the targets' default route may be ECMP over every node). One port (single topology).
Listeners: web (tcp 443) -> group web (targets .11, .12, port 8443: fixed); dns (udp 53) ->
group dns (targets .13, .14, port 0); a (tcp 7000) and b (tcp 7001) -> group multi (target
.15, port 9000: its replies cannot tell a from b).
- web-1's replies from 8443 to clients without a session: translated to 10.0.1.10:443 ->
  client, a session made (nlb_reply_adopted, nlb_new_flow): the client's next segment follows
  it to web-1:8443, and the next reply is a plain nlb_reply. A FIN/ACK reply is adopted too.
- a RST reply: translated, no session (nlb_reply_adopted, no nlb_new_flow); the flow's next
  reply is adopted again;
- dns-2's UDP reply from 53 (port-0 target of a port listener): translated to 10.0.1.10:53,
  session made; the client's next datagram goes to dns-2:53;
- multi's reply from .15:9000: ambiguous, dropped nlb_reply_ambiguous (twice);
- replies that match no listener go on as any other transit packet (no inspection here:
  no_attachment): web-1 from another port, dns-1 over TCP, an address that is no target.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import TCP, UDP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402


def model():
    groups = [nk.Group("web", "tcp", nk.targets("web", 2, port=8443)),
              nk.Group("dns", "udp", nk.targets("dns", 2, first=3)),
              nk.Group("multi", "tcp", nk.targets("multi", 1, port=9000, first=5))]
    listeners = [nk.Listener("web", "tcp", 443, "web"), nk.Listener("dns", "udp", 53, "dns"),
                 nk.Listener("a", "tcp", 7000, "multi"), nk.Listener("b", "tcp", 7001, "multi")]
    return nk.Nlb(groups, listeners, single=True)


def build():
    gw = model()
    web1, _ = gw.nlb_groups["web"].targets
    _, dns2 = gw.nlb_groups["dns"].targets
    dns1 = gw.nlb_groups["dns"].targets[0]
    multi = gw.nlb_groups["multi"].targets[0]
    case = ck.Case(gw, "nlb_reply_adopt: target replies without a session")

    def one(data):
        nk.send_one(case, "outside", data)

    def none(data):
        nk.send_none(case, "outside", data)

    # fixed-port target: adopted, then the flow goes on through the session
    one(nk.from_target4(gw, web1, TCP(sport=8443, dport=41000, flags="PA", seq=100, ack=200),
                    1, b"response part 2"))
    one(nk.to_zone4(1, TCP(sport=41000, dport=443, flags="A", seq=200, ack=115)))
    one(nk.from_target4(gw, web1, TCP(sport=8443, dport=41000, flags="A", seq=115, ack=200), 1))
    one(nk.from_target4(gw, web1, TCP(sport=8443, dport=41001, flags="FA", seq=300, ack=400), 2))
    # a RST: translated, no session; the next reply of that flow is adopted again
    one(nk.from_target4(gw, web1, TCP(sport=8443, dport=41002, flags="R", seq=500), 3))
    one(nk.from_target4(gw, web1, TCP(sport=8443, dport=41002, flags="A", seq=500, ack=600), 3))
    # port-0 target of a port listener
    one(nk.from_target4(gw, dns2, UDP(sport=53, dport=42000), 1, b"answer"))
    one(nk.to_zone4(1, UDP(sport=42000, dport=53), b"next query"))
    # one target, two listeners: ambiguous
    none(nk.from_target4(gw, multi, TCP(sport=9000, dport=43000, flags="A", seq=1, ack=1), 1))
    none(nk.from_target4(gw, multi, TCP(sport=9000, dport=43001, flags="PA", seq=1, ack=1), 2,
                     b"x"))
    # no listener's: the old way
    none(nk.from_target4(gw, web1, TCP(sport=8444, dport=44000, flags="A", seq=1, ack=1), 1))
    none(nk.from_target4(gw, dns1, TCP(sport=53, dport=44001, flags="A", seq=1, ack=1), 1))
    stranger = nk.Target("stranger", "172.16.0.99", 8443)
    none(nk.from_target4(gw, stranger, TCP(sport=8443, dport=44002, flags="A", seq=1, ack=1), 1))
    case.expect_stats(gw.stats(events=["nlb_new_flow", "nlb_adopted", "nlb_reply_adopted",
                                       "nlb_forward", "nlb_reply"],
                               drops=["nlb_reply_ambiguous", "no_attachment"],
                               listener_fields=["packets", "new_flows", "active_flows"],
                               target_fields=["packets", "new_flows"]))
    assert gw.events["nlb_reply_adopted"] == 5 and gw.events["nlb_new_flow"] == 4
    assert gw.drops["nlb_reply_ambiguous"] == 2 and gw.drops["no_attachment"] == 3
    s, _ = gw.sessions[(6, ck.client4(1), 41000, nk.ZONE_IP, 443)]
    assert s.target is web1
    s, _ = gw.sessions[(17, ck.client4(1), 42000, nk.ZONE_IP, 53)]
    assert s.target is dns2
    return case


if __name__ == "__main__":
    ck.main(build)
