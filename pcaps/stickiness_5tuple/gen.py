#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""stickiness_5tuple: two host pairs with varying ports and protocols (TCP, UDP, ICMP echo),
both directions, stickiness 5-tuple. Writes the case files into argv[1] (default: this
directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

ck.main(lambda: sc.stickiness_case("5-tuple"))
