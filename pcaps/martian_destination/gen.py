#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""martian_destination: a packet is never forwarded, inspected or resolved (no ARP request, no
neighbour solicitation) towards a destination no host elsewhere has: the node's own addresses,
the network and broadcast addresses of its ports' IPv4 subnets, 0/8, loopback, multicast,
240/4 with 255.255.255.255, 169.254/16; IPv6 ::, ::1, ff00::/8, fe80::/10. Valid GENEVE returns
(right cookies) carrying such inner packets, from the first group of the chain (not passed on
to the second) and from the last (not forwarded), and transit packets to such destinations
(not sent to an appliance) are dropped `martian_destination`; one ordinary return of each
stage and one ordinary transit packet go on as usual.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, IPv6, TCP, UDP  # noqa: E402

import casekit as ck  # noqa: E402

# inner destinations of returns: the node's own (not the zone IP, the NLB's), subnet edges,
# the classes
RETURN_DST4 = [ck.NODE_APPL, "10.0.1.255", "10.0.1.0", "192.168.50.255", "224.0.0.5",
               "255.255.255.255", "0.0.0.0", "127.0.0.1", "240.0.0.1", "169.254.169.254"]
RETURN_DST6 = [ck.NODE6, "ff02::1", "::", "::1", "fe80::1"]
# transit destinations (multicast and 255.255.255.255 are the node's: local, not transit)
TRANSIT_DST4 = ["10.0.1.255", "10.0.1.0", "192.168.50.255", "192.168.50.0", "0.1.2.3",
                "127.0.0.1", "240.0.0.1", "169.254.1.1"]
TRANSIT_DST6 = ["fe80::1", "::1"]


def inner4(dst, sport, client=1):
    return bytes(IP(src=ck.client4(client), dst=dst) / UDP(sport=sport, dport=5000) / b"x")


def inner6(dst, sport, client=1):
    return bytes(IPv6(src=ck.client6(client), dst=dst) / TCP(sport=sport, dport=443,
                                                             flags="S"))


def returned(sender, group, inner):
    """What an appliance of group sends back for inner (sluice encapsulated it earlier)."""
    (_, encap), = sender.encap(group, inner, ck.START)
    return ck.appliance_return(encap)


def build():
    firewalls = ck.Group("firewalls", ck.targets("fw", 11, 2))
    ids = ck.Group("ids", ck.targets("ids", 21, 2))
    gw = ck.Gateway([firewalls, ids], ["firewalls", "ids"])
    sender = ck.Gateway([ck.Group("firewalls", ck.targets("fw", 11, 2)),
                         ck.Group("ids", ck.targets("ids", 21, 2))], ["firewalls", "ids"])
    case = ck.Case(gw, "martian_destination: never forwarded, inspected or resolved")
    inners = [inner4(d, 42000 + i, 1 + i % 4) for i, d in enumerate(RETURN_DST4)]
    inners += [inner6(d, 43000 + i, 1 + i % 4) for i, d in enumerate(RETURN_DST6)]
    inners.append(inner4(ck.server4(20), 44000))  # an ordinary one
    for stage in ("firewalls", "ids"):
        for inner in inners:
            back = returned(sender, stage, inner)
            case.tx(gw.geneve_return(back, case.rx("appliances", back)))
    for i, dst in enumerate(TRANSIT_DST4):
        l3 = IP(src=ck.client4(2), dst=dst) / UDP(sport=45000 + i, dport=5000) / b"t"
        case.transit(ck.frame(l3, ck.client_mac(2),
                              dst_mac=ck.BROADCAST if dst.endswith(".255") else ck.OUTSIDE_MAC))
    for i, dst in enumerate(TRANSIT_DST6):
        l3 = IPv6(src=ck.client6(2), dst=dst) / TCP(sport=46000 + i, dport=443, flags="S")
        case.transit(ck.frame(l3, ck.client_mac(2)))
    case.transit(ck.frame(IP(src=ck.client4(3), dst=ck.server4(21)) / UDP(sport=47000) / b"ok",
                          ck.client_mac(3)))
    case.expect_stats(gw.stats_subset(events=["geneve_encap", "geneve_decap", "forwarded",
                                              "arp_request", "nd_solicit"],
                                      drops=["martian_destination", "neigh_unresolved",
                                             "no_route", "local_unhandled"]))
    return case


ck.main(build)
