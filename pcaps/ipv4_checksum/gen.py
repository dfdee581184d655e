#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ipv4_checksum: an IPv4 packet whose header checksum is wrong is dropped `ipv4_checksum`
(RFC 1812 5.2.2), wherever sluice meets it: a transit packet (with and without options), the
outer header of a GENEVE return, the inner packet a valid-looking return carries. The same
packets with their checksums right are encapsulated / forwarded.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP, IPOption_NOP  # noqa: E402

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

BAD = 0x1234  # no header below sums to it


def tcp(client, server, sport, chksum=None, options=None, load=b"data"):
    kw = {} if chksum is None else {"chksum": chksum}
    if options:
        kw["options"] = options
    l3 = IP(src=ck.client4(client), dst=ck.server4(server), **kw) / TCP(
        sport=sport, dport=443, flags="PA", seq=1, ack=1) / load
    return ck.frame(l3, ck.client_mac(client))


def break_outer(back):
    """The return with its outer IPv4 header checksum (Ethernet 14 + 10) wrong."""
    data = bytearray(back)
    data[24] ^= 0x5A
    return bytes(data)


def build():
    gw = sc.gateway(sc.firewalls(2))
    sender = sc.gateway(sc.firewalls(2))  # what went to the appliances earlier
    case = ck.Case(gw, "ipv4_checksum: wrong IPv4 header checksums are dropped")
    drops = 0
    # transit: good and bad, without and with options (IHL 6)
    case.transit(tcp(1, 10, 41000))
    case.transit(tcp(2, 11, 41001, options=[IPOption_NOP()] * 4))
    for data in (tcp(1, 10, 41002, chksum=BAD),
                 tcp(2, 11, 41003, chksum=BAD, options=[IPOption_NOP()] * 4)):
        case.rx("outside", data)
        drops += 1
    # returns: valid, outer header wrong, inner header wrong (its cookie right)
    (_, encap), = sender.transit(tcp(3, 12, 41004), ck.START)
    back = ck.appliance_return(encap, ident=0x200)
    case.tx(gw.geneve_return(back, case.rx("appliances", back)))
    (_, encap), = sender.transit(tcp(3, 12, 41005), ck.START)
    case.rx("appliances", break_outer(ck.appliance_return(encap, ident=0x201)))
    drops += 1
    inner = ck.l3_of(tcp(4, 13, 41006, chksum=BAD))
    (_, encap), = sender.encap("firewalls", inner, ck.START)
    case.rx("appliances", ck.appliance_return(encap, ident=0x202))
    drops += 1
    case.expect_stats(gw.stats_subset(events=["geneve_encap", "geneve_decap", "forwarded"]))
    case.expect_stats({"drops": {"ipv4_checksum": drops, "parse_l3": 0,
                                 "geneve_bad_cookie": 0, "geneve_bad_inner": 0}})
    return case


ck.main(build)
