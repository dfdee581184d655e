#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""sluice-xdp --replay and frames longer than BPF_PROG_TEST_RUN shows the program linearly.

    test_xdp_replay.py SLUICE_XDP

The test run puts what does not fit one page (about 3.5 KB of a frame) into XDP fragments,
which the program does not read: replaying such a frame would replay a shorter one. sluice-xdp
must refuse it loudly (exit status non-zero, the frame and both lengths named), and still
replay a 3000-byte frame whole (dropped rx_oversize on the case's 1500-byte port: the program
saw all of it). Exit 0 when both hold."""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

sys.path.insert(0, os.path.dirname(HERE))
from pylib import pcapio  # noqa: E402
import run  # noqa: E402


def frame(length):
    """An Ethernet + IPv4 frame of length bytes to a server behind the router (casekit MACs)."""
    from scapy.all import IP, UDP, Ether
    pkt = Ether(src="02:00:00:00:10:01", dst="02:00:00:00:00:01") / IP(
        src="10.0.1.101", dst="198.51.100.10", flags="DF") / UDP(sport=40000, dport=53)
    return bytes(pkt) + bytes(length - len(pkt))


def replay(binary, tmp, length):
    case_dir = os.path.join(ROOT, "pcaps", "rx_oversize")
    config = run.write_config(case_dir, tmp)
    pcap = os.path.join(tmp, "in-%d.pcap" % length)
    pcapio.write_pcap(pcap, [(1000.0, frame(length))])
    stats = os.path.join(tmp, "stats-%d.json" % length)
    cmd = [binary, "--config", config, "--stats-json", stats, "--quiet", "--replay", pcap,
           "--port", "outside", "--out-port", "outside=" + os.path.join(tmp, "out.pcap")]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return res, stats


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    failures = []
    with tempfile.TemporaryDirectory(prefix="sluice-xdp-replay-") as tmp:
        res, stats = replay(binary, tmp, 3000)
        if res.returncode != 0:
            failures.append("3000-byte frame: exit %d: %s" % (res.returncode, res.stderr))
        else:
            with open(stats) as f:
                drops = json.load(f)["drops"]
            if drops.get("rx_oversize") != 1:
                failures.append("3000-byte frame: rx_oversize %r, expected 1 (seen whole)"
                                % drops.get("rx_oversize"))
        res, _ = replay(binary, tmp, 5000)
        want = "frame 1 (5000 bytes): BPF_PROG_TEST_RUN showed the program only"
        if res.returncode == 0:
            failures.append("5000-byte frame: replayed (exit 0); it must be refused")
        elif want not in res.stderr:
            failures.append("5000-byte frame: exit %d without %r: %s"
                            % (res.returncode, want, res.stderr.strip()))
    for f in failures:
        print("FAIL " + f)
    if not failures:
        print("PASS sluice-xdp --replay: 3000-byte frame replayed whole, 5000-byte frame refused")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
