#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""neigh_unanswered: ARP and ND on outside that ask sluice-dp for nothing (a port without a
kernel interface). One that teaches a neighbour the node has an entry for (client 2, a static
neighbour) is learned and consumed (arp_consumed, nd_consumed); one that would teach a neighbour
the node has no entry for (an unsolicited advertisement, a gratuitous ARP) is not learned and
dropped neigh_unsolicited (docs/dataplane.md "Neighbours"); one that teaches nothing is dropped
nd_ignored: a solicitation for another address without a source link-layer option, a duplicate
address detection probe for another address, an advertisement without a target link-layer
option, an advertisement for a target off the port's subnets. Nothing is sent. Every frame is
counted once (the runner's receive balance). Writes the case files into argv[1] (default:
this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import ICMPv6ND_NA, ICMPv6ND_NS, IPv6, Ether  # noqa: E402

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

OTHER = "2001:db8:a::99"  # nobody sluice knows
HOST, HOST_MAC = "2001:db8:a::88", "02:00:00:00:10:88"
ALL_NODES, ALL_NODES_MAC = "ff02::1", "33:33:00:00:00:01"


def ns_without_option(src_mac, src, target):
    group, group_mac = ck.solicited_node(target)
    return bytes(Ether(src=src_mac, dst=group_mac) / IPv6(src=src, dst=group, hlim=255) /
                 ICMPv6ND_NS(tgt=target))


def na_without_option(src_mac, src, target):
    return bytes(Ether(src=src_mac, dst=ALL_NODES_MAC) / IPv6(src=src, dst=ALL_NODES, hlim=255) /
                 ICMPv6ND_NA(S=0, O=1, tgt=target))


def build():
    gw = sc.gateway(sc.firewalls(4))
    case = ck.Case(gw, "neigh_unanswered: ARP and ND that need no answer")
    # taught a neighbour with an entry: consumed
    case.rx("outside", ck.nd_solicit(ck.client_mac(2), ck.client6(2), OTHER))
    case.rx("outside", ck.arp_request(ck.client_mac(2), ck.client4(2), ck.client4(2)))
    # would teach a neighbour without one: neigh_unsolicited
    case.rx("outside", ck.nd_advert(HOST_MAC, ALL_NODES_MAC, HOST, ALL_NODES, HOST,
                                    solicited=False))
    case.rx("outside", ck.arp_request("02:00:00:00:10:50", "10.0.1.150", "10.0.1.150"))
    # taught nothing: nd_ignored
    case.rx("outside", ns_without_option(ck.client_mac(3), ck.client6(3), OTHER))
    case.rx("outside", ck.nd_solicit("02:00:00:00:10:77", "::", OTHER))
    case.rx("outside", na_without_option(HOST_MAC, HOST, HOST))
    case.rx("outside", ck.nd_advert("02:00:00:00:10:55", ALL_NODES_MAC, "2001:db8:ff::55",
                                    ALL_NODES, "2001:db8:ff::55", solicited=False))
    case.expect_stats({"events": {"nd_learned": 1, "nd_consumed": 1, "arp_learned": 1,
                                  "arp_consumed": 1, "nd_advert": 0, "arp_reply": 0},
                       "drops": {"nd_ignored": 4, "nd_invalid": 0, "neigh_unsolicited": 2}})
    return case


ck.main(build)
