#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""spread_10k: 10,000 TCP SYN flows over 4 equal firewalls. The output is checked by check.py
(shares within ±15 %, and every frame equal to the reference's) rather than by a 1.4 MB golden
pcap. Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

FLOWS = 10000


def gateway():
    return sc.gateway(sc.firewalls(4))


def build():
    return sc.syn_spread(gateway(), "spread_10k: 10,000 TCP SYN flows, 4 firewalls", FLOWS)


if __name__ == "__main__":
    ck.main(build)
