#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_icmp: ICMP errors about translated flows. Listener web (tcp 443) -> group web (DNAT,
port 8443); listener dns (udp 53) -> group dns (SNAT, port 53). Four client flows first, then:
- from the servers' router 172.16.0.254 (on servers): fragmentation-needed to client 1 quoting
  its whole forwarded TCP segment client -> web-N:8443; the same for client 3 quoting only the
  IP header + 8 bytes (no TCP checksum in the quote); fragmentation-needed to 172.16.0.1
  quoting the whole SNAT'ed query 172.16.0.1:1024 -> dns-N:53, a time-exceeded quoting its
  first 8 UDP bytes (checksum included), one quoting a query whose UDP checksum is 0 (stays
  0). Each is sent to the client quoting client -> 10.0.1.10:lport: the quote is then the
  client's own packet (as far as quoted), byte for byte;
- from the client side (on outside): host-unreachable from the router 10.0.1.1 to 10.0.1.10
  quoting the DNAT reply 10.0.1.10:443 -> client 1, port-unreachable from client 2 quoting
  the SNAT reply 10.0.1.10:53 -> client 2: sent to the target, quoting web-N:8443 -> client 1
  and dns-N:53 -> 172.16.0.1:1024;
- an error to 172.16.0.1 quoting a flow without a session: dropped nlb_icmp_unknown.
Outer source, TTL, ICMP type / code / MTU are kept. check.py recomputes every checksum in
full (outer IPv4, ICMP, quoted IPv4 header, quoted TCP/UDP when the quote is whole).
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import DNS, DNSQR, ICMP, IP, TCP, UDP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402

MTU = 1400


def model():
    groups = [nk.Group("web", "tcp", nk.targets("web", 2, port=8443)),
              nk.Group("dns", "udp", nk.targets("dns", 2, port=53, first=3),
                       preserve_client_ip=False)]
    listeners = [nk.Listener("web", "tcp", 443, "web"), nk.Listener("dns", "udp", 53, "dns")]
    return nk.Nlb(groups, listeners)


def client_packets():
    z = nk.ZONE_IP
    return [
        IP(src=ck.client4(1), dst=z, ttl=61, id=11, flags="DF") / TCP(
            sport=40001, dport=443, flags="PA", seq=1111, ack=2222) / (b"x" * 100),
        IP(src=ck.client4(2), dst=z, ttl=62, id=22) / UDP(sport=50002, dport=53) / DNS(
            id=2, rd=1, qd=DNSQR(qname="two.example")),
        IP(src=ck.client4(3), dst=z, ttl=63, id=33, flags="DF") / TCP(
            sport=40003, dport=443, flags="S", seq=3333, options=[("MSS", 1460)]),
        IP(src=ck.client4(4), dst=z, ttl=64, id=44) / UDP(sport=50004, dport=53, chksum=0) /
        DNS(id=4, rd=1, qd=DNSQR(qname="four.example")),
    ]


def error(src, dst, quote, icmp_type=3, code=4, ident=0):
    icmp = ICMP(type=icmp_type, code=code, nexthopmtu=MTU if (icmp_type, code) == (3, 4) else 0)
    return IP(src=src, dst=dst, ttl=64, id=ident) / icmp / quote


def build():
    gw = model()
    case = ck.Case(gw, "nlb_icmp: ICMP errors about DNAT and SNAT flows, both ways")
    sent = []  # the client packets as sluice forwards them (L3)
    originals = [bytes(IP(bytes(p))) for p in client_packets()]
    for i, l3 in enumerate(originals):
        out = nk.send(case, "outside", ck.frame(l3, ck.client_mac(i + 1)))
        sent.append(ck.l3_of(out[0][1]))
    s1, _ = gw.sessions[nk.five_tuple(originals[0])]
    s2, _ = gw.sessions[nk.five_tuple(originals[1])]
    # client side (outside): errors about the replies sluice sends to the clients
    case.at(1000.1)
    reply1 = IP(src=nk.ZONE_IP, dst=ck.client4(1), ttl=64) / TCP(
        sport=443, dport=40001, flags="A", seq=2222, ack=1211)
    reply2 = IP(src=nk.ZONE_IP, dst=ck.client4(2), ttl=64, id=5) / UDP(
        sport=53, dport=50002) / DNS(id=2, qr=1, qd=DNSQR(qname="two.example"))
    client_side = [
        (ck.ROUTER_MAC, error(ck.ROUTER4, nk.ZONE_IP, bytes(reply1), 3, 1, ident=71)),
        (ck.client_mac(2), error(ck.client4(2), nk.ZONE_IP, bytes(reply2), 3, 3, ident=72)),
    ]
    for mac, l3 in client_side:
        out = nk.send(case, "outside", ck.frame(l3, mac))
        assert len(out) == 1 and out[0][0] == "servers"
    # servers side: errors about the packets sluice forwarded to the targets
    case.at(1000.2)
    r = nk.SERVERS_ROUTER
    unknown = IP(src=nk.NODE_SERVERS, dst=s2.target.address) / UDP(sport=2000, dport=53) / b"?"
    server_side = [
        (error(r, ck.client4(1), sent[0], ident=81), originals[0]),
        (error(r, ck.client4(3), sent[2][:28], ident=82), originals[2][:28]),
        (error(r, nk.NODE_SERVERS, sent[1], ident=83), originals[1]),
        (error(r, nk.NODE_SERVERS, sent[1][:28], 11, 0, ident=84), originals[1][:28]),
        (error(r, nk.NODE_SERVERS, sent[3], ident=85), originals[3]),
        (error(r, nk.NODE_SERVERS, bytes(unknown), 3, 3, ident=86), None),
    ]
    for l3, original in server_side:
        frame = ck.frame(l3, nk.SERVERS_ROUTER_MAC, dst_mac=nk.SERVERS_MAC)
        out = nk.send(case, "servers", frame)
        if original is None:
            assert not out
            continue
        # the translated quote is the client's own packet: an independent check of the
        # model's incremental L4 checksum update
        assert nk.icmp_quote(ck.l3_of(out[0][1])) == bytes(original), l3.summary()
    nk.check_cross_port_order(case, ["outside", "servers"])
    assert s1.target.address != s2.target.address
    case.expect_stats(gw.stats(events=["nlb_new_flow", "nlb_forward", "nlb_icmp_translated"],
                               drops=["nlb_icmp_unknown", "local_unhandled", "no_attachment",
                                      "parse_l4"]))
    return case


if __name__ == "__main__":
    ck.main(build)
