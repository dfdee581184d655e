# SPDX-License-Identifier: BSD-3-Clause
"""Traffic for the sluice-dp benchmark (tests/bench/run.sh). Deterministic: the same
arguments always give byte-identical files. Plain Python (no scapy needed: raw bytes are
built here so that 100,000+ packets take a second, not a minute).

  gen.py flows OUT.pcap [--flows N] [--passes P] [--dst-mac MAC] [--src-mac MAC]
      N distinct IPv4/TCP flows (default 131072), one packet each (the whole sequence
      repeated P times, default 1), as clients send them to
      the `outside` port: Ethernet dst = that port's MAC, inner IPv4 packets of 64..128
      bytes (IPv4 + TCP + payload; frames of 78..142 bytes), DF set, checksums valid.

  gen.py returns ENCAP.pcap OUT.pcap --port-mac MAC
      Turns sluice-dp's own GENEVE output (captured on the `appliances` port) into what the
      appliances send back: outer Ethernet and IPv4 source/destination swapped, Ethernet
      destination = the appliances port MAC (MAC), UDP ports, the GENEVE header, its options
      (cookie included) and the inner packet kept byte for byte.
"""
import argparse
import struct
import sys

PCAP_HDR = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)  # LINKTYPE_ETHERNET
T0 = 1_000_000  # capture timestamps: deterministic, 1 us apart


def mac_bytes(s):
    b = bytes(int(x, 16) for x in s.split(":"))
    if len(b) != 6:
        raise SystemExit("gen.py: bad MAC %r" % s)
    return b


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(PCAP_HDR)
        for i, fr in enumerate(frames):
            ts = T0 + i
            f.write(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        end = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        end = ">"
    else:
        raise SystemExit("gen.py: %s is not a pcap file" % path)
    if struct.unpack_from(end + "I", data, 20)[0] != 1:
        raise SystemExit("gen.py: %s is not an Ethernet capture" % path)
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, caplen, wirelen = struct.unpack_from(end + "IIII", data, off)
        off += 16
        if caplen != wirelen:
            raise SystemExit("gen.py: %s holds truncated frames" % path)
        out.append(data[off:off + caplen])
        off += caplen
    return out


def flow(i):
    """Flow i's addresses and ports: distinct for every i < 2**22 (the source IP alone)."""
    src = bytes((10, 64 + (i >> 16), (i >> 8) & 0xFF, i & 0xFF))
    dst = bytes((172, 16 + (i % 16), (i * 7) % 251, 1 + (i * 13) % 253))
    sport = 1024 + (i * 7919) % 64000
    dport = (443, 80, 8080, 22)[i % 4]
    return src, dst, sport, dport


def cmd_flows(a):
    if not 1 <= a.flows < 1 << 22:
        raise SystemExit("gen.py: --flows must be in 1..4194303")
    dmac, smac = mac_bytes(a.dst_mac), mac_bytes(a.src_mac)
    if a.passes < 1:
        raise SystemExit("gen.py: --passes must be >= 1")
    frames = []
    for i in range(a.flows):
        src, dst, sport, dport = flow(i)
        ip_len = 64 + (i * 37) % 65  # inner IPv4 packet: 64..128 bytes
        payload = bytes(((i + k) & 0xFF for k in range(ip_len - 40)))
        tcp = struct.pack("!HHIIBBHHH", sport, dport, (i * 2654435761) & 0xFFFFFFFF,
                          1, 5 << 4, 0x18, 65535, 0, 0) + payload  # PSH|ACK
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, i & 0xFFFF, 0x4000, 64, 6, 0,
                         src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        frames.append(dmac + smac + b"\x08\x00" + ip + tcp)
    frames *= a.passes
    write_pcap(a.out, frames)
    print("gen.py: %s: %d flows, %d packets" % (a.out, a.flows, len(frames)))


def cmd_returns(a):
    pmac = mac_bytes(a.port_mac)
    out, skipped = [], 0
    for fr in read_pcap(a.encap):
        # Ethernet(14) + IPv4 without options (20) + UDP to 6081 + GENEVE: what sluice sends
        if (len(fr) < 14 + 20 + 8 + 8 or fr[12:14] != b"\x08\x00" or fr[14] != 0x45 or
                fr[23] != 17 or struct.unpack_from("!H", fr, 36)[0] != 6081):
            skipped += 1  # ARP requests and the like: not a GENEVE frame
            continue
        # the IPv4 checksum does not change when source and destination swap places
        out.append(pmac + fr[0:6] + fr[12:26] + fr[30:34] + fr[26:30] + fr[34:])
    if not out:
        raise SystemExit("gen.py: no GENEVE frame in %s" % a.encap)
    write_pcap(a.out, out)
    print("gen.py: %s: %d appliance returns (%d other frames skipped)" %
          (a.out, len(out), skipped))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("flows")
    f.add_argument("out")
    f.add_argument("--flows", type=int, default=131072)
    f.add_argument("--passes", type=int, default=1)
    f.add_argument("--dst-mac", default="02:00:00:00:00:01")
    f.add_argument("--src-mac", default="02:00:00:00:0c:01")
    r = sub.add_parser("returns")
    r.add_argument("encap")
    r.add_argument("out")
    r.add_argument("--port-mac", default="02:00:00:00:00:02")
    a = ap.parse_args()
    (cmd_flows if a.cmd == "flows" else cmd_returns)(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
