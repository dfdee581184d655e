#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_reply_inspected: on a port with an inspection attachment, a target's packet that no
session claims is inspected as before, never adopted as a listener's reply (docs/nlb.md "In
a fleet": it may belong to an inspected flow, which no stateless rule can tell apart). Port
outside (single topology: clients, targets, zone IP) is an inspection attachment's `from`
(chain: firewalls); listener web (tcp 443) -> group web (web-1 172.16.0.11, port 8443,
destination NAT).
- client 1 talks to web-1's own address, 172.16.0.11:8443: transit, inspected (GENEVE to a
  firewall, pinned); web-1's answer from 8443 matches listener web by address and port, and
  is inspected (the same firewall), not translated;
- web-1's packet from 8443 to client 2 (no session, no pinned flow): inspected as well;
- a client's segment to the listener still makes a session, and web-1's reply to it is
  translated through that session as everywhere.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402
import scenarios as sc  # noqa: E402


def model():
    groups = [nk.Group("web", "tcp", nk.targets("web", 1, port=8443))]
    return nk.Nlb(groups, [nk.Listener("web", "tcp", 443, "web")],
                  geneve_groups=[sc.firewalls(2)], chain=["firewalls"], single=True)


def build():
    gw = model()
    web1 = gw.nlb_groups["web"].targets[0]
    case = ck.Case(gw, "nlb_reply_inspected: no reply adoption on a port with inspection")
    direct = IP(src=ck.client4(1), dst=web1.address) / TCP(sport=41000, dport=8443, flags="S",
                                                          seq=10)
    out = nk.send(case, "outside", ck.frame(direct, ck.client_mac(1)))
    assert len(out) == 1 and out[0][0] == "appliances"
    answer = IP(src=web1.address, dst=ck.client4(1)) / TCP(sport=8443, dport=41000,
                                                          flags="SA", seq=20, ack=11)
    out = nk.send(case, "outside", nk.target_frame(gw, answer, web1))
    assert len(out) == 1 and out[0][0] == "appliances"
    other = IP(src=web1.address, dst=ck.client4(2)) / TCP(sport=8443, dport=41001, flags="A",
                                                         seq=30, ack=40)
    out = nk.send(case, "outside", nk.target_frame(gw, other, web1))
    assert len(out) == 1 and out[0][0] == "appliances"
    syn = IP(src=ck.client4(3), dst=nk.ZONE_IP) / TCP(sport=41002, dport=443, flags="S", seq=50)
    out = nk.send(case, "outside", ck.frame(syn, ck.client_mac(3)))
    assert len(out) == 1 and out[0][0] == "outside"
    reply = IP(src=web1.address, dst=ck.client4(3)) / TCP(sport=8443, dport=41002, flags="SA",
                                                         seq=60, ack=51)
    out = nk.send(case, "outside", nk.target_frame(gw, reply, web1))
    assert len(out) == 1 and out[0][0] == "outside"
    case.expect_stats(gw.stats(events=["nlb_reply_adopted", "nlb_new_flow", "nlb_forward",
                                       "nlb_reply", "geneve_encap", "flow_new"],
                               drops=["nlb_reply_ambiguous"],
                               listener_fields=["packets", "new_flows"]))
    assert not gw.events["nlb_reply_adopted"] and gw.events["geneve_encap"] == 3
    return case


if __name__ == "__main__":
    ck.main(build)
