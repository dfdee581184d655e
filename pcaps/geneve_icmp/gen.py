#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""geneve_icmp: ICMP errors about sluice's own GENEVE to an appliance. Attachment ingress (from
outside, chain [firewalls], fw-a / fw-b) and a listener web (tcp 443) -> group web, so both
dataplanes take ICMP errors to our addresses through the load balancer's session lookup first.
1. outside: a transit UDP datagram client 1 -> 198.51.100.10 is GENEVE-encapsulated to its
   firewall (192.168.50.1 -> fw:6081);
2. appliances, from that firewall to 192.168.50.1 (the appliances port's first address, our
   GENEVE source): port-unreachable quoting the whole GENEVE datagram, the same quoting the IP
   header + 8 bytes, fragmentation-needed (MTU 1200) quoting it whole: dropped
   geneve_icmp_error, nothing sent (sluice learns no MTU from ICMP);
3. the controls, dropped nlb_icmp_unknown as before: port-unreachable quoting UDP to 6081 from
   10.0.1.10 (another of our addresses, not the GENEVE source of this port), and quoting UDP
   from 192.168.50.1 to port 6082.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import ICMP, IP, UDP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402
import scenarios as sc  # noqa: E402
import sluice_ref as ref  # noqa: E402

MTU = 1200


def model(listeners=True):
    groups = [nk.Group("web", "tcp", nk.targets("web", 2, port=8443))] if listeners else []
    lsn = [nk.Listener("web", "tcp", 443, "web")] if listeners else []
    return nk.Nlb(groups, lsn, geneve_groups=[sc.firewalls(2)], chain=["firewalls"])


def error(src, dst, quote, code=3, ident=0):
    icmp = ICMP(type=3, code=code, nexthopmtu=MTU if code == 4 else 0)
    return IP(src=src, dst=dst, ttl=64, id=ident) / icmp / quote


def build(listeners=True):
    gw = model(listeners)
    case = ck.Case(gw, "geneve_icmp%s: ICMP errors about our GENEVE to an appliance%s"
                   % (("", "") if listeners else ("_gw", ", no listeners")))
    transit = IP(src=ck.client4(1), dst=ck.server4(10), id=1) / UDP(sport=50001, dport=5000) / (
        b"transit" * 8)
    out = nk.send(case, "outside", ck.frame(transit, ck.client_mac(1)))
    assert len(out) == 1 and out[0][0] == "appliances"
    geneve = ck.l3_of(out[0][1])
    info = ref.parse_l3(geneve)
    fw_addr = nk.addr_str(info.daddr)
    fw = next(t for t in gw.groups["firewalls"].targets if t.address == fw_addr)
    assert info.ports[1] == ref.GENEVE_PORT and nk.addr_str(info.saddr) == "192.168.50.1"

    case.at(1000.1)
    ours = "192.168.50.1"
    other_src = IP(src=ck.NODE4, dst=fw_addr, id=7) / UDP(sport=50000, dport=6081) / (b"x" * 16)
    other_port = IP(src=ours, dst=fw_addr, id=8) / UDP(sport=50000, dport=6082) / (b"x" * 16)
    unclaimed = "nlb_icmp_unknown" if listeners else "local_unhandled"
    errors = [
        (error(fw_addr, ours, geneve, ident=91), "geneve_icmp_error"),
        (error(fw_addr, ours, geneve[:28], ident=92), "geneve_icmp_error"),
        (error(fw_addr, ours, geneve, code=4, ident=93), "geneve_icmp_error"),
        (error(fw_addr, ours, bytes(other_src), ident=94), unclaimed),
        (error(fw_addr, ours, bytes(other_port), ident=95), unclaimed),
    ]
    for l3, reason in errors:
        before = gw.drops[reason]
        out = nk.send(case, "appliances", nk.target_frame(gw, l3, fw))
        assert not out and gw.drops[reason] == before + 1, l3.summary()
    nk.check_cross_port_order(case, ["outside", "appliances"])
    case.expect_stats(gw.stats(events=["geneve_encap", "nlb_icmp_translated"],
                               drops=["geneve_icmp_error", "nlb_icmp_unknown",
                                      "local_unhandled", "parse_l4", "no_mbuf"]))
    return case


if __name__ == "__main__":
    ck.main(build)
