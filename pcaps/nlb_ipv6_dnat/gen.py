#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_ipv6_dnat: the load balancer over IPv6 (zone IP 2001:db8:a::10, outside's IPv6
address). Listener web (tcp 443) -> group web (4 targets fd00:16::b-e, port 8443, destination
NAT); listener dns (udp 53) -> group dns (2 targets fd00:16::f-10, port 5353). Three TCP
connections (two clients on the outside subnet, one behind the router) and two UDP flows (one
with two queries): every client packet leaves on servers as client -> target (the target
Maglev gives the IPv6 5-tuple), every target reply leaves on outside as zone IP:listener port
-> client (to the router's MAC for the remote client). Exact frames both ways: TCP / UDP
checksums recomputed in full by scapy, hop limit / flow label / traffic class / options /
payload unchanged, Ethernet padding removed. check.py also has tshark verify every TCP and UDP
checksum.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import DNS, DNSQR, DNSRR, TCP, UDP, IPv6  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402

ZONE = nk.ZONE_IP6
REMOTE = ck.server6(7)  # behind the router (the ::/0 route)
CLIENTS = [(ck.client6(1), ck.client_mac(1), 40001),
           (ck.client6(2), ck.client_mac(2), 40002),
           (REMOTE, ck.ROUTER_MAC, 40003)]
# (client address, frame source MAC, client port, name)
QUERIES = [(ck.client6(3), ck.client_mac(3), 50001, "a.example"),
           (ck.client6(4), ck.client_mac(4), 50002, "b.example"),
           (ck.client6(3), ck.client_mac(3), 50001, "c.example")]   # the first flow again
OPTIONS = [("MSS", 1440), ("SAckOK", b""), ("Timestamp", (12345, 0)), ("NOP", None),
           ("WScale", 7)]
REQUEST = b"GET / HTTP/1.1\r\nHost: web\r\n\r\n"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"


def model():
    web = nk.Group("web", "tcp", nk.targets("web", 4, port=8443, family=6))
    dns = nk.Group("dns", "udp", nk.targets("dns", 2, port=5353, first=5, family=6))
    return nk.Nlb([web, dns], [nk.Listener("web", "tcp", 443, "web"),
                               nk.Listener("dns", "udp", 53, "dns")],
                  ports=[nk.outside_port(), nk.servers_port(v6=True)],
                  zones=nk.ZONES6, zone_ip=ZONE)


def client_packets(i, client, sport):
    isn = 1000000 * (i + 1)
    ip = dict(src=client, dst=ZONE, hlim=63 - i, fl=0x12345 + i, tc=0x20 * i)
    return [IPv6(**ip) / TCP(sport=sport, dport=443, flags="S", seq=isn, options=OPTIONS),
            IPv6(**ip) / TCP(sport=sport, dport=443, flags="A", seq=isn + 1, ack=7001),
            IPv6(**ip) / TCP(sport=sport, dport=443, flags="PA", seq=isn + 1, ack=7001) /
            REQUEST,
            IPv6(**ip) / TCP(sport=sport, dport=443, flags="FA", seq=isn + 1 + len(REQUEST),
                             ack=7002 + len(RESPONSE))]


def target_packets(i, client, sport, target):
    isn = 1000000 * (i + 1)
    ip = dict(src=target.address, dst=client, hlim=64)
    return [IPv6(**ip) / TCP(sport=8443, dport=sport, flags="SA", seq=7000, ack=isn + 1,
                             options=OPTIONS[:2]),
            IPv6(**ip) / TCP(sport=8443, dport=sport, flags="PA", seq=7001,
                             ack=isn + 1 + len(REQUEST)) / RESPONSE,
            IPv6(**ip) / TCP(sport=8443, dport=sport, flags="FA", seq=7001 + len(RESPONSE),
                             ack=isn + 1 + len(REQUEST)),
            IPv6(**ip) / TCP(sport=8443, dport=sport, flags="A", seq=7002 + len(RESPONSE),
                             ack=isn + 2 + len(REQUEST))]


def query(i, client, cport, name):
    return IPv6(src=client, dst=ZONE, hlim=60) / UDP(sport=cport, dport=53) / DNS(
        id=i, rd=1, qd=DNSQR(qname=name))


def answer(i, target, client, cport, name):
    return IPv6(src=target.address, dst=client, hlim=64) / UDP(sport=5353, dport=cport) / DNS(
        id=i, qr=1, rd=1, ra=1, qd=DNSQR(qname=name),
        an=DNSRR(rrname=name, type="AAAA", rdata="2001:db8:53::%d" % (i + 1)))


def build():
    gw = model()
    case = ck.Case(gw, "nlb_ipv6_dnat: TCP and UDP through IPv6 listeners (DNAT)")
    # Phase 1 (outside): the clients' packets; the targets' replies come after, on servers,
    # which sluice-dp polls after outside (config order) once each input fits in a burst.
    for i, (client, mac, sport) in enumerate(CLIENTS):
        for n, l3 in enumerate(client_packets(i, client, sport)):
            data = ck.frame(l3, mac, pad_to=80 if n == 1 else 0)  # the bare ACK padded
            nk.send(case, "outside", data)
    for i, (client, mac, cport, name) in enumerate(QUERIES):
        nk.send(case, "outside", ck.frame(query(i, client, cport, name), mac))
    case.at(1000.5)
    for i, (client, mac, sport) in enumerate(CLIENTS):
        session, _ = gw.sessions[(6, client, sport, ZONE, 443)]
        for l3 in target_packets(i, client, sport, session.target):
            nk.send(case, "servers", nk.target_frame(gw, l3, session.target))
    for i, (client, mac, cport, name) in enumerate(QUERIES):
        session, _ = gw.sessions[(17, client, cport, ZONE, 53)]
        nk.send(case, "servers", nk.target_frame(gw, answer(i, session.target, client, cport,
                                                            name), session.target))
    nk.check_cross_port_order(case, ["outside", "servers"])
    assert len({gw.sessions[(6, c, p, ZONE, 443)][0].target.id
                for c, _, p in CLIENTS}) > 1, "pick clients that reach several targets"
    assert len({gw.sessions[(17, c, p, ZONE, 53)][0].target.id
                for c, _, p, _ in QUERIES}) > 1, "pick flows that reach both targets"
    nk.expect_session_stats(case, events=["nlb_rst_sent"], drops=["parse_l4"])
    return case


if __name__ == "__main__":
    ck.main(build)
