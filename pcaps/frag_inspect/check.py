#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""frag_inspect: independently of the model, every fragment sent reached an appliance, and
all fragments of one datagram (source, destination, protocol, identification) the same one;
the datagrams used at least two appliances."""

import os
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/pcap"))

import checks  # noqa: E402
import sluice_ref as ref  # noqa: E402


def datagram(l3):
    info = ref.parse_l3(l3)
    return (info.family, info.saddr, info.daddr, info.proto, info.frag_id) if info.frag else None


def main(c, outdir, _):
    sent = defaultdict(int)
    for _, data in checks.inputs(HERE):
        sent[datagram(data[14:])] += 1
    where = defaultdict(list)
    for e in checks.encaps(outdir):
        where[datagram(e.inner)].append(e.outer_dst)
    c.check(None not in sent, "an input frame is no fragment")
    for key, n in sent.items():
        c.check(len(where[key]) == n, "datagram %s: %d of %d fragments encapsulated"
                % (key[-1], len(where[key]), n))
        c.check(len(set(where[key])) == 1, "datagram %s split over %s"
                % (key[-1], sorted(set(where[key]))))
    c.check(len({a for v in where.values() for a in v}) >= 2, "fewer than 2 appliances used")


checks.run(__file__, main)
