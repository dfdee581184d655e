#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_draining: listener web (tcp 443) -> group web (4 targets, port 8443,
deregistration_delay 60), one port (targets and clients both on outside, so the input order
holds). 16 connections start at t=1000 (SYN, the target's SYN-ACK); events.txt drains X, the
target of the first connection, at t=1010. At t=1020 and t=1069 the old connections go on,
X's too (client data and X's replies translated both ways); 16 new connections after t=1010
never go to X. At t=1071 (the delay is over) X's connections are refused: the first packet of
each after the delay (a client packet for half of them, a reply of X for the others) is
dropped nlb_drained; the other connections go on. (What later packets of a refused flow get
is nlb_drained_later's subject.) Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402

CONNS = 16
DRAIN_AT = 1010.0
DELAY = 60


def model(termination):
    settings = {"connection_termination": True} if termination else {}
    group = nk.Group("web", "tcp", nk.targets("web", 4, port=8443),
                     deregistration_delay=DELAY, **settings)
    return nk.Nlb([group], [nk.Listener("web", "tcp", 443, "web")], single=True)


class Conn:
    """A TCP connection of client (1..4) from sport; seq numbers kept consistent."""

    def __init__(self, client, sport):
        self.client = client
        self.addr = ck.client4(client)
        self.sport = sport
        self.cseq = 100000 * sport % 2**32
        self.tseq = 7000
        self.target = None

    def key(self):
        return (6, self.addr, self.sport, nk.ZONE_IP, 443)

    def from_client(self, flags, load=b""):
        l3 = IP(src=self.addr, dst=nk.ZONE_IP, flags="DF", id=self.sport & 0xFFFF) / TCP(
            sport=self.sport, dport=443, flags=flags, seq=self.cseq,
            ack=self.tseq if "A" in flags else 0) / load
        self.cseq += len(load) + ("S" in flags) + ("F" in flags)
        return ck.frame(l3, ck.client_mac(self.client))

    def from_target(self, gw, flags, load=b""):
        l3 = IP(src=self.target.address, dst=self.addr) / TCP(
            sport=8443, dport=self.sport, flags=flags, seq=self.tseq, ack=self.cseq) / load
        self.tseq += len(load) + ("S" in flags) + ("F" in flags)
        return nk.target_frame(gw, l3, self.target)


def open_conns(case, gw, conns):
    for c in conns:
        nk.send(case, "outside", c.from_client("S"))
        c.target = gw.sessions[c.key()][0].target
        nk.send(case, "outside", c.from_target(gw, "SA"))
        nk.send(case, "outside", c.from_client("A"))


def exchange(case, gw, conns, n):
    for c in conns:
        nk.send(case, "outside", c.from_client("PA", b"request %d" % n))
        nk.send(case, "outside", c.from_target(gw, "PA", b"response %d" % n))


def refused_round(case, gw, conns, x, n):
    """One more exchange; X's connections send one packet each: alternately the client's
    and X's."""
    on_x = 0
    for c in conns:
        if c.target is not x:
            nk.send(case, "outside", c.from_client("PA", b"request %d" % n))
            nk.send(case, "outside", c.from_target(gw, "PA", b"response %d" % n))
        elif on_x % 2 == 0:
            nk.send(case, "outside", c.from_client("PA", b"request %d" % n))
            on_x += 1
        else:
            nk.send(case, "outside", c.from_target(gw, "PA", b"response %d" % n))
            on_x += 1


def build(termination=False, later=False):
    gw = model(termination)
    name = ("nlb_drained_later" if later else
            "nlb_draining_terminate" if termination else "nlb_draining")
    case = ck.Case(gw, "%s: X drains at t=1010, deregistration_delay 60%s" % (
        name, ", connection_termination" if termination else ""))
    old = [Conn(1 + i % 4, 41000 + i) for i in range(CONNS)]
    open_conns(case, gw, old)
    x = old[0].target
    on_x = [c for c in old if c.target is x]
    assert len(on_x) >= 2
    case.event(DRAIN_AT, "web", x.id, "draining")
    case.at(1020.0)
    exchange(case, gw, old, 1)
    new = [Conn(1 + i % 4, 42000 + i) for i in range(CONNS)]
    open_conns(case, gw, new)
    assert all(c.target is not x for c in new)
    case.at(1069.0)
    exchange(case, gw, old + new, 2)
    case.at(1071.0)
    refused_round(case, gw, old + new, x, 3)
    if later:
        case.at(1072.0)
        exchange(case, gw, old + new, 4)
    drops = gw.drops["nlb_terminated" if termination else "nlb_drained"]
    assert drops == (3 if later else 1) * len(on_x), drops
    case.expect_stats(gw.stats(events=["nlb_new_flow", "nlb_forward", "nlb_reply",
                                       "nlb_rst_sent"],
                               drops=["nlb_drained", "nlb_terminated", "nlb_unknown_flow_reset",
                                      "no_attachment"],
                               listener_fields=["new_flows", "drops"],
                               target_fields=["new_flows", "state"]))
    return case


if __name__ == "__main__":
    ck.main(build)
