# SPDX-License-Identifier: BSD-3-Clause
"""Minimal libpcap file reader/writer (Ethernet link type), standard library only.

Written by hand rather than with scapy so that generated files are byte-for-byte stable and
truncated or malformed frames are stored exactly as given.
"""

import struct

LINKTYPE_ETHERNET = 1
SNAPLEN = 65535
MAGIC_USEC = 0xA1B2C3D4
MAGIC_NSEC = 0xA1B23C4D


def write_pcap(path, records):
    """records: iterable of (time in seconds, frame bytes). Microsecond timestamps."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", MAGIC_USEC, 2, 4, 0, 0, SNAPLEN, LINKTYPE_ETHERNET))
        for t, frame in records:
            usec_total = round(t * 1_000_000)
            sec, usec = divmod(usec_total, 1_000_000)
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
            f.write(frame)


def _header_format(magic_bytes):
    for endian in ("<", ">"):
        magic = struct.unpack(endian + "I", magic_bytes)[0]
        if magic == MAGIC_USEC:
            return endian, 1e-6
        if magic == MAGIC_NSEC:
            return endian, 1e-9
    raise ValueError("not a pcap file (pcapng is not supported)")


def read_pcap(path):
    """Returns a list of (time in seconds, frame bytes)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: truncated pcap header" % path)
    endian, scale = _header_format(data[:4])
    records, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        records.append((sec + frac * scale, data[off:off + caplen]))
        off += caplen
    return records


def read_frames(path):
    return [frame for _, frame in read_pcap(path)]
