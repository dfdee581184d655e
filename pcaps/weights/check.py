#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""weights: the firewalls' shares are within ±15 % of 1/6, 2/6, 3/6, and every frame is the one
the reference computes for its input (same order)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/pcap"))

import checks  # noqa: E402


def main(c, outdir, gen):
    targets = gen.gateway().groups["firewalls"].targets
    total_weight = sum(gen.WEIGHTS)
    shares = {t.address: t.weight / total_weight for t in targets}
    c.shares(checks.count_by_appliance(outdir), shares, gen.FLOWS, 0.15)
    checks.compare_with_model(c, gen.gateway(), HERE, outdir)


checks.run(__file__, main, gen=True)
