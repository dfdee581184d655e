#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The embedded demo capture: a small day in the life of an inspection gateway.

On `outside`: the router asks for sluice's MAC (ARP), a client pings sluice, clients open
TCP, UDP, ICMP and IPv6 flows to servers behind the router, and one oversized packet with DF.
On `appliances`: what the appliances send back. Firewalls (fw-a, fw-b) return their packets,
which sluice passes on to the IDS (chain [firewalls, ids]); the IDS returns them and sluice
forwards them to their destinations. One return carries a forged cookie and one is a GENEVE
control (O-bit) packet: both are dropped and counted.

Writes config.yaml and in-<port>.pcap into argv[1] (default: this directory). Deterministic.
Regenerate with: /usr/bin/python3 demo/gen.py
"""

import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../tests/pcap"))

from scapy.all import ARP, DNS, DNSQR, DNSRR, ICMP, IP, TCP  # noqa: E402

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

REQUEST = b"GET /index.html HTTP/1.1\r\nHost: shop.example\r\n\r\n"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"


def build():
    firewalls = sc.firewalls(2)
    ids = ck.Group("ids", ck.targets("ids", 21, 1))
    gw = ck.Gateway([firewalls, ids], ["firewalls", "ids"])
    case = ck.Case(gw, "demo: clients -> firewalls -> IDS -> servers")

    # the router resolves sluice's address, a client pings it
    case.rx("outside", ck.Ether(src=ck.ROUTER_MAC, dst=ck.BROADCAST) /
            ARP(op=1, hwsrc=ck.ROUTER_MAC, psrc=ck.ROUTER4, pdst=ck.NODE4))
    case.rx("outside", ck.frame(IP(src=ck.client4(1), dst=ck.NODE4) / ICMP(id=1, seq=1) /
                                b"are you there?", ck.client_mac(1)))

    # client flows, both directions arrive on outside; each goes to a firewall first
    to_firewalls = []
    frames = sc.tcp_connection(1, 10, 40000, 443, REQUEST, RESPONSE)
    query = DNS(id=0x1234, rd=1, qd=DNSQR(qname="shop.example"))
    answer = DNS(id=0x1234, qr=1, rd=1, ra=1, qd=DNSQR(qname="shop.example"),
                 an=DNSRR(rrname="shop.example", rdata="198.51.100.10"))
    frames += [sc.udp4(2, 11, 53000, 53, bytes(query)),
               sc.udp4(2, 11, 53000, 53, bytes(answer), reverse=True),
               sc.ping4(3, 12, ident=77),
               sc.tcp6(4, 13, 41000, 443)]
    for data in frames:
        to_firewalls += case.transit(data)

    # too big to encapsulate for the appliances port (MTU 1500): ICMP fragmentation-needed
    big = IP(src=ck.client4(1), dst=ck.server4(10), flags="DF") / TCP(
        sport=40000, dport=443, flags="PA") / (b"x" * 1440)
    case.rx("outside", ck.frame(big, ck.client_mac(1)))

    # the firewalls return everything; sluice hands it to the IDS, which returns it too
    to_ids = []
    for _, encap in to_firewalls:
        ret = ck.appliance_return(encap)
        t = case.rx("appliances", ret)
        to_ids += gw.geneve_return(ret, t)
    for _, encap in to_ids:
        ret = ck.appliance_return(encap)
        gw.geneve_return(ret, case.rx("appliances", ret))

    # a forged return (cookie flipped) and a GENEVE control packet: dropped, counted
    forged = bytearray(ck.appliance_return(to_firewalls[0][1]))
    forged[14 + 20 + 8 + 8 + 28] ^= 0xFF  # last byte of the cookie option
    case.rx("appliances", bytes(forged))
    oam = bytearray(ck.appliance_return(to_firewalls[1][1]))
    oam[14 + 20 + 8 + 1] |= 0x80
    case.rx("appliances", bytes(oam))
    return case


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else HERE
    case = build()
    case.write(out)
    for name in ("expect.json",) + tuple(
            f for f in os.listdir(out) if f.startswith("expected-")):
        os.remove(os.path.join(out, name))  # the demo shows what happens; tests check it
