#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_udp_snat: tshark finds every IPv4 and UDP checksum (0 allowed) of sluice-dp's output
good, and every frame was sent."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/pcap"))

import checks  # noqa: E402
import nlbkit as nk  # noqa: E402


def main():
    outdir, _ = checks.check_args()
    c = checks.Checker("nlb_udp_snat")
    total = 0
    for port in ("outside", "servers"):
        path = os.path.join(outdir, "out-%s.pcap" % port)
        c.check(os.path.exists(path), "no out-%s.pcap" % port)
        if os.path.exists(path):
            total += len(checks.frames(outdir, port))
            bad = nk.tshark_bad_checksums(path)
            c.check(not bad, "%s: bad checksums in %s" % (port, bad[:5]))
    c.check(total == 16, "%d frames sent, expected 16" % total)
    c.report()


main()
