#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_inspect: inspect, then balance. Attachment ingress (from outside, chain [firewalls],
fw-a / fw-b); listener web (tcp 443, inspect: ingress) -> group web (DNAT, port 8443);
listener dns (udp 53, inspect: ingress) -> group dns (SNAT, port 53).
1. outside: client packets to 10.0.1.10 (two TCP connections, one UDP query) are
   GENEVE-encapsulated untranslated (inner client -> 10.0.1.10:lport); a transit packet to
   198.51.100.10 is encapsulated as usual (the control);
2. appliances: the firewall's returns: those for 10.0.1.10 are load-balanced in the same pass
   (client -> target:8443 / 172.16.0.1:1024 -> target:53 on servers), the transit one is
   forwarded;
3. servers: the targets' replies are reverse-translated (10.0.1.10:lport -> client) and then
   encapsulated to the same firewall (symmetric flow key);
4. appliances: the firewall's returns of those replies are forwarded to the clients.
Three inputs are read port by port in config order (outside, appliances, servers), one burst
each: so the returns of step 4 sit in in-appliances.pcap after those of step 2 and their
timestamps lie before step 3's (the order sluice-dp reads them in; the GENEVE return needs
no state). Outputs are compared as multisets. Writes the case files into argv[1]."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import DNS, DNSQR, DNSRR, IP, TCP, UDP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402


def model():
    return nk.inspect_model(("web", "tcp", 443, 8443), ("dns", "udp", 53, 53))


def client_packets():
    z = nk.ZONE_IP
    return [
        (1, IP(src=ck.client4(1), dst=z, flags="DF", id=1) / TCP(
            sport=40001, dport=443, flags="S", seq=100)),
        (1, IP(src=ck.client4(1), dst=z, flags="DF", id=2) / TCP(
            sport=40001, dport=443, flags="PA", seq=101, ack=501) / b"GET /"),
        (2, IP(src=ck.client4(2), dst=z, flags="DF", id=3) / TCP(
            sport=40002, dport=443, flags="S", seq=200)),
        (3, IP(src=ck.client4(3), dst=z, id=4) / UDP(sport=50003, dport=53) / DNS(
            id=3, rd=1, qd=DNSQR(qname="three.example"))),
        (4, IP(src=ck.client4(4), dst=ck.server4(10), id=5) / UDP(sport=50004, dport=5000) /
         b"transit"),
    ]


def replies(gw):
    web1 = gw.sessions[(6, ck.client4(1), 40001, nk.ZONE_IP, 443)][0].target
    web2 = gw.sessions[(6, ck.client4(2), 40002, nk.ZONE_IP, 443)][0].target
    dns = gw.sessions[(17, ck.client4(3), 50003, nk.ZONE_IP, 53)][0]
    return [
        (web1, IP(src=web1.address, dst=ck.client4(1)) / TCP(
            sport=8443, dport=40001, flags="SA", seq=500, ack=101)),
        (web1, IP(src=web1.address, dst=ck.client4(1)) / TCP(
            sport=8443, dport=40001, flags="PA", seq=501, ack=106) / b"200 OK"),
        (web2, IP(src=web2.address, dst=ck.client4(2)) / TCP(
            sport=8443, dport=40002, flags="SA", seq=900, ack=201)),
        (dns.target, IP(src=dns.target.address, dst=nk.NODE_SERVERS) / UDP(
            sport=53, dport=dns.nport) / DNS(id=3, qr=1, qd=DNSQR(qname="three.example"),
                                             an=DNSRR(rrname="three.example",
                                                      rdata="192.0.2.3"))),
    ]


def build():
    gw = model()
    case = ck.Case(gw, "nlb_inspect: inspect, then balance (DNAT and SNAT listeners)")
    phased = nk.PhasedInputs(case, gw)
    phased.round_trip(client_packets(), replies)
    phased.finish()
    return case


if __name__ == "__main__":
    ck.main(build)
