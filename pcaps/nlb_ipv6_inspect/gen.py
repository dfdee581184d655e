#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_ipv6_inspect: inspect, then balance, over IPv6 (zone IP 2001:db8:a::10). Attachment
ingress (from outside, chain [firewalls], fw-a / fw-b); listener web (tcp 443, inspect:
ingress) -> group web (3 IPv6 targets fd00:16::b-d, DNAT, port 8443); listener dns (udp 53,
inspect: ingress) -> group dns (2 IPv6 targets fd00:16::e-f, SNAT from fd00:16::1, port 53).
1. outside: the clients' IPv6 packets to the zone IP (two TCP connections, one UDP query) are
   GENEVE-encapsulated untranslated; an IPv6 transit packet is encapsulated as usual;
2. appliances: the firewall's returns: those for the zone IP go to the load balancer after
   the last group of the chain, whatever the packet (core/gwlb_table.h gwlb_return_verdict,
   one rule for both dataplanes: sluice-xdp took only IPv4 TCP/UDP there and dropped the rest
   martian_destination): TCP/UDP balanced in the same pass (client -> target:8443 /
   fd00:16::1:1024 -> target:53 on servers); an SCTP packet and an ICMPv6 echo request with ID
   53 (the dns listener's port) to the zone IP (returns of flows sluice never sent, with their
   valid cookies) are dropped nlb_no_listener, as any packet to the zone IP that is not TCP/UDP
   of a listener; the transit return is forwarded;
3. servers: the targets' replies are reverse-translated (zone IP:lport -> client) and then
   encapsulated to the same firewall;
4. appliances: the firewall's returns of those replies are forwarded to the clients.
Inputs read port by port in config order, one burst each (nlbkit.PhasedInputs). Writes the
case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import DNS, DNSQR, DNSRR, TCP, UDP, ICMPv6EchoRequest, IPv6, Raw  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402
import scenarios as sc  # noqa: E402
import sluice_ref as ref  # noqa: E402

ZONE = nk.ZONE_IP6
PROTO_SCTP = 132


def model():
    web = nk.Group("web", "tcp", nk.targets("web", 3, port=8443, family=6))
    dns = nk.Group("dns", "udp", nk.targets("dns", 2, port=53, first=4, family=6),
                   preserve_client_ip=False)
    listeners = [nk.Listener("web", "tcp", 443, "web", inspect="ingress"),
                 nk.Listener("dns", "udp", 53, "dns", inspect="ingress")]
    return nk.Nlb([web, dns], listeners, geneve_groups=[sc.firewalls(2)], chain=["firewalls"],
                  ports=[nk.outside_port(), ck.appliances_port(), nk.servers_port(v6=True)],
                  zones=nk.ZONES6, zone_ip=ZONE)


def client_packets():
    return [
        (1, IPv6(src=ck.client6(1), dst=ZONE, hlim=64) / TCP(
            sport=40001, dport=443, flags="S", seq=100)),
        (1, IPv6(src=ck.client6(1), dst=ZONE, hlim=64) / TCP(
            sport=40001, dport=443, flags="PA", seq=101, ack=501) / b"GET /"),
        (2, IPv6(src=ck.client6(2), dst=ZONE, hlim=64) / TCP(
            sport=40002, dport=443, flags="S", seq=200)),
        (3, IPv6(src=ck.client6(3), dst=ZONE, hlim=64) / UDP(sport=50003, dport=53) / DNS(
            id=3, rd=1, qd=DNSQR(qname="three.example"))),
        (4, IPv6(src=ck.client6(4), dst=ck.server6(10), hlim=64) / UDP(
            sport=50004, dport=5000) / b"transit"),
    ]


def forged_return(gw, inner):
    """What fw-a would return for inner had sluice sent it there (valid cookie): sluice never
    did (no IPv6 SCTP to the zone IP is inspected), an appliance may all the same."""
    g = gw.groups["firewalls"]
    t = g.targets[0]
    key = ref.flow_key(inner, g.stickiness)
    port, nexthop = gw.route(t.address)
    encap = ref.encap_frame(inner, port.mac, gw.neighbor(nexthop), port.first_address(4),
                            t.address, 64, ref.geneve_sport(ref.flow_hash(key)),
                            ck.ENDPOINT_ID, ck.ATTACHMENT_ID,
                            ref.cookie(ck.SECRET, key, t.address, ck.ENDPOINT_ID))
    return ck.appliance_return(encap)


def replies(gw):
    web1 = gw.sessions[(6, ck.client6(1), 40001, ZONE, 443)][0].target
    web2 = gw.sessions[(6, ck.client6(2), 40002, ZONE, 443)][0].target
    dns = gw.sessions[(17, ck.client6(3), 50003, ZONE, 53)][0]
    return [
        (web1, IPv6(src=web1.address, dst=ck.client6(1), hlim=64) / TCP(
            sport=8443, dport=40001, flags="SA", seq=500, ack=101)),
        (web1, IPv6(src=web1.address, dst=ck.client6(1), hlim=64) / TCP(
            sport=8443, dport=40001, flags="PA", seq=501, ack=106) / b"200 OK"),
        (web2, IPv6(src=web2.address, dst=ck.client6(2), hlim=64) / TCP(
            sport=8443, dport=40002, flags="SA", seq=900, ack=201)),
        (dns.target, IPv6(src=dns.target.address, dst=nk.NODE_SERVERS6, hlim=64) / UDP(
            sport=53, dport=dns.nport) / DNS(id=3, qr=1, qd=DNSQR(qname="three.example"),
                                             an=DNSRR(rrname="three.example", type="AAAA",
                                                      rdata="2001:db8:53::3"))),
    ]


def build():
    gw = model()
    case = ck.Case(gw, "nlb_ipv6_inspect: inspect, then balance, over IPv6")
    phased = nk.PhasedInputs(case, gw)

    def forged():
        sctp = IPv6(src=ck.client6(1), dst=ZONE, hlim=64, nh=PROTO_SCTP) / Raw(b"\x00" * 16)
        assert not phased.send("return", "appliances", forged_return(gw, bytes(sctp)))
        # an echo request whose ID is the dns listener's port: no listener's (TCP/UDP only)
        echo = IPv6(src=ck.client6(2), dst=ZONE, hlim=64) / ICMPv6EchoRequest(id=53, seq=1)
        assert not phased.send("return", "appliances", forged_return(gw, bytes(echo)))

    phased.round_trip(client_packets(), replies, forged)
    phased.finish(drops=["martian_destination"])
    assert gw.drops["nlb_no_listener"] == 2 and gw.events["nlb_new_flow"] == 3
    return case


if __name__ == "__main__":
    ck.main(build)
