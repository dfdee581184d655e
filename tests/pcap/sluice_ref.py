# SPDX-License-Identifier: BSD-3-Clause
"""Independent Python reference of the sluice wire format.

Written from shared/DESIGN.md and the contracts in dataplane/core/*.h, not from the C code, so
the golden pcaps compare two implementations. Pure standard library (no numpy, no scapy).

- siphash24(key, msg): SipHash-2-4, 64-bit result.
- flow_key(l3, stickiness): the 40 bytes of struct flow_key for an IPv4/IPv6 packet.
- flow_hash / cookie / geneve_sport: the hashes of flow.h, cookie.h, geneve.h.
- maglev_table / maglev_pick: weighted Maglev exactly as maglev.h's build.
- gwlb_geneve / encap_frame: the byte-exact GENEVE frame sluice sends to an appliance.
"""

import ipaddress
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pylib.csum import csum as inet_checksum  # noqa: E402,F401

MASK64 = (1 << 64) - 1
FLOW_HASH_KEY = b"sluice-flowhash!"
MAGLEV_KEY = b"sluice-maglev-v1"
MAGLEV_DEFAULT_SIZE = 65537
GENEVE_PORT = 6081
GENEVE_SPORT_BASE = 49152
GWLB_CLASS = 0x0108
GWLB_OVERHEAD = 68
ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD
STICK_5, STICK_3, STICK_2 = "5-tuple", "3-tuple", "2-tuple"

PROTO_ICMP, PROTO_TCP, PROTO_UDP, PROTO_ICMP6 = 1, 6, 17, 58
ICMP4_ECHO = (0, 8)
ICMP6_ECHO = (128, 129)
ICMP4_ERRORS = (3, 4, 5, 11, 12)
ICMP6_ERRORS = (1, 2, 3, 4)
IPV6_EXT = (0, 43, 44, 51, 60)


# --- SipHash-2-4 ---------------------------------------------------------------------------

def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & MASK64


def _sipround(v0, v1, v2, v3):
    v0 = (v0 + v1) & MASK64
    v1 = _rotl(v1, 13) ^ v0
    v0 = _rotl(v0, 32)
    v2 = (v2 + v3) & MASK64
    v3 = _rotl(v3, 16) ^ v2
    v0 = (v0 + v3) & MASK64
    v3 = _rotl(v3, 21) ^ v0
    v2 = (v2 + v1) & MASK64
    v1 = _rotl(v1, 17) ^ v2
    v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def siphash24(key, msg):
    """SipHash-2-4 of msg under a 16-byte key; returns the 64-bit integer result."""
    if len(key) != 16:
        raise ValueError("siphash key must be 16 bytes")
    k0, k1 = struct.unpack("<QQ", key)
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]
    tail = len(msg) % 8
    last = (len(msg) & 0xFF) << 56 | int.from_bytes(msg[len(msg) - tail:], "little")
    words = list(struct.unpack("<%dQ" % (len(msg) // 8), msg[:len(msg) - tail]))
    for m in words + [last]:
        v[3] ^= m
        v = list(_sipround(*_sipround(*v)))
        v[0] ^= m
    v[2] ^= 0xFF
    for _ in range(4):
        v = list(_sipround(*v))
    return v[0] ^ v[1] ^ v[2] ^ v[3]


# --- packet parsing (just enough for flow keys) --------------------------------------------

class L3Info:
    """What a flow key needs from an IP packet."""

    def __init__(self, family, proto, saddr, daddr):
        self.family = family
        self.proto = proto
        self.saddr = saddr  # 16 bytes, IPv4 in the first 4
        self.daddr = daddr
        self.ports = None   # (sport, dport) when an L4 header with ports is present
        self.icmp_error = False
        self.l4 = b""       # bytes from the L4 header on
        self.frag = False   # a fragment (IPv4 MF or offset; any IPv6 fragment header)
        self.frag_later = False  # a non-first fragment: no L4 header
        self.frag_id = 0    # IPv4 identification / IPv6 fragment identification


def _pad16(addr):
    return addr + bytes(16 - len(addr))


def _parse_ipv4(l3):
    if len(l3) < 20 or l3[0] >> 4 != 4 or (l3[0] & 0x0F) < 5:
        raise ValueError("bad IPv4 header")
    ihl = (l3[0] & 0x0F) * 4
    info = L3Info(4, l3[9], _pad16(l3[12:16]), _pad16(l3[16:20]))
    flags = struct.unpack("!H", l3[6:8])[0]
    frag_off = flags & 0x1FFF
    if flags & 0x3FFF:
        info.frag, info.frag_later = True, frag_off != 0
        info.frag_id = struct.unpack("!H", l3[4:6])[0]
    if frag_off == 0:
        info.l4 = l3[ihl:]
    return info


def _parse_ipv6(l3):
    if len(l3) < 40 or l3[0] >> 4 != 6:
        raise ValueError("bad IPv6 header")
    nxt, off = l3[6], 40
    first_fragment = True
    frag_id = None
    for _ in range(8):
        if nxt not in IPV6_EXT:
            break
        if nxt == 44:
            first_fragment = struct.unpack("!H", l3[off + 2:off + 4])[0] >> 3 == 0
            frag_id = struct.unpack("!I", l3[off + 4:off + 8])[0]
            length = 8
        elif nxt == 51:
            length = (l3[off + 1] + 2) * 4
        else:
            length = (l3[off + 1] + 1) * 8
        nxt, off = l3[off], off + length
    info = L3Info(6, nxt, l3[8:24], l3[24:40])
    if frag_id is not None:
        info.frag, info.frag_later, info.frag_id = True, not first_fragment, frag_id
    if first_fragment:
        info.l4 = l3[off:]
    return info


def _fill_l4(info):
    l4, proto = info.l4, info.proto
    if proto in (PROTO_TCP, PROTO_UDP) and len(l4) >= 4:
        info.ports = struct.unpack("!HH", l4[:4])
    elif proto in (PROTO_ICMP, PROTO_ICMP6) and len(l4) >= 8:
        echo = ICMP4_ECHO if proto == PROTO_ICMP else ICMP6_ECHO
        errors = ICMP4_ERRORS if proto == PROTO_ICMP else ICMP6_ERRORS
        if l4[0] in echo:
            ident = struct.unpack("!H", l4[4:6])[0]
            info.ports = (ident, ident)
        elif l4[0] in errors:
            info.icmp_error = True
    return info


def parse_l3(l3):
    """Parse an IPv4/IPv6 packet (no Ethernet header) into an L3Info."""
    version = l3[0] >> 4 if l3 else 0
    if version == 4:
        return _fill_l4(_parse_ipv4(l3))
    if version == 6:
        return _fill_l4(_parse_ipv6(l3))
    raise ValueError("not an IP packet")


def flow_info(l3):
    """The L3Info a flow key is made from: for an ICMP error, the embedded packet's."""
    info = parse_l3(l3)
    if info.icmp_error:
        return parse_l3(info.l4[8:])
    return info


# --- fragments (core/frag.h) --------------------------------------------------------------

def frag_tracked(info):
    """Is info a fragment the fragment table handles: TCP, UDP, ICMP / ICMPv6 of its family,
    not an ICMP error."""
    if not info.frag or info.icmp_error:
        return False
    return info.proto in (PROTO_TCP, PROTO_UDP) or \
        (info.proto == PROTO_ICMP and info.family == 4) or \
        (info.proto == PROTO_ICMP6 and info.family == 6)


def frag_key(info):
    """The fragment table key: the datagram's addresses, protocol and identification."""
    return (info.family, info.saddr, info.daddr, info.proto, info.frag_id)


# --- flow key, hashes, cookie -------------------------------------------------------------

def flow_key(l3, stickiness=STICK_5, ports=None):
    """The 40 bytes of struct flow_key (x86 layout: ports little-endian) for packet l3.
    ports: None = the packet's own; False = none; (sport, dport) = these (a fragment steered
    as its datagram's first fragment decided, core/frag.h)."""
    info = flow_info(l3)
    if ports is None:
        ports = info.ports
    ports = ports if (stickiness == STICK_5 and ports) else (0, 0)
    proto = 0 if stickiness == STICK_2 else info.proto
    ends = sorted([(info.saddr, ports[0]), (info.daddr, ports[1])])
    (a, pa), (b, pb) = ends
    return a + b + struct.pack("<HHBB", pa, pb, proto, info.family) + b"\0\0"


def flow_hash(key):
    return siphash24(FLOW_HASH_KEY, key) & 0xFFFFFFFF


def cookie(secret, key, appliance, endpoint_id):
    """GWLB flow cookie; appliance is an IPv4 address (string or bytes)."""
    app = ipaddress.IPv4Address(appliance).packed if isinstance(appliance, str) else appliance
    msg = key + app + endpoint_id.to_bytes(8, "big")
    return siphash24(secret, msg) & 0xFFFFFFFF


def geneve_sport(fhash):
    return GENEVE_SPORT_BASE + fhash % 16384


# --- Maglev -------------------------------------------------------------------------------

_MAGLEV_CACHE = {}


def maglev_target_key(target_id):
    return siphash24(MAGLEV_KEY, target_id.encode())


def _maglev_fill(table, offset, skip, nxt, size, idx):
    c = (offset + nxt * skip) % size
    while table[c] is not None:
        nxt += 1
        c = (offset + nxt * skip) % size
    table[c] = idx
    return nxt + 1


def _maglev_build(ids, weights, size):
    table = [None] * size
    order = sorted(range(len(ids)), key=lambda i: (maglev_target_key(ids[i]), i))
    live = [i for i in order if weights[i] > 0]
    if not live:
        return table
    keys = {i: maglev_target_key(ids[i]) for i in live}
    offset = {i: (keys[i] & 0xFFFFFFFF) % size for i in live}
    skip = {i: ((keys[i] >> 32) % (size - 1)) + 1 for i in live}
    wmax = max(weights[i] for i in live)
    nxt = dict.fromkeys(live, 0)
    credit = dict.fromkeys(live, 0)
    filled = 0
    while filled < size:
        for i in live:
            credit[i] += weights[i]
            while credit[i] >= wmax and filled < size:
                nxt[i] = _maglev_fill(table, offset[i], skip[i], nxt[i], size, i)
                filled += 1
                credit[i] -= wmax
    return table


def maglev_table(ids, weights=None, size=MAGLEV_DEFAULT_SIZE):
    """Table of indexes into ids (None = empty). Cached: building costs ~0.5 s."""
    weights = tuple(weights) if weights is not None else (1,) * len(ids)
    cache_key = (tuple(ids), weights, size)
    if cache_key not in _MAGLEV_CACHE:
        _MAGLEV_CACHE[cache_key] = _maglev_build(list(ids), weights, size)
    return _MAGLEV_CACHE[cache_key]


def maglev_pick(ids, weights, fhash, size=MAGLEV_DEFAULT_SIZE):
    """The target id Maglev gives fhash, or None when no target has a weight."""
    idx = maglev_table(ids, weights, size)[fhash % size]
    return None if idx is None else ids[idx]


# --- GENEVE / GWLB frames -----------------------------------------------------------------

def mac_bytes(mac):
    return bytes.fromhex(mac.replace(":", ""))


def ip4_bytes(addr):
    return ipaddress.IPv4Address(addr).packed


def gwlb_option(opt_type, data, opt_class=GWLB_CLASS):
    """One GENEVE option: class, type, length in 4-byte words, data (padded to 4)."""
    data = data + bytes(-len(data) % 4)
    return struct.pack("!HBB", opt_class, opt_type, len(data) // 4) + data


def gwlb_options(endpoint_id, attachment_id, cookie_value):
    return (gwlb_option(1, endpoint_id.to_bytes(8, "big"))
            + gwlb_option(2, attachment_id.to_bytes(8, "big"))
            + gwlb_option(3, cookie_value.to_bytes(4, "big")))


def geneve_header(proto, options, version=0, oam=False, critical=False, vni=0):
    """GENEVE base header + options; options is raw bytes (a multiple of 4 normally)."""
    b0 = (version << 6) | (len(options) // 4 & 0x3F)
    b1 = (0x80 if oam else 0) | (0x40 if critical else 0)
    return struct.pack("!BBHI", b0, b1, proto, vni << 8) + options


def gwlb_geneve(proto, endpoint_id, attachment_id, cookie_value):
    """The 40 bytes sluice writes: ver 0, opt len 8, O=C=0, VNI 0, options 1, 2, 3."""
    return geneve_header(proto, gwlb_options(endpoint_id, attachment_id, cookie_value))


def inner_proto(inner):
    return ETH_IPV4 if inner[0] >> 4 == 4 else ETH_IPV6


def ipv4_header(src, dst, payload_len, ttl=64, ident=0, df=True, proto=PROTO_UDP):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, ident,
                      0x4000 if df else 0, ttl, proto, 0, ip4_bytes(src), ip4_bytes(dst))
    return hdr[:10] + struct.pack("!H", inet_checksum(hdr)) + hdr[12:]


def udp_checksum4(src, dst, udp):
    pseudo = ip4_bytes(src) + ip4_bytes(dst) + struct.pack("!BBH", 0, PROTO_UDP, len(udp))
    value = inet_checksum(pseudo + udp)
    return value or 0xFFFF


def udp4(src, dst, sport, dport, payload, with_checksum=False):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    if with_checksum:
        udp = udp[:6] + struct.pack("!H", udp_checksum4(src, dst, udp)) + udp[8:]
    return udp


def ether(dst_mac, src_mac, ethertype):
    return mac_bytes(dst_mac) + mac_bytes(src_mac) + struct.pack("!H", ethertype)


def udp4_frame(src_mac, dst_mac, src, dst, sport, dport, payload, ttl=64, ident=0, df=True,
               with_checksum=False):
    """Ethernet + IPv4 + UDP carrying payload."""
    udp = udp4(src, dst, sport, dport, payload, with_checksum)
    return (ether(dst_mac, src_mac, ETH_IPV4)
            + ipv4_header(src, dst, len(udp), ttl=ttl, ident=ident, df=df) + udp)


def encap_frame(inner, egress_mac, nexthop_mac, outer_src, appliance, ttl, sport, endpoint_id,
                attachment_id, cookie_value):
    """The exact frame sluice sends to an appliance for the inner L3 packet."""
    geneve = gwlb_geneve(inner_proto(inner), endpoint_id, attachment_id, cookie_value)
    return udp4_frame(egress_mac, nexthop_mac, outer_src, appliance, sport, GENEVE_PORT,
                      geneve + inner, ttl=ttl)
