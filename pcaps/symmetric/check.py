#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""symmetric: every flow (5-tuple, direction-free) went to exactly one appliance, and both
directions of all 20 flows were seen."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import checks  # noqa: E402
import sluice_ref as ref  # noqa: E402


def main(c, outdir, _):
    directions = {}
    for e in checks.encaps(outdir):
        conv = checks.conversation(e.inner, ref.STICK_5)
        info = ref.flow_info(e.inner)
        directions.setdefault(conv, {}).setdefault(info.saddr, set()).add(e.outer_dst)
    c.check(len(directions) == 20, "%d flows seen, expected 20" % len(directions))
    for conv, by_dir in sorted(directions.items()):
        apps = set().union(*by_dir.values())
        c.check(len(by_dir) == 2, "%s: only one direction seen" % (conv,))
        c.check(len(apps) == 1, "%s: sent to %s" % (conv, sorted(apps)))


checks.run(__file__, main)
