# SPDX-License-Identifier: BSD-3-Clause
"""Internet checksums, computed here independently of sluice's C code."""

import struct


def csum(data):
    """The Internet checksum (RFC 1071) of data: the one's complement of the one's-complement
    sum of its 16-bit words (an odd length is padded with a zero byte)."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def pseudo(src, dst, proto, length):
    """The TCP/UDP pseudo header of packed addresses src, dst (4 bytes: IPv4, 16: IPv6)."""
    if len(src) == 4:
        return src + dst + struct.pack("!BBH", 0, proto, length)
    return src + dst + struct.pack("!IxxxB", length, proto)


def l4_csum(src, dst, proto, seg, off):
    """seg (a TCP/UDP/ICMP segment) with the checksum at byte off computed: over the pseudo
    header of packed src, dst (not for ICMPv4, proto 1); a UDP checksum of 0 is sent as
    0xFFFF."""
    seg = seg[:off] + b"\0\0" + seg[off + 2:]
    c = csum(pseudo(src, dst, proto, len(seg)) + seg) if proto != 1 else csum(seg)
    if proto == 17 and c == 0:
        c = 0xFFFF
    return seg[:off] + struct.pack("!H", c) + seg[off + 2:]


def csum_adjust(csum_, old, new):
    """RFC 1624 eqn. 3: the checksum csum_ after the 16-bit words old became new (lists of
    equal length)."""
    total = ~csum_ & 0xFFFF
    for o, n in zip(old, new):
        total += (~o & 0xFFFF) + n
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
