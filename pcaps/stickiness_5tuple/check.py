#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""stickiness_5tuple: every group of packets that 5-tuple stickiness keys together went to
one appliance, and there were as many groups as the stickiness implies."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import checks  # noqa: E402

EXPECTED_GROUPS = 30  # 2 host pairs x (6 TCP + 6 UDP + 3 ICMP echo flows)


def main():
    outdir, _ = checks.check_args()
    c = checks.Checker("stickiness_5tuple")
    seen = checks.appliances_by(outdir, "5-tuple")
    c.check(len(seen) == EXPECTED_GROUPS, "%d groups, expected %d" % (len(seen),
                                                                      EXPECTED_GROUPS))
    for group, apps in sorted(seen.items()):
        c.check(len(apps) == 1, "%s: sent to %s" % (group, sorted(apps)))
    c.report()


main()
