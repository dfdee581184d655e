#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_zone_ip_subnet: port outside has only 10.0.1.5/24; the zone IP 10.0.1.10 is inside its
subnet, so the node adds it to that port (docs/nlb.md "Zones"): ARP who-has 10.0.1.10 and
ping 10.0.1.10 are answered from outside's MAC, as are ARP and ping for 10.0.1.5; TCP to
10.0.1.10:443 is balanced, to 10.0.1.10:22 dropped nlb_no_listener; az2's IP is dropped
other_zone_ip. Writes the case files into argv[1] (default: this directory)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/pcap"))
sys.path.insert(0, os.path.join(HERE, "../nlb_other_zone"))

from scapy.all import ICMP, IP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402
from gen import PING, model, run  # noqa: E402

PORT_ADDR = "10.0.1.5"


def build():
    outside = ck.Port("outside", ck.OUTSIDE_MAC, [PORT_ADDR + "/24", ck.NODE6 + "/64"])
    gw = model(ports=[outside, nk.servers_port()])
    case = ck.Case(gw, "nlb_zone_ip_subnet: the zone IP inside outside's subnet, not an address")
    run(case, gw)
    nk.send(case, "outside", ck.arp_request(ck.client_mac(3), ck.client4(3), PORT_ADDR))
    nk.send(case, "outside", ck.frame(IP(src=ck.client4(3), dst=PORT_ADDR) /
                                      ICMP(id=3, seq=1) / PING, ck.client_mac(3)))
    case.expect_stats(gw.stats(events=["arp_reply", "arp_learned", "icmp_echo_reply",
                                       "nlb_new_flow", "nlb_forward"],
                               drops=["other_zone_ip", "nlb_no_listener", "local_unhandled",
                                      "no_attachment", "arp_invalid"]))
    assert gw.events["arp_reply"] == 2 and gw.events["icmp_echo_reply"] == 2
    return case


if __name__ == "__main__":
    ck.main(build)
