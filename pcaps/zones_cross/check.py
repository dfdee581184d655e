#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""zones_cross: with cross_zone true all 4 firewalls of both zones get traffic, evenly."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import checks  # noqa: E402


def main(c, outdir, _):
    counts = checks.count_by_appliance(outdir)
    c.shares(counts, {"192.168.50.%d" % i: 0.25 for i in range(11, 15)}, 200, 0.35)


checks.run(__file__, main)
