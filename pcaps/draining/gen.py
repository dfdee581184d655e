#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""draining: events.txt drains fw-a at t=1010 (deregistration_delay 60). 40 flows
from before keep going to fw-a at t=1010 and t=1065; 40 new flows after t=1010 never go to
fw-a; at t=1075 the old fw-a flows move (flow_rebalanced).
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

ck.main(lambda: sc.failover_case("no_rebalance", state="draining", delay=60))
