#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the fuzzers' seed corpus: a few valid packets per harness, into tests/fuzz/corpus/<name>/.

    gen_corpus.py [OUTDIR]

Plain Python (struct only), deterministic: rerunning it rewrites the same files. The harnesses
with a leading mode byte (nd, return) get seeds with the "fix the checksum / cookie" bits set,
so the fuzzer starts on the accept path.
"""

import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from pylib.csum import csum, l4_csum  # noqa: E402

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
IP4_C = bytes([10, 0, 1, 101])
IP4_S = bytes([198, 51, 100, 1])
IP4_N = bytes([10, 0, 1, 10])
IP4_FW = bytes([192, 168, 50, 11])
IP4_GW = bytes([192, 168, 50, 1])
IP6_C = bytes.fromhex("20010db8000a00000000000000000101")
IP6_S = bytes.fromhex("20010db8ffff00000000000000000001")
IP6_N = bytes.fromhex("20010db8000a00000000000000000010")
ENDPOINT = 0x0A0B0C0D01020304
ATTACHMENT = 0x1122334455667788


def eth(payload, etype, vlans=()):
    hdr = MAC_B + MAC_A
    for tpid, tci in vlans:
        hdr += struct.pack("!HH", tpid, tci)
    return hdr + struct.pack("!H", etype) + payload


def ip4(proto, payload, src=IP4_C, dst=IP4_S, df=True, frag=0, mf=False, ttl=64, opts=b""):
    ihl = 5 + len(opts) // 4
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | frag
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(payload), 1, flags, ttl,
                      proto, 0, src, dst) + opts
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def ip6(nh, payload, src=IP6_C, dst=IP6_S, hlim=64):
    return struct.pack("!IHBB", 0x60000000, len(payload), nh, hlim) + src + dst + payload


def tcp(src, dst, sport=1024, dport=443, flags=0x02, data=b""):
    seg = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, flags, 8192, 0, 0) + data
    return l4_csum(src, dst, 6, seg, 16)


def udp(src, dst, sport=5000, dport=53, data=b"hello", checksum=True):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    return l4_csum(src, dst, 17, seg, 6) if checksum else seg


def icmp4(typ, code, rest, data):
    return l4_csum(b"", b"", 1, struct.pack("!BBH", typ, code, 0) + rest + data, 2)


def icmp6(src, dst, typ, code, rest, data):
    return l4_csum(src, dst, 58, struct.pack("!BBH", typ, code, 0) + rest + data, 2)


def frames():
    """Ethernet frames: what fuzz_pkt and fuzz_icmp start from."""
    t4 = ip4(6, tcp(IP4_C, IP4_S))
    u4 = ip4(17, udp(IP4_C, IP4_S))
    t6 = ip6(6, tcp(IP6_C, IP6_S))
    u6 = ip6(17, udp(IP6_C, IP6_S))
    out = {
        "ipv4_tcp_syn": eth(t4, 0x0800),
        "ipv4_udp_padded": eth(u4, 0x0800) + b"\0" * 12,
        "ipv4_tcp_options": eth(ip4(6, tcp(IP4_C, IP4_S), opts=b"\x01\x01\x01\x00"), 0x0800),
        "ipv4_echo": eth(ip4(1, icmp4(8, 0, struct.pack("!HH", 0x1234, 1), b"ping" * 8),
                             src=IP4_C, dst=IP4_N), 0x0800),
        "ipv4_frag_needed_quoting_tcp": eth(ip4(1, icmp4(3, 4, struct.pack("!HH", 0, 1432),
                                                         t4[:28]), src=IP4_S, dst=IP4_C),
                                            0x0800),
        "ipv4_fragment_later": eth(ip4(17, b"x" * 40, frag=100), 0x0800),
        "ipv4_big_df": eth(ip4(17, udp(IP4_C, IP4_S, data=b"B" * 1480)), 0x0800),
        "qinq_ipv4_udp": eth(u4, 0x0800, vlans=((0x88A8, 100), (0x8100, 200))),
        "vlan_ipv6_tcp": eth(t6, 0x86DD, vlans=((0x8100, 7),)),
        "ipv6_udp": eth(u6, 0x86DD),
        "ipv6_hbh_frag_tcp": eth(ip6(0, bytes([44, 0]) + b"\x01\x04\0\0\0\0" +
                                     bytes([6, 0, 0, 0, 0, 0, 0, 1]) + tcp(IP6_C, IP6_S)),
                                 0x86DD),
        "ipv6_echo": eth(ip6(58, icmp6(IP6_C, IP6_N, 128, 0, struct.pack("!HH", 7, 1),
                                       b"ping6"), dst=IP6_N), 0x86DD),
        "ipv6_too_big_quoting_udp": eth(ip6(58, icmp6(IP6_S, IP6_C, 2, 0,
                                                      struct.pack("!I", 1280), u6[:48]),
                                            src=IP6_S, dst=IP6_C), 0x86DD),
        "ipv6_big": eth(ip6(17, udp(IP6_C, IP6_S, data=b"B" * 1400)), 0x86DD),
        "arp_request": eth(arp(1, MAC_B, IP4_C, b"\0" * 6, IP4_N), 0x0806),
    }
    return out


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa


def geneve_opts(endpoint=ENDPOINT, attachment=ATTACHMENT, cookie=0xDEADBEEF, extra=b""):
    return (extra + struct.pack("!HBBQ", 0x0108, 1, 2, endpoint) +
            struct.pack("!HBBQ", 0x0108, 2, 2, attachment) +
            struct.pack("!HBBI", 0x0108, 3, 1, cookie))


def geneve(proto, opts):
    return struct.pack("!BBHI", len(opts) // 4, 0, proto, 0) + opts


def return_frame(inner, proto, checksum=False, extra=b""):
    payload = geneve(proto, geneve_opts(extra=extra)) + inner
    return eth(ip4(17, udp(IP4_FW, IP4_GW, sport=52000, dport=6081, data=payload,
                           checksum=checksum), src=IP4_FW, dst=IP4_GW), 0x0800)


def nd_ns(target, src=IP6_C, dst=None, sll=MAC_B):
    dst = dst or bytes.fromhex("ff0200000000000000000001ff") + target[13:]
    opt = struct.pack("!BB", 1, 1) + sll if sll else b""
    return ip6(58, icmp6(src, dst, 135, 0, b"\0" * 4, target + opt), src=src, dst=dst, hlim=255)


def nd_na(target, src, dst, tll=MAC_B, flags=0x60):
    opt = struct.pack("!BB", 2, 1) + tll
    return ip6(58, icmp6(src, dst, 136, 0, bytes([flags, 0, 0, 0]), target + opt),
               src=src, dst=dst, hlim=255)


def corpus():
    fr = frames()
    t4 = ip4(6, tcp(IP4_C, IP4_S))
    t6 = ip6(6, tcp(IP6_C, IP6_S))
    icmp_err = ip4(1, icmp4(3, 4, struct.pack("!HH", 0, 1432), t4[:28]), src=IP4_S, dst=IP4_C)
    unknown_opt = struct.pack("!HBB", 0x0123, 0x05, 1) + b"\0" * 4
    c = {
        "pkt": fr,
        "icmp": fr,
        "geneve": {
            "gwlb_ipv4": geneve(0x0800, geneve_opts()) + t4,
            "gwlb_ipv6": geneve(0x86DD, geneve_opts()) + t6,
            "gwlb_unknown_noncritical_first": geneve(0x0800, geneve_opts(extra=unknown_opt)),
            "gwlb_header_only": geneve(0x0800, geneve_opts()),
        },
        "arp": {
            "request": arp(1, MAC_B, IP4_C, b"\0" * 6, IP4_N),
            "reply": arp(2, MAC_A, IP4_N, MAC_B, IP4_C),
            "gratuitous": arp(1, MAC_B, IP4_C, b"\xff" * 6, IP4_C),
        },
        # mode byte: bit 0 fixed header fields, bit 1 fix the checksum
        "nd": {
            "ns": b"\x00" + nd_ns(IP6_N),
            "ns_dad": b"\x00" + nd_ns(IP6_N, src=b"\0" * 16, sll=None),
            "na": b"\x00" + nd_na(IP6_C, IP6_C, IP6_N),
            "ns_fixme": b"\x03" + nd_ns(IP6_N),
        },
        # mode byte: bit 0 fix the UDP checksum, bit 1 fix the cookie, bits 2-3 stickiness
        "return": {
            "ipv4_tcp_5tuple": b"\x02" + return_frame(t4, 0x0800),
            "ipv6_tcp_3tuple": b"\x06" + return_frame(t6, 0x86DD),
            "ipv4_icmp_err_2tuple": b"\x0a" + return_frame(icmp_err, 0x0800),
            "ipv4_udp_checksum": b"\x03" + return_frame(ip4(17, udp(IP4_C, IP4_S)), 0x0800,
                                                        checksum=True),
            "ipv4_unknown_option": b"\x02" + return_frame(t4, 0x0800, extra=unknown_opt),
        },
    }
    return c


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    for name, seeds in corpus().items():
        d = os.path.join(out, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for seed, data in sorted(seeds.items()):
            with open(os.path.join(d, seed), "wb") as f:
                f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
