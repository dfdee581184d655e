#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""failover_no_rebalance: events.txt marks fw-a unhealthy at t=1010; with
target_failover no_rebalance its 40 old flows stay on it (t=1010, 1065, 1075), new flows avoid
it.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

ck.main(lambda: sc.failover_case("no_rebalance"))
