#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""neigh_stale: a learned next hop ages and is re-resolved while in use (issue 12 item 5;
docs/dataplane.md "Neighbours"). One-arm (tests/pcap/neighkit.py), node.neighbor_reachable_ms
5000. Returns from fw-a to the on-link host 10.0.1.50:
- resolved (who-has, its unicast reply: REACHABLE) and forwarded; 2 s later forwarded with no
  request;
- 6 s after the reply the entry is STALE: the return is still forwarded, and sluice asks again;
  the host answers (REACHABLE again): the next return, a second later, asks nothing;
- 5 s on it is STALE again and the host has moved to another MAC without telling: three returns
  a second apart are forwarded to the old MAC, each with a request; a second after the third
  unanswered request the entry is FAILED: returns are dropped neigh_unresolved with no request
  until 5 s after the last one; then sluice asks again, the host answers from its new MAC and
  returns follow it.
One input pcap: the order and the times are exact. Writes the case files into argv[1]
(default: this directory)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/pcap"))

import casekit as ck  # noqa: E402
import neighkit as nk  # noqa: E402

HOST = nk.host4(50)
OLD, NEW = nk.host_mac(50), nk.host_mac(50, gen=1)


def build():
    gw = nk.one_arm()
    case = nk.case(gw, "neigh_stale: ageing to stale, re-resolution, a MAC change followed",
                   neighbor_reachable_ms=5000)
    back = nk.appliance_return(HOST)
    ask = nk.arp_request_for(HOST)
    nk.unresolved(gw, case, back, ask)
    case.rx("outside", nk.arp_reply_from(HOST, OLD))
    gw.learned[HOST] = OLD
    nk.forwarded(gw, case, back)
    case.at(ck.START + 2)
    nk.forwarded(gw, case, back)
    # stale: forwarded, asked; the answer makes it reachable
    case.at(ck.START + 6)
    nk.forwarded(gw, case, back, request=ask)
    case.at(ck.START + 6.5)
    case.rx("outside", nk.arp_reply_from(HOST, OLD))
    case.at(ck.START + 7.5)
    nk.forwarded(gw, case, back)
    # stale again (6.5 + 5 s), the host gone from OLD: three unanswered requests
    for t in (12, 13, 14):
        case.at(ck.START + t)
        nk.forwarded(gw, case, back, request=ask)
    # failed: dropped, quiet until 5 s after the last request
    for t in (15, 16, 18.9):
        case.at(ck.START + t)
        nk.unresolved(gw, case, back)
    case.at(ck.START + 19)
    nk.unresolved(gw, case, back, ask)
    case.rx("outside", nk.arp_reply_from(HOST, NEW))
    gw.learned[HOST] = NEW
    case.at(ck.START + 19.5)
    nk.forwarded(gw, case, back)
    case.expect_stats({"events": {"arp_learned": 3, "arp_consumed": 3, "arp_request": 6,
                                  "geneve_decap": 13, "forwarded": 8},
                       "drops": {"neigh_unresolved": 5}})
    return case


nk.main(build, HERE, 13)
