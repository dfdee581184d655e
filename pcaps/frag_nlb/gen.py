#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""frag_nlb: fragmented UDP through the load balancer (core/frag.h, docs/nlb.md "Fragments").
Listener media (udp 5004, destination NAT, media-1..3) and listener logs (udp 514, source NAT,
logs-1..2). Fragmented datagrams from four clients, interleaved: every fragment of a datagram
reaches its first fragment's target, the first one translated with its ports and L4 checksum
(incrementally: it covers the whole datagram), the later ones with their addresses only.
A non-first fragment that comes before its first fragment, alone (item 10 of issue 12: a
non-first fragment to the zone IP, counted the same on both dataplanes), or after
node.fragment_timeout_ms (1000 here) is dropped frag_early: the listener needs the port.
The targets' fragmented replies are translated back the same way (the source-NAT one to the
node's servers address, the destination-NAT one in transit).
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP, UDP, fragment  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402


def model():
    media = nk.Group("media", "udp", nk.targets("media", 3, port=5004))
    logs = nk.Group("logs", "udp", nk.targets("logs", 2, port=514, first=4),
                    preserve_client_ip=False)
    gw = nk.Nlb([media, logs], [nk.Listener("media", "udp", 5004, "media"),
                                nk.Listener("logs", "udp", 514, "logs")])
    gw.fragment_timeout_ms = 1000
    return gw


def frags(src, dst, ident, sport, dport, load, mac=None, proto=UDP):
    datagram = IP(src=src, dst=dst, id=ident, ttl=60) / proto(sport=sport, dport=dport) / load
    return [ck.frame(f, mac or ck.client_mac(int(src.split(".")[-1]) - 100))
            for f in fragment(datagram, fragsize=1200)]


def client(i, ident, sport, dport, tag):
    return frags(ck.client4(i), nk.ZONE_IP, ident, sport, dport, tag * 400)


def reassembled_ok(l3s):
    """The fragments l3s (one datagram, any order) reassembled: does its UDP checksum verify?
    Independent of the model's incremental update."""
    parts = [bytes(x) for x in l3s]
    pieces = sorted(((IP(f).frag * 8, bytes(IP(f).payload)) for f in parts))
    head = IP(parts[[IP(f).frag for f in parts].index(0)])
    payload = b"".join(p for _, p in pieces)
    whole = IP(src=head.src, dst=head.dst, id=head.id, ttl=head.ttl, proto=head.proto) / payload
    udp = UDP(bytes(whole.payload))
    if udp.chksum == 0:
        return True
    want = UDP(bytes(IP(src=head.src, dst=head.dst, proto=17) / UDP(
        sport=udp.sport, dport=udp.dport) / bytes(udp.payload))[20:]).chksum
    return udp.chksum == want


def build():
    gw = model()
    case = ck.Case(gw, "frag_nlb: fragmented UDP through listeners media (DNAT) and logs (SNAT)")
    sent, count = {}, {}

    def send(port, name, data):
        count[name] = count.get(name, 0) + 1
        out = nk.send(case, port, data)
        sent.setdefault(name, []).extend(out)
        return out

    # four destination-NAT datagrams, interleaved fragment by fragment
    media = {"m%d" % i: client(i, 0x2000 + i, 41000 + i, 5004, b"media-%d-" % i)
             for i in range(1, 5)}
    for k in range(3):
        for name, fs in media.items():
            send("outside", name, fs[k])
    # two source-NAT datagrams
    for i in (1, 2):
        for f in client(i, 0x3000 + i, 42000 + i, 514, b"log-line%d" % i):
            send("outside", "l%d" % i, f)
    # a later fragment first: dropped frag_early; then the first and the rest go on
    late = client(3, 0x2005, 41005, 5004, b"media-5-")
    for f in (late[2], late[0], late[1]):
        send("outside", "m5", f)
    # item 10: a non-first fragment to the zone IP whose datagram never shows its first
    lone_udp = client(4, 0x2006, 41006, 5004, b"media-6-")[1]
    lone_tcp = frags(ck.client4(4), nk.ZONE_IP, 0x2007, 41007, 5004, b"tcp-data" * 400,
                     proto=TCP)[1]
    send("outside", "lone-udp", lone_udp)
    send("outside", "lone-tcp", lone_tcp)
    # node.fragment_timeout_ms: the last fragment 1.2 s after the first is too late
    slow = client(2, 0x2008, 41008, 5004, b"media-8-")
    send("outside", "m8", slow[0])
    case.at(case.now + 0.5)
    send("outside", "m8", slow[1])
    case.at(case.now + 0.7)
    send("outside", "m8", slow[2])

    # the targets answer m1 (in transit, to the client) and l1 (to the node's servers address)
    case.at(case.now + 0.1)
    s, _ = gw.sessions[(17, ck.client4(1), 41001, nk.ZONE_IP, 5004)]
    t = s.target
    for f in frags(t.address, ck.client4(1), 0x4001, 5004, 41001, b"answer-1" * 400,
                   mac=t.mac):
        send("servers", "m1-reply", nk.target_frame(gw, ck.l3_of(f), t))
    s, _ = gw.sessions[(17, ck.client4(1), 42001, nk.ZONE_IP, 514)]
    t = s.target
    for f in frags(t.address, nk.NODE_SERVERS, 0x4002, 514, s.nport, b"logged-1" * 400,
                   mac=t.mac):
        send("servers", "l1-reply", nk.target_frame(gw, ck.l3_of(f), t))
    nk.check_cross_port_order(case, ["outside", "servers"])

    # what the case is about, in the model: each datagram whole at one target, translated
    # consistently (the reassembled datagram's checksum verifies)
    for name, out in sent.items():
        if name.startswith("lone"):
            assert out == [], name
            continue
        dsts = {ck.l3_of(f)[16:20] for _, f in out}
        assert len(dsts) == 1, "%s reached %s" % (name, dsts)
        if name not in ("m5", "m8"):
            assert len(out) == count[name], (name, len(out))
            assert reassembled_ok([ck.l3_of(f) for _, f in out]), name
    assert len({ck.l3_of(f)[16:20] for n in media for _, f in sent[n]}) >= 2
    assert len(sent["m5"]) == 2 and len(sent["m8"]) == 2
    assert gw.drops["frag_early"] == 4
    case.expect_stats(gw.stats(events=["nlb_new_flow", "nlb_forward", "nlb_reply",
                                       "frag_tracked", "frag_table_full"],
                               drops=["frag_early", "nlb_no_listener", "local_unhandled",
                                      "no_attachment", "nlb_bad_tcp_flags"],
                               listener_fields=["packets", "bytes", "new_flows", "drops"],
                               target_fields=["packets", "bytes", "new_flows"]))
    return case


if __name__ == "__main__":
    ck.main(build)
