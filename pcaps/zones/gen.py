#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""zones: node in az1; fw-a, fw-b in az1, fw-c, fw-d in az2; cross_zone false:
200 TCP flows, exact frames. Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

ck.main(lambda: sc.zones_case(cross_zone=False))
