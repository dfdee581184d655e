#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""frag_table: independently of the model, the fifteen datagrams whose fragments all came
within the timeout while their entries were live each reached one appliance, whole."""

import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import checks  # noqa: E402
import sluice_ref as ref  # noqa: E402


def main(c, outdir, _):
    where = defaultdict(list)
    for e in checks.encaps(outdir):
        info = ref.parse_l3(e.inner)
        where[info.frag_id].append(e.outer_dst)
    c.check(sum(len(v) for v in where.values()) == 17 * 3, "not every fragment was sent")
    for ident in range(0x5001, 0x5010):  # datagrams 1..15 (0: timed out, 16: no room)
        c.check(len(where[ident]) == 3 and len(set(where[ident])) == 1,
                "datagram %#x: %s" % (ident, where[ident]))


checks.run(__file__, main)
