#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_ipv6_snat: tshark finds every TCP and UDP checksum (over the IPv6 pseudo-header) of the
output good (the frames themselves are golden), and every frame was sent."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import checks  # noqa: E402
import nlbkit as nk  # noqa: E402


def main(c, outdir, _):
    nk.check_sent(c, outdir, ("outside", "servers"), 20)


checks.run(__file__, main)
