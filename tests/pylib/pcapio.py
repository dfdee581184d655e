# SPDX-License-Identifier: BSD-3-Clause
"""Minimal libpcap file reader/writer (Ethernet link type), standard library only.

Written by hand rather than with scapy so that generated files are byte-for-byte stable and
truncated or malformed frames are stored exactly as given: the golden cases (pcaps/), the
namespace labs' inputs and captures and the benchmark's traffic all go through here.
"""

import struct

LINKTYPE_ETHERNET = 1
SNAPLEN = 65535
MAGIC_USEC = 0xA1B2C3D4
MAGIC_NSEC = 0xA1B23C4D
HEADER = struct.pack("<IHHiIII", MAGIC_USEC, 2, 4, 0, 0, SNAPLEN, LINKTYPE_ETHERNET)


def write_pcap(path, records):
    """records: iterable of (time in seconds, frame bytes). Microsecond timestamps."""
    with open(path, "wb") as f:
        f.write(HEADER)
        for t, frame in records:
            usec_total = round(t * 1_000_000)
            sec, usec = divmod(usec_total, 1_000_000)
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
            f.write(frame)


def write_frames(path, frames, t0_us=1000 * 1_000_000):
    """frames (bytes) with deterministic timestamps: t0_us microseconds, then 1 us apart."""
    with open(path, "wb") as f:
        f.write(HEADER)
        for i, fr in enumerate(frames):
            ts = t0_us + i
            f.write(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(fr), len(fr)))
            f.write(fr)


def _header_format(magic_bytes):
    for endian in ("<", ">"):
        magic = struct.unpack(endian + "I", magic_bytes)[0]
        if magic == MAGIC_USEC:
            return endian, 1e-6
        if magic == MAGIC_NSEC:
            return endian, 1e-9
    raise ValueError("not a pcap file (pcapng is not supported)")


def read_pcap(path, whole=False):
    """Returns a list of (time in seconds, frame bytes). whole: refuse an other link type
    than Ethernet and frames captured in part (caplen < wire length)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: truncated pcap header" % path)
    endian, scale = _header_format(data[:4])
    if whole and struct.unpack_from(endian + "I", data, 20)[0] != LINKTYPE_ETHERNET:
        raise ValueError("%s is not an Ethernet capture" % path)
    records, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, wirelen = struct.unpack(endian + "IIII", data[off:off + 16])
        if whole and caplen != wirelen:
            raise ValueError("%s holds truncated frames" % path)
        off += 16
        records.append((sec + frac * scale, data[off:off + caplen]))
        off += caplen
    return records


def read_frames(path):
    return [frame for _, frame in read_pcap(path)]


def read_capture(path):
    """read_pcap of a capture that may still be written: [] while the file is missing or has
    no header yet, and a truncated last record is left out."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    if len(data) < 24:
        return []
    endian, scale = _header_format(data[:4])
    out, off = [], 24
    hdr = struct.Struct(endian + "IIII")
    while off + 16 <= len(data):
        sec, frac, incl, _ = hdr.unpack_from(data, off)
        if off + 16 + incl > len(data):
            break
        off += 16
        out.append((sec + frac * scale, data[off:off + incl]))
        off += incl
    return out
