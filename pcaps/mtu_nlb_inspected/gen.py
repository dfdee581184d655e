#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""mtu_nlb_inspected: a translated reply too big to encapsulate. Attachment ingress (from
outside, chain [firewalls]); listener web (tcp 443, inspect: ingress) -> group web (DNAT,
port 8443). The appliances port has MTU 1400 (1332 bytes of inner packet fit). A client's SYN
is inspected and balanced (its return from the firewall opens the session); then web-1's
replies, reverse-translated, go to the firewall:
- 1400 bytes with DF: not encapsulated; ICMP fragmentation-needed (MTU 1332) to web-1, routed
  out of servers from 172.16.0.1, quoting the reply as web-1 sent it (from 172.16.0.11:8443,
  not from the zone IP: the translation is undone), counted mtu_exceeded;
- 1400 bytes without DF: dropped mtu_exceeded_no_df;
- 1332 bytes: encapsulated.
Inputs are read port by port in config order (outside, appliances, servers), one burst each.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402
import scenarios as sc  # noqa: E402

APPL_MTU = 1400
FITS = APPL_MTU - 68


def model():
    groups = [nk.Group("web", "tcp", nk.targets("web", 1, port=8443))]
    listeners = [nk.Listener("web", "tcp", 443, "web", inspect="ingress")]
    ports = [nk.outside_port(), ck.appliances_port(mtu=APPL_MTU), nk.servers_port()]
    return nk.Nlb(groups, listeners, geneve_groups=[sc.firewalls(2)], chain=["firewalls"],
                  ports=ports)


def reply(target, length, df=True):
    l3 = IP(src=target.address, dst=ck.client4(1), id=0x500 + length % 256,
            flags="DF" if df else 0) / TCP(sport=8443, dport=40001, flags="PA", seq=501,
                                           ack=101)
    l3 = l3 / bytes((i * 9) & 0xFF for i in range(length - 40))
    assert len(l3) == length
    return IP(bytes(l3))


def build():
    gw = model()
    case = ck.Case(gw, "mtu_nlb_inspected: translated replies too big to encapsulate")
    syn = IP(src=ck.client4(1), dst=nk.ZONE_IP, flags="DF", id=1) / TCP(
        sport=40001, dport=443, flags="S", seq=100)
    (port, encap), = nk.send(case, "outside", ck.frame(syn, ck.client_mac(1)))
    assert port == "appliances"
    (port, _), = nk.send(case, "appliances", ck.appliance_return(encap))
    assert port == "servers"
    web1 = gw.sessions[(6, ck.client4(1), 40001, nk.ZONE_IP, 443)][0].target
    outs = [nk.send(case, "servers", nk.target_frame(gw, reply(web1, n, df), web1))
            for n, df in ((1400, True), (1400, False), (FITS, True))]
    assert [[p for p, _ in o] for o in outs] == [["servers"], [], ["appliances"]], outs
    nk.check_cross_port_order(case, ["outside", "appliances", "servers"])
    stats = gw.stats(events=["geneve_encap", "geneve_decap", "nlb_new_flow", "nlb_forward",
                             "icmp_frag_needed"],
                     drops=["mtu_exceeded", "mtu_exceeded_no_df"],
                     listener_fields=["packets", "bytes"])
    assert stats["drops"] == {"mtu_exceeded": 1, "mtu_exceeded_no_df": 1}, stats
    case.expect_stats(stats)
    return case


if __name__ == "__main__":
    ck.main(build)
