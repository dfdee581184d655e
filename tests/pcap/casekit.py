# SPDX-License-Identifier: BSD-3-Clause
"""Building blocks for the pcaps/<case>/gen.py scripts.

- the standard topology (ports, router, clients, servers, appliances, secret, IDs),
- frame builders (scapy for the inner packets, so their checksums are right),
- Gateway: a model of sluice-dp's documented behaviour (docs/dataplane.md) on top of
  sluice_ref, which turns input frames into the exact expected output frames,
- Case: collects inputs, expectations and settings and writes the case files.

Everything is deterministic: fixed timestamps, no randomness without a fixed seed.
"""

import ipaddress
import json
import os
import struct
import sys
from collections import Counter

from scapy.all import (ARP, ICMP, IP, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptSrcLLAddr, ICMPv6PacketTooBig, Ether, IPv6)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pylib import pcapio  # noqa: E402
import sluice_ref as ref

# --- topology ------------------------------------------------------------------------------

OUTSIDE_MAC = "02:00:00:00:00:01"
APPL_MAC = "02:00:00:00:00:02"
NODE4 = "10.0.1.10"
NODE6 = "2001:db8:a::10"
NODE_APPL = "192.168.50.1"
ROUTER4 = "10.0.1.1"
ROUTER6 = "2001:db8:a::1"
ROUTER_MAC = "02:00:00:00:01:01"
BROADCAST = "ff:ff:ff:ff:ff:ff"
SECRET_HEX = "5a1c3e0f9b7d24681357acefbdf02468"
SECRET = bytes.fromhex(SECRET_HEX)
ENDPOINT_ID = 0x0A0B0C0D01020304
ATTACHMENT_ID = 0x1122334455667788
START = 1000.0
STEP = 0.001


class Hex(int):
    """An integer written to YAML in hex (IDs)."""


def client4(i):
    return "10.0.1.%d" % (100 + i)


def client6(i):
    return "2001:db8:a::%d" % (100 + i)


def client_mac(i):
    return "02:00:00:00:10:%02x" % i


def server4(i):
    return "198.51.100.%d" % i


def server6(i):
    return "2001:db8:ff::%x" % i


def appliance_mac(address):
    return "02:00:00:00:50:%s" % address.split(".")[-1][-2:].zfill(2)


# --- frame builders ------------------------------------------------------------------------

def frame(l3, src_mac, dst_mac=OUTSIDE_MAC, pad_to=0):
    """Ethernet frame bytes around a scapy L3 packet (or raw bytes), optionally padded."""
    l3_bytes = bytes(l3)
    ethertype = ref.ETH_IPV4 if l3_bytes[0] >> 4 == 4 else ref.ETH_IPV6
    data = ref.ether(dst_mac, src_mac, ethertype) + l3_bytes
    return data + bytes(max(0, pad_to - len(data)))


def l3_of(data):
    """The L3 packet of an Ethernet frame: VLAN tags and trailing padding removed."""
    off, ethertype = 12, struct.unpack("!H", data[12:14])[0]
    while ethertype in (0x8100, 0x88A8):
        off += 4
        ethertype = struct.unpack("!H", data[off:off + 2])[0]
    l3 = data[off + 2:]
    if ethertype == ref.ETH_IPV4:
        return l3[:struct.unpack("!H", l3[2:4])[0]]
    return l3[:40 + struct.unpack("!H", l3[4:6])[0]]


def src_mac_of(data):
    return ":".join("%02x" % b for b in data[6:12])


# --- the model -----------------------------------------------------------------------------

class Port:
    def __init__(self, name, mac, addresses, mtu=None):
        self.name = name
        self.mac = mac
        self.addresses = addresses  # "addr/plen" strings, first of each family is the source
        self.mtu = mtu

    def networks(self):
        return [ipaddress.ip_interface(a).network for a in self.addresses]

    def first_address(self, family):
        for a in self.addresses:
            if ipaddress.ip_interface(a).version == family:
                return str(ipaddress.ip_interface(a).ip)
        return None

    def config(self):
        conf = {"name": self.name,
                "device": "net_pcap_%s,rx_pcap=@IN@/in-%s.pcap,tx_pcap=@OUT@/out-%s.pcap"
                          % (self.name, self.name, self.name),
                "mac": self.mac,
                "addresses": list(self.addresses)}
        if self.mtu is not None:
            conf["mtu"] = self.mtu
        return conf


def outside_port(mtu=None):
    return Port("outside", OUTSIDE_MAC, [NODE4 + "/24", NODE6 + "/64"], mtu)


def appliances_port(mtu=None):
    return Port("appliances", APPL_MAC, [NODE_APPL + "/24"], mtu)


class Target:
    def __init__(self, tid, address, zone="az1", weight=1, state="healthy", static=True):
        self.id = tid
        self.address = address
        self.zone = zone
        self.weight = weight
        self.state = state
        self.static = static  # in the config's neighbors
        self.mac = appliance_mac(address)
        self.drain_start = None

    def config(self):
        conf = {"id": self.id, "address": self.address, "zone": self.zone}
        if self.weight != 1:
            conf["weight"] = self.weight
        if self.state != "healthy":
            conf["state"] = self.state
        return conf


def targets(prefix, first_octet, count, subnet="192.168.50", **kwargs):
    """count targets named PREFIX-a, -b, ... at SUBNET.first_octet, first_octet+1, ..."""
    return [Target("%s-%s" % (prefix, chr(ord("a") + i)), "%s.%d" % (subnet, first_octet + i),
                   **kwargs) for i in range(count)]


class Group:
    DEFAULTS = {"all_unhealthy": "all_targets", "tcp_idle_timeout": 350,
                "other_idle_timeout": 120, "geneve_udp_checksum": "verify"}

    def __init__(self, name, members, stickiness=ref.STICK_5, cross_zone=False,
                 failover="no_rebalance", deregistration_delay=300, **extra):
        self.name = name
        self.targets = members
        self.stickiness = stickiness
        self.cross_zone = cross_zone
        self.failover = failover
        self.deregistration_delay = deregistration_delay
        self.settings = dict(self.DEFAULTS, **extra)

    def target(self, tid):
        return next(t for t in self.targets if t.id == tid)

    def timeout(self, proto):
        key = "tcp_idle_timeout" if proto == ref.PROTO_TCP else "other_idle_timeout"
        return self.settings[key]

    def config(self):
        conf = {"name": self.name, "protocol": "geneve", "stickiness": self.stickiness,
                "cross_zone": self.cross_zone, "target_failover": self.failover,
                "deregistration_delay": self.deregistration_delay}
        for key, value in self.settings.items():
            if value != self.DEFAULTS[key]:
                conf[key] = value
        conf["targets"] = [t.config() for t in self.targets]
        return conf


class FlowEntry:
    def __init__(self, target, now):
        self.target = target
        self.last = now


class Gateway:
    """sluice-dp's documented per-packet behaviour, for computing expectations."""

    def __init__(self, groups, chain, ports=None, zone="az1", ttl=None, routes=None,
                 neighbors=None, from_ports=("outside",), geneve_address=None):
        self.groups = {g.name: g for g in groups}
        self.chain = list(chain)
        self.ports = ports or [outside_port(), appliances_port()]
        self.zone = zone
        self.ttl = ttl
        self.geneve_address = geneve_address
        self.from_ports = list(from_ports)
        self.zone_ip = {"az1": NODE4, "az2": "10.0.2.10"}.get(zone)  # config(): zones
        self.routes = routes if routes is not None else [("0.0.0.0/0", ROUTER4),
                                                         ("::/0", ROUTER6)]
        self.neighbors = dict(neighbors) if neighbors is not None else default_neighbors()
        for g in groups:
            for t in g.targets:
                if t.static:
                    self.neighbors[t.address] = t.mac
        self.learned = {}  # neighbours learned from ARP (not in the config)
        self.flows = {}
        # the fragment table (core/frag.h): key -> (ports or None, ms written)
        self.frags = {}
        self.fragment_table_size = None  # None: the default, and not in the config
        self.fragment_timeout_ms = None
        self.events = Counter()
        self.drops = Counter()
        self.target_stats = {g.name: {t.id: Counter() for t in g.targets} for g in groups}

    # configuration ---------------------------------------------------------------------

    def config(self):
        node = {"zone": self.zone, "cookie_secret": SECRET_HEX}
        if self.ttl is not None:
            node["ttl"] = self.ttl
        if self.geneve_address is not None:
            node["geneve_address"] = self.geneve_address
        if self.fragment_table_size is not None:
            node["fragment_table_size"] = self.fragment_table_size
        if self.fragment_timeout_ms is not None:
            node["fragment_timeout_ms"] = self.fragment_timeout_ms
        return {
            "node": node,
            "zones": {"az1": NODE4, "az2": "10.0.2.10"},
            "ports": [p.config() for p in self.ports],
            "routes": [{"prefix": p, "via": v} for p, v in self.routes],
            "neighbors": [{"address": a, "mac": m} for a, m in self.neighbors.items()],
            "target_groups": [g.config() for g in self.groups.values()],
            "inspection": [{"name": "ingress", "endpoint_id": Hex(ENDPOINT_ID),
                            "attachment_id": Hex(ATTACHMENT_ID),
                            "from": self.from_ports[0] if len(self.from_ports) == 1
                            else self.from_ports,
                            "chain": self.chain}],
        }

    def port(self, name):
        return next(p for p in self.ports if p.name == name)

    # routing ---------------------------------------------------------------------------

    def route(self, address):
        """(egress Port, next hop address) by longest prefix: connected, then routes."""
        addr = ipaddress.ip_address(address)
        best = None  # (prefix length, port, next hop)
        for p in self.ports:
            for net in p.networks():
                if addr in net and (best is None or net.prefixlen > best[0]):
                    best = (net.prefixlen, p, address)
        for prefix, via in self.routes:
            net = ipaddress.ip_network(prefix)
            if addr in net and (best is None or net.prefixlen > best[0]):
                best = (net.prefixlen, self.route(via)[0], via)
        if best is None:
            raise ValueError("no route to %s" % address)
        return best[1], best[2]

    def neighbor(self, address):
        return self.neighbors.get(address) or self.learned[address]

    def node_kind(self, address):
        """What the node's tables say of address: 'own' (a port's address, the zone IP when
        a port's subnet holds it), 'edge' (a port's IPv4 subnet's network or broadcast
        address, prefixes up to /30) or None."""
        addr = ipaddress.ip_address(address)
        own = [ipaddress.ip_interface(a) for p in self.ports for a in p.addresses]
        if any(addr == i.ip for i in own):
            return "own"
        if self.zone_ip and addr == ipaddress.ip_address(self.zone_ip) and \
                any(addr in i.network for i in own):
            return "own"
        if any(i.version == 4 and i.network.prefixlen <= 30 and
               addr in (i.network.network_address, i.network.broadcast_address) for i in own):
            return "edge"
        return None

    def dst_martian(self, address):
        """docs/dataplane.md "Martian destinations": a destination sluice never forwards,
        inspects or resolves: node_kind's, 0/8, 127/8, 224/4, 240/4, 169.254/16; ::, ::1,
        ff00::/8, fe80::/10."""
        addr = ipaddress.ip_address(address)
        if self.node_kind(address):
            return True
        if addr.version == 4:
            nets = ("0.0.0.0/8", "127.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4", "169.254.0.0/16")
        else:
            nets = ("::/128", "::1/128", "ff00::/8", "fe80::/10")
        return any(addr in ipaddress.ip_network(n) for n in nets)

    def l2_to(self, address, ethertype):
        port, nexthop = self.route(address)
        return port, ref.ether(self.neighbor(nexthop), port.mac, ethertype)

    # target choice ---------------------------------------------------------------------

    def set_state(self, group, tid, state, now):
        t = self.groups[group].target(tid)
        t.state = state
        t.drain_start = now if state == "draining" else None

    def _candidates(self, g):
        return [t for t in g.targets if g.cross_zone or t.zone == self.zone]

    def _maglev(self, members, fhash):
        ids = [t.id for t in members]
        return ref.maglev_pick(ids, [t.weight for t in members], fhash)

    def _new_choice(self, g, fhash):
        """A target id, or 'drop' / 'bypass' / 'none' (no candidates)."""
        cands = self._candidates(g)
        eligible = [t for t in cands if t.state == "healthy" and t.weight > 0]
        if eligible:
            return self._maglev(eligible, fhash)
        if not cands:
            self.drops["no_target"] += 1
            return "none"
        policy = g.settings["all_unhealthy"]
        if policy == "drop":
            self.drops["all_unhealthy_drop"] += 1
            return "drop"
        if policy == "bypass":  # counted "bypass" when forwarded (it may be too big)
            return "bypass"
        self.events["fail_open"] += 1
        return self._maglev([t for t in cands if t.state != "draining"], fhash)

    def _entry_valid(self, g, entry, proto, now):
        t = g.target(entry.target)
        if now - entry.last > g.timeout(proto):
            self.events["flow_expired"] += 1
            return False
        moved = (t.state == "draining" and now - t.drain_start >= g.deregistration_delay) or \
                (t.state == "unhealthy" and g.failover == "rebalance")
        if moved:
            self.events["flow_rebalanced"] += 1
        return not moved

    def select(self, g, key, proto, now):
        entry = self.flows.get((g.name, key))
        if entry is not None and self._entry_valid(g, entry, proto, now):
            entry.last = now
            return entry.target
        self.flows.pop((g.name, key), None)
        choice = self._new_choice(g, ref.flow_hash(key))
        if choice not in ("drop", "bypass", "none"):
            self.flows[(g.name, key)] = FlowEntry(choice, now)
            self.events["flow_new"] += 1
            self.target_stats[g.name][choice]["new_flows"] += 1
        return choice

    # fragments (core/frag.h, docs/dataplane.md "Fragments") -----------------------------

    def frag_apply(self, l3, now, mode):
        """frag_decide with the table for packet l3 in mode "steer" | "nlb" | "reply":
        (verdict, ports) with ports None = the packet's own, False = none, or the (sport,
        dport) its first fragment recorded; verdict "none" | "record" | "follow" | "early"."""
        info = ref.parse_l3(l3)
        if not ref.frag_tracked(info):
            return "none", None
        timeout = self.fragment_timeout_ms or 5000
        size = self.fragment_table_size or 65536
        now_ms = int(round(now * 1e6)) // 1000
        key = ref.frag_key(info)
        entry = self.frags.get(key)
        live = entry is not None and (now_ms - entry[1]) < timeout
        write = None
        if not info.frag_later:
            if live and entry[0] is None:
                return ("follow", False) if mode == "steer" else ("none", None)
            if live and entry[0] == info.ports:
                return "none", None
            write = info.ports
        else:
            if live and entry[0] is not None:
                return "follow", entry[0]
            if mode == "nlb":
                return "early", None
            if live or mode == "reply":
                return "none", None
        if entry is None and len(self.frags) >= size:  # never swept in a replay
            self.events["frag_table_full"] += 1
        else:
            self.frags[key] = (write, now_ms)
            self.events["frag_tracked"] += 1
        return "record", None

    # packets ---------------------------------------------------------------------------

    def encap(self, group, inner, now, quote=None):
        """Send inner (L3 bytes) to group: list of (port name, frame). Steered by the flow
        key its datagram's first fragment decides; the cookie from the packet's own key.
        quote: inner as it arrived, when it was translated (an NLB reply): too big for the
        appliance's port, it gets too_big's routed answer (a packet from a port is answered
        by hand: pmtu)."""
        g = self.groups[group]
        _, ports = self.frag_apply(inner, now, "steer")
        key = ref.flow_key(inner, g.stickiness, ports)
        choice = self.select(g, key, ref.flow_info(inner).proto, now)
        if choice == "bypass":
            return self.forward(inner, event="bypass", quote=quote)
        if choice in ("drop", "none"):
            return []
        mtu = self.route(g.target(choice).address)[0].mtu or 1500
        if quote is not None and len(inner) + ref.GWLB_OVERHEAD > mtu:
            return self.too_big(quote, mtu - ref.GWLB_OVERHEAD)
        return [self._encap_frame(g, g.target(choice), key, inner,
                                  ref.flow_key(inner, g.stickiness))]

    def _encap_frame(self, g, t, key, inner, cookie_key=None):
        port, nexthop = self.route(t.address)
        if len(inner) + ref.GWLB_OVERHEAD > (port.mtu or 1500):
            raise ValueError("model: packet too big for an encapsulation (build ICMP by hand)")
        cookie = ref.cookie(SECRET, cookie_key or key, t.address, ENDPOINT_ID)
        outer_src = self.geneve_address or port.first_address(4)
        data = ref.encap_frame(inner, port.mac, self.neighbor(nexthop), outer_src,
                               t.address, self.ttl or 64, ref.geneve_sport(ref.flow_hash(key)),
                               ENDPOINT_ID, ATTACHMENT_ID, cookie)
        self.events["geneve_encap"] += 1
        self.target_stats[g.name][t.id]["packets"] += 1
        self.target_stats[g.name][t.id]["bytes"] += len(inner)
        return port.name, data

    def forward(self, inner, count=True, event="forwarded", quote=None):
        """Route inner to its destination (counted `event` if count); too big for the egress
        port: too_big's answer instead (quoting `quote`, the packet as it arrived, if given)."""
        dst = ref.parse_l3(inner)
        address = ipaddress.ip_address(dst.daddr[:4] if dst.family == 4 else dst.daddr)
        port, l2 = self.l2_to(str(address), ref.inner_proto(inner))
        if len(inner) > (port.mtu or 1500):
            return self.too_big(quote or inner, port.mtu or 1500)
        if count:
            self.events[event] += 1
        return [(port.name, l2 + inner)]

    def too_big(self, l3, mtu):
        """A forwarded packet l3 does not fit its egress port (docs/dataplane.md "MTU"): IPv4
        without DF dropped mtu_exceeded_no_df; else dropped mtu_exceeded and answered with
        fragmentation-needed / packet-too-big (MTU mtu), routed to l3's source from the first
        address of the port the route names, quoting up to 576 / 1280 bytes in all."""
        info = ref.parse_l3(l3)
        if info.icmp_error:
            raise ValueError("model: an ICMP error too big (build the case by hand)")
        if info.family == 4 and not l3[6] & 0x40:
            self.drops["mtu_exceeded_no_df"] += 1
            return []
        self.drops["mtu_exceeded"] += 1
        src = str(ipaddress.ip_address(info.saddr[:4] if info.family == 4 else info.saddr))
        port, nexthop = self.route(src)
        if info.family == 4:
            icmp = IP(src=port.first_address(4), dst=src, ttl=64, id=0, flags=0) / ICMP(
                type=3, code=4, nexthopmtu=mtu) / l3[:576 - 28]
            self.events["icmp_frag_needed"] += 1
        else:
            icmp = IPv6(src=port.first_address(6), dst=src, hlim=64) / ICMPv6PacketTooBig(
                mtu=mtu) / l3[:1280 - 48]
            self.events["icmp6_packet_too_big"] += 1
        return [(port.name, frame(icmp, port.mac, dst_mac=self.neighbor(nexthop)))]

    def transit(self, data, now):
        """A transit frame arriving on an attachment's port (a martian destination is
        dropped before inspection)."""
        inner = l3_of(data)
        if self.dst_martian(self._daddr(inner)):
            self.drops["martian_destination"] += 1
            return []
        return self.encap(self.chain[0], inner, now)

    @staticmethod
    def _daddr(inner):
        dst = ref.parse_l3(inner)
        return str(ipaddress.ip_address(dst.daddr[:4] if dst.family == 4 else dst.daddr))

    def geneve_return(self, data, now):
        """A valid GENEVE return from an appliance: next group, or forwarded; an inner
        packet to a martian destination is dropped after geneve_decap (not one to the zone
        IP, which goes on to the next group or the load balancer)."""
        outer_src = ".".join(str(b) for b in data[26:30])
        geneve = 14 + (data[14] & 0x0F) * 4 + 8
        inner = data[geneve + 8 + (data[geneve] & 0x3F) * 4:]
        stage = next(i for i, name in enumerate(self.chain)
                     if any(t.address == outer_src for t in self.groups[name].targets))
        self.events["geneve_decap"] += 1
        group = self.groups[self.chain[stage]]
        source = next(t for t in group.targets if t.address == outer_src)
        self.target_stats[group.name][source.id]["returns"] += 1  # geneve groups only
        if self._daddr(inner) != self.zone_ip and self.dst_martian(self._daddr(inner)):
            self.drops["martian_destination"] += 1
            return []
        if stage + 1 < len(self.chain):
            return self.encap(self.chain[stage + 1], inner, now)
        return self.forward(inner)

    def stats_subset(self, events=(), drops=(), target_fields=()):
        out = {}
        if events:
            out["events"] = {e: self.events[e] for e in events}
        if drops:
            out["drops"] = {d: self.drops[d] for d in drops}
        if target_fields:
            out["targets"] = {g: {t: {f: c[f] for f in target_fields} for t, c in ts.items()}
                              for g, ts in self.target_stats.items()}
        return out


def default_neighbors(clients=range(1, 5)):
    neigh = {ROUTER4: ROUTER_MAC, ROUTER6: ROUTER_MAC}
    for i in clients:
        neigh[client4(i)] = client_mac(i)
        neigh[client6(i)] = client_mac(i)
    return neigh


def appliance_return(encap, with_checksum=False, ident=0):
    """What an appliance sends back for an encapsulated frame: outer IPs and MACs swapped,
    UDP ports kept (destination 6081), GENEVE header, options and inner packet unchanged."""
    src_mac = ":".join("%02x" % b for b in encap[0:6])
    dst_mac = ":".join("%02x" % b for b in encap[6:12])
    outer_src = ".".join(str(b) for b in encap[26:30])
    outer_dst = ".".join(str(b) for b in encap[30:34])
    sport = struct.unpack("!H", encap[34:36])[0]
    return ref.udp4_frame(src_mac, dst_mac, outer_dst, outer_src, sport, ref.GENEVE_PORT,
                          encap[42:], ident=ident, with_checksum=with_checksum)


# --- YAML ----------------------------------------------------------------------------------

def _scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Hex):
        return "0x%016x" % value
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value))


def _flow(value):
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join("%s: %s" % (k, _flow(v)) for k, v in value.items()) + " }"
    return _scalar(value)


def _is_simple(value):
    """A scalar, or a collection of scalars (written in flow style)."""
    if not isinstance(value, (list, dict)):
        return True
    items = value.values() if isinstance(value, dict) else value
    return all(not isinstance(v, (list, dict)) for v in items)


def to_yaml(value, indent=0):
    """Block YAML; innermost collections in flow style, strings always double-quoted."""
    pad = " " * indent
    lines = []
    if isinstance(value, dict):
        for k, v in value.items():
            if _is_simple(v):
                lines.append("%s%s: %s" % (pad, k, _flow(v)))
            else:
                lines.append("%s%s:" % (pad, k))
                lines.append(to_yaml(v, indent + 2))
    else:
        for v in value:
            if _is_simple(v) and not isinstance(v, dict):
                lines.append("%s- %s" % (pad, _flow(v)))
            else:
                body = to_yaml(v, indent + 2)
                lines.append(pad + "- " + body[indent + 2:])
    return "\n".join(lines)


# --- the case ------------------------------------------------------------------------------

class Case:
    """Inputs, expectations and settings of one pcaps/<case>; write() saves them."""

    def __init__(self, gateway, title):
        self.gw = gateway
        self.title = title
        self.config = to_yaml(gateway.config())  # before events change the model's states
        self.now = START
        self.inputs = {p.name: [] for p in gateway.ports}
        self.expected = {p.name: [] for p in gateway.ports}
        self.event_lines = []
        self.expect = {}
        self.meta = {}

    def tick(self):
        t = self.now
        self.now = round(self.now + STEP, 6)
        return t

    def at(self, t):
        if t < self.now - 1e-9:
            raise ValueError("time goes backwards: %s < %s" % (t, self.now))
        self.now = t

    def rx(self, port, data):
        """An input frame on port at the current time; returns its time."""
        t = self.tick()
        self.inputs[port].append((t, bytes(data)))
        return t

    def tx(self, outputs):
        """Expected output frames: a list of (port, frame), e.g. from the Gateway model."""
        for port, data in outputs:
            self.expected[port].append(bytes(data))

    def transit(self, data, port="outside"):
        """Send a transit frame and expect what the model says."""
        t = self.rx(port, data)
        out = self.gw.transit(data, t)
        self.tx(out)
        return out

    def event(self, t, group, tid, state):
        """A target state change at t (applied to the model now: call it in time order)."""
        self.event_lines.append("%s %s %s %s" % (_fmt_time(t), group, tid, state))
        self.at(t)
        self.gw.set_state(group, tid, state, t)

    def expect_stats(self, stats):
        for section, values in stats.items():
            _merge(self.expect.setdefault(section, {}), values)

    def _port_stats(self):
        unchecked = set(self.meta.get("unchecked_ports", []))
        out = {}
        for p in self.gw.ports:
            rx = self.inputs[p.name]
            st = {"rx_packets": len(rx), "rx_bytes": sum(len(d) for _, d in rx)}
            if p.name not in unchecked:
                tx = self.expected[p.name]
                st.update(tx_packets=len(tx), tx_bytes=sum(len(d) for d in tx))
            out[p.name] = st
        return out

    def write(self, outdir):
        os.makedirs(outdir, exist_ok=True)
        _write_text(os.path.join(outdir, "config.yaml"),
                    "# %s\n# Generated by gen.py: do not edit.\n%s\n"
                    % (self.title, self.config))
        for port, records in self.inputs.items():
            pcapio.write_pcap(os.path.join(outdir, "in-%s.pcap" % port), records)
        for port, frames in self.expected.items():
            if frames:
                pcapio.write_pcap(os.path.join(outdir, "expected-%s.pcap" % port),
                                  [(START + i * STEP, f) for i, f in enumerate(frames)])
        if self.event_lines:
            _write_text(os.path.join(outdir, "events.txt"),
                        "# TIME GROUP TARGET STATE (generated by gen.py)\n"
                        + "\n".join(self.event_lines) + "\n")
        self.expect_stats({"ports": self._port_stats()})
        _write_json(os.path.join(outdir, "expect.json"), self.expect)
        if self.meta:
            _write_json(os.path.join(outdir, "case.json"), self.meta)


def _fmt_time(t):
    return ("%.6f" % t).rstrip("0").rstrip(".")


def _merge(dst, src):
    for k, v in src.items():
        if isinstance(v, dict):
            _merge(dst.setdefault(k, {}), v)
        else:
            dst[k] = v


def _write_text(path, text):
    with open(path, "w") as f:
        f.write(text)


def _write_json(path, obj):
    _write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


# --- ARP -----------------------------------------------------------------------------------

def arp_request(sender_mac, sender_ip, target_ip, pad_to=60):
    """A broadcast who-has as a host sends it (padded to the Ethernet minimum on the wire)."""
    return frame_raw(Ether(src=sender_mac, dst=BROADCAST) / ARP(
        op=1, hwsrc=sender_mac, psrc=sender_ip, hwdst="00:00:00:00:00:00", pdst=target_ip),
        pad_to)


def arp_reply(sender_mac, sender_ip, target_mac, target_ip, pad_to=0):
    return frame_raw(Ether(src=sender_mac, dst=target_mac) / ARP(
        op=2, hwsrc=sender_mac, psrc=sender_ip, hwdst=target_mac, pdst=target_ip), pad_to)


def frame_raw(pkt, pad_to=0):
    data = bytes(pkt)
    return data + bytes(max(0, pad_to - len(data)))


# --- IPv6 neighbour discovery --------------------------------------------------------------

def solicited_node(address):
    """(solicited-node multicast address, its MAC) of an IPv6 address."""
    low = ipaddress.IPv6Address(address).packed[13:]
    group = ipaddress.IPv6Address(bytes.fromhex("ff02" + "00" * 9 + "01ff") + low)
    return str(group), "33:33:ff:" + ":".join("%02x" % b for b in low)


def nd_solicit(src_mac, src, target, hlim=255, dst=None, dst_mac=None):
    """A neighbour solicitation for target (to its solicited-node group unless dst given);
    from :: (duplicate address detection) it carries no source link-layer option."""
    group, group_mac = solicited_node(target)
    ns = ICMPv6ND_NS(tgt=target)
    if src != "::":
        ns = ns / ICMPv6NDOptSrcLLAddr(lladdr=src_mac)
    return bytes(Ether(src=src_mac, dst=dst_mac or group_mac) / IPv6(
        src=src, dst=dst or group, hlim=hlim) / ns)


def nd_advert(src_mac, dst_mac, src, dst, target, solicited=True, router=False):
    """A neighbour advertisement with the target link-layer option (override set)."""
    na = ICMPv6ND_NA(R=int(router), S=int(solicited), O=1, tgt=target)
    return bytes(Ether(src=src_mac, dst=dst_mac) / IPv6(src=src, dst=dst, hlim=255) / na /
                 ICMPv6NDOptDstLLAddr(lladdr=src_mac))


# --- entry point ---------------------------------------------------------------------------

def case_gen(here, case):
    """The gen.py of another case (pcaps/<case>/gen.py, beside `here`) as a module: a case that
    is a variant of another builds from it."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "%s_gen" % case, os.path.join(here, "..", case, "gen.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(build):
    """gen.py entry point: build() returns a Case; written to argv[1] or the script's dir."""
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(
        sys.modules["__main__"].__file__))
    build().write(outdir)
