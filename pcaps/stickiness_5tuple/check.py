#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""stickiness_5tuple: every group of packets that 5-tuple stickiness keys together went to
one appliance, and there were as many groups as the stickiness implies."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import checks  # noqa: E402

EXPECTED_GROUPS = 30  # 2 host pairs x (6 TCP + 6 UDP + 3 ICMP echo flows)


def main(c, outdir, _):
    checks.sticky(c, outdir, "5-tuple", EXPECTED_GROUPS)


checks.run(__file__, main)
