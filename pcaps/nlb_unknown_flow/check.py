#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_unknown_flow: each web flow's segments went to the target sluice_ref's Maglev gives the
flow key of its SYN (the SYN the flow would have had)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP  # noqa: E402

import checks  # noqa: E402
import nlbkit as nk  # noqa: E402
import sluice_ref as ref  # noqa: E402


def main(c, outdir, gen):
    group = gen.model().nlb_groups["web"]
    ids = [t.id for t in group.targets]
    by_addr = {t.address: t.id for t in group.targets}
    web = [f for f in checks.frames(outdir, "servers") if nk.addr_str(f[30:34]) in by_addr]
    c.check(len(web) == 2 * gen.WEB_FLOWS, "%d web frames, expected %d"
            % (len(web), 2 * gen.WEB_FLOWS))
    for f in web:
        pkt = IP(f[14:])
        syn = IP(src=pkt.src, dst=nk.ZONE_IP) / TCP(sport=pkt[TCP].sport, dport=443, flags="S")
        want = ref.maglev_pick(ids, None, ref.flow_hash(ref.flow_key(bytes(syn))))
        c.check(by_addr[pkt.dst] == want, "%s:%d went to %s, its SYN's target is %s"
                % (pkt.src, pkt[TCP].sport, by_addr[pkt.dst], want))


checks.run(__file__, main, gen=True)
