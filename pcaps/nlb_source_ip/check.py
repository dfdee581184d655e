#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_source_ip: on listener web (port 8443 on the targets) each client reached one target
only, and more than one target overall; on alt (8444) some client reached several."""

import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP  # noqa: E402

import checks  # noqa: E402


def main(c, outdir, _):
    seen = {8443: defaultdict(set), 8444: defaultdict(set)}
    for f in checks.frames(outdir, "servers"):
        pkt = IP(f[14:])
        seen[pkt[TCP].dport][pkt.src].add(pkt.dst)
    web, alt = seen[8443], seen[8444]
    c.check(len(web) == 8 and all(len(t) == 1 for t in web.values()),
            "web: clients' targets %s" % dict(web))
    c.check(len(set().union(*web.values())) > 1, "web: every client on one target")
    c.check(any(len(t) > 1 for t in alt.values()), "alt (5-tuple): no client spread")


checks.run(__file__, main)
