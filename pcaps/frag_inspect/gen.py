#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""frag_inspect: fragmented datagrams of different flows (IPv4 UDP, TCP and ICMP echo, IPv6
UDP), interleaved and some out of order, each reach one appliance whole (core/frag.h,
docs/dataplane.md "Fragments"): a first fragment records its ports and the later ones follow
them; a non-first fragment that comes first is steered without ports (the 3-tuple key) and
its first fragment and the rest follow it. The appliance returns of fragments validate (their
cookies are made from what each fragment reads) and go on.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import ICMP, IP, IPv6, IPv6ExtHdrFragment, TCP, UDP, fragment, fragment6  # noqa

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402


def v4(client, server, ident, l4):
    datagram = IP(src=ck.client4(client), dst=ck.server4(server), id=ident) / l4
    return [ck.frame(f, ck.client_mac(client)) for f in fragment(datagram, fragsize=1200)]


def v6(client, server, ident, l4):
    datagram = IPv6(src=ck.client6(client), dst=ck.server6(server)) / IPv6ExtHdrFragment(
        id=ident) / l4
    return [ck.frame(f, ck.client_mac(client)) for f in fragment6(datagram, 1000)]


# name -> fragments, in the order they are sent
DATAGRAMS = {
    "a-udp": v4(1, 70, 0x1001, UDP(sport=40001, dport=5004) / (b"media-a-" * 375)),
    "b-udp": v4(2, 71, 0x1002, UDP(sport=40002, dport=5004) / (b"media-b-" * 375)),
    "c-tcp": v4(3, 72, 0x1003, TCP(sport=40003, dport=443, flags="PA") / (b"bulk-c--" * 375)),
    "d-echo": v4(4, 73, 0x1004, ICMP(id=77, seq=1) / (b"ping-d--" * 375)),
    "e-v6": v6(1, 80, 0xE0001, UDP(sport=40005, dport=5004) / (b"media-e-" * 300)),
    "a2-udp": v4(1, 70, 0x1005, UDP(sport=40001, dport=5004) / (b"media-A-" * 375)),
}
# out of order: a later fragment first
LATE = {
    "f-v6-reversed": v6(2, 81, 0xE0002, UDP(sport=40006, dport=5004) / (b"media-f-" * 300)),
    "g-reversed": v4(3, 74, 0x1007, UDP(sport=40007, dport=5004) / (b"media-g-" * 375)),
    "h-middle-first": v4(4, 75, 0x1008, UDP(sport=40008, dport=5004) / (b"media-h-" * 375)),
}


def order():
    """(name, fragment) in sending order: the in-order datagrams interleaved fragment by
    fragment; then the late ones (reversed; middle, first, last)."""
    out = []
    names = list(DATAGRAMS)
    for i in range(max(len(f) for f in DATAGRAMS.values())):
        out += [(n, DATAGRAMS[n][i]) for n in names if i < len(DATAGRAMS[n])]
    f = LATE["f-v6-reversed"]
    out += [("f-v6-reversed", x) for x in reversed(f)]
    g = LATE["g-reversed"]
    out += [("g-reversed", x) for x in reversed(g)]
    h = LATE["h-middle-first"]
    out += [("h-middle-first", x) for x in (h[1], h[0], h[2])]
    return out


def build():
    gw = sc.gateway(sc.firewalls(4))
    case = ck.Case(gw, "frag_inspect: every fragment of a datagram reaches one appliance")
    sent = {}
    encaps = {}
    for name, data in order():
        out = case.transit(data)
        sent.setdefault(name, set()).update(ck_dst(f) for _, f in out)
        encaps.setdefault(name, []).extend(f for _, f in out)
    # the model agrees with the property the case is about; two datagrams of one flow share
    for name, dsts in sent.items():
        assert len(dsts) == 1, "%s reached %s" % (name, dsts)
    assert len({d for s in sent.values() for d in s}) >= 2, "pick flows over >= 2 appliances"
    assert sent["a-udp"] == sent["a2-udp"]
    # the appliances return every fragment of a-udp and g-reversed: valid, forwarded
    for name in ("a-udp", "g-reversed"):
        for i, encap in enumerate(encaps[name]):
            back = ck.appliance_return(encap, ident=0x300 + i)
            t = case.rx("appliances", back)
            case.tx(gw.geneve_return(back, t))
    case.expect_stats(gw.stats_subset(events=["geneve_encap", "flow_new", "geneve_decap",
                                              "forwarded", "frag_tracked", "frag_table_full"],
                                      target_fields=["packets", "bytes", "new_flows"]))
    case.expect_stats({"drops": {name: 0 for name in sc.GENEVE_DROPS}})
    return case


def ck_dst(frame):
    return ".".join(str(b) for b in frame[30:34])


ck.main(build)
