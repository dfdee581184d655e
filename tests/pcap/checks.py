# SPDX-License-Identifier: BSD-3-Clause
"""Decoding of sluice's output frames for the runner and the cases' check.py scripts.

check.py is run as `check.py OUTDIR STATS_JSON`; it imports this module and hands its checks
to run(), which exits 1 when one failed.
"""

import importlib
import ipaddress
import json
import os
import struct
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pylib import pcapio  # noqa: E402
import sluice_ref as ref


class Encap:
    """A GENEVE frame (Ethernet / IPv4 / UDP dport 6081 / GENEVE)."""

    def __init__(self, data):
        ihl = (data[14] & 0x0F) * 4
        udp = 14 + ihl
        gen = udp + 8
        self.frame = data
        self.outer_src = str(ipaddress.IPv4Address(data[26:30]))
        self.outer_dst = str(ipaddress.IPv4Address(data[30:34]))
        self.sport, self.dport = struct.unpack("!HH", data[udp:udp + 4])
        self.version = data[gen] >> 6
        self.opt_len = (data[gen] & 0x3F) * 4
        self.oam = bool(data[gen + 1] & 0x80)
        self.critical = bool(data[gen + 1] & 0x40)
        self.proto = struct.unpack("!H", data[gen + 2:gen + 4])[0]
        self.options = _options(data[gen + 8:gen + 8 + self.opt_len])
        self.inner = data[gen + 8 + self.opt_len:]

    def option(self, opt_type):
        values = [d for c, t, d in self.options if c == ref.GWLB_CLASS and t == opt_type]
        return int.from_bytes(values[0], "big") if values else None


def _options(raw):
    out, off = [], 0
    while off + 4 <= len(raw):
        cls, typ, length = struct.unpack("!HBB", raw[off:off + 4])
        size = (length & 0x1F) * 4
        out.append((cls, typ, raw[off + 4:off + 4 + size]))
        off += 4 + size
    return out


def is_geneve(data):
    if len(data) < 14 + 20 + 8 + 8 or data[12:14] != b"\x08\x00" or data[23] != ref.PROTO_UDP:
        return False
    udp = 14 + (data[14] & 0x0F) * 4
    return struct.unpack("!H", data[udp + 2:udp + 4])[0] == ref.GENEVE_PORT


def frames(outdir, port):
    path = os.path.join(outdir, "out-%s.pcap" % port)
    return pcapio.read_frames(path) if os.path.exists(path) else []


def encaps(outdir, port="appliances"):
    return [Encap(f) for f in frames(outdir, port) if is_geneve(f)]


def addr(raw16, family):
    return str(ipaddress.ip_address(raw16[:4] if family == 4 else raw16))


def conversation(inner, stickiness):
    """A direction-free name of what stickiness groups: host pair (+ proto (+ ports))."""
    info = ref.flow_info(inner)
    ends = [(addr(info.saddr, info.family), info.ports[0] if info.ports else 0),
            (addr(info.daddr, info.family), info.ports[1] if info.ports else 0)]
    if stickiness == ref.STICK_5:
        return (info.proto,) + tuple(sorted(ends))
    hosts = tuple(sorted(e[0] for e in ends))
    return hosts if stickiness == ref.STICK_2 else (info.proto,) + hosts


def appliances_by(outdir, stickiness, port="appliances"):
    """{conversation: set of appliance addresses it was sent to}"""
    seen = defaultdict(set)
    for e in encaps(outdir, port):
        seen[conversation(e.inner, stickiness)].add(e.outer_dst)
    return seen


def count_by_appliance(outdir, port="appliances"):
    return Counter(e.outer_dst for e in encaps(outdir, port))


def load_stats(path):
    with open(path) as f:
        return json.load(f)


class Checker:
    """Collects failures; report() prints them and exits 1 if any."""

    def __init__(self, name):
        self.name = name
        self.failures = []

    def check(self, ok, message):
        if not ok:
            self.failures.append(message)
        return ok

    def shares(self, counts, expected, total, tolerance):
        """counts: {key: n}; expected: {key: fraction}; each within ±tolerance (relative)."""
        print("%s: %s" % (self.name, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
        for key, frac in expected.items():
            want = total * frac
            got = counts.get(key, 0)
            self.check(abs(got - want) <= tolerance * want,
                       "%s: %d packets, expected %.0f ±%d%%" % (key, got, want, tolerance * 100))
        extra = set(counts) - set(expected)
        self.check(not extra, "unexpected destinations: %s" % sorted(extra))

    def report(self):
        for msg in self.failures:
            print("%s: %s" % (self.name, msg))
        if self.failures:
            sys.exit(1)
        print("%s: ok" % self.name)


def check_args():
    if len(sys.argv) != 3:
        sys.exit("usage: check.py OUTDIR STATS_JSON")
    return sys.argv[1], load_stats(sys.argv[2])


def run(check_py, body, gen=False):
    """The frame of every check.py: body(c, outdir, case) with c a Checker named after the
    case's folder and case its gen module (the folder put on sys.path first) when gen is set,
    else None; then c.report() (exit 1 when a check failed)."""
    case_dir = os.path.dirname(os.path.abspath(check_py))
    outdir, _ = check_args()
    c = Checker(os.path.basename(case_dir))
    case = None
    if gen:
        sys.path.insert(0, case_dir)
        case = importlib.import_module("gen")
    body(c, outdir, case)
    c.report()


def inputs(case_dir, port="outside"):
    """[(time, frame)] the case sends in on port."""
    return pcapio.read_pcap(os.path.join(case_dir, "in-%s.pcap" % port))


def sticky(c, outdir, stickiness, groups):
    """Every group of packets that stickiness keys together went to one appliance, and there
    were `groups` of them."""
    seen = appliances_by(outdir, stickiness)
    c.check(len(seen) == groups, "%d groups, expected %d" % (len(seen), groups))
    for group, apps in sorted(seen.items()):
        c.check(len(apps) == 1, "%s: sent to %s" % (group, sorted(apps)))


def compare_with_model(checker, gateway, case_dir, outdir, in_port="outside",
                       out_port="appliances"):
    """Every output frame equals what the model computes for the inputs, in order."""
    want = []
    for t, data in inputs(case_dir, in_port):
        want += [f for port, f in gateway.transit(data, t) if port == out_port]
    got = frames(outdir, out_port)
    bad = [i for i, (w, g) in enumerate(zip(want, got)) if w != g]
    checker.check(len(want) == len(got), "%d frames, the reference computes %d"
                  % (len(got), len(want)))
    checker.check(not bad, "%d frames differ from the reference, first at index %s"
                  % (len(bad), bad[:1]))
