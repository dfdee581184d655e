#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_idle: idle timeouts of NAT sessions. One port (clients, targets and 172.16.0.1 all on
outside, so the input order holds). Listener dns (udp 53) -> group dns (SNAT,
other_idle_timeout 60); listener app (tcp 80) -> group app (SNAT, tcp_idle_timeout 350,
tcp_unknown_flow adopt).
Source-NAT ports show which packets share a session (the nth new session gets 1024 + n - 1,
a freed port goes to the end of the pool).
- U1 queries at t=1000 and, 62 s later, again: a new session with a new port;
  U2 at t=1000 and t=1059 (idle 59 s): the same port; U4 at t=1000, its reply at t=1040, a
  query at t=1090 (idle 50 s since the reply: replies keep a session alive): the same port;
- TCP T1: the client's FIN at t=1005 (the session's life is now 10 s), its next segment at
  t=1016.1: a new session (unknown flow, steered anew: new port); T2: FIN at t=1005, next
  segment at t=1014: the same port; T3: the target's FIN at t=1005 (either direction counts),
  the client's next segment at t=1016.1: a new port; T4: the client's RST at t=1005, its next
  segment at t=1016.1: a new port.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import DNS, DNSQR, DNSRR, IP, TCP, UDP  # noqa: E402

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402


def model():
    groups = [nk.Group("dns", "udp", nk.targets("dns", 2, port=53),
                       preserve_client_ip=False, other_idle_timeout=60),
              # adopt (not the source-NAT default, reset): a segment after its session
              # expired starts a new one, which shows the session is gone
              nk.Group("app", "tcp", nk.targets("app", 2, port=8080, first=3),
                       preserve_client_ip=False, tcp_unknown_flow="adopt")]
    listeners = [nk.Listener("dns", "udp", 53, "dns"), nk.Listener("app", "tcp", 80, "app")]
    return nk.Nlb(groups, listeners, single=True)


def query(client, cport, n):
    l3 = IP(src=ck.client4(client), dst=nk.ZONE_IP) / UDP(sport=cport, dport=53) / DNS(
        id=cport + n, rd=1, qd=DNSQR(qname="idle.example"))
    return ck.frame(l3, ck.client_mac(client))


def reply(gw, session, n):
    _, tsrc, tport, ndst, nport = session.keys["reply"]
    l3 = IP(src=tsrc, dst=ndst) / UDP(sport=tport, dport=nport) / DNS(
        id=n, qr=1, qd=DNSQR(qname="idle.example"), an=DNSRR(rrname="idle.example",
                                                               rdata="192.0.2.53"))
    return nk.target_frame(gw, l3, session.target)


def seg(client, cport, flags, seq, ack=1):
    l3 = IP(src=ck.client4(client), dst=nk.ZONE_IP) / TCP(sport=cport, dport=80, flags=flags,
                                                          seq=seq, ack=ack)
    return ck.frame(l3, ck.client_mac(client))


def tseg(gw, session, flags, seq, ack):
    _, tsrc, tport, ndst, nport = session.keys["reply"]
    l3 = IP(src=tsrc, dst=ndst) / TCP(sport=tport, dport=nport, flags=flags, seq=seq, ack=ack)
    return nk.target_frame(gw, l3, session.target)


def session(gw, proto, client, cport, lport):
    return gw.sessions[(proto, ck.client4(client), cport, nk.ZONE_IP, lport)][0]


def build():
    gw = model()
    case = ck.Case(gw, "nlb_idle: idle timeouts and FIN/RST of NAT sessions")
    send = lambda data: nk.send(case, "outside", data)  # noqa: E731
    udp = {"U1": (1, 51001), "U2": (2, 51002), "U4": (4, 51004)}
    tcp = {"T1": (1, 41001), "T2": (2, 41002), "T3": (3, 41003), "T4": (4, 41004)}
    for client, cport in udp.values():
        send(query(client, cport, 1))
    for client, cport in tcp.values():
        send(seg(client, cport, "S", 100, 0))
    ports = {name: session(gw, 17, *cc, 53).nport for name, cc in udp.items()}
    ports.update({name: session(gw, 6, *cc, 80).nport for name, cc in tcp.items()})
    assert sorted(ports.values()) == list(range(1024, 1031))
    case.at(1005.0)
    send(seg(*tcp["T1"], "FA", 101))
    send(seg(*tcp["T2"], "FA", 101))
    send(tseg(gw, session(gw, 6, *tcp["T3"], 80), "FA", 500, 101))
    send(seg(*tcp["T4"], "R", 101, 0))
    case.at(1014.0)
    send(seg(*tcp["T2"], "A", 102, 2))
    assert session(gw, 6, *tcp["T2"], 80).nport == ports["T2"]
    case.at(1016.1)
    for name in ("T1", "T3", "T4"):
        send(seg(*tcp[name], "A", 102, 2))
        assert session(gw, 6, *tcp[name], 80).nport not in ports.values()
    case.at(1040.0)
    send(reply(gw, session(gw, 17, *udp["U4"], 53), 1))
    case.at(1059.0)
    send(query(*udp["U2"], 2))
    assert session(gw, 17, *udp["U2"], 53).nport == ports["U2"]
    case.at(1062.0)
    send(query(*udp["U1"], 2))
    assert session(gw, 17, *udp["U1"], 53).nport not in ports.values()
    case.at(1090.0)
    send(query(*udp["U4"], 2))
    assert session(gw, 17, *udp["U4"], 53).nport == ports["U4"]
    case.expect_stats(gw.stats(events=["nlb_new_flow", "nlb_forward", "nlb_reply"],
                               drops=["local_unhandled", "nlb_drained",
                                      "nlb_unknown_flow_reset"],
                               listener_fields=["packets", "new_flows"]))
    assert gw.events["nlb_new_flow"] == 11
    return case


if __name__ == "__main__":
    ck.main(build)
