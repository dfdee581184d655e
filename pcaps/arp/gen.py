#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""arp: who-has 10.0.1.10 on outside and who-has 192.168.50.1 on appliances get exact 42-byte
replies. Who-has another address gets no reply: from a sender on a connected subnet it is only
learned (arp_learned) when the node has an entry for the sender (docs/dataplane.md
"Neighbours": client 2 is a static neighbour); from a sender outside the port's subnets it is
arp_invalid, and so is a malformed ARP. The appliance 192.168.50.11 asking for our address is
answered but not learned (the node has no entry for it: not a target of this case). Traffic
whose appliance (fw-d, 192.168.50.14) has no static neighbour entry makes sluice send
"who-has 192.168.50.14 tell 192.168.50.1" on appliances and drop it (neigh_unresolved).
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import ARP, Ether  # noqa: E402

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

UNRESOLVED = ck.Target("fw-d", "192.168.50.14", static=False)
ASKING_APPLIANCE = ("02:00:00:00:50:11", "192.168.50.11")
FOREIGN_MAC = "02:00:00:00:99:99"  # a host whose address is in none of our subnets


def malformed_arp():
    """ARP for IPv6 (ptype 0x86dd, plen 16): not Ethernet/IPv4, so invalid."""
    arp = ARP(op=1, ptype=0x86DD, plen=16, hwsrc=ck.client_mac(3))
    data = bytes(Ether(src=ck.client_mac(3), dst=ck.BROADCAST) / arp)
    return data[:14 + 8 + 6] + bytes(16 + 6 + 16)


def build():
    gw = ck.Gateway([ck.Group("firewalls", [UNRESOLVED])], ["firewalls"])
    case = ck.Case(gw, "arp: replies, invalid requests, resolving an appliance")
    case.rx("outside", ck.arp_request(ck.client_mac(1), ck.client4(1), ck.NODE4))
    case.tx([("outside", ck.arp_reply(ck.OUTSIDE_MAC, ck.NODE4, ck.client_mac(1),
                                      ck.client4(1)))])
    case.rx("outside", ck.arp_request(ck.client_mac(2), ck.client4(2), "10.0.1.99"))
    case.rx("outside", ck.arp_request(FOREIGN_MAC, "10.9.9.9", "10.0.1.99"))
    case.rx("outside", malformed_arp())
    case.rx("appliances", ck.arp_request(*ASKING_APPLIANCE, ck.NODE_APPL))
    case.tx([("appliances", ck.arp_reply(ck.APPL_MAC, ck.NODE_APPL, *ASKING_APPLIANCE))])
    case.rx("outside", sc.tcp4(1, 10, 40000, 443))
    case.tx([("appliances", ck.arp_request(ck.APPL_MAC, ck.NODE_APPL, UNRESOLVED.address,
                                           pad_to=0))])
    # learned: client 1, client 2 (asking for 10.0.1.99): static entries
    case.expect_stats({"events": {"arp_reply": 2, "arp_request": 1, "arp_learned": 2,
                                  "geneve_encap": 0},
                       "drops": {"arp_invalid": 2, "neigh_unresolved": 1}})
    return case


ck.main(build)
