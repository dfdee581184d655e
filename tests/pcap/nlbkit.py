# SPDX-License-Identifier: BSD-3-Clause
"""A model of the load balancer (docs/nlb.md) for the pcaps/nlb_*/gen.py scripts.

Written from docs/nlb.md and docs/dataplane.md on top of sluice_ref (flow keys, hashes,
weighted Maglev) and casekit (topology, routing, the GENEVE model Gateway, Case), not from the
C code. Translated packets are rebuilt with scapy (fields set, checksums and lengths deleted
so scapy recomputes them in full): this checks sluice-dp's incremental checksum updates.

- the NLB topology: `outside` (10.0.1.10/24 = zone az1's IP), `servers` (172.16.0.1/24,
  targets 172.16.0.11.. as static neighbours), optionally `appliances`; or one port only
  (single=True: outside holds 172.16.0.1/24 first, then 10.0.1.10/24) for cases where the
  order of the input packets must hold;
- Target / Group / Listener: the config objects;
- Nlb: a casekit.Gateway (so inspection works as in the other cases) that also serves the
  zone IP: listeners, target choice, NAT sessions (DNAT, SNAT with per-worker port pools),
  ICMP error translation, idle timeouts, draining / termination, unknown TCP flows, local
  duties (ARP, ping, other zones' IPs);
- send(): feed one input frame to a Case and expect what the model outputs.
"""

import ipaddress
import os
import struct
from collections import Counter, deque

from scapy.all import ICMP, IP, TCP, UDP, IPv6, Raw

import casekit as ck
from pylib.csum import csum_adjust  # (casekit puts tests/ on sys.path)
import sluice_ref as ref

# --- topology ------------------------------------------------------------------------------

ZONE_IP = ck.NODE4                 # az1, this node's zone
OTHER_ZONE_IP = "10.0.2.10"        # az2
ZONES = {"az1": ZONE_IP, "az2": OTHER_ZONE_IP}
ZONE_IP6 = ck.NODE6                # az1 in the IPv6 cases (outside's IPv6 address)
ZONES6 = {"az1": ZONE_IP6, "az2": "2001:db8:b::10"}
SERVERS_MAC = "02:00:00:00:00:03"
NODE_SERVERS = "172.16.0.1"        # the address of the port facing the targets (SNAT source)
NODE_SERVERS6 = "fd00:16::1"       # its IPv6 address (servers_port(v6=True))
SERVERS_ROUTER = "172.16.0.254"    # a router on the servers' side (sends ICMP errors)
SERVERS_ROUTER_MAC = "02:00:00:00:16:fe"
SNAT_FIRST_PORT = 1024
SNAT_LAST_PORT = 65535
CLOSING_LIFE = 10                  # seconds left after a FIN or RST
DP_BURST = 32                      # packets per rx burst (dataplane/dp.h)

TCP_FIN, TCP_SYN, TCP_RST, TCP_ACK = 0x01, 0x02, 0x04, 0x10
TCP_PSH, TCP_URG = 0x08, 0x20


def tcp_flags_bogus(f):
    """NULL, SYN+FIN, SYN+RST, Xmas (FIN+PSH+URG without ACK): no session (docs/nlb.md)."""
    if not f & 0x3F:
        return True
    if f & TCP_SYN and f & (TCP_FIN | TCP_RST):
        return True
    return f & (TCP_FIN | TCP_PSH | TCP_URG | TCP_ACK) == TCP_FIN | TCP_PSH | TCP_URG


def source_martian(address):
    """0/8, 127/8, 224/4, 240/4 (IPv4); ::, ::1, ff00::/8 (IPv6): no session."""
    a = ipaddress.ip_address(address)
    if a.version == 4:
        first = a.packed[0]
        return first == 0 or first == 127 or first >= 224
    return a.packed[0] == 0xFF or int(a) <= 1


def target_addr(i, family=4):
    """Address of server i (1, 2, ...): 172.16.0.10+i (IPv6: fd00:16::(10+i) in hex)."""
    return "172.16.0.%d" % (10 + i) if family == 4 else "fd00:16::%x" % (10 + i)


def target_mac(address):
    """02:00:00:00:16:xx, xx the address's last byte (IPv4 and IPv6 alike)."""
    return "02:00:00:00:16:%02x" % ipaddress.ip_address(address).packed[-1]


def outside_port(single=False):
    addrs = [ZONE_IP + "/24", ck.NODE6 + "/64"]
    if single:
        addrs = [NODE_SERVERS + "/24"] + addrs
    return ck.Port("outside", ck.OUTSIDE_MAC, addrs)


def servers_port(v6=False):
    """servers: 172.16.0.1/24, with v6 also fd00:16::1/64 (IPv6 targets)."""
    return ck.Port("servers", SERVERS_MAC,
                   [NODE_SERVERS + "/24"] + ([NODE_SERVERS6 + "/64"] if v6 else []))


# --- configuration objects -----------------------------------------------------------------

class Target:
    def __init__(self, tid, address, port=None, zone="az1", weight=1, state="healthy"):
        self.id = tid
        self.address = address
        self.port = port
        self.zone = zone
        self.weight = weight
        self.state = state
        self.mac = target_mac(address)
        self.drain_start = None

    def tport(self, lport):
        return self.port or lport

    def config(self):
        conf = {"id": self.id, "address": self.address}
        if self.port is not None:
            conf["port"] = self.port
        conf["zone"] = self.zone
        if self.weight != 1:
            conf["weight"] = self.weight
        if self.state != "healthy":
            conf["state"] = self.state
        return conf


def targets(prefix, count, port=None, first=1, family=4, **kwargs):
    """count targets PREFIX-1, PREFIX-2, ... at target_addr(first, family), ..."""
    return [Target("%s-%d" % (prefix, first + i), target_addr(first + i, family), port,
                   **kwargs) for i in range(count)]


class Group:
    """A tcp / udp / tcp_udp target group; keyword settings are written when not default."""
    DEFAULTS = {"stickiness": ref.STICK_5, "cross_zone": False, "target_failover": "no_rebalance",
                "deregistration_delay": 300, "connection_termination": False,
                "all_unhealthy": "all_targets", "tcp_idle_timeout": 350,
                "other_idle_timeout": 120, "preserve_client_ip": True,
                "tcp_unknown_flow": None}  # None: adopt with DNAT, reset with SNAT

    def __init__(self, name, protocol, members, **settings):
        unknown = set(settings) - set(self.DEFAULTS)
        if unknown:
            raise ValueError("unknown group settings %s" % sorted(unknown))
        self.name = name
        self.protocol = protocol
        self.targets = members
        self.settings = dict(self.DEFAULTS, **settings)
        self.given = settings

    def __getattr__(self, key):
        settings = self.__dict__.get("settings", {})
        if key == "tcp_unknown_flow":
            mode = settings.get(key) or ("adopt" if settings["preserve_client_ip"] else "reset")
            return "adopt" if mode == "forward" else mode  # forward: adopt's older name
        if key in settings:
            return settings[key]
        raise AttributeError(key)

    @property
    def flow_stickiness(self):
        return ref.STICK_2 if self.stickiness == "source_ip" else self.stickiness

    def target(self, tid):
        return next(t for t in self.targets if t.id == tid)

    def timeout(self, proto):
        return self.tcp_idle_timeout if proto == ref.PROTO_TCP else self.other_idle_timeout

    def config(self):
        conf = {"name": self.name, "protocol": self.protocol}
        conf.update(self.given)
        conf["targets"] = [t.config() for t in self.targets]
        return conf


class Listener:
    def __init__(self, name, protocol, port, group, inspect=None):
        self.name = name
        self.protocol = protocol
        self.port = port          # int or "all"
        self.group = group        # group name
        self.inspect = inspect    # attachment name or None

    def serves(self, proto):
        return proto in {"tcp": (ref.PROTO_TCP,), "udp": (ref.PROTO_UDP,),
                         "tcp_udp": (ref.PROTO_TCP, ref.PROTO_UDP)}[self.protocol]

    def config(self):
        conf = {"name": self.name, "protocol": self.protocol, "port": self.port,
                "target_group": self.group}
        if self.inspect:
            conf["inspect"] = self.inspect
        return conf


# --- packets -------------------------------------------------------------------------------

def addr_str(raw16, family=4):
    return str(ipaddress.ip_address(raw16[:4] if family == 4 else raw16))


def five_tuple(l3, ports=None):
    """(proto, src, sport, dst, dport) of a TCP/UDP IPv4/IPv6 packet; ports: its own unless
    given (a non-first fragment's, from its first fragment)."""
    info = ref.parse_l3(l3)
    ports = ports or info.ports
    return (info.proto, addr_str(info.saddr, info.family), ports[0],
            addr_str(info.daddr, info.family), ports[1])


def tcp_flags(l3):
    """A non-first fragment has no TCP header: 0, as pkt_parse leaves them."""
    info = ref.parse_l3(l3)
    return 0 if info.frag_later else info.l4[13]


def rewrite_fragment(l3, src=None, sport=None, dst=None, dport=None):
    """An IPv4 fragment rewritten: addresses and the header checksum (in full); a first
    fragment also its ports and, incrementally (it covers the whole datagram, which is not
    here), its L4 checksum (a UDP 0 stays 0, a UDP result of 0 is 0xFFFF). gen.py checks it
    against scapy's rewrite of the whole datagram, fragmented."""
    info = ref.parse_l3(l3)
    b = bytearray(l3)
    ihl = (b[0] & 0x0F) * 4
    old_src, old_dst = addr_str(info.saddr), addr_str(info.daddr)
    new_src, new_dst = src or old_src, dst or old_dst
    b[12:16] = ipaddress.IPv4Address(new_src).packed
    b[16:20] = ipaddress.IPv4Address(new_dst).packed
    b[10:12] = b"\0\0"
    b[10:12] = struct.pack("!H", ref.inet_checksum(bytes(b[:ihl])))
    if not info.frag_later:
        old_ports = list(info.ports)
        new_ports = [sport if sport is not None else old_ports[0],
                     dport if dport is not None else old_ports[1]]
        at = ihl + (16 if info.proto == ref.PROTO_TCP else 6)
        csum = struct.unpack("!H", b[at:at + 2])[0]
        if info.proto == ref.PROTO_TCP or csum:
            csum = csum_adjust(csum, _words(old_src) + _words(old_dst) + old_ports,
                               _words(new_src) + _words(new_dst) + new_ports)
            if info.proto == ref.PROTO_UDP and csum == 0:
                csum = 0xFFFF
        b[ihl:ihl + 4] = struct.pack("!HH", *new_ports)
        b[at:at + 2] = struct.pack("!H", csum)
    return bytes(b)


def rewrite(l3, src=None, sport=None, dst=None, dport=None):
    """l3 with addresses / ports replaced; IPv4 and L4 checksums recomputed in full by scapy
    (a UDP checksum of 0 stays 0). TTL and everything else unchanged. A fragment:
    rewrite_fragment."""
    info = ref.parse_l3(l3)
    if info.frag:
        if info.family == 6:
            raise ValueError("model: IPv6 fragments through the load balancer not modelled")
        return rewrite_fragment(l3, src, sport, dst, dport)
    pkt = (IP if info.family == 4 else IPv6)(bytes(l3))
    l4 = pkt[TCP] if info.proto == ref.PROTO_TCP else pkt[UDP]
    if src is not None:
        pkt.src = src
    if dst is not None:
        pkt.dst = dst
    if sport is not None:
        l4.sport = sport
    if dport is not None:
        l4.dport = dport
    if info.family == 4:
        del pkt.chksum
    if info.proto == ref.PROTO_TCP or l4.chksum != 0:
        del l4.chksum
    out = bytes(pkt)
    assert len(out) == len(l3)
    return out


def _words(addr):
    b = ipaddress.IPv4Address(addr).packed
    return [b[0] << 8 | b[1], b[2] << 8 | b[3]]


def translate_quote(quote, new):
    """An ICMP error's quoted IPv4 packet (bytes, possibly truncated) with its 5-tuple set to
    new = (proto, src, sport, dst, dport): the quoted header checksum recomputed, the quoted
    L4 checksum (when the quote holds it; a UDP 0 stays 0) adjusted for the pseudo-header
    addresses and ports."""
    q = bytearray(quote)
    ihl = (q[0] & 0x0F) * 4
    proto, src, sport, dst, dport = new
    old_src = str(ipaddress.IPv4Address(bytes(q[12:16])))
    old_dst = str(ipaddress.IPv4Address(bytes(q[16:20])))
    old_sport, old_dport = struct.unpack("!HH", bytes(q[ihl:ihl + 4]))
    q[12:16] = ipaddress.IPv4Address(src).packed
    q[16:20] = ipaddress.IPv4Address(dst).packed
    q[10:12] = b"\0\0"
    q[10:12] = struct.pack("!H", ref.inet_checksum(bytes(q[:ihl])))
    q[ihl:ihl + 4] = struct.pack("!HH", sport, dport)
    off = ihl + (16 if proto == ref.PROTO_TCP else 6)
    if len(q) >= off + 2:
        old = struct.unpack("!H", bytes(q[off:off + 2]))[0]
        if not (proto == ref.PROTO_UDP and old == 0):
            new_sum = csum_adjust(old, _words(old_src) + _words(old_dst) + [old_sport, old_dport],
                                  _words(src) + _words(dst) + [sport, dport])
            if proto == ref.PROTO_UDP and new_sum == 0:
                new_sum = 0xFFFF
            q[off:off + 2] = struct.pack("!H", new_sum)
    return bytes(q)


def icmp_error_rewrite(l3, outer_dst, quote):
    """The ICMP error l3 with the outer destination and the quote replaced; outer IPv4 and
    ICMP checksums recomputed in full by scapy."""
    pkt = IP(bytes(l3))
    icmp = pkt[ICMP]
    icmp.remove_payload()
    icmp.add_payload(Raw(quote))
    pkt.dst = outer_dst
    del pkt.chksum
    del icmp.chksum
    out = bytes(pkt)
    assert len(out) == len(l3)
    return out


def icmp_quote(l3):
    """The quoted packet of an ICMPv4 error (bytes after the 8-byte ICMP header)."""
    ihl = (l3[0] & 0x0F) * 4
    total = struct.unpack("!H", l3[2:4])[0]
    return l3[ihl + 8:total]


def rst_answer(seg, src=None, sport=None):
    """The RST the receiver of TCP segment seg (IPv4 bytes) sends back (RFC 9293 3.10.7.1, as
    core/nat.h's nat_tcp_rst states it): from seg's destination (or src:sport), to its
    source; with ACK in seg: seq = its ack, flags R; else seq 0, ack = seq + length (+1 SYN,
    +1 FIN), flags RA. IPv4 ID 0, no DF, TTL 64, TOS 0; TCP window 0, no options."""
    ip = IP(bytes(seg))
    tcp = ip[TCP]
    ihl = ip.ihl * 4
    plen = ip.len - ihl - tcp.dataofs * 4
    flags = int(tcp.flags)
    if flags & TCP_ACK:
        seq, ack, rflags = tcp.ack, 0, "R"
    else:
        seq = 0
        ack = (tcp.seq + plen + bool(flags & TCP_SYN) + bool(flags & TCP_FIN)) & 0xFFFFFFFF
        rflags = "RA"
    return bytes(IP(src=src or ip.dst, dst=ip.src, ttl=64, id=0, flags=0, tos=0) /
                 TCP(sport=sport if sport is not None else tcp.dport, dport=tcp.sport, seq=seq,
                     ack=ack, flags=rflags, window=0, urgptr=0))


def rst_forward(seg, src=None, sport=None, dst=None, dport=None):
    """The segment seg itself turned into a RST for the other end of the flow (as nlb.c's
    nlb_terminate states it: same IP header but the length, addresses / ports translated,
    same seq and ack, flags RST plus seg's ACK, no options or payload, window 0, urgent 0)."""
    ip = IP(bytes(seg))
    tcp = ip[TCP]
    flags = "RA" if int(tcp.flags) & TCP_ACK else "R"
    hdr = ip.copy()
    hdr.remove_payload()
    hdr.len = None
    hdr.chksum = None
    new = hdr / TCP(sport=tcp.sport, dport=tcp.dport, seq=tcp.seq, ack=tcp.ack, flags=flags,
                    window=0, urgptr=0)
    return rewrite(bytes(new), src, sport, dst, dport)


# --- the model -----------------------------------------------------------------------------

class Session:
    def __init__(self, listener, group, target, client_key, reply_key, nport, now):
        self.listener = listener
        self.group = group
        self.target = target
        self.keys = {"client": client_key, "reply": reply_key}
        self.nport = nport
        self.last = now
        self.closing = False
        self.drained = False      # past the deregistration delay: every packet is refused

    def rewrite_for(self, direction):
        """(src, sport, dst, dport) a packet of direction gets: the other key, reversed."""
        other = self.keys["reply" if direction == "client" else "client"]
        _, src, sport, dst, dport = other
        return dst, dport, src, sport


class Nlb(ck.Gateway):
    """sluice-dp's documented behaviour for the load balancer (and, through casekit.Gateway,
    for inspection), for computing expectations."""

    def __init__(self, groups, listeners, geneve_groups=(), chain=(), single=False,
                 ports=None, zone="az1", zones=None, zone_ip=ZONE_IP, routes=None,
                 neighbors=None, from_ports=("outside",)):
        self.single = single
        if ports is None:
            ports = [outside_port(single)]
            if geneve_groups:
                ports.append(ck.appliances_port())
            if not single:
                ports.append(servers_port())
        super().__init__(list(geneve_groups), list(chain), ports=ports, zone=zone,
                         routes=routes, neighbors=neighbors, from_ports=from_ports)
        self.nlb_groups = {g.name: g for g in groups}
        self.listeners = list(listeners)
        self.zones = dict(zones or ZONES)
        self.zone_ip = zone_ip
        for g in groups:
            for t in g.targets:
                self.neighbors[t.address] = t.mac
        self.sessions = {}           # 5-tuple -> (Session, "client" | "reply")
        self.pool = deque(range(SNAT_FIRST_PORT, SNAT_LAST_PORT + 1))
        self.listener_stats = {l.name: Counter() for l in self.listeners}
        for g in groups:
            self.target_stats[g.name] = {t.id: Counter() for t in g.targets}
        self.now = ck.START

    # configuration ---------------------------------------------------------------------

    def config(self):
        conf = super().config()
        conf["zones"] = dict(self.zones)
        conf["target_groups"] = ([g.config() for g in self.groups.values()] +
                                 [g.config() for g in self.nlb_groups.values()])
        if not self.chain:
            del conf["inspection"]
        conf["listeners"] = [l.config() for l in self.listeners]
        return conf

    def set_state(self, group, tid, state, now):
        if group in self.groups:
            return super().set_state(group, tid, state, now)
        t = self.nlb_groups[group].target(tid)
        t.state = state
        t.drain_start = now if state == "draining" else None

    # addresses -------------------------------------------------------------------------

    def local_addresses(self):
        out = {str(ipaddress.ip_interface(a).ip) for p in self.ports for a in p.addresses}
        return out | {self.zone_ip}

    def other_zone_ips(self):
        return {ip for z, ip in self.zones.items() if z != self.zone and ip != self.zone_ip}

    def zone_port(self):
        """The port whose subnet holds the zone IP: it answers ARP for it."""
        addr = ipaddress.ip_address(self.zone_ip)
        return next(p for p in self.ports if any(addr in n for n in p.networks()))

    def node_address_towards(self, address):
        """nodeIP for SNAT: the address of the port facing address (refuses topologies where
        'the first IPv4 address' and 'the address on the target's subnet' would differ)."""
        family = ipaddress.ip_address(address).version
        port, _ = self.route(address)
        first = port.first_address(family)
        for a in port.addresses:
            iface = ipaddress.ip_interface(a)
            if iface.version == family and ipaddress.ip_address(address) in iface.network and \
                    str(iface.ip) != first:
                raise ValueError("model: nodeIP ambiguous for %s on %s" % (address, port.name))
        return first

    # entry point -----------------------------------------------------------------------

    def rx(self, port, data, now):
        """One input frame on port at time now: list of (port name, frame) sent."""
        self.now = now
        ethertype = struct.unpack("!H", data[12:14])[0]
        if ethertype == 0x0806:
            return self.arp(port, data)
        if ethertype not in (ref.ETH_IPV4, ref.ETH_IPV6):
            raise ValueError("model: IPv4, IPv6 and ARP only")
        l3 = ck.l3_of(data)
        info = ref.parse_l3(l3)
        if info.family == 6 and info.proto == ref.PROTO_ICMP6:
            raise ValueError("model: ICMPv6 (ND, echo, errors) not modelled")
        dst = addr_str(info.daddr, info.family)
        if dst in self.local_addresses():
            return self.local(port, data, l3, info)
        if self.dst_martian(dst):
            self.drops["martian_destination"] += 1
            return []
        if dst in self.other_zone_ips():
            self.drops["other_zone_ip"] += 1
            return []
        out = self.try_session(l3, info)
        if out is not None:
            return out
        out = self.reply_adopt(port, l3, info)
        if out is not None:
            return out
        if port in self.from_ports and self.chain:
            return self.transit(data, now)
        self.drops["no_attachment"] += 1
        return []

    def arp(self, port, data):
        op = struct.unpack("!H", data[20:22])[0]
        sender_mac = ":".join("%02x" % b for b in data[22:28])
        sender_ip = str(ipaddress.IPv4Address(data[28:32]))
        target_ip = str(ipaddress.IPv4Address(data[38:42]))
        p = self.port(port)
        mine = {str(ipaddress.ip_interface(a).ip) for a in p.addresses}
        if self.zone_port().name == port:
            mine.add(self.zone_ip)
        connected = any(ipaddress.ip_address(sender_ip) in n for n in p.networks())
        # learned only into an entry that exists: a static neighbour, a configured next hop,
        # one sluice asked for (docs/dataplane.md "Neighbours")
        known = sender_ip in self.neighbors or sender_ip in self.learned or \
            sender_ip in {via for _, via in self.routes}
        if op == 1 and target_ip in mine:
            self.events["arp_reply"] += 1
            if connected and known:
                self.events["arp_learned"] += 1
            return [(port, ck.arp_reply(p.mac, target_ip, sender_mac, sender_ip))]
        if connected and known:  # learned, and needs no answer: consumed
            self.events["arp_learned"] += 1
            self.events["arp_consumed"] += 1
        elif connected:
            self.drops["neigh_unsolicited"] += 1
        else:
            self.drops["arp_invalid"] += 1
        return []

    def local(self, port, data, l3, info):
        if info.proto == ref.PROTO_ICMP and info.l4[:1] == b"\x08":
            return [(port, self.echo_reply(port, data, l3))]
        if info.proto == ref.PROTO_UDP and info.ports and info.ports[1] == ref.GENEVE_PORT:
            return self.geneve_return(data, self.now)
        out = self.try_session(l3, info)
        if out is not None:
            return out
        if addr_str(info.daddr, info.family) == self.zone_ip and \
                info.proto in (ref.PROTO_TCP, ref.PROTO_UDP):
            return self.to_zone_ip(l3, inspected=False)
        if info.icmp_error and self.about_our_geneve(port, info):
            self.drops["geneve_icmp_error"] += 1
            return []
        if info.icmp_error and self.listeners:  # sluice-dp: only with a load balancer
            self.drops["nlb_icmp_unknown"] += 1
            return []
        self.drops["local_unhandled"] += 1
        return []

    def about_our_geneve(self, port, info):
        """An ICMP error (info) to us quoting our GENEVE to an appliance: IPv4 UDP (8 bytes of
        header at least) to 6081 from node.geneve_address, else from the first IPv4 address of
        the port the error arrived on (docs/dataplane.md step 4)."""
        try:
            q = ref.parse_l3(info.l4[8:])
        except ValueError:
            return False
        src = self.geneve_address or self.port(port).first_address(4)
        return (info.family == 4 and q.family == 4 and q.proto == ref.PROTO_UDP and
                len(q.l4) >= 8 and q.ports[1] == ref.GENEVE_PORT and addr_str(q.saddr) == src)

    def echo_reply(self, port, data, l3):
        rep = IP(bytes(l3))
        rep.src, rep.dst, rep.ttl = rep.dst, rep.src, 64
        rep[ICMP].type = 0
        del rep.chksum
        del rep[ICMP].chksum
        self.events["icmp_echo_reply"] += 1
        return ck.frame(rep, self.port(port).mac, dst_mac=ck.src_mac_of(data))

    def forward(self, inner, count=True, event="forwarded", quote=None):
        """The last appliance's return: for the zone IP, the load balancer's, whatever the
        packet (core/gwlb_table.h gwlb_return_verdict): balanced when TCP/UDP of a listener,
        else a session's ICMP error or dropped nlb_no_listener."""
        info = ref.parse_l3(inner)
        if addr_str(info.daddr, info.family) == self.zone_ip:
            if info.proto in (ref.PROTO_TCP, ref.PROTO_UDP):
                return self.to_zone_ip(inner, inspected=True)
            out = self.try_session(inner, info)
            if out is not None:
                return out
            self.drops["nlb_no_listener"] += 1
            return []
        return super().forward(inner, count, event, quote)

    # listeners and sessions ------------------------------------------------------------

    def listener_for(self, proto, dport):
        exact = [l for l in self.listeners if l.serves(proto) and l.port == dport]
        anyport = [l for l in self.listeners if l.serves(proto) and l.port == "all"]
        found = exact or anyport
        return found[0] if found else None

    def _session_verdict(self, s, proto):
        """'ok', 'expired' or 'drained' for a session about to see a packet now."""
        g = self.nlb_groups[s.group]
        t = s.target
        idle = g.timeout(proto)
        if s.closing:
            idle = min(idle, CLOSING_LIFE)
        if self.now - s.last > idle:
            return "expired"
        if s.drained:
            return "drained"
        if t.state == "draining" and self.now - t.drain_start >= g.deregistration_delay:
            s.drained = True
            return "drained"
        if t.state == "unhealthy" and g.target_failover == "rebalance":
            raise ValueError("model: rebalance of NLB sessions is not modelled")
        return "ok"

    def _end(self, s):
        for key in s.keys.values():
            self.sessions.pop(key, None)
        if s.nport is not None:
            self.pool.append(s.nport)
        self.listener_stats[s.listener]["closed"] += 1
        self.target_stats[s.group][s.target.id]["closed"] += 1

    def _lookup(self, key, direction):
        """The live session with key in direction (expired ones are ended), or None."""
        found = self.sessions.get(key)
        if found is None or found[1] != direction:
            return None
        s = found[0]
        if self._session_verdict(s, key[0]) == "expired":
            self._end(s)
            return None
        return s

    def _touch(self, s, l3, proto):
        s.last = self.now
        if proto == ref.PROTO_TCP and tcp_flags(l3) & (TCP_FIN | TCP_RST):
            s.closing = True

    def _count(self, s, l3):
        for c in (self.listener_stats[s.listener], self.target_stats[s.group][s.target.id]):
            c["packets"] += 1
            c["bytes"] += len(l3)

    def _refuse(self, s, l3, direction):
        """A packet of a drained session: dropped, or (TCP, connection_termination) a RST to
        both ends."""
        g = self.nlb_groups[s.group]
        self.listener_stats[s.listener]["drops"] += 1
        if s.keys["client"][0] == ref.PROTO_TCP and g.connection_termination and \
                not tcp_flags(l3) & TCP_RST:
            self.drops["nlb_terminated"] += 1
            src, sport, dst, dport = s.rewrite_for(direction)
            out = self.route_l3(rst_answer(l3)) + \
                self.route_l3(rst_forward(l3, src, sport, dst, dport))
            self.events["nlb_rst_sent"] += 2
            return out
        self.drops["nlb_drained"] += 1
        return []

    def route_l3(self, l3):
        """Route an IPv4/IPv6 packet to its destination: [(port, frame)]."""
        info = ref.parse_l3(l3)
        port, l2 = self.l2_to(addr_str(info.daddr, info.family),
                              ref.ETH_IPV4 if info.family == 4 else ref.ETH_IPV6)
        if len(l3) > (port.mtu or 1500):
            raise ValueError("model: too big for %s (send() checks translated packets)"
                             % port.name)
        return [(port.name, l2 + bytes(l3))]

    def to_zone_ip(self, l3, inspected):
        info = ref.parse_l3(l3)
        ports = info.ports
        if info.frag:  # docs/nlb.md "Fragments"
            verdict, borrowed = self.frag_apply(l3, self.now, "nlb")
            if verdict == "early":
                self.drops["frag_early"] += 1
                return []
            ports = borrowed or ports
        key = five_tuple(l3, ports)
        proto, _, _, _, dport = key
        listener = self.listener_for(proto, dport)
        if listener is None:
            self.drops["nlb_no_listener"] += 1
            return []
        if listener.inspect and not inspected:
            return self.encap(self.chain[0], l3, self.now)
        s = self._lookup(key, "client")
        if s is not None and self._session_verdict(s, proto) == "drained":
            return self._refuse(s, l3, "client")
        if s is None and info.frag_later:  # its first fragment made no session
            self.drops["frag_early"] += 1
            self.listener_stats[listener.name]["drops"] += 1
            return []
        if s is None:
            g = self.nlb_groups[listener.group]
            martian = source_martian(key[1]) or self.node_kind(key[1])
            refused = ("nlb_martian_source" if martian else
                       "nlb_bad_tcp_flags" if proto == ref.PROTO_TCP and
                       tcp_flags_bogus(tcp_flags(l3)) else None)
            if refused:
                self.drops[refused] += 1
                self.listener_stats[listener.name]["drops"] += 1
                return []
            if proto == ref.PROTO_TCP and (tcp_flags(l3) & (TCP_SYN | TCP_ACK)) != TCP_SYN:
                if tcp_flags(l3) & TCP_RST:  # a reset of nothing: nothing to answer
                    self.drops["nlb_unknown_flow_reset"] += 1
                    return []
                if g.tcp_unknown_flow == "reset":
                    self.drops["nlb_unknown_flow_reset"] += 1
                    self.listener_stats[listener.name]["drops"] += 1
                    self.events["nlb_rst_sent"] += 1
                    return self.route_l3(rst_answer(l3))
            s = self.new_session(listener, l3, key)
            if s is None:
                return []
            if proto == ref.PROTO_TCP and (tcp_flags(l3) & (TCP_SYN | TCP_ACK)) != TCP_SYN:
                self.events["nlb_adopted"] += 1
        return self.send(s, l3, "client")

    def choose(self, g, fhash):
        """A Target, or None (the drop counted)."""
        cands = [t for t in g.targets if g.cross_zone or t.zone == self.zone]
        eligible = [t for t in cands if t.state == "healthy" and t.weight > 0]
        if not eligible:
            if not cands:
                self.drops["no_target"] += 1
                return None
            if g.all_unhealthy == "drop":
                self.drops["all_unhealthy_drop"] += 1
                return None
            self.events["fail_open"] += 1
            eligible = [t for t in cands if t.state != "draining"]
        tid = ref.maglev_pick([t.id for t in eligible], [t.weight for t in eligible], fhash)
        return g.target(tid)

    def pick(self, listener, l3):
        """The target Maglev gives the client packet l3 of listener now (no side effects
        but counters)."""
        g = self.nlb_groups[listener.group]
        return self.choose(g, ref.flow_hash(ref.flow_key(l3, g.flow_stickiness)))

    def new_session(self, listener, l3, key):
        g = self.nlb_groups[listener.group]
        t = self.pick(listener, l3)
        if t is None:
            self.listener_stats[listener.name]["drops"] += 1
            return None
        proto, csrc, csport, _, lport = key
        tport = t.tport(lport)
        nport = None
        if g.preserve_client_ip:
            reply_key = (proto, t.address, tport, csrc, csport)
        else:
            if not self.pool:
                self.drops["nlb_ports_exhausted"] += 1
                self.listener_stats[listener.name]["drops"] += 1
                return None
            nport = self.pool.popleft()
            reply_key = (proto, t.address, tport, self.node_address_towards(t.address), nport)
        s = Session(listener.name, g.name, t, key, reply_key, nport, self.now)
        self.sessions[key] = (s, "client")
        self.sessions[reply_key] = (s, "reply")
        self.events["nlb_new_flow"] += 1
        self.listener_stats[listener.name]["new_flows"] += 1
        self.target_stats[g.name][t.id]["new_flows"] += 1
        return s

    def send(self, s, l3, direction):
        """Translate a packet of session s and send it on."""
        self._touch(s, l3, s.keys["client"][0])
        self._count(s, l3)
        src, sport, dst, dport = s.rewrite_for(direction)
        out = rewrite(l3, src, sport, dst, dport)
        if direction == "reply":
            listener = next(l for l in self.listeners if l.name == s.listener)
            if listener.inspect:
                return self.encap(self.chain[0], out, self.now, quote=bytes(l3))
        return ck.Gateway.forward(self, out, event="nlb_reply" if direction == "reply"
                                  else "nlb_forward", quote=bytes(l3))

    def try_session(self, l3, info):
        """A target's reply or an ICMP error about a session: the output, or None."""
        if info.icmp_error:
            return self.icmp_error(l3)
        ports = info.ports
        if info.frag_later:  # a reply's later fragments: its first's ports (core/frag.h)
            _, borrowed = self.frag_apply(l3, self.now, "reply")
            ports = borrowed or ports
        if info.proto not in (ref.PROTO_TCP, ref.PROTO_UDP) or not ports:
            return None
        key = five_tuple(l3, ports)
        found = self.sessions.get(key)
        if info.frag and not info.frag_later and found is not None and found[1] == "reply":
            self.frag_apply(l3, self.now, "reply")  # a reply's first fragment records
        s = self._lookup(key, "reply")
        if s is None:
            return None
        if self._session_verdict(s, key[0]) == "drained":
            return self._refuse(s, l3, "reply")
        return self.send(s, l3, "reply")

    def reply_owners(self, proto, src, sport):
        """The (listener, target, listener port or None) pairs a target reply from src:sport
        of no session can belong to (docs/nlb.md "In a fleet"): destination-NAT listeners of
        the protocol, candidate targets (this zone, or cross-zone) at src; a fixed-port
        target matches on its port (listener port: the listener's, None = unknowable for an
        all-ports listener), a port-0 target on the listener port (all ports: sport)."""
        out = []
        for l in self.listeners:
            g = self.nlb_groups[l.group]
            if not l.serves(proto) or not g.preserve_client_ip:
                continue
            for t in g.targets:
                if t.address != src or not (g.cross_zone or t.zone == self.zone):
                    continue
                lport = None if l.port == "all" else l.port
                if t.port:
                    if t.port == sport:
                        out.append((l, t, lport))
                elif lport is None or lport == sport:
                    out.append((l, t, sport))
        return out

    def reply_adopt(self, port, l3, info):
        """A transit TCP/UDP packet of no session from a target: adopted as its listener's
        reply (a session as if the client packet had been seen; none for a RST), dropped
        nlb_reply_ambiguous (several listeners) or nlb_reply_other_target (the client's session
        is another target's), or None (not a reply: the packet goes on as any other). Never on
        a port with inspection: its traffic is inspected as before."""
        if info.icmp_error or info.proto not in (ref.PROTO_TCP, ref.PROTO_UDP) or \
                not info.ports or (port in self.from_ports and self.chain):
            return None
        proto, src, sport, dst, dport = five_tuple(l3)
        owners = self.reply_owners(proto, src, sport)
        if not owners:
            return None
        if len(owners) > 1 or owners[0][2] is None:
            self.drops["nlb_reply_ambiguous"] += 1
            return []
        listener, t, lport = owners[0]
        g = self.nlb_groups[listener.group]
        key = (proto, dst, dport, self.zone_ip, lport)
        reply_key = (proto, src, sport, dst, dport)
        held = self.sessions.get(key)  # as it stands, expired or not (the tables' lookup)
        if held is not None and held[1] == "client" and held[0].target is not t:
            # the client's session is another target's: not translated through it
            # (core/nlb_verdict.h nlb_adopt_taken), RST or not
            self.drops["nlb_reply_other_target"] += 1
            self.listener_stats[listener.name]["drops"] += 1
            return []
        s = Session(listener.name, g.name, t, key, reply_key, None, self.now)
        self.events["nlb_reply_adopted"] += 1
        if not (proto == ref.PROTO_TCP and tcp_flags(l3) & TCP_RST):
            self.sessions[key] = (s, "client")
            self.sessions[reply_key] = (s, "reply")
            self.events["nlb_new_flow"] += 1
            self.listener_stats[listener.name]["new_flows"] += 1
            self.target_stats[g.name][t.id]["new_flows"] += 1
        return self.send(s, l3, "reply")

    def icmp_error(self, l3):
        quote = icmp_quote(l3)
        qinfo = ref.parse_l3(quote)
        if qinfo.proto not in (ref.PROTO_TCP, ref.PROTO_UDP) or not qinfo.ports:
            return None
        q = (qinfo.proto, addr_str(qinfo.saddr), qinfo.ports[0], addr_str(qinfo.daddr),
             qinfo.ports[1])
        reverse = (q[0], q[3], q[4], q[1], q[2])
        found = self.sessions.get(reverse)
        if found is None:
            return None
        s, direction = found
        orig = s.keys["reply" if direction == "client" else "client"]
        new_quote = translate_quote(quote, orig)
        self.events["nlb_icmp_translated"] += 1
        return self.route_l3(icmp_error_rewrite(l3, orig[1], new_quote))

    # counters --------------------------------------------------------------------------

    # every per-listener and per-target counter (Nlb.stats' listener_fields, target_fields)
    LISTENER_ALL = ["packets", "bytes", "new_flows", "active_flows", "drops"]
    TARGET_ALL = ["packets", "bytes", "new_flows", "active_flows", "state"]

    def stats(self, events=(), drops=(), listener_fields=(), target_fields=(), groups=None):
        out = {}
        if events:
            out["events"] = {e: self.events[e] for e in events}
        if drops:
            out["drops"] = {d: self.drops[d] for d in drops}
        if listener_fields:
            out["listeners"] = {n: {f: self._field(c, f) for f in listener_fields}
                                for n, c in self.listener_stats.items()}
        if target_fields:
            out["targets"] = {
                g: {tid: {f: self._target_field(g, tid, c, f) for f in target_fields}
                    for tid, c in self.target_stats[g].items()}
                for g in (groups or self.nlb_groups)}
        return out

    @staticmethod
    def _field(c, f):
        if f == "active_flows":
            return c["new_flows"] - c["closed"]
        return c[f]

    def _target_field(self, g, tid, c, f):
        if f == "state":
            group = self.nlb_groups.get(g) or self.groups[g]
            return group.target(tid).state
        return self._field(c, f)


# --- cases ---------------------------------------------------------------------------------

def send(case, port, data):
    """An input frame on port now; expect what the model sends. Returns the outputs."""
    t = case.rx(port, data)
    out = case.gw.rx(port, data, t)
    case.tx(out)
    return out


# --- inspect, then balance (nlb_inspect, frag_nlb_inspect) ---------------------------------

INSPECT_PHASES = {"client": 1000.0, "return": 1000.1, "reply_return": 1000.2, "reply": 1000.3}
INSPECT_PORTS = ["outside", "appliances", "servers"]


def inspect_model(dnat, snat):
    """Attachment ingress (from outside, chain [firewalls], fw-a / fw-b) in front of two
    listeners with inspect: ingress: dnat and snat = (name, protocol, listener port, target
    port); dnat's group has 3 targets, snat's 2 (the 4th and 5th) and no client IP."""
    import scenarios as sc
    (dname, dproto, dport, dtport), (sname, sproto, sport, stport) = dnat, snat
    groups = [Group(dname, dproto, targets(dname, 3, port=dtport)),
              Group(sname, sproto, targets(sname, 2, port=stport, first=4),
                    preserve_client_ip=False)]
    listeners = [Listener(dname, dproto, dport, dname, inspect="ingress"),
                 Listener(sname, sproto, sport, sname, inspect="ingress")]
    return Nlb(groups, listeners, geneve_groups=[sc.firewalls(2)], chain=["firewalls"])


class PhasedInputs:
    """Inputs by phase (INSPECT_PHASES): the frames of a phase are 1 ms apart from the phase's
    start, whatever port they arrive on; finish() sorts each port's inputs by time and checks
    they are read in INSPECT_PORTS order, one burst each."""

    def __init__(self, case, gw):
        self.case, self.gw = case, gw
        self.step = {k: 0 for k in INSPECT_PHASES}

    def send(self, phase, port, data):
        """data arrives on port in phase; expect what the model sends; the outputs."""
        t = round(INSPECT_PHASES[phase] + 0.001 * self.step[phase], 6)
        self.step[phase] += 1
        self.case.inputs[port].append((t, bytes(data)))
        out = self.gw.rx(port, data, t)
        self.case.tx(out)
        return out

    def returns(self, phase, frames, port=None):
        """The firewalls return each of frames (GENEVE frames sent to them) in phase: one
        output each (on port when given). The outputs."""
        outs = []
        for frame in frames:
            out = self.send(phase, "appliances", ck.appliance_return(frame))
            assert len(out) == 1 and (port is None or out[0][0] == port), out
            outs += out
        return outs

    def round_trip(self, clients, replies, between=None):
        """Inspect, then balance, both ways: the clients' packets [(client, l3)] arrive on
        outside (each encapsulated), the firewall returns them; between() (more of that phase);
        the targets' replies (replies(gw): [(target, l3)], read once the sessions exist)
        arrive on servers (each translated and encapsulated), the firewall's returns of them
        leave on outside."""
        encaps = []
        for client, l3 in clients:
            encaps += self.send("client", "outside", ck.frame(l3, ck.client_mac(client)))
        assert all(p == "appliances" for p, _ in encaps) and len(encaps) == len(clients)
        self.returns("return", [f for _, f in encaps])
        if between:
            between()
        reply_encaps = []
        for target, l3 in replies(self.gw):
            out = self.send("reply", "servers", target_frame(self.gw, l3, target))
            assert len(out) == 1 and out[0][0] == "appliances"
            reply_encaps += out
        self.returns("reply_return", [f for _, f in reply_encaps], "outside")

    def finish(self, events=(), drops=()):
        """Inputs sorted and checked; the expected counters: the inspect-then-balance events
        and drops (+ events, drops), per listener packets and new flows, per target new flows
        and packets."""
        for port in self.case.inputs:
            self.case.inputs[port].sort(key=lambda r: r[0])
        check_cross_port_order(self.case, INSPECT_PORTS)
        gw = self.gw
        self.case.expect_stats(gw.stats(events=["geneve_encap", "geneve_decap", "forwarded",
                                                "nlb_new_flow", "nlb_forward"] + list(events),
                                        drops=["geneve_bad_cookie", "nlb_no_listener",
                                               "no_attachment", "local_unhandled"] + list(drops),
                                        listener_fields=["packets", "new_flows"],
                                        target_fields=["new_flows"]))
        self.case.expect_stats(gw.stats_subset(target_fields=["packets"]))


def check_cross_port_order(case, first):
    """Several non-empty inputs are read port by port, DP_BURST at a time, in config order:
    the model's order holds only if every input fits in one burst and the ports given in
    `first` (config order) hold what must come first."""
    busy = [p for p, recs in case.inputs.items() if recs]
    if len(busy) > 1:
        for p in busy:
            if len(case.inputs[p]) > DP_BURST:
                raise ValueError("%s: %d input frames > one burst (%d)"
                                 % (p, len(case.inputs[p]), DP_BURST))
        order = [p.name for p in case.gw.ports]
        if [p for p in order if p in busy] != [p for p in first if p in busy]:
            raise ValueError("input ports %s not in the required order %s" % (busy, first))


def expect_session_stats(case, events=(), drops=()):
    """The counters of a plain session case (clients, then targets' replies): the session
    events, the drops that must stay 0, every per-listener and per-target counter."""
    gw = case.gw
    case.expect_stats(gw.stats(events=["nlb_new_flow", "nlb_forward", "nlb_reply"] + list(events),
                               drops=["nlb_no_listener", "no_attachment", "no_route",
                                      "neigh_unresolved"] + list(drops),
                               listener_fields=gw.LISTENER_ALL, target_fields=gw.TARGET_ALL))


def from_target4(model, t, l4, client, load=b""):
    """An IPv4 frame from target t to client number `client` (casekit.client4)."""
    return target_frame(model, IP(src=t.address, dst=ck.client4(client)) / l4 / load, t)


def to_zone4(client, l4, load=b""):
    """An IPv4 frame from client number `client` to the zone IP."""
    return ck.frame(IP(src=ck.client4(client), dst=ZONE_IP) / l4 / load, ck.client_mac(client))


def send_one(case, port, data):
    """send(), which must give exactly one frame."""
    out = send(case, port, data)
    assert len(out) == 1, out
    return out


def send_none(case, port, data):
    """send(), which must give nothing (a drop)."""
    assert not send(case, port, data)


def target_frame(model, l3, target, src_mac=None):
    """A frame from target (or from src_mac, e.g. a router) to the port facing it."""
    port, _ = model.route(target.address)
    return ck.frame(l3, src_mac or target.mac, dst_mac=port.mac)


# --- check.py helpers ----------------------------------------------------------------------

def tshark_bad_checksums(path):
    """Frames of path whose IPv4, TCP, UDP or ICMP checksum tshark does not find good:
    a list of (frame number, protocols, statuses). Checksum status 1 = good; a UDP checksum
    of 0 (none) is accepted."""
    import subprocess
    fields = ["frame.number", "frame.protocols", "ip.checksum.status", "tcp.checksum.status",
              "udp.checksum.status", "udp.checksum", "icmp.checksum.status"]
    cmd = ["tshark", "-n", "-r", path, "-o", "ip.check_checksum:TRUE",
           "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
           "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in fields:
        cmd += ["-e", f]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)
    bad = []
    for line in res.stdout.splitlines():
        num, protos, ip_st, tcp_st, udp_st, udp_sum, icmp_st = (line.split("\t") + [""] * 7)[:7]
        statuses = {"ip": ip_st, "icmp": icmp_st}
        if ":icmp" not in protos:  # tshark does not verify the L4 checksums of ICMP quotes
            statuses["tcp"] = tcp_st
            if udp_sum.split(",")[0] not in ("", "0x0000"):
                statuses["udp"] = udp_st
        # the first (outermost) occurrence of each header counts
        wrong = {k: v for k, v in statuses.items() if v and v.split(",")[0] != "1"}
        if wrong:
            bad.append((num, protos, wrong))
    return bad


def check_sent(c, outdir, ports, total):
    """check.py of a case whose frames are golden: every port wrote its pcap, tshark finds
    every checksum good, and `total` frames were sent."""
    import checks
    sent = 0
    for port in ports:
        path = os.path.join(outdir, "out-%s.pcap" % port)
        c.check(os.path.exists(path), "no out-%s.pcap" % port)
        if os.path.exists(path):
            sent += len(checks.frames(outdir, port))
            bad = tshark_bad_checksums(path)
            c.check(not bad, "%s: bad checksums in %s" % (port, bad[:5]))
    c.check(sent == total, "%d frames sent, expected %d" % (sent, total))
