#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""rx_oversize: both ports MTU 1500 (so sluice-dp's mbufs hold 2048 bytes). A frame whose IP
packet is longer than the receiving port's MTU should never have crossed that link: it is
dropped rx_oversize, with no ICMP error, before anything else (a 3000-byte IPv4 and IPv6 frame,
which sluice-dp counted no_mbuf and sluice-xdp answered mtu_exceeded + ICMP; a 1501-byte IPv4
packet, which both encapsulation paths answered with an ICMP error). A 1500-byte packet fits the
link and gets fragmentation-needed (MTU 1432) as in pmtu; a 1432-byte one is encapsulated.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/pcap"))

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

pmtu = ck.case_gen(HERE, "pmtu")  # tcp_packet, frag_needed: MTU 1500, inner packets up to 1432


def build():
    gw = sc.gateway(sc.firewalls(4), ports=[ck.outside_port(mtu=1500),
                                            ck.appliances_port(mtu=1500)])
    case = ck.Case(gw, "rx_oversize: frames longer than the receiving port's MTU")
    case.rx("outside", pmtu.tcp_packet(4, 2986, sport=40000))  # a 3000-byte frame
    case.rx("outside", pmtu.tcp_packet(6, 2986, sport=40001))
    case.rx("outside", pmtu.tcp_packet(4, 1501, sport=40002))
    fits_link = pmtu.tcp_packet(4, 1500, sport=40003)
    case.rx("outside", fits_link)
    case.tx([("outside", pmtu.frag_needed(fits_link))])
    case.transit(pmtu.tcp_packet(4, pmtu.INNER_MAX, sport=40004))
    case.expect_stats({"drops": {"rx_oversize": 3, "mtu_exceeded": 1, "no_mbuf": 0},
                       "events": {"icmp_frag_needed": 1, "geneve_encap": 1}})
    return case


ck.main(build)
