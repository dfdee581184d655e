#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_reply_inspected: a target's packet that names a listener but belongs to an inspected
flow is that flow's (docs/nlb.md "In a fleet"). Port outside (single topology: clients,
targets, zone IP) is an inspection attachment's `from` (chain: firewalls); listener web
(tcp 443) -> group web (web-1 172.16.0.11, port 8443, destination NAT).
- client 1 talks to web-1's own address, 172.16.0.11:8443: transit, inspected (GENEVE to a
  firewall, pinned in the flow table); web-1's answer from 8443 matches listener web but its
  flow is pinned for inspection: inspected too, not adopted;
- web-1's packet from 8443 to client 2 (no session, no pinned flow): adopted as listener
  web's reply (10.0.1.10:443 -> client 2, nlb_reply_adopted).
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
    case = ck.Case(gw, "nlb_reply_inspected: inspected flows keep their packets")
    direct = IP(src=ck.client4(1), dst=web1.address) / TCP(sport=41000, dport=8443, flags="S",
                                                          seq=10)
    out = nk.send(case, "outside", ck.frame(direct, ck.client_mac(1)))
    assert len(out) == 1 and out[0][0] == "appliances"
    answer = IP(src=web1.address, dst=ck.client4(1)) / TCP(sport=8443, dport=41000,
                                                          flags="SA", seq=20, ack=11)
    out = nk.send(case, "outside", nk.target_frame(gw, answer, web1))
    assert len(out) == 1 and out[0][0] == "appliances"
    adopted = IP(src=web1.address, dst=ck.client4(2)) / TCP(sport=8443, dport=41001,
                                                           flags="A", seq=30, ack=40)
    out = nk.send(case, "outside", nk.target_frame(gw, adopted, web1))
    assert len(out) == 1 and out[0][0] == "outside"
    case.expect_stats(gw.stats(events=["nlb_reply_adopted", "nlb_new_flow", "nlb_reply",
                                       "geneve_encap", "flow_new"],
                               drops=["nlb_reply_ambiguous"],
                               listener_fields=["packets", "new_flows"]))
    assert gw.events["nlb_reply_adopted"] == 1 and gw.events["geneve_encap"] == 2
    return case


if __name__ == "__main__":
    ck.main(build)
