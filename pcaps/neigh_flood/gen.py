#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""neigh_flood: a neighbour table of 16 entries (node.neighbor_table_size) under two floods
cannot be made to drop a next hop in use (issue 12 item 5; docs/dataplane.md "Neighbours").
One-arm (tests/pcap/neighkit.py); the table starts with 3 static entries (the router's two
addresses, fw-a).
1. 40 gratuitous ARPs and 40 solicitations from on-link hosts the node has no entry for: not
   learned (neigh_unsolicited), the table is unchanged.
2. The host 10.0.1.50 is resolved (who-has, its reply) and returns to it are forwarded: an
   entry in use.
3. Returns to 20 hosts that do not exist, three rounds a second apart: the first round makes
   12 INCOMPLETE entries (who-has each, neigh_unresolved) and fills the table; the other 8
   find no room — every entry is static or in use — and are dropped neigh_table_full with no
   request. The next rounds ask the 12 again. Returns to 10.0.1.50 go on being forwarded.
4. A second after the third request the 12 are FAILED: a new next hop, 10.0.1.60, evicts one
   and is asked for; its reply is learned and its returns forwarded; 10.0.1.50 still is.
One input pcap: the order is exact. Writes the case files into argv[1] (default: this
directory)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/pcap"))

import casekit as ck  # noqa: E402
import neighkit as nk  # noqa: E402

SIZE = 16
IN_USE, NEW = nk.host4(50), nk.host4(60)
GHOSTS = [nk.host4(200 + i) for i in range(20)]
ROOM = SIZE - 3 - 1  # static entries, the host in use


def build():
    gw = nk.one_arm()
    case = nk.case(gw, "neigh_flood: floods cannot evict a next hop in use",
                   neighbor_table_size=SIZE)
    for i in range(40):
        case.rx("outside", ck.arp_request(nk.host_mac(100 + i), nk.host4(100 + i),
                                          nk.host4(100 + i)))
        case.rx("outside", ck.nd_solicit(nk.host_mac(100 + i), nk.host6(0x100 + i),
                                         nk.host6(0x55)))
    nk.unresolved(gw, case, nk.appliance_return(IN_USE), nk.arp_request_for(IN_USE))
    case.rx("outside", nk.arp_reply_from(IN_USE, nk.host_mac(50)))
    gw.learned[IN_USE] = nk.host_mac(50)
    nk.forwarded(gw, case, nk.appliance_return(IN_USE))
    for rnd in range(3):
        case.at(ck.START + 1 + rnd)
        for i, ghost in enumerate(GHOSTS):
            if i < ROOM:
                nk.unresolved(gw, case, nk.appliance_return(ghost), nk.arp_request_for(ghost))
            else:
                nk.unresolved(gw, case, nk.appliance_return(ghost))  # neigh_table_full
            if i % 10 == 9:
                nk.forwarded(gw, case, nk.appliance_return(IN_USE, sport=444 + i))
    case.at(ck.START + 4.5)
    nk.forwarded(gw, case, nk.appliance_return(IN_USE))
    nk.unresolved(gw, case, nk.appliance_return(NEW), nk.arp_request_for(NEW))
    case.rx("outside", nk.arp_reply_from(NEW, nk.host_mac(60)))
    gw.learned[NEW] = nk.host_mac(60)
    nk.forwarded(gw, case, nk.appliance_return(NEW))
    nk.forwarded(gw, case, nk.appliance_return(IN_USE))
    case.expect_stats({"events": {"arp_learned": 2, "arp_consumed": 2, "nd_learned": 0,
                                  "arp_request": 2 + 3 * ROOM, "geneve_decap": 72,
                                  "forwarded": 10},
                       "drops": {"neigh_unsolicited": 80, "neigh_unresolved": 2 + 3 * ROOM,
                                 "neigh_table_full": 3 * (len(GHOSTS) - ROOM)}})
    return case


nk.main(build, HERE, 72)
