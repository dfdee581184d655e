# SPDX-License-Identifier: BSD-3-Clause
"""Traffic for the sluice-dp benchmark (tests/bench/run.sh). Deterministic: the same
arguments always give byte-identical files. Plain Python (no scapy needed: raw bytes are
built here so that 100,000+ packets take a second, not a minute).

  gen.py flows OUT.pcap [--flows N] [--passes P] [--sample S] [--dst-mac MAC] [--src-mac MAC]
      N distinct IPv4/TCP flows (default 131072; at most 16,777,215), one packet each (the
      whole sequence repeated P times, default 1), as clients send them to
      the `outside` port: Ethernet dst = that port's MAC, inner IPv4 packets of 64..128
      bytes (IPv4 + TCP + payload; frames of 78..142 bytes), DF set, checksums valid.
      --sample S: after them, S more packets of flows drawn uniformly at random (fixed seed)
      from the N (tests/bench/scale.sh: the N flows pinned, then S packets of known flows).
      Frames are written as they are made: 10,000,000 flows need no 10 million in memory.

  gen.py returns ENCAP.pcap OUT.pcap --port-mac MAC
      Turns sluice-dp's own GENEVE output (captured on the `appliances` port) into what the
      appliances send back: outer Ethernet and IPv4 source/destination swapped, Ethernet
      destination = the appliances port MAC (MAC), UDP ports, the GENEVE header, its options
      (cookie included) and the inner packet kept byte for byte.
"""
import argparse
import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pylib import frames as fr  # noqa: E402
from pylib import pcapio  # noqa: E402

T0 = 1_000_000  # capture timestamps (us): deterministic, 1 us apart


def flow(i):
    """Flow i's addresses and ports: distinct for every i < 2**24 (the source IP alone: 10/8
    up to 2**22, the files of earlier versions byte for byte, then 11/8..13/8)."""
    src = bytes((10 + (i >> 22), 64 + ((i >> 16) & 63), (i >> 8) & 0xFF, i & 0xFF))
    dst = bytes((172, 16 + (i % 16), (i * 7) % 251, 1 + (i * 13) % 253))
    sport = 1024 + (i * 7919) % 64000
    dport = (443, 80, 8080, 22)[i % 4]
    return src, dst, sport, dport


def flow_frame(i, dmac, smac):
    """The packet of flow i."""
    src, dst, sport, dport = flow(i)
    ip_len = 64 + (i * 37) % 65  # inner IPv4 packet: 64..128 bytes
    payload = bytes(((i + k) & 0xFF for k in range(ip_len - 40)))
    tcp = fr.tcp(src, dst, sport, dport, (i * 2654435761) & 0xFFFFFFFF, 1,
                 0x18, payload=payload)  # PSH|ACK
    return dmac + smac + b"\x08\x00" + fr.ipv4(src, dst, 6, tcp, ident=i)


def cmd_flows(a):
    if not 1 <= a.flows < 1 << 24:
        raise SystemExit("gen.py: --flows must be in 1..16777215")
    dmac, smac = a.dst_mac, a.src_mac
    if a.passes < 1 or a.sample < 0:
        raise SystemExit("gen.py: --passes must be >= 1, --sample >= 0")

    def frames():
        if a.passes > 1:  # small files (run.sh, callgrind.sh): made once, repeated
            one = [flow_frame(i, dmac, smac) for i in range(a.flows)]
            for _ in range(a.passes):
                yield from one
        else:
            for i in range(a.flows):
                yield flow_frame(i, dmac, smac)
        rnd = random.Random(1)
        for _ in range(a.sample):
            yield flow_frame(rnd.randrange(a.flows), dmac, smac)

    pcapio.write_frames(a.out, frames(), T0)
    print("gen.py: %s: %d flows, %d packets%s" % (
        a.out, a.flows, a.flows * a.passes + a.sample,
        " (%d of them a random sample of the flows)" % a.sample if a.sample else ""))


def cmd_returns(a):
    pmac = a.port_mac
    out, skipped = [], 0
    try:
        records = pcapio.read_pcap(a.encap, whole=True)
    except ValueError as e:
        raise SystemExit("gen.py: %s" % e)
    for _, f in records:
        # Ethernet(14) + IPv4 without options (20) + UDP to 6081 + GENEVE: what sluice sends
        if (len(f) < 14 + 20 + 8 + 8 or f[12:14] != b"\x08\x00" or f[14] != 0x45 or
                f[23] != 17 or struct.unpack_from("!H", f, 36)[0] != 6081):
            skipped += 1  # ARP requests and the like: not a GENEVE frame
            continue
        # the IPv4 checksum does not change when source and destination swap places
        out.append(pmac + f[0:6] + f[12:26] + f[30:34] + f[26:30] + f[34:])
    if not out:
        raise SystemExit("gen.py: no GENEVE frame in %s" % a.encap)
    pcapio.write_frames(a.out, out, T0)
    print("gen.py: %s: %d appliance returns (%d other frames skipped)" %
          (a.out, len(out), skipped))


def add_mac_args(p):
    """--dst-mac (the outside port's MAC) and --src-mac (the clients') of a traffic command."""
    p.add_argument("--dst-mac", type=fr.mac_b, default="02:00:00:00:00:01")
    p.add_argument("--src-mac", type=fr.mac_b, default="02:00:00:00:0c:01")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("flows")
    f.add_argument("out")
    f.add_argument("--flows", type=int, default=131072)
    f.add_argument("--passes", type=int, default=1)
    f.add_argument("--sample", type=int, default=0)
    add_mac_args(f)
    r = sub.add_parser("returns")
    r.add_argument("encap")
    r.add_argument("out")
    r.add_argument("--port-mac", type=fr.mac_b, default="02:00:00:00:00:02")
    a = ap.parse_args()
    (cmd_flows if a.cmd == "flows" else cmd_returns)(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
