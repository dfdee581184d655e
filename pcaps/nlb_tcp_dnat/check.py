#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_tcp_dnat: tshark finds every IPv4 and TCP checksum of sluice-dp's output good (the
frames themselves are golden), and every frame was sent."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import checks  # noqa: E402
import nlbkit as nk  # noqa: E402


def main(c, outdir, _):
    nk.check_sent(c, outdir, ("outside", "servers"), 24)


checks.run(__file__, main)
