#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""neigh_unsolicited: on-link hosts the node has no entry for announce themselves, and are not
learned (issue 12 item 5; docs/dataplane.md "Neighbours"). One-arm (tests/pcap/neighkit.py).
A gratuitous ARP from 10.0.1.88, a solicitation from 2001:db8:a::88 (with its source link-layer
option) for another address, and an unsolicited advertisement from 2001:db8:a::99 are each
dropped neigh_unsolicited. A return from fw-a to each of these hosts then finds no MAC: sluice
asks (who-has 10.0.1.88, a solicitation for ::88 and ::99) and drops it neigh_unresolved,
instead of forwarding it to the MAC the hosts claimed. The answers to these requests are learned
(arp_learned, nd_learned: the node asked) and the next returns are forwarded. A host that asks
for the node's own address is answered, and is not learned either. One input pcap: the order is
exact. Writes the case files into argv[1] (default: this directory)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/pcap"))

import casekit as ck  # noqa: E402
import neighkit as nk  # noqa: E402

A4, A6, B6, C4 = nk.host4(0x88), nk.host6(0x88), nk.host6(0x99), nk.host4(0x77)
CLAIMED = nk.host_mac(0x88, gen=1)  # what the hosts claim in their unsolicited messages
REAL = {A4: nk.host_mac(0x88), A6: nk.host_mac(0x88), B6: nk.host_mac(0x99)}
ALL_NODES, ALL_NODES_MAC = "ff02::1", "33:33:00:00:00:01"


def build():
    gw = nk.one_arm()
    case = nk.case(gw, "neigh_unsolicited: on-link hosts without an entry are not learned")
    case.rx("outside", ck.arp_request(CLAIMED, A4, A4))
    case.rx("outside", ck.nd_solicit(CLAIMED, A6, nk.host6(0x55)))
    case.rx("outside", ck.nd_advert(CLAIMED, ALL_NODES_MAC, B6, ALL_NODES, B6,
                                    solicited=False))
    # a host asking for our address: answered, not learned
    case.rx("outside", ck.arp_request(nk.host_mac(0x77), C4, ck.NODE4))
    case.tx([("outside", ck.arp_reply(ck.OUTSIDE_MAC, ck.NODE4, nk.host_mac(0x77), C4))])
    # returns to them: asked for, dropped
    nk.unresolved(gw, case, nk.appliance_return(A4), nk.arp_request_for(A4))
    nk.unresolved(gw, case, nk.appliance_return(A6),
                  ck.nd_solicit(ck.OUTSIDE_MAC, ck.NODE6, A6))
    nk.unresolved(gw, case, nk.appliance_return(B6),
                  ck.nd_solicit(ck.OUTSIDE_MAC, ck.NODE6, B6))
    nk.unresolved(gw, case, nk.appliance_return(C4), nk.arp_request_for(C4))
    # the answers: learned (the node asked), then forwarded to the real MACs
    case.rx("outside", nk.arp_reply_from(A4, REAL[A4]))
    case.rx("outside", ck.nd_advert(REAL[A6], ck.OUTSIDE_MAC, A6, ck.NODE6, A6))
    case.rx("outside", ck.nd_advert(REAL[B6], ck.OUTSIDE_MAC, B6, ck.NODE6, B6))
    gw.learned.update(REAL)
    for host in (A4, A6, B6):
        nk.forwarded(gw, case, nk.appliance_return(host))
    case.expect_stats({"events": {"arp_learned": 1, "nd_learned": 2, "arp_consumed": 1,
                                  "nd_consumed": 2, "arp_reply": 1, "arp_request": 2,
                                  "nd_solicit": 2, "geneve_decap": 7, "forwarded": 3},
                       "drops": {"neigh_unsolicited": 3, "neigh_unresolved": 4}})
    return case


nk.main(build, HERE, 7)
