#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""all_unhealthy_drop: every target unhealthy in the config; all_unhealthy drop:
nothing leaves, all_unhealthy_drop counts every packet.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

ck.main(lambda: sc.all_unhealthy_case("drop"))
