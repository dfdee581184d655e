#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_ipv6_snat: the load balancer over IPv6 with source NAT (preserve_client_ip false).
Zone IP 2001:db8:a::10; listener web (tcp 443) -> group web (3 targets fd00:16::b-d, port
8443), listener dns (udp 53) -> group dns (2 targets fd00:16::e-f, port 53), both without the
client's IP. Two TCP connections and three UDP flows (one with two queries; one client behind
the router): each new session gets the next source-NAT port of the only worker's pool, 1024,
1025, ... in order; client packets leave on servers as [fd00:16::1]:nport -> target (the
servers port's IPv6 address); replies target -> [fd00:16::1]:nport leave on outside as
[2001:db8:a::10]:listener port -> client:cport. Checksums recomputed in full by scapy and
checked by tshark.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import DNS, DNSQR, DNSRR, TCP, UDP, IPv6  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402

ZONE = nk.ZONE_IP6
REMOTE = ck.server6(9)
# (protocol, client address, frame source MAC, client port, DNS name for UDP)
FLOWS = [("tcp", ck.client6(1), ck.client_mac(1), 40001, None),
         ("udp", ck.client6(2), ck.client_mac(2), 50002, "a.example"),
         ("tcp", REMOTE, ck.ROUTER_MAC, 40003, None),
         ("udp", ck.client6(2), ck.client_mac(2), 50002, "b.example"),   # the same flow
         ("udp", ck.client6(3), ck.client_mac(3), 50004, "c.example"),
         ("udp", REMOTE, ck.ROUTER_MAC, 50005, "d.example")]
REQUEST = b"GET / HTTP/1.1\r\nHost: web\r\n\r\n"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
PORTS = {"tcp": 443, "udp": 53}
PROTO = {"tcp": 6, "udp": 17}


def model():
    web = nk.Group("web", "tcp", nk.targets("web", 3, port=8443, family=6),
                   preserve_client_ip=False)
    dns = nk.Group("dns", "udp", nk.targets("dns", 2, port=53, first=4, family=6),
                   preserve_client_ip=False)
    return nk.Nlb([web, dns], [nk.Listener("web", "tcp", 443, "web"),
                               nk.Listener("dns", "udp", 53, "dns")],
                  ports=[nk.outside_port(), nk.servers_port(v6=True)],
                  zones=nk.ZONES6, zone_ip=ZONE)


def client_packets(i, proto, client, cport, name):
    ip = dict(src=client, dst=ZONE, hlim=60 - i, fl=0xabc00 + i)
    if proto == "udp":
        return [IPv6(**ip) / UDP(sport=cport, dport=53) / DNS(id=i, rd=1, qd=DNSQR(qname=name))]
    isn = 1000000 * (i + 1)
    return [IPv6(**ip) / TCP(sport=cport, dport=443, flags="S", seq=isn,
                             options=[("MSS", 1440), ("SAckOK", b"")]),
            IPv6(**ip) / TCP(sport=cport, dport=443, flags="PA", seq=isn + 1, ack=7001) /
            REQUEST,
            IPv6(**ip) / TCP(sport=cport, dport=443, flags="FA", seq=isn + 1 + len(REQUEST),
                             ack=7002 + len(RESPONSE))]


def target_packets(i, proto, session, name):
    ip = dict(src=session.target.address, dst=nk.NODE_SERVERS6, hlim=64)
    if proto == "udp":
        return [IPv6(**ip) / UDP(sport=53, dport=session.nport) / DNS(
            id=i, qr=1, rd=1, ra=1, qd=DNSQR(qname=name),
            an=DNSRR(rrname=name, type="AAAA", rdata="2001:db8:53::%d" % (i + 1)))]
    isn = 1000000 * (i + 1)
    tcp = dict(sport=8443, dport=session.nport)
    return [IPv6(**ip) / TCP(flags="SA", seq=7000, ack=isn + 1, options=[("MSS", 1440)], **tcp),
            IPv6(**ip) / TCP(flags="PA", seq=7001, ack=isn + 1 + len(REQUEST), **tcp) /
            RESPONSE,
            IPv6(**ip) / TCP(flags="FA", seq=7001 + len(RESPONSE), ack=isn + 2 + len(REQUEST),
                             **tcp)]


def session_of(gw, proto, client, cport):
    return gw.sessions[(PROTO[proto], client, cport, ZONE, PORTS[proto])][0]


def build():
    gw = model()
    case = ck.Case(gw, "nlb_ipv6_snat: TCP and UDP through IPv6 listeners (source NAT)")
    for i, (proto, client, mac, cport, name) in enumerate(FLOWS):
        for l3 in client_packets(i, proto, client, cport, name):
            nk.send(case, "outside", ck.frame(l3, mac))
    # the nth new session got port 1024 + n - 1, whatever its protocol or group
    sessions = []
    for proto, client, _, cport, _ in FLOWS:
        if session_of(gw, proto, client, cport) not in sessions:
            sessions.append(session_of(gw, proto, client, cport))
    assert [s.nport for s in sessions] == list(range(1024, 1024 + len(sessions)))
    case.at(1000.5)
    for i, (proto, client, _, cport, name) in enumerate(FLOWS):
        s = session_of(gw, proto, client, cport)
        for l3 in target_packets(i, proto, s, name):
            nk.send(case, "servers", nk.target_frame(gw, l3, s.target))
    nk.check_cross_port_order(case, ["outside", "servers"])
    assert len({s.target.id for s in sessions}) >= 3, "pick flows that reach several targets"
    nk.expect_session_stats(case, drops=["nlb_ports_exhausted", "local_unhandled"])
    return case


if __name__ == "__main__":
    ck.main(build)
