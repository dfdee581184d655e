#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_other_zone: the node serves az1 (10.0.1.10); listeners web (tcp 443) and dns (udp 53).
TCP, UDP and ping to az2's IP 10.0.2.10 are dropped other_zone_ip (no reply, not balanced);
an ARP who-has 10.0.2.10 is not answered (the sender is learned). TCP/UDP to 10.0.1.10 on a
port or protocol without a listener (tcp 22, udp 9999, tcp 53, udp 443) is dropped
nlb_no_listener. ARP who-has 10.0.1.10 and ping 10.0.1.10 are answered; a SYN to 10.0.1.10:443
is balanced (the control). Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import ICMP, IP, TCP, UDP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402

PING = bytes(range(0x10, 0x48))


def model(**kwargs):
    groups = [nk.Group("web", "tcp", nk.targets("web", 2, port=8443)),
              nk.Group("dns", "udp", nk.targets("dns", 2, port=53, first=3))]
    listeners = [nk.Listener("web", "tcp", 443, "web"), nk.Listener("dns", "udp", 53, "dns")]
    return nk.Nlb(groups, listeners, **kwargs)


def packets(client=1):
    c = ck.client4(client)
    other = nk.OTHER_ZONE_IP
    zone = nk.ZONE_IP
    return [
        IP(src=c, dst=other) / TCP(sport=40000, dport=443, flags="S"),
        IP(src=c, dst=other) / UDP(sport=40001, dport=53) / b"query",
        IP(src=c, dst=other, id=7) / ICMP(id=1, seq=1) / PING,
        IP(src=c, dst=zone) / TCP(sport=40002, dport=22, flags="S"),
        IP(src=c, dst=zone) / UDP(sport=40003, dport=9999) / b"x",
        IP(src=c, dst=zone) / TCP(sport=40004, dport=53, flags="S"),
        IP(src=c, dst=zone) / UDP(sport=40005, dport=443) / b"quic?",
        IP(src=c, dst=zone, id=8, flags="DF") / ICMP(id=2, seq=1) / PING,
        IP(src=c, dst=zone) / TCP(sport=40006, dport=443, flags="S"),
    ]


def run(case, gw):
    nk.send(case, "outside", ck.arp_request(ck.client_mac(1), ck.client4(1), nk.ZONE_IP))
    nk.send(case, "outside", ck.arp_request(ck.client_mac(2), ck.client4(2), nk.OTHER_ZONE_IP))
    for l3 in packets():
        nk.send(case, "outside", ck.frame(l3, ck.client_mac(1)))


def build():
    gw = model()
    case = ck.Case(gw, "nlb_other_zone: another zone's IP, ports without a listener")
    run(case, gw)
    case.expect_stats(gw.stats(events=["arp_reply", "arp_learned", "icmp_echo_reply",
                                       "nlb_new_flow", "nlb_forward", "nlb_rst_sent"],
                               drops=["other_zone_ip", "nlb_no_listener", "local_unhandled",
                                      "no_attachment", "arp_invalid"],
                               listener_fields=["packets", "new_flows", "drops"]))
    assert gw.drops["other_zone_ip"] == 3 and gw.drops["nlb_no_listener"] == 4
    return case


if __name__ == "__main__":
    ck.main(build)
