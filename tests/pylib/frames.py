# SPDX-License-Identifier: BSD-3-Clause
"""Frames built from raw bytes (standard library only: the labs' helpers run inside
namespaces without scapy, and the benchmark builds 100,000+ frames a second). Addresses are
packed bytes (4 for IPv4, 16 for IPv6)."""

import struct

from pylib.csum import csum, l4_csum


def mac_b(mac):
    """'02:00:..' -> 6 bytes; ValueError when it is not a MAC."""
    b = bytes.fromhex(mac.replace(":", ""))
    if len(b) != 6:
        raise ValueError("bad MAC %r" % mac)
    return b


def mac_s(b):
    return ":".join("%02x" % x for x in b)


def ipv4(src, dst, proto, payload, ident=0, ttl=64, flags=0x4000):
    """An IPv4 header without options (checksum computed; flags: DF by default) + payload."""
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, flags, ttl,
                      proto, 0, src, dst)
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + payload


def tcp(src, dst, sport, dport, seq=0, ack=0, flags=0x02, window=65535, opts=b"", payload=b""):
    """A TCP segment (data offset from opts, checksum over src/dst's pseudo header)."""
    doff = (20 + len(opts)) // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags, window, 0, 0)
    return l4_csum(src, dst, 6, seg + opts + payload, 16)
