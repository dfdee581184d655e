#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""mtu_nlb: the egress MTU of translated packets, client -> target. The servers port has MTU
1280 (outside 1500). Listener web (tcp 443) -> group web (destination NAT, targets port 8443);
listener dns (udp 53) -> group dns (source NAT). A client packet whose translation does not
fit servers is not sent: IPv4 with DF gets an ICMP fragmentation-needed (MTU 1280), routed to
the client (directly, or through the router for 198.51.100.7) out of outside from
10.0.1.10, quoting the packet as the client sent it (to 10.0.1.10:443 / :53, its own
checksums: the translation undone), counted mtu_exceeded; without DF it is dropped
mtu_exceeded_no_df. Exactly 1280 bytes are translated and forwarded. The session stays (the
packet was counted for its listener and target, as every translated packet is).
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP, UDP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402

MTU = 1280
REMOTE = "198.51.100.7"


def model(servers_mtu=MTU, outside_mtu=None):
    web = nk.Group("web", "tcp", nk.targets("web", 2, port=8443))
    dns = nk.Group("dns", "udp", nk.targets("dns", 2, first=3), preserve_client_ip=False)
    outside = nk.outside_port()
    outside.mtu = outside_mtu
    servers = nk.servers_port()
    servers.mtu = servers_mtu
    return nk.Nlb([web, dns], [nk.Listener("web", "tcp", 443, "web"),
                               nk.Listener("dns", "udp", 53, "dns")], ports=[outside, servers])


def tcp(client, sport, length=0, flags="PA", df=True, seq=1001):
    """A TCP segment of exactly length bytes (L3; 0: no payload) to the zone IP, port 443."""
    l3 = IP(src=client, dst=nk.ZONE_IP, ttl=60, id=sport % 1000 + seq % 7,
            flags="DF" if df else 0) / TCP(sport=sport, dport=443, flags=flags, seq=seq,
                                           ack=5001)
    if length:
        l3 = l3 / bytes((i * 7 + sport) & 0xFF for i in range(length - 40))
        assert len(l3) == length
    return IP(bytes(l3))


def udp(client, sport, length, df=True):
    l3 = IP(src=client, dst=nk.ZONE_IP, ttl=60, id=sport % 1000, flags="DF" if df else 0) / UDP(
        sport=sport, dport=53) / bytes((i * 11 + sport) & 0xFF for i in range(length - 28))
    assert len(l3) == length
    return IP(bytes(l3))


def build():
    gw = model()
    case = ck.Case(gw, "mtu_nlb: translated client packets too big for the servers port")
    c1, c1mac = ck.client4(1), ck.client_mac(1)
    frames = [
        ck.frame(tcp(c1, 40001, flags="S", seq=1000), c1mac),   # the session
        ck.frame(tcp(c1, 40001, 1400), c1mac),                  # DF: frag-needed
        ck.frame(tcp(c1, 40001, 1400, df=False), c1mac),        # no DF: dropped
        ck.frame(tcp(c1, 40001, MTU + 1), c1mac),               # one over
        ck.frame(tcp(c1, 40001, MTU), c1mac),                   # exactly: forwarded
        ck.frame(tcp(REMOTE, 40002, flags="S", seq=1000), ck.ROUTER_MAC),
        ck.frame(tcp(REMOTE, 40002, 1400), ck.ROUTER_MAC),      # ICMP via the router
        ck.frame(udp(ck.client4(2), 50001, 1400), ck.client_mac(2)),  # SNAT, new session
        ck.frame(udp(ck.client4(2), 50001, 1400, df=False), ck.client_mac(2)),
        ck.frame(udp(ck.client4(2), 50001, MTU), ck.client_mac(2)),
    ]
    for data in frames:
        nk.send(case, "outside", data)
    stats = gw.stats(events=["nlb_new_flow", "nlb_forward", "icmp_frag_needed"],
                     drops=["mtu_exceeded", "mtu_exceeded_no_df"],
                     listener_fields=["packets", "bytes", "new_flows", "drops"],
                     target_fields=["packets", "bytes", "new_flows"])
    assert stats["drops"] == {"mtu_exceeded": 4, "mtu_exceeded_no_df": 2}, stats
    assert stats["events"]["nlb_forward"] == 4, stats
    case.expect_stats(stats)
    return case


if __name__ == "__main__":
    ck.main(build)
