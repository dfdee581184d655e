# SPDX-License-Identifier: BSD-3-Clause
"""Scenarios shared by several pcaps/<case>/gen.py (families of cases that differ in one
setting), and the common packet patterns."""

from scapy.all import ICMP, IP, IPv6, TCP, UDP, ICMPv6EchoRequest

import casekit as ck
import sluice_ref as ref


def firewalls(count=4, **kwargs):
    """The group 'firewalls' with fw-a, fw-b, ... at 192.168.50.11, .12, ..."""
    target_kwargs = {k: kwargs.pop(k) for k in ("zone", "state") if k in kwargs}
    return ck.Group("firewalls", ck.targets("fw", 11, count, **target_kwargs), **kwargs)


def gateway(group, **kwargs):
    return ck.Gateway([group], ["firewalls"], **kwargs)


def chain_gateway(n_firewalls):
    """chain, passive_returns: the chain firewalls (n_firewalls of them) then ids (ids-a, ids-b
    at 192.168.50.21, .22; 3-tuple stickiness)."""
    ids = ck.Group("ids", ck.targets("ids", 21, 2), stickiness="3-tuple")
    return ck.Gateway([firewalls(n_firewalls), ids], ["firewalls", "ids"])


def encap_only(outputs):
    """The frames of outputs sent to the appliances."""
    return [f for port, f in outputs if port == "appliances"]


def tcp4(client, server, sport, dport=443, flags="S", seq=1000, ack=0, load=b"",
         reverse=False):
    """A TCP/IPv4 frame between client i and server j (reverse: server -> client)."""
    c, s = ck.client4(client), ck.server4(server)
    if reverse:
        l3 = IP(src=s, dst=c) / TCP(sport=dport, dport=sport, flags=flags, seq=seq, ack=ack)
        return ck.frame(l3 / load if load else l3, ck.ROUTER_MAC)
    l3 = IP(src=c, dst=s) / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack)
    return ck.frame(l3 / load if load else l3, ck.client_mac(client))


def tcp_connection(client, server, sport, dport=443, request=b"", response=b""):
    """The frames of a whole TCP connection (handshake, one request and response, close),
    with consistent sequence numbers; both directions arrive on outside."""
    c_isn, s_isn = 1000 + sport, 50000 + sport
    req, resp = len(request), len(response)
    steps = [("S", False, c_isn, 0, b""),
             ("SA", True, s_isn, c_isn + 1, b""),
             ("A", False, c_isn + 1, s_isn + 1, b"")]
    if request:
        steps.append(("PA", False, c_isn + 1, s_isn + 1, request))
    if response:
        steps.append(("PA", True, s_isn + 1, c_isn + 1 + req, response))
    steps += [("FA", False, c_isn + 1 + req, s_isn + 1 + resp, b""),
              ("FA", True, s_isn + 1 + resp, c_isn + 2 + req, b""),
              ("A", False, c_isn + 2 + req, s_isn + 2 + resp, b"")]
    return [tcp4(client, server, sport, dport, flags=f, seq=seq, ack=ack, load=load,
                 reverse=rev) for f, rev, seq, ack, load in steps]


def udp4(client, server, sport, dport=5000, load=b"query", reverse=False):
    c, s = ck.client4(client), ck.server4(server)
    if reverse:
        return ck.frame(IP(src=s, dst=c) / UDP(sport=dport, dport=sport) / load, ck.ROUTER_MAC)
    return ck.frame(IP(src=c, dst=s) / UDP(sport=sport, dport=dport) / load,
                    ck.client_mac(client))


def tcp6(client, server, sport, dport=443, flags="S", load=b""):
    l3 = IPv6(src=ck.client6(client), dst=ck.server6(server)) / TCP(
        sport=sport, dport=dport, flags=flags)
    return ck.frame(l3 / load if load else l3, ck.client_mac(client))


def ping4(client, server, ident, seq=1):
    l3 = IP(src=ck.client4(client), dst=ck.server4(server)) / ICMP(id=ident, seq=seq) / b"ping"
    return ck.frame(l3, ck.client_mac(client))


def ping6(client, server, ident, seq=1):
    l3 = IPv6(src=ck.client6(client), dst=ck.server6(server)) / ICMPv6EchoRequest(
        id=ident, seq=seq, data=b"ping")
    return ck.frame(l3, ck.client_mac(client))


def syn_flows(count, clients=4, servers=50, first_port=1024):
    """count distinct TCP SYN frames: client i%clients, server, source port vary."""
    out = []
    for i in range(count):
        client = 1 + i % clients
        server = 1 + (i // clients) % servers
        sport = first_port + i // (clients * servers)
        out.append(tcp4(client, server, sport, 443))
    return out


def syn_spread(gw, title, flows):
    """spread_10k / weights: `flows` SYN flows (4 clients, 250 servers) into outside, each one
    new flow encapsulated; the appliances' frames are checked by check.py (the shares)."""
    case = ck.Case(gw, title)
    case.meta["unchecked_ports"] = ["appliances"]
    for data in syn_flows(flows, clients=4, servers=250):
        case.rx("outside", data)
    case.expect_stats({"events": {"flow_new": flows, "geneve_encap": flows}})
    return case


# --- stickiness_5tuple / _3tuple / _2tuple -------------------------------------------------

def stickiness_frames():
    """Two host pairs, many ports and three protocols, both directions."""
    frames = []
    for client, server in ((1, 10), (2, 20)):
        for sport in range(41000, 41006):
            frames.append(tcp4(client, server, sport, 443))
            frames.append(tcp4(client, server, sport, 443, flags="SA", reverse=True))
            frames.append(udp4(client, server, sport, 5000))
            frames.append(udp4(client, server, sport, 5000, load=b"answer", reverse=True))
        for ident in (7, 8, 9):
            frames.append(ping4(client, server, ident))
    return frames


def stickiness_case(stickiness):
    gw = gateway(firewalls(4, stickiness=stickiness))
    case = ck.Case(gw, "stickiness %s: the same host pairs with varying ports and protocols"
                   % stickiness)
    for data in stickiness_frames():
        case.transit(data)
    case.expect_stats(gw.stats_subset(events=["geneve_encap", "flow_new"],
                                      target_fields=["packets", "new_flows"]))
    return case


# --- zones / zones_cross -------------------------------------------------------------------

def zones_case(cross_zone):
    members = ck.targets("fw", 11, 2, zone="az1") + [
        ck.Target("fw-c", "192.168.50.13", zone="az2"),
        ck.Target("fw-d", "192.168.50.14", zone="az2")]
    gw = gateway(ck.Group("firewalls", members, cross_zone=cross_zone))
    case = ck.Case(gw, "zones: node in az1, cross_zone %s" % str(cross_zone).lower())
    for data in syn_flows(200):
        case.transit(data)
    case.expect_stats(gw.stats_subset(events=["geneve_encap", "flow_new"],
                                      target_fields=["packets", "new_flows"]))
    return case


# --- failover_no_rebalance / failover_rebalance / draining ---------------------------------

def old_and_new_flows(case, gw, change, old=40, new=40):
    """40 flows before t=1010, the target change at t=1010, then their next packets and
    40 new flows; then the old flows again at t=1065 and t=1075."""
    old_frames = syn_flows(old)
    for data in old_frames:
        case.transit(data)
    change()
    case.at(1010.0)
    for data in old_frames:
        case.transit(data)
    for data in syn_flows(new, first_port=20000):
        case.transit(data)
    for t in (1065.0, 1075.0):
        case.at(t)
        for data in old_frames:
            case.transit(data)


def failover_case(failover, state="unhealthy", delay=300):
    gw = gateway(firewalls(4, failover=failover, deregistration_delay=delay))
    case = ck.Case(gw, "fw-a %s at t=1010, target_failover %s, deregistration_delay %d"
                   % (state, failover, delay))
    old_and_new_flows(case, gw, lambda: case.event(1010.0, "firewalls", "fw-a", state))
    moves = gw.events["flow_rebalanced"] > 0
    # Whether a rebalanced entry also counts as new is not specified: only assert flow_new
    # when nothing moved.
    events = ["geneve_encap", "flow_rebalanced", "flow_expired"] + ([] if moves else ["flow_new"])
    case.expect_stats(gw.stats_subset(events=events, target_fields=["packets"]))
    case.expect_stats({"targets": {"firewalls": {"fw-a": {"state": state}}}})
    return case


# --- all_unhealthy_* -----------------------------------------------------------------------

def all_unhealthy_case(policy):
    gw = gateway(firewalls(4, state="unhealthy", all_unhealthy=policy))
    case = ck.Case(gw, "every target unhealthy, all_unhealthy %s" % policy)
    for data in syn_flows(32) + [tcp6(1, 5, 30000 + i) for i in range(8)]:
        case.transit(data)
    events = {"all_targets": ["fail_open", "geneve_encap"], "drop": ["geneve_encap"],
              "bypass": ["bypass", "geneve_encap"]}[policy]
    case.expect_stats(gw.stats_subset(events=events, drops=["all_unhealthy_drop"],
                                      target_fields=["packets", "bytes"]))
    return case


def key_of(data, stickiness=ref.STICK_5):
    return ref.flow_key(ck.l3_of(data), stickiness)


GENEVE_DROPS = ["geneve_truncated", "geneve_bad_version", "geneve_oam", "geneve_unknown_critical",
                "geneve_option_missing", "geneve_option_length", "geneve_option_duplicate",
                "geneve_bad_protocol", "geneve_udp_checksum", "geneve_unknown_appliance",
                "geneve_unknown_endpoint", "geneve_bad_cookie", "geneve_bad_inner"]
