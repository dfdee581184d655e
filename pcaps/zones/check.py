#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""zones: with cross_zone false only the node's zone (az1: fw-a, fw-b) gets traffic."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import checks  # noqa: E402


def main(c, outdir, _):
    counts = checks.count_by_appliance(outdir)
    c.shares(counts, {"192.168.50.11": 0.5, "192.168.50.12": 0.5}, 200, 0.25)


checks.run(__file__, main)
