#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_adopt_snat: source-NAT sessions belong to their node (docs/nlb.md "In a fleet"). The
packets another node's source-NAT flows send here after that node is lost. Listener app
(tcp_udp 8080) -> group app (3 targets, port 9090, preserve_client_ip false,
tcp_unknown_flow not given: reset, the source-NAT default).
- TCP: mid-flow segments of flows without a session are answered with a RST to the client
  (from 10.0.1.10:8080) and dropped nlb_unknown_flow_reset (an adopted flow would reach the
  target from a new source port, which the target would reset anyway); a SYN is a new flow.
- UDP: a datagram of a flow without a session is a new flow with a new source port (the
  target sees a new client port; nlb_new_flow, no nlb_adopted).
(The targets' replies to the lost node's source-NAT ports go to that node's address, not
here; one to this node's address and a port it never gave out is no listener's reply: the
reply table holds destination-NAT listeners only. sluice-dp drops it local_unhandled, the XDP
path leaves it to the kernel, as any traffic to the node's addresses it does not handle.)
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP, UDP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402


def model():
    group = nk.Group("app", "tcp_udp", nk.targets("app", 3, port=9090),
                     preserve_client_ip=False)
    return nk.Nlb([group], [nk.Listener("app", "tcp_udp", 8080, "app")], single=True)


def seg(client, sport, flags, seq=7000, ack=8000, load=b""):
    l3 = IP(src=ck.client4(client), dst=nk.ZONE_IP, flags="DF") / TCP(
        sport=sport, dport=8080, flags=flags, seq=seq, ack=ack) / load
    return ck.frame(l3, ck.client_mac(client))


def dgram(client, sport, load):
    l3 = IP(src=ck.client4(client), dst=nk.ZONE_IP) / UDP(sport=sport, dport=8080) / load
    return ck.frame(l3, ck.client_mac(client))


def build():
    gw = model()
    assert gw.nlb_groups["app"].tcp_unknown_flow == "reset"
    case = ck.Case(gw, "nlb_adopt_snat: another node's source-NAT flows: TCP reset, UDP anew")
    for client, sport, flags, load in ((1, 46000, "A", b""), (2, 46001, "PA", b"data"),
                                       (3, 46002, "FA", b"")):
        out = nk.send(case, "outside", seg(client, sport, flags, load=load))
        assert len(out) == 1 and nk.tcp_flags(ck.l3_of(out[0][1])) & nk.TCP_RST
    # a SYN starts a flow here as anywhere
    assert len(nk.send(case, "outside", seg(1, 46003, "S", seq=1, ack=0))) == 1
    # UDP without a session: a new flow, from a source port of this node's
    for i in range(3):
        out = nk.send(case, "outside", dgram(1 + i, 47000 + i, b"dgram %d" % i))
        assert len(out) == 1
    case.expect_stats(gw.stats(events=["nlb_new_flow", "nlb_adopted", "nlb_reply_adopted",
                                       "nlb_forward", "nlb_rst_sent"],
                               drops=["nlb_unknown_flow_reset", "nlb_reply_ambiguous"],
                               listener_fields=["packets", "new_flows", "drops"],
                               target_fields=["packets", "new_flows"]))
    assert gw.drops["nlb_unknown_flow_reset"] == 3 and gw.events["nlb_rst_sent"] == 3
    assert gw.events["nlb_new_flow"] == 4 and not gw.events["nlb_adopted"]
    return case


if __name__ == "__main__":
    ck.main(build)
