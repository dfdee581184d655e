#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""frag_nlb_inspect: fragmented UDP through inspect-then-balance (core/frag.h; docs/nlb.md
"Fragments", "Inspect, then balance"). Attachment ingress (from outside, chain [firewalls],
fw-a / fw-b); listener media (udp 5004, inspect: ingress) -> group media (DNAT, port 5004);
listener logs (udp 514, inspect: ingress) -> group logs (SNAT, port 514).
1. outside: three fragmented datagrams to 10.0.1.10 are encapsulated untranslated, each
   whole to one firewall (its later fragments with the first one's ports, their cookies made
   without them, as they read);
2. appliances: the firewalls return every fragment: each validates, and the datagram is
   load-balanced whole to one target (translated, the first fragment's UDP checksum updated);
3. servers: the targets' fragmented replies are reverse-translated and encapsulated, each whole
   to the firewall of its flow (symmetric key);
4. appliances: the returns of those are forwarded to the clients.
Inputs are read port by port (outside, appliances, servers), one burst each, as nlb_inspect.
Writes the case files into argv[1]."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, UDP, fragment  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402


def model():
    return nk.inspect_model(("media", "udp", 5004, 5004), ("logs", "udp", 514, 514))


def frags(src, dst, ident, sport, dport, load):
    return fragment(IP(src=src, dst=dst, id=ident, ttl=60) / UDP(sport=sport, dport=dport) /
                    load, fragsize=1200)


def client_datagrams():
    z = nk.ZONE_IP
    return [(1, frags(ck.client4(1), z, 0x6001, 41001, 5004, b"media-1-" * 400)),
            (2, frags(ck.client4(2), z, 0x6002, 41002, 5004, b"media-2-" * 400)),
            (3, frags(ck.client4(3), z, 0x6003, 42003, 514, b"log-li-3" * 400))]


def replies(gw):
    m1 = gw.sessions[(17, ck.client4(1), 41001, nk.ZONE_IP, 5004)][0]
    l3 = gw.sessions[(17, ck.client4(3), 42003, nk.ZONE_IP, 514)][0]
    return [(m1.target, frags(m1.target.address, ck.client4(1), 0x7001, 5004, 41001,
                              b"answer-1" * 400)),
            (l3.target, frags(l3.target.address, nk.NODE_SERVERS, 0x7003, 514, l3.nport,
                              b"logged-3" * 400))]


def build():
    gw = model()
    case = ck.Case(gw, "frag_nlb_inspect: fragmented UDP through inspect, then balance")
    phased = nk.PhasedInputs(case, gw)
    send = phased.send

    def one_place(outs, offset):
        """every output of one datagram went to one address (outer, or inner destination)"""
        assert len({f[offset:offset + 4] for _, f in outs}) == 1, outs

    encaps = []
    for client, fs in client_datagrams():
        outs = [o for f in fs for o in send("client", "outside", ck.frame(f, ck.client_mac(
            client)))]
        assert len(outs) == len(fs) and all(p == "appliances" for p, _ in outs)
        one_place(outs, 30)  # one firewall
        encaps.append(outs)
    for outs in encaps:
        balanced = [o for _, frame in outs
                    for o in send("return", "appliances", ck.appliance_return(frame))]
        assert len(balanced) == len(outs) and all(p == "servers" for p, _ in balanced)
        one_place(balanced, 30)  # one target
    reply_encaps = []
    for target, fs in replies(gw):
        outs = [o for f in fs for o in send("reply", "servers", nk.target_frame(gw, f, target))]
        assert len(outs) == len(fs) and all(p == "appliances" for p, _ in outs)
        one_place(outs, 30)
        reply_encaps += outs
    phased.returns("reply_return", [f for _, f in reply_encaps], "outside")
    phased.finish(events=["frag_tracked", "frag_table_full"], drops=["frag_early"])
    return case


if __name__ == "__main__":
    ck.main(build)
