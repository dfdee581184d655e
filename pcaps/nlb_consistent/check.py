#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_consistent: sluice-dp's choices for the 2,000 flows before and after app-4 drains equal
the reference Maglev's (sluice_ref.maglev_pick over 10, then 9 targets), every flow of app-4
moved, and few others did."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import casekit as ck  # noqa: E402
import checks  # noqa: E402
import nlbkit as nk  # noqa: E402
import sluice_ref as ref  # noqa: E402


def main(c, outdir, gen):
    group = gen.model().nlb_groups["app"]
    by_addr = {t.address: t.id for t in group.targets}
    ids = [t.id for t in group.targets]
    after_ids = [i for i in ids if i != gen.REMOVED]
    got = checks.frames(outdir, "servers")
    c.check(len(got) == 2 * gen.FLOWS, "%d frames, expected %d" % (len(got), 2 * gen.FLOWS))
    if len(got) == 2 * gen.FLOWS:
        moved = moved_others = mismatches = 0
        for i in range(gen.FLOWS):
            fhash = ref.flow_hash(ref.flow_key(ck.l3_of(gen.syn(i))))
            before = ref.maglev_pick(ids, None, fhash)
            after = ref.maglev_pick(after_ids, None, fhash)
            seen = (by_addr.get(nk.addr_str(got[i][30:34])),
                    by_addr.get(nk.addr_str(got[gen.FLOWS + i][30:34])))
            mismatches += seen != (before, after)
            moved += before != after
            moved_others += before != after and before != gen.REMOVED
            c.check(before != gen.REMOVED or after != gen.REMOVED, "flow %d stayed on %s"
                    % (i, gen.REMOVED))
        print("nlb_consistent: %d of %d flows changed target (%d not from %s)"
              % (moved, gen.FLOWS, moved_others, gen.REMOVED))
        c.check(mismatches == 0, "%d flows' targets differ from the reference Maglev's"
                % mismatches)
        c.check(moved <= 0.13 * gen.FLOWS, "%d flows moved: more than 10 %% + 3 %%" % moved)
        c.check(moved_others <= 0.03 * gen.FLOWS, "%d flows not on %s moved"
                % (moved_others, gen.REMOVED))


checks.run(__file__, main, gen=True)
