#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""spread_10k: each of the 4 firewalls got 2500 flows ±15 %, and every frame is the one the
reference computes for its input (same order)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/pcap"))

import checks  # noqa: E402


def main(c, outdir, gen):
    counts = checks.count_by_appliance(outdir)
    appliances = {t.address: 0.25 for t in gen.gateway().groups["firewalls"].targets}
    c.shares(counts, appliances, gen.FLOWS, 0.15)
    checks.compare_with_model(c, gen.gateway(), HERE, outdir)


checks.run(__file__, main, gen=True)
