#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_tcp_dnat: listener web (tcp 443) -> group web (4 targets 172.16.0.11-14, port 8443,
destination NAT). Three TCP connections (two clients on the outside subnet, one behind the
router) to 10.0.1.10:443: every client packet leaves on servers as client -> target:8443 (the
target Maglev gives the 5-tuple), every target reply leaves on outside as 10.0.1.10:443 ->
client (to the router's MAC for the remote client). Exact frames both ways: checksums
recomputed in full by scapy, TTL / ID / DF / options / payload unchanged, Ethernet padding
removed. check.py also has tshark verify every IPv4 and TCP checksum.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402

REMOTE = "198.51.100.7"
CLIENTS = [(ck.client4(1), ck.client_mac(1), 40001),
           (ck.client4(2), ck.client_mac(2), 40002),
           (REMOTE, ck.ROUTER_MAC, 40003)]
OPTIONS = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (12345, 0)), ("NOP", None),
           ("WScale", 7)]
REQUEST = b"GET / HTTP/1.1\r\nHost: web\r\n\r\n"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"


def model():
    group = nk.Group("web", "tcp", nk.targets("web", 4, port=8443))
    return nk.Nlb([group], [nk.Listener("web", "tcp", 443, "web")])


def client_packets(i, client, sport):
    isn = 1000000 * (i + 1)
    ip = dict(src=client, dst=nk.ZONE_IP, ttl=63 - i, flags="DF")
    return [IP(id=100 * i + 1, **ip) / TCP(sport=sport, dport=443, flags="S", seq=isn,
                                           options=OPTIONS),
            IP(id=100 * i + 2, **ip) / TCP(sport=sport, dport=443, flags="A", seq=isn + 1,
                                           ack=7001),
            IP(id=100 * i + 3, **ip) / TCP(sport=sport, dport=443, flags="PA", seq=isn + 1,
                                           ack=7001) / REQUEST,
            IP(id=100 * i + 4, **ip) / TCP(sport=sport, dport=443, flags="FA",
                                           seq=isn + 1 + len(REQUEST), ack=7002 + len(RESPONSE))]


def target_packets(i, client, sport, target):
    isn = 1000000 * (i + 1)
    ip = dict(src=target.address, dst=client, ttl=64)
    return [IP(id=0, **ip) / TCP(sport=8443, dport=sport, flags="SA", seq=7000, ack=isn + 1,
                                 options=OPTIONS[:2]),
            IP(id=0, **ip) / TCP(sport=8443, dport=sport, flags="PA", seq=7001,
                                 ack=isn + 1 + len(REQUEST)) / RESPONSE,
            IP(id=0, **ip) / TCP(sport=8443, dport=sport, flags="FA", seq=7001 + len(RESPONSE),
                                 ack=isn + 1 + len(REQUEST)),
            IP(id=0, **ip) / TCP(sport=8443, dport=sport, flags="A", seq=7002 + len(RESPONSE),
                                 ack=isn + 2 + len(REQUEST))]


def build():
    gw = model()
    case = ck.Case(gw, "nlb_tcp_dnat: three TCP connections through listener web (DNAT)")
    # Phase 1 (outside): the clients' packets; the targets' replies come after, on servers,
    # which sluice-dp polls after outside (config order) once each input fits in a burst.
    for i, (client, mac, sport) in enumerate(CLIENTS):
        for n, l3 in enumerate(client_packets(i, client, sport)):
            data = ck.frame(l3, mac, pad_to=60 if n == 1 else 0)  # the bare ACK padded
            nk.send(case, "outside", data)
    case.at(1000.5)
    for i, (client, mac, sport) in enumerate(CLIENTS):
        session, _ = gw.sessions[(6, client, sport, nk.ZONE_IP, 443)]
        for l3 in target_packets(i, client, sport, session.target):
            nk.send(case, "servers", nk.target_frame(gw, l3, session.target))
    nk.check_cross_port_order(case, ["outside", "servers"])
    assert len({gw.sessions[(6, c, p, nk.ZONE_IP, 443)][0].target.id
                for c, _, p in CLIENTS}) > 1, "pick clients that reach several targets"
    case.expect_stats(gw.stats(events=["nlb_new_flow", "nlb_forward", "nlb_reply",
                                       "nlb_rst_sent"],
                               drops=["nlb_no_listener", "no_attachment", "no_route",
                                      "neigh_unresolved", "parse_l4"],
                               listener_fields=gw.LISTENER_ALL, target_fields=gw.TARGET_ALL))
    return case


if __name__ == "__main__":
    ck.main(build)
