#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""weights: 12,000 TCP SYN flows over 3 firewalls with weights 1, 2, 3. check.py: shares within
±15 % of 1/6, 2/6, 3/6 and every frame equal to the reference's.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

FLOWS = 12000
WEIGHTS = (1, 2, 3)


def gateway():
    group = sc.firewalls(3)
    for target, weight in zip(group.targets, WEIGHTS):
        target.weight = weight
    return sc.gateway(group)


def build():
    return sc.syn_spread(gateway(), "weights: 12,000 TCP SYN flows, firewalls weighted 1, 2, 3",
                         FLOWS)


if __name__ == "__main__":
    ck.main(build)
