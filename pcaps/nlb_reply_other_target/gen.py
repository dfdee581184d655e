#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_reply_other_target: a reply of no session from a target while the client's key is
another target's session (docs/nlb.md "In a fleet"; core/nlb_verdict.h nlb_adopt_taken). One
port (single topology). Listener web (tcp 443) -> group web (targets .11, .12, port 8443, DNAT).
- client 1's SYN makes a session with the target Maglev gives it (T); T's SYN/ACK is a plain
  nlb_reply;
- the other target (O) sends client 1's address and port a reply, then a RST: no session has
  O's reply key, the reply table names web for O, but the session it would make (client 1 ->
  zone IP:443) exists with T: not translated as if it were T's, dropped
  nlb_reply_other_target (2, counted for listener web) on both dataplanes (sluice-dp used to
  translate it through T's session, sluice-xdp dropped it nlb_sessions_full);
- O's reply to client 2, who has no session, is adopted as usual (the control);
- client 1's session is untouched: its next segment goes to T, T's next reply back.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import TCP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402


def model():
    return nk.Nlb([nk.Group("web", "tcp", nk.targets("web", 2, port=8443))],
                  [nk.Listener("web", "tcp", 443, "web")], single=True)


def build():
    gw = model()
    case = ck.Case(gw, "nlb_reply_other_target: another target's reply to a client's session")

    def one(data):
        nk.send_one(case, "outside", data)

    def none(data):
        nk.send_none(case, "outside", data)

    one(nk.to_zone4(1, TCP(sport=41000, dport=443, flags="S", seq=100)))
    s, _ = gw.sessions[(6, ck.client4(1), 41000, nk.ZONE_IP, 443)]
    t = s.target
    other = next(x for x in gw.nlb_groups["web"].targets if x is not t)
    one(nk.from_target4(gw, t, TCP(sport=8443, dport=41000, flags="SA", seq=500, ack=101), 1))
    # the other target, to client 1's session: not translated, RST or not
    none(nk.from_target4(gw, other, TCP(sport=8443, dport=41000, flags="PA", seq=900, ack=101), 1,
                     b"stray"))
    none(nk.from_target4(gw, other, TCP(sport=8443, dport=41000, flags="R", seq=905), 1))
    # the control: the other target's reply to a client without a session is adopted
    one(nk.from_target4(gw, other, TCP(sport=8443, dport=41001, flags="PA", seq=700, ack=300), 2,
                    b"adopted"))
    # client 1's session goes on with its target
    one(nk.to_zone4(1, TCP(sport=41000, dport=443, flags="PA", seq=101, ack=501), b"GET /"))
    one(nk.from_target4(gw, t, TCP(sport=8443, dport=41000, flags="PA", seq=501, ack=106), 1,
                    b"200 OK"))
    case.expect_stats(gw.stats(events=["nlb_new_flow", "nlb_reply_adopted", "nlb_forward",
                                       "nlb_reply"],
                               drops=["nlb_reply_other_target", "nlb_sessions_full",
                                      "nlb_reply_ambiguous", "no_attachment"],
                               listener_fields=gw.LISTENER_ALL,
                               target_fields=["packets", "new_flows", "active_flows"]))
    assert gw.drops["nlb_reply_other_target"] == 2 and gw.events["nlb_reply_adopted"] == 1
    s, _ = gw.sessions[(6, ck.client4(2), 41001, nk.ZONE_IP, 443)]
    assert s.target is other
    return case


if __name__ == "__main__":
    ck.main(build)
