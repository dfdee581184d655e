#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_adopt: every adopted web flow and every new dns flow went to the target sluice_ref's
Maglev gives the flow key of the SYN (or first datagram) the flow would have had on a node
that saw it begin; tshark finds every checksum good."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, TCP, UDP  # noqa: E402

import checks  # noqa: E402
import nlbkit as nk  # noqa: E402
import sluice_ref as ref  # noqa: E402


def main(c, outdir, gen):
    gw = gen.model()
    seen = 0
    for name, l4, lport in (("web", TCP, 443), ("dns", UDP, 53)):
        group = gw.nlb_groups[name]
        ids = [t.id for t in group.targets]
        by_addr = {t.address: t.id for t in group.targets}
        for f in checks.frames(outdir, "outside"):
            pkt = IP(f[14:])
            if pkt.dst not in by_addr or l4 not in pkt:
                continue
            seen += 1
            first = IP(src=pkt.src, dst=nk.ZONE_IP) / l4(sport=pkt[l4].sport, dport=lport)
            if l4 is TCP:
                first[TCP].flags = "S"
            want = ref.maglev_pick(ids, None, ref.flow_hash(ref.flow_key(bytes(first))))
            c.check(by_addr[pkt.dst] == want, "%s:%d went to %s, a new flow's target is %s"
                    % (pkt.src, pkt[l4].sport, by_addr[pkt.dst], want))
    c.check(seen == 2 * gen.WEB_FLOWS + 1 + gen.DNS_FLOWS, "%d frames to targets" % seen)
    bad = nk.tshark_bad_checksums(os.path.join(outdir, "out-outside.pcap"))
    c.check(not bad, "bad checksums: %s" % bad)


checks.run(__file__, main, gen=True)
