#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_udp_snat: tshark finds every IPv4 and UDP checksum (0 allowed) of sluice-dp's output
good, and every frame was sent."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import checks  # noqa: E402
import nlbkit as nk  # noqa: E402


def main(c, outdir, _):
    nk.check_sent(c, outdir, ("outside", "servers"), 16)


checks.run(__file__, main)
