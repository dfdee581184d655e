#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""frag_table: the fragment table's bounds (core/frag.h, docs/dataplane.md "Fragments") with
node.fragment_table_size 16 and node.fragment_timeout_ms 200. Sixteen datagrams in flight
fill the table; the first fragment of a seventeenth finds no room (frag_table_full) and goes on
with its ports, untracked: its later fragments, finding no entry and no room either, are
steered without ports (frag_table_full each). No live entry was evicted for it: the later
fragments of the sixteen still follow their first fragments. A fragment 300 ms after its
datagram's first one finds its entry expired: it is steered as one whose first fragment was
not seen (the expired entry is rewritten, frag_tracked).
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, UDP, fragment  # noqa: E402

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

TABLE = 16


def datagram(i):
    client, server = 1 + i % 4, 100 + i
    l3 = IP(src=ck.client4(client), dst=ck.server4(server), id=0x5000 + i) / UDP(
        sport=43000 + i, dport=5004) / (b"%02d-frame" % i * 150)
    return [ck.frame(f, ck.client_mac(client)) for f in fragment(l3, fragsize=600)]


def build():
    gw = sc.gateway(sc.firewalls(4))
    gw.fragment_table_size = TABLE
    gw.fragment_timeout_ms = 200
    case = ck.Case(gw, "frag_table: fragment table full and timeout")
    held = [datagram(i) for i in range(TABLE)]
    assert all(len(fs) == 3 for fs in held)
    for fs in held:
        case.transit(fs[0])
    assert gw.events["frag_tracked"] == TABLE
    for f in datagram(TABLE):  # no room: untracked
        case.transit(f)
    assert gw.events["frag_table_full"] == 3
    for fs in held:
        case.transit(fs[1])
    for fs in held[1:]:
        case.transit(fs[2])
    case.at(case.now + 0.3)
    case.transit(held[0][2])  # its entry expired
    assert gw.events["frag_tracked"] == TABLE + 1
    case.expect_stats(gw.stats_subset(events=["geneve_encap", "flow_new", "frag_tracked",
                                              "frag_table_full"],
                                      target_fields=["packets", "new_flows"]))
    return case


ck.main(build)
