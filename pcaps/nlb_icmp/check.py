#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_icmp: every ICMP error sluice-dp sent has right checksums by a full recompute here:
outer IPv4 header, ICMP (whole message), quoted IPv4 header, and the quoted TCP/UDP checksum
(pseudo-header included) when the quote holds the whole packet. tshark agrees on the outer
ones."""

import ipaddress
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import checks  # noqa: E402
import nlbkit as nk  # noqa: E402
import sluice_ref as ref  # noqa: E402


def l4_sum_ok(ip):
    ihl = (ip[0] & 0x0F) * 4
    proto = ip[9]
    seg = ip[ihl:]
    if proto == ref.PROTO_UDP and seg[6:8] == b"\0\0":
        return True
    pseudo = ip[12:20] + struct.pack("!BBH", 0, proto, len(seg))
    return ref.inet_checksum(pseudo + seg) == 0


def main(c, outdir, _):
    n = whole = 0
    for port in ("outside", "servers"):
        for f in checks.frames(outdir, port):
            ip = f[14:]
            if ip[9] != ref.PROTO_ICMP:
                continue
            n += 1
            name = "%s frame to %s" % (port, ipaddress.IPv4Address(ip[16:20]))
            ihl = (ip[0] & 0x0F) * 4
            total = struct.unpack("!H", ip[2:4])[0]
            c.check(ref.inet_checksum(ip[:ihl]) == 0, name + ": outer IPv4 checksum")
            c.check(ref.inet_checksum(ip[ihl:total]) == 0, name + ": ICMP checksum")
            quote = ip[ihl + 8:total]
            qihl = (quote[0] & 0x0F) * 4
            c.check(ref.inet_checksum(quote[:qihl]) == 0, name + ": quoted IPv4 checksum")
            if struct.unpack("!H", quote[2:4])[0] == len(quote):
                whole += 1
                c.check(l4_sum_ok(quote), name + ": quoted L4 checksum")
        path = os.path.join(outdir, "out-%s.pcap" % port)
        if os.path.exists(path):
            bad = nk.tshark_bad_checksums(path)
            c.check(not bad, "%s: tshark finds bad checksums: %s" % (port, bad[:3]))
    c.check(n == 7 and whole == 5, "%d ICMP errors (%d quoting a whole packet), expected 7 (5)"
            % (n, whole))


checks.run(__file__, main)
