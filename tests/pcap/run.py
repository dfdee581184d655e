#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Golden pcap tests: replay pcaps/<case>/ through sluice-dp and compare with expectations.

    run.py --sluice-dp PATH [--case NAME ...] [--update-golden] [--keep]
    run.py --sluice-xdp PATH [--case NAME ...] [--keep]

Per case: re-run gen.py into a temp dir and require the committed generated files to be
identical; run sluice-dp on net_pcap vdevs; compare out-<port>.pcap with expected-<port>.pcap
byte for byte (in order when the case has a single non-empty input, else as a multiset);
compare expect.json with the --stats-json output; run check.py; decode every GENEVE frame
sluice-dp sent with tshark. Exit 0 only when the reference self-test and every case pass.

Every case, on both dataplanes, must also balance its counters (check_balance): every received
frame is sent, handed on, or counted in exactly one drop reason:

    sum(ports.*.rx_packets) == sum(drops except NOT_RECEIVED) + sum(events in TERMINAL)

TERMINAL are the events counted once for a received frame when it leaves sluice's hands:
sent on (geneve_encap, forwarded, bypass, nlb_forward, nlb_reply, nlb_icmp_translated),
answered in its own buffer (arp_reply, nd_advert, icmp_echo_reply), handed to the kernel
(kernel_in: sluice-dp's kernel interface, XDP_PASS), or consumed by learning (arp_consumed,
nd_consumed). Events about something else (geneve_decap is followed by the frame's terminal
event; arp_learned / nd_learned by an answer or a consumption; frames sluice makes itself:
arp_request, nd_solicit, nlb_rst_sent, icmp_frag_needed, icmp6_packet_too_big, kernel_out;
flow table events) are not terminal. NOT_RECEIVED are the drop reasons of frames sluice made
itself (own_frame_unsent) and tx_full (a frame already counted as sent that the TX ring then
refused; it must be 0 in a replay). A frame answered by an ICMP error or a RST is a drop
(mtu_exceeded, nlb_unknown_flow_reset, ...): the answer is a frame of its own.

--sluice-xdp runs the XDP program instead, through `sluice-xdp --replay` (BPF_PROG_TEST_RUN:
root, or CAP_BPF + CAP_NET_ADMIN): every in-<port>.pcap as received on its port, merged by
timestamp, outputs per port, with the same comparisons. A case sluice-dp alone can do (it
answers ARP/ND/ping itself; the XDP path leaves that to the kernel) has an xdp.json that says
its XDP equivalent: the input frames the program hands to the kernel (XDP_PASS, checked against
--pass-out byte for byte), which of sluice-dp's expected frames the XDP path sends too, and its
drop counters; it passes as "PASS (XDP equivalent)". Cases listed in xdp_skip.txt
(`case: reason`) are reported as SKIP with their reason, and count neither as passed nor failed.
"""

import argparse
import concurrent.futures
import difflib
import filecmp
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

sys.path.insert(0, os.path.dirname(HERE))
from pylib import pcapio  # noqa: E402

PYTHON = "/usr/bin/python3"
CASE_TIMEOUT = 60
GEN_TIMEOUT = 300
MAX_DUMPS = 3
XDP_SKIP = os.path.join(HERE, "xdp_skip.txt")
GENERATED = re.compile(r"^(in-.*\.pcap|expected-.*\.pcap|config\.yaml|events\.txt|expect\.json|"
                       r"case\.json)$")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    which = ap.add_mutually_exclusive_group(required=True)
    which.add_argument("--sluice-dp", help="path of the sluice-dp binary")
    which.add_argument("--sluice-xdp", help="path of the sluice-xdp binary: run the XDP program "
                       "(sluice-xdp --replay) instead of sluice-dp")
    ap.add_argument("--case", action="append", default=[], help="run only this case")
    ap.add_argument("--pcaps", default=os.path.join(ROOT, "pcaps"), help="cases directory")
    ap.add_argument("--update-golden", action="store_true",
                    help='rewrite expected-*.pcap of "golden": "recorded" cases from the output')
    ap.add_argument("--keep", action="store_true", help="keep the temp dirs")
    ap.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1),
                    help="cases run at once (default: the CPUs, at most 4); a case is mostly "
                    "Python, scapy and tshark, one process at a time")
    return ap.parse_args()


# --- small helpers -------------------------------------------------------------------------

def load_json(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path) as f:
        return json.load(f)


def hexdump(data, mark=None):
    lines = []
    for off in range(0, len(data), 16):
        chunk = data[off:off + 16]
        hexes = " ".join(("%02x" if mark is None or off + i != mark else "[%02x]") % b
                         for i, b in enumerate(chunk))
        lines.append("      %04x  %s" % (off, hexes))
    return "\n".join(lines)


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def summaries(frames):
    """One-line tshark summaries of frames (scapy's if tshark fails)."""
    if not frames:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "s.pcap")
        pcapio.write_pcap(path, [(1000.0, f) for f in frames])
        try:
            res = subprocess.run(["tshark", "-n", "-r", path, "-d", "udp.port==6081,geneve",
                                  "-T", "fields", "-e", "frame.protocols", "-e", "_ws.col.Info"],
                                 capture_output=True, text=True, timeout=60)
            lines = res.stdout.splitlines()
            if res.returncode == 0 and len(lines) == len(frames):
                return [" ".join(line.split("\t")) for line in lines]
        except (OSError, subprocess.TimeoutExpired):
            pass
    from scapy.all import Ether
    return [Ether(f).summary() for f in frames]


class Report:
    """Failures of one case."""

    def __init__(self):
        self.failures = []
        self.equivalent = None  # frames to the kernel, when an xdp.json equivalent ran

    def fail(self, title, detail=""):
        self.failures.append((title, detail))

    @property
    def ok(self):
        return not self.failures

    def print(self):
        for title, detail in self.failures:
            print("  - " + title)
            if detail:
                print(detail.rstrip())


# --- generation ----------------------------------------------------------------------------

def regenerate(case_dir, gen_dir, meta, report):
    """Run gen.py into gen_dir; the committed generated files must be identical."""
    res = subprocess.run([PYTHON, os.path.join(case_dir, "gen.py"), gen_dir],
                         capture_output=True, text=True, timeout=GEN_TIMEOUT)
    if res.returncode != 0:
        report.fail("gen.py failed (exit %d)" % res.returncode, res.stderr[-3000:])
        return
    recorded = meta.get("golden") == "recorded"
    fresh = {f for f in os.listdir(gen_dir) if GENERATED.match(f)}
    committed = {f for f in os.listdir(case_dir) if GENERATED.match(f)}
    if recorded:
        fresh = {f for f in fresh if not f.startswith("expected-")}
        committed = {f for f in committed if not f.startswith("expected-")}
    for name in sorted(fresh - committed):
        report.fail("gen.py writes %s but it is not committed (run gen.py)" % name)
    for name in sorted(committed - fresh - {"case.json"}):  # case.json may be hand-written
        report.fail("%s is committed but gen.py no longer writes it" % name)
    for name in sorted(fresh & committed):
        if not filecmp.cmp(os.path.join(gen_dir, name), os.path.join(case_dir, name),
                           shallow=False):
            report.fail("%s differs from what gen.py generates (edited by hand? run gen.py)"
                        % name)


# --- running sluice-dp ---------------------------------------------------------------------

def write_config(case_dir, tmp):
    """config.yaml with @IN@/@OUT@ substituted; missing rx pcaps replaced by empty ones."""
    with open(os.path.join(case_dir, "config.yaml")) as f:
        text = f.read()
    out_dir = os.path.join(tmp, "out")
    text = text.replace("@IN@", case_dir).replace("@OUT@", out_dir)

    def fill_missing(match):
        path = match.group(1)
        if os.path.exists(path):
            return match.group(0)
        empty = os.path.join(tmp, "empty-" + os.path.basename(path))
        pcapio.write_pcap(empty, [])
        return "rx_pcap=" + empty

    text = re.sub(r"rx_pcap=([^,\"'\s]+)", fill_missing, text)
    path = os.path.join(tmp, "config.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def config_ports(config_path):
    """Port names of the config, in order (a light parse: '- name: "X"' under ports:)."""
    import yaml
    with open(config_path) as f:
        conf = yaml.safe_load(f)
    return [p["name"] for p in conf.get("ports", [])]


def sluice_command(binary, config, stats, events, prefix):
    cmd = [binary, "--no-huge", "-m", "512", "--no-pci", "--no-shconf", "-l", "0,1",
           "--log-level=*:notice", "--file-prefix", prefix, "--",
           "--config", config, "--idle-exit", "300", "--pcap-clock", "--stats-json", stats]
    if events:
        cmd += ["--events", events]
    return cmd + ["--quiet"]


def run_sluice(binary, case_dir, tmp, report):
    """Returns the path of stats.json, or None when sluice-dp failed."""
    config = write_config(case_dir, tmp)
    os.makedirs(os.path.join(tmp, "out"), exist_ok=True)
    stats = os.path.join(tmp, "stats.json")
    events = os.path.join(case_dir, "events.txt")
    # a prefix of its own: cases run at once (--jobs) must not share EAL runtime files
    cmd = sluice_command(binary, config, stats, events if os.path.exists(events) else None,
                         "sl%d%s" % (os.getpid(), os.path.basename(tmp)[-8:]))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=CASE_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        report.fail("sluice-dp did not exit within %d s" % CASE_TIMEOUT, tail(err))
        return None
    if proc.returncode != 0:
        how = ("killed by signal %d" % -proc.returncode if proc.returncode < 0
               else "exit %d" % proc.returncode)
        report.fail("sluice-dp failed (%s): %s" % (how, " ".join(cmd)), tail(err + out))
        return None
    if not os.path.exists(stats):
        report.fail("sluice-dp exited 0 but wrote no %s" % stats, tail(err))
        return None
    return stats


def sluice_xdp_command(binary, case_dir, config, out_dir, stats, events):
    """sluice-xdp --replay with every non-empty in-<port>.pcap, one output per port."""
    cmd = [binary, "--config", config, "--stats-json", stats, "--quiet"]
    for port in config_ports(config):
        if has_input(case_dir, port):
            cmd += ["--replay", os.path.join(case_dir, "in-%s.pcap" % port), "--port", port]
        cmd += ["--out-port", "%s=%s" % (port, os.path.join(out_dir, "out-%s.pcap" % port))]
    if events:
        cmd += ["--events", events]
    return cmd


def run_sluice_xdp(binary, case_dir, tmp, report):
    """run_sluice() for the XDP path: returns the path of stats.json, or None on failure."""
    config = write_config(case_dir, tmp)
    out_dir = os.path.join(tmp, "out")
    os.makedirs(out_dir, exist_ok=True)
    stats = os.path.join(tmp, "stats.json")
    events = os.path.join(case_dir, "events.txt")
    cmd = sluice_xdp_command(binary, case_dir, config, out_dir, stats,
                             events if os.path.exists(events) else None)
    if "--replay" not in cmd:  # nothing arrives: nothing can leave, only the counters exist
        cmd += ["--replay", os.path.join(tmp, "empty.pcap"), "--port", config_ports(config)[0]]
        pcapio.write_pcap(os.path.join(tmp, "empty.pcap"), [])
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=CASE_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        report.fail("sluice-xdp did not exit within %d s" % CASE_TIMEOUT,
                    tail(exc.stderr.decode() if isinstance(exc.stderr, bytes) else
                         exc.stderr or ""))
        return None
    if res.returncode != 0:
        how = ("killed by signal %d" % -res.returncode if res.returncode < 0
               else "exit %d" % res.returncode)
        report.fail("sluice-xdp failed (%s): %s" % (how, " ".join(cmd)),
                    tail(res.stderr + res.stdout))
        return None
    if not os.path.exists(stats):
        report.fail("sluice-xdp exited 0 but wrote no %s" % stats, tail(res.stderr))
        return None
    return stats


def xdp_equivalent(binary, case_dir, tmp, eq, report):
    """The XDP path's equivalent of a DPDK-only case (xdp.json, see the docstring)."""
    config = write_config(case_dir, tmp)
    out_dir = os.path.join(tmp, "out")
    os.makedirs(out_dir, exist_ok=True)
    stats = os.path.join(tmp, "stats.json")
    passed = os.path.join(tmp, "pass.pcap")
    events = os.path.join(case_dir, "events.txt")
    cmd = sluice_xdp_command(binary, case_dir, config, out_dir, stats,
                             events if os.path.exists(events) else None)
    cmd += ["--pass-out", passed]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=CASE_TIMEOUT)
    if res.returncode != 0:
        report.fail("sluice-xdp failed (exit %d): %s" % (res.returncode, " ".join(cmd)),
                    tail(res.stderr + res.stdout))
        return
    ports = config_ports(config)
    inputs = [p for p in ports if has_input(case_dir, p)]
    kernel = []
    for port, numbers in sorted(eq.get("kernel", {}).items()):
        frames = pcapio.read_frames(os.path.join(case_dir, "in-%s.pcap" % port))
        kernel += [frames[n - 1] for n in numbers]
    got = pcapio.read_frames(passed) if os.path.exists(passed) else []
    if len(inputs) == 1:
        compare_in_order("to the kernel (XDP_PASS)", kernel, got, report)
    else:
        compare_multiset("to the kernel (XDP_PASS)", kernel, got, report)
    for port in ports:
        exp_path = os.path.join(case_dir, "expected-%s.pcap" % port)
        expected = pcapio.read_frames(exp_path) if os.path.exists(exp_path) else []
        want = [expected[n - 1] for n in eq.get("outputs", {}).get(port, [])]
        out_path = os.path.join(out_dir, "out-%s.pcap" % port)
        out = pcapio.read_frames(out_path) if os.path.exists(out_path) else []
        (compare_in_order if len(inputs) == 1 else compare_multiset)(port, want, out, report)
    drops = {k: v for k, v in load_json(stats, {}).get("drops", {}).items() if v}
    if drops != eq.get("drops", {}):
        report.fail("drops %s, xdp.json says %s" % (json.dumps(drops, sort_keys=True),
                                                   json.dumps(eq.get("drops", {}),
                                                              sort_keys=True)))
    check_balance(stats, report)
    check_geneve_decode(out_dir, report)
    report.equivalent = len(kernel)


def load_xdp_skips(path=XDP_SKIP):
    """{case: reason} from xdp_skip.txt (`case: reason` lines, # comments)."""
    skips = {}
    if not os.path.exists(path):
        return skips
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, sep, reason = line.partition(":")
            if not sep or not name.strip() or not reason.strip():
                sys.exit("%s:%d: expected `case: reason`" % (path, lineno))
            skips[name.strip()] = reason.strip()
    return skips


def tail(text, lines=40):
    return "\n".join("      " + line for line in text.splitlines()[-lines:])


# --- comparing outputs ---------------------------------------------------------------------

def packet_pair_detail(want, got, i, j):
    """Hex dumps of expected packet i and actual packet j (either may be None)."""
    w = want[i] if i is not None else None
    g = got[j] if j is not None else None
    sums = summaries([f for f in (w, g) if f is not None])
    mark = first_difference(w, g) if w is not None and g is not None else None
    parts = []
    if w is not None:
        parts += ["    expected #%d (%d bytes): %s" % (i, len(w), sums.pop(0)), hexdump(w, mark)]
    else:
        parts.append("    expected: nothing here")
    if g is not None:
        parts += ["    actual   #%d (%d bytes): %s" % (j, len(g), sums.pop(0)), hexdump(g, mark)]
    else:
        parts.append("    actual: nothing here (missing)")
    if mark is not None:
        parts.append("    first difference at byte %d" % mark)
    return "\n".join(parts)


def multiset_detail(want, got):
    missing = list((Counter(want) - Counter(got)).elements())
    extra = list((Counter(got) - Counter(want)).elements())
    parts = ["    missing %d, extra %d" % (len(missing), len(extra))]
    for label, frames in (("missing", missing), ("extra", extra)):
        for f, line in zip(frames[:MAX_DUMPS], summaries(frames[:MAX_DUMPS])):
            parts += ["    %s (%d bytes): %s" % (label, len(f), line), hexdump(f)]
    return "\n".join(parts), missing, extra


def compare_in_order(port, want, got, report):
    """Align the sequences (so one lost packet is not reported as all the later ones)."""
    if want == got:
        return
    matcher = difflib.SequenceMatcher(None, want, got, autojunk=False)
    details, counts = [], Counter()
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for i, j in itertools.zip_longest(range(i1, i2), range(j1, j2)):
            counts["differ" if i is not None and j is not None else
                   "missing" if j is None else "extra"] += 1
            if len(details) < MAX_DUMPS:
                details.append(packet_pair_detail(want, got, i, j))
    same_set = Counter(want) == Counter(got)
    report.fail("%s: %d expected, %d actual: %d differ, %d missing, %d extra%s"
                % (port, len(want), len(got), counts["differ"], counts["missing"],
                   counts["extra"], " (same packets, different order)" if same_set else ""),
                "\n".join(details))


def compare_multiset(port, want, got, report):
    if Counter(want) == Counter(got):
        return
    summary, _, _ = multiset_detail(want, got)
    report.fail("%s: output differs from the expectation (as a multiset; %d expected, %d actual)"
                % (port, len(want), len(got)), summary)


def compare_outputs(case_dir, out_dir, ports, meta, report):
    inputs = [p for p in ports if has_input(case_dir, p)]
    ordered = len(inputs) == 1
    unchecked = set(meta.get("unchecked_ports", []))
    for port in ports:
        out_path = os.path.join(out_dir, "out-%s.pcap" % port)
        got = pcapio.read_frames(out_path) if os.path.exists(out_path) else []
        exp_path = os.path.join(case_dir, "expected-%s.pcap" % port)
        if os.path.exists(exp_path):
            want = pcapio.read_frames(exp_path)
        elif port in unchecked:
            continue
        else:
            want = []
        if ordered:
            compare_in_order(port, want, got, report)
        else:
            compare_multiset(port, want, got, report)


def has_input(case_dir, port):
    path = os.path.join(case_dir, "in-%s.pcap" % port)
    return os.path.exists(path) and bool(pcapio.read_frames(path))


def flatten(obj, prefix=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from flatten(v, prefix + (k,))
    else:
        yield prefix, obj


def lookup(obj, path):
    for k in path:
        if not isinstance(obj, dict) or k not in obj:
            return KeyError
        obj = obj[k]
    return obj


def compare_stats(case_dir, stats_path, report):
    expect = load_json(os.path.join(case_dir, "expect.json"))
    if not expect:
        return
    stats = load_json(stats_path, {})
    diffs = []
    for path, want in flatten(expect):
        got = lookup(stats, path)
        if got is KeyError:
            diffs.append("    %s: expected %r, missing from stats.json" % (".".join(path), want))
        elif got != want:
            diffs.append("    %s: expected %r, got %r" % (".".join(path), want, got))
    if diffs:
        report.fail("stats differ from expect.json (%d)" % len(diffs), "\n".join(diffs))


def run_check(case_dir, out_dir, stats_path, report):
    script = os.path.join(case_dir, "check.py")
    if not os.path.exists(script):
        return
    env = dict(os.environ, PYTHONPATH=HERE)
    res = subprocess.run([PYTHON, script, out_dir, stats_path], capture_output=True, text=True,
                         timeout=GEN_TIMEOUT, env=env)
    if res.returncode != 0:
        report.fail("check.py failed (exit %d)" % res.returncode, tail(res.stdout + res.stderr))


# --- the receive balance (see the docstring) -----------------------------------------------

TERMINAL = ("geneve_encap", "forwarded", "bypass", "nlb_forward", "nlb_reply",
            "nlb_icmp_translated", "arp_reply", "nd_advert", "icmp_echo_reply", "kernel_in",
            "arp_consumed", "nd_consumed")
NOT_RECEIVED = ("tx_full", "own_frame_unsent")


def balance(stats):
    """(received, accounted, detail) of a --stats-json dict."""
    received = sum(p.get("rx_packets", 0) for p in stats.get("ports", {}).values())
    drops = {k: v for k, v in stats.get("drops", {}).items() if v and k not in NOT_RECEIVED}
    events = {k: stats.get("events", {}).get(k, 0) for k in TERMINAL}
    events = {k: v for k, v in events.items() if v}
    accounted = sum(drops.values()) + sum(events.values())
    detail = "    drops %s\n    terminal events %s" % (json.dumps(drops, sort_keys=True),
                                                     json.dumps(events, sort_keys=True))
    return received, accounted, detail


def check_balance(stats_path, report):
    stats = load_json(stats_path, {})
    missing = [k for k in TERMINAL if k not in stats.get("events", {})]
    missing += [k for k in NOT_RECEIVED if k not in stats.get("drops", {})]
    if missing or "ports" not in stats:
        report.fail("stats.json lacks what the receive balance needs: %s"
                    % ", ".join(missing or ["ports"]))
        return
    if stats["drops"]["tx_full"]:
        report.fail("tx_full %d in a replay: the receive balance cannot be checked"
                    % stats["drops"]["tx_full"])
    received, accounted, detail = balance(stats)
    if received != accounted:
        report.fail("receive balance: %d frames received, %d sent, handed on or dropped "
                    "(%+d)" % (received, accounted, accounted - received), detail)


# --- tshark: every GENEVE frame must decode ------------------------------------------------

TSHARK_FIELDS = ["frame.number", "geneve.option.class", "geneve.option.type", "frame.protocols",
                 "ip.checksum.status"]


def tshark_geneve(path):
    """Rows of TSHARK_FIELDS for the frames to UDP 6081 in path."""
    cmd = ["tshark", "-n", "-r", path, "-d", "udp.port==6081,geneve", "-o",
           "ip.check_checksum:TRUE", "-Y", "udp.dstport==6081", "-T", "fields",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    for field in TSHARK_FIELDS:
        cmd += ["-e", field]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if res.returncode != 0:
        raise RuntimeError(res.stderr.strip())
    return [line.split("\t") for line in res.stdout.splitlines()]


def geneve_problems(row):
    number, classes, types, protocols, ip_status = (row + [""] * 5)[:5]
    options = set(zip(classes.split(","), types.split(",")))
    problems = ["option 0x0108/%d missing" % t for t in (1, 2, 3)
                if ("0x0108", "0x%02x" % t) not in options]
    layers = protocols.split(":")
    after = layers[layers.index("geneve") + 1:] if "geneve" in layers else []
    if after[:1] not in (["ip"], ["ipv6"]):
        problems.append("inner packet not decoded as IP (%s)" % protocols)
    if "_ws.malformed" in layers:
        problems.append("malformed (%s)" % protocols)
    if "0" in ip_status.split(","):
        problems.append("bad IPv4 header checksum")
    return number, problems


def check_geneve_decode(out_dir, report):
    import checks
    for name in sorted(os.listdir(out_dir)):
        path = os.path.join(out_dir, name)
        if not name.endswith(".pcap") or not os.path.getsize(path):
            continue
        ours = sum(1 for f in pcapio.read_frames(path) if checks.is_geneve(f))
        try:
            rows = tshark_geneve(path)
        except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
            report.fail("tshark could not read %s: %s" % (name, exc))
            continue
        bad = [(n, p) for n, p in map(geneve_problems, rows) if p]
        if len(rows) != ours:
            report.fail("%s: tshark decoded %d GENEVE frames, expected %d"
                        % (name, len(rows), ours))
        if bad:
            detail = "\n".join("    frame %s: %s" % (n, "; ".join(p)) for n, p in bad[:10])
            report.fail("%s: %d GENEVE frames fail the tshark decode" % (name, len(bad)), detail)


# --- a case --------------------------------------------------------------------------------

def update_golden(case_dir, out_dir, ports):
    for port in ports:
        out_path = os.path.join(out_dir, "out-%s.pcap" % port)
        frames = pcapio.read_frames(out_path) if os.path.exists(out_path) else []
        exp_path = os.path.join(case_dir, "expected-%s.pcap" % port)
        if frames:
            pcapio.write_pcap(exp_path, [(1000.0 + i * 0.001, f) for i, f in enumerate(frames)])
        elif os.path.exists(exp_path):
            os.remove(exp_path)
    print("  updated the recorded expected-*.pcap of %s" % os.path.basename(case_dir))


def run_case(args, case_dir, tmp):
    report = Report()
    meta = load_json(os.path.join(case_dir, "case.json"), {})
    regenerate(case_dir, os.path.join(tmp, "gen"), meta, report)
    if not os.path.exists(os.path.join(case_dir, "config.yaml")):
        report.fail("no config.yaml")
        return report
    xdp_eq = load_json(os.path.join(case_dir, "xdp.json"), None) if args.sluice_xdp else None
    if xdp_eq is not None:
        xdp_equivalent(args.sluice_xdp, case_dir, tmp, xdp_eq, report)
        return report
    if args.sluice_xdp:
        stats = run_sluice_xdp(args.sluice_xdp, case_dir, tmp, report)
    else:
        stats = run_sluice(args.sluice_dp, case_dir, tmp, report)
    if stats is None:
        return report
    out_dir = os.path.join(tmp, "out")
    ports = config_ports(os.path.join(tmp, "config.yaml"))
    if args.update_golden and meta.get("golden") == "recorded":
        update_golden(case_dir, out_dir, ports)
    compare_outputs(case_dir, out_dir, ports, meta, report)
    compare_stats(case_dir, stats, report)
    check_balance(stats, report)
    run_check(case_dir, out_dir, stats, report)
    check_geneve_decode(out_dir, report)
    return report


def list_cases(args, all_cases=False):
    names = sorted(d for d in os.listdir(args.pcaps)
                   if os.path.exists(os.path.join(args.pcaps, d, "gen.py")))
    if all_cases:
        return names
    unknown = [c for c in args.case if c not in names]
    if unknown:
        sys.exit("unknown case(s): %s" % ", ".join(unknown))
    return [c for c in names if not args.case or c in args.case]


def run_reference_tests():
    res = subprocess.run([PYTHON, os.path.join(HERE, "test_ref.py")], capture_output=True,
                         text=True, timeout=GEN_TIMEOUT, cwd=HERE)
    print("%s reference self-test (test_ref.py)" % ("PASS" if res.returncode == 0 else "FAIL"))
    if res.returncode != 0:
        print(tail(res.stderr, 60))
    return res.returncode == 0


def preflight(args):
    name, path = ("sluice-xdp", args.sluice_xdp) if args.sluice_xdp else ("sluice-dp",
                                                                        args.sluice_dp)
    if not os.access(path, os.X_OK):
        sys.exit("%s not found or not executable: %s" % (name, path))
    if shutil.which("tshark") is None:
        sys.exit("tshark is required (apt-get install tshark)")
    if args.sluice_xdp:
        if args.update_golden:
            sys.exit("--update-golden records sluice-dp's output: not with --sluice-xdp")
        args.sluice_xdp = os.path.abspath(args.sluice_xdp)
        args.skips = load_xdp_skips()
        unknown = sorted(set(args.skips) - set(list_cases(args, all_cases=True)))
        if unknown:
            sys.exit("%s names unknown case(s): %s" % (XDP_SKIP, ", ".join(unknown)))
    else:
        args.sluice_dp = os.path.abspath(args.sluice_dp)
        args.skips = {}


def main():
    args = parse_args()
    preflight(args)
    ref_ok = run_reference_tests()
    passed, failed, skipped = [], [], []

    def one(name):
        """Run case name in a temp dir of its own: (report, temp dir)."""
        tmp = tempfile.mkdtemp(prefix="sluice-pcap-%s-" % name)
        try:
            report = run_case(args, os.path.join(os.path.abspath(args.pcaps), name), tmp)
        except Exception as exc:  # a broken case must not hide the others
            report = Report()
            report.fail("runner error: %s: %s" % (type(exc).__name__, exc))
        return report, tmp

    names = list_cases(args)
    for name in names:
        if name in args.skips:
            print("SKIP %s: %s" % (name, args.skips[name]))
            skipped.append(name)
    names = [n for n in names if n not in args.skips]
    # cases are independent (own temp dir, own EAL prefix, own replay): run --jobs of them at
    # once and report them in order
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for name, (report, tmp) in zip(names, pool.map(one, names)):
            eq = report.equivalent
            print("%s %s%s%s" % ("PASS" if report.ok else "FAIL", name,
                                 "  (XDP equivalent: %d frames to the kernel, pcaps/%s/xdp.json)"
                                 % (eq, name) if eq is not None else "",
                                 "  (kept %s)" % tmp if args.keep else ""))
            report.print()
            (passed if report.ok else failed).append(name)
            if not args.keep:
                shutil.rmtree(tmp, ignore_errors=True)
            sys.stdout.flush()
    if failed:
        print("failed cases: %s" % " ".join(failed))
    print("pcap%s: %d passed, %d failed%s"
          % (" (XDP)" if args.sluice_xdp else "", len(passed) + ref_ok,
             len(failed) + (not ref_ok),
             ", %d skipped (%s)" % (len(skipped), os.path.relpath(XDP_SKIP, ROOT))
             if skipped else ""))
    return 0 if ref_ok and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
