#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_spread: every frame sluice-dp sent on servers equals the model's (same order), and the
flows of each group are shared as its weights and zones say (±15 %)."""

import os
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/pcap"))

import checks  # noqa: E402
import nlbkit as nk  # noqa: E402


def main(c, outdir, gen):
    gw = gen.model()
    want = []
    for t, data in checks.inputs(HERE):
        want += [f for port, f in gw.rx("outside", data, t) if port == "servers"]
    got = checks.frames(outdir, "servers")
    c.check(len(got) == len(want), "%d frames on servers, the model sends %d"
            % (len(got), len(want)))
    bad = [i for i, (w, g) in enumerate(zip(want, got)) if w != g]
    c.check(not bad, "%d frames differ from the model's, first at index %s" % (len(bad), bad[:1]))
    # shares: by listener port (the input order) and target address
    by_group = {}
    for (_, data), out in zip(checks.inputs(HERE), got):
        lport = int.from_bytes(data[36:38], "big")
        by_group.setdefault(gen.GROUPS[lport], Counter())[nk.addr_str(out[30:34])] += 1
    for lport, name in sorted(gen.GROUPS.items()):
        group = gw.nlb_groups[name]
        members = [t for t in group.targets if group.cross_zone or t.zone == "az1"]
        weight = sum(t.weight for t in members)
        expected = {t.address: t.weight / weight for t in members}
        sub = checks.Checker("nlb_spread %s" % name)
        sub.shares(by_group.get(name, Counter()), expected, gen.FLOWS[lport], 0.15)
        c.failures += sub.failures


checks.run(__file__, main, gen=True)
