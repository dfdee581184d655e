#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_udp_snat: listener dns (udp 53) -> group dns (preserve_client_ip false; dns-1, dns-2 at
172.16.0.11-12 port 53, dns-3 at .13 without a port: the packet's 53). Six UDP flows from
four clients (one behind the router): each new flow gets the next source-NAT port of the only
worker's pool, 1024, 1025, ... in order; a second query of a flow reuses its port. Client
packets leave on servers as 172.16.0.1:nport -> target:53; replies target:53 ->
172.16.0.1:nport leave on outside as 10.0.1.10:53 -> client:cport. A UDP checksum of 0 stays
0 both ways; all other checksums are recomputed in full by scapy and checked by tshark.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import DNS, DNSQR, DNSRR, IP, UDP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402

REMOTE = "198.51.100.7"
# (client address, frame source MAC, client port, name, UDP checksum 0?)
QUERIES = [(ck.client4(1), ck.client_mac(1), 50001, "a.example", False),
           (ck.client4(2), ck.client_mac(2), 50002, "b.example", False),
           (ck.client4(1), ck.client_mac(1), 50001, "c.example", False),   # same flow
           (ck.client4(3), ck.client_mac(3), 50003, "d.example", True),    # no checksum
           (REMOTE, ck.ROUTER_MAC, 50004, "e.example", False),
           (ck.client4(1), ck.client_mac(1), 50005, "f.example", False),
           (ck.client4(4), ck.client_mac(4), 50006, "g.example", False),
           (ck.client4(4), ck.client_mac(4), 50007, "h.example", False)]


def model():
    members = nk.targets("dns", 2, port=53) + [nk.Target("dns-3", nk.target_addr(3))]
    group = nk.Group("dns", "udp", members, preserve_client_ip=False)
    return nk.Nlb([group], [nk.Listener("dns", "udp", 53, "dns")])


def query(i, client, cport, name, no_sum):
    l3 = IP(src=client, dst=nk.ZONE_IP, ttl=60, id=0x4000 + i) / UDP(
        sport=cport, dport=53) / DNS(id=i, rd=1, qd=DNSQR(qname=name))
    if no_sum:
        l3[UDP].chksum = 0
    return IP(bytes(l3))


def answer(i, target, nport, name, no_sum):
    l3 = IP(src=target.address, dst=nk.NODE_SERVERS, ttl=64, id=0x6000 + i) / UDP(
        sport=53, dport=nport) / DNS(id=i, qr=1, rd=1, ra=1, qd=DNSQR(qname=name),
                                     an=DNSRR(rrname=name, rdata="192.0.2.%d" % (i + 1)))
    if no_sum:
        l3[UDP].chksum = 0
    return IP(bytes(l3))


def build():
    gw = model()
    case = ck.Case(gw, "nlb_udp_snat: UDP queries through listener dns (source NAT)")
    for i, (client, mac, cport, name, no_sum) in enumerate(QUERIES):
        nk.send(case, "outside", ck.frame(query(i, client, cport, name, no_sum), mac))
    # the nth new flow got port 1024 + n - 1
    flows = []
    for client, _, cport, _, _ in QUERIES:
        if (client, cport) not in flows:
            flows.append((client, cport))
    for n, (client, cport) in enumerate(flows):
        s, _ = gw.sessions[(17, client, cport, nk.ZONE_IP, 53)]
        assert s.nport == 1024 + n
    case.at(1000.5)
    for i, (client, mac, cport, name, no_sum) in enumerate(QUERIES):
        s, _ = gw.sessions[(17, client, cport, nk.ZONE_IP, 53)]
        nk.send(case, "servers", nk.target_frame(gw, answer(i, s.target, s.nport, name, no_sum),
                                                 s.target))
    nk.check_cross_port_order(case, ["outside", "servers"])
    assert len({gw.sessions[(17, c, p, nk.ZONE_IP, 53)][0].target.id
                for c, _, p, _, _ in QUERIES}) == 3, "pick flows that reach every target"
    case.expect_stats(gw.stats(events=["nlb_new_flow", "nlb_forward", "nlb_reply"],
                               drops=["nlb_no_listener", "nlb_ports_exhausted", "local_unhandled",
                                      "no_attachment", "no_route", "neigh_unresolved"],
                               listener_fields=gw.LISTENER_ALL, target_fields=gw.TARGET_ALL))
    return case


if __name__ == "__main__":
    ck.main(build)
