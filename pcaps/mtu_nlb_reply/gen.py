#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""mtu_nlb_reply: the egress MTU of translated packets, target -> client. Outside has MTU 1280
(servers 1500); the listeners and groups of mtu_nlb (web: destination NAT to port 8443, dns:
source NAT). A target's reply whose translation does not fit outside is not sent: IPv4 with
DF gets an ICMP fragmentation-needed (MTU 1280), routed to the target out of servers from
172.16.0.1, quoting the reply as the target sent it (from target:8443 to the client; from
target:53 to 172.16.0.1:1024 for source NAT), counted mtu_exceeded; without DF it is
dropped mtu_exceeded_no_df. Exactly 1280 bytes are translated and forwarded.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/pcap"))

from scapy.all import IP, TCP, UDP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402

base = ck.case_gen(HERE, "mtu_nlb")
MTU = 1280


def tcp_reply(target, client, cport, length=0, flags="PA", df=True):
    l3 = IP(src=target.address, dst=client, ttl=64, id=0x300 + length % 256,
            flags="DF" if df else 0) / TCP(sport=8443, dport=cport, flags=flags, seq=5000,
                                           ack=1001)
    if length:
        l3 = l3 / bytes((i * 5 + cport) & 0xFF for i in range(length - 40))
        assert len(l3) == length
    return IP(bytes(l3))


def udp_reply(target, nport, length, df=True):
    l3 = IP(src=target.address, dst=nk.NODE_SERVERS, ttl=64, id=0x400 + length % 256,
            flags="DF" if df else 0) / UDP(sport=53, dport=nport) / bytes(
        (i * 3 + nport) & 0xFF for i in range(length - 28))
    assert len(l3) == length
    return IP(bytes(l3))


def build():
    gw = base.model(servers_mtu=None, outside_mtu=MTU)
    case = ck.Case(gw, "mtu_nlb_reply: translated target replies too big for outside")
    c1, c2 = ck.client4(1), ck.client4(2)
    nk.send(case, "outside", ck.frame(base.tcp(c1, 40001, flags="S", seq=1000),
                                      ck.client_mac(1)))
    nk.send(case, "outside", ck.frame(base.udp(c2, 50001, 100), ck.client_mac(2)))
    web, _ = gw.sessions[(6, c1, 40001, nk.ZONE_IP, 443)]
    dns, _ = gw.sessions[(17, c2, 50001, nk.ZONE_IP, 53)]
    assert dns.nport == 1024
    case.at(1000.5)
    replies = [
        (tcp_reply(web.target, c1, 40001, flags="SA"), web.target),
        (tcp_reply(web.target, c1, 40001, 1400), web.target),            # DF: frag-needed
        (tcp_reply(web.target, c1, 40001, 1400, df=False), web.target),  # no DF: dropped
        (tcp_reply(web.target, c1, 40001, MTU), web.target),             # exactly: forwarded
        (udp_reply(dns.target, dns.nport, 1400), dns.target),            # SNAT, DF
        (udp_reply(dns.target, dns.nport, 1400, df=False), dns.target),
        (udp_reply(dns.target, dns.nport, MTU), dns.target),
    ]
    for l3, target in replies:
        nk.send(case, "servers", nk.target_frame(gw, l3, target))
    nk.check_cross_port_order(case, ["outside", "servers"])
    stats = gw.stats(events=["nlb_new_flow", "nlb_forward", "nlb_reply", "icmp_frag_needed"],
                     drops=["mtu_exceeded", "mtu_exceeded_no_df"],
                     listener_fields=["packets", "bytes", "new_flows", "drops"],
                     target_fields=["packets", "bytes", "new_flows"])
    assert stats["drops"] == {"mtu_exceeded": 2, "mtu_exceeded_no_df": 2}, stats
    assert stats["events"]["nlb_reply"] == 3, stats
    case.expect_stats(stats)
    return case


if __name__ == "__main__":
    ck.main(build)
