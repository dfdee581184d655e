# SPDX-License-Identifier: BSD-3-Clause
"""Traffic and table of the load-balancer benchmark (tests/bench/nlb.sh). Deterministic: the
same arguments always give byte-identical files. Plain Python, raw bytes (no scapy), so that
a million packets take seconds. Same pcap format as gen.py (microsecond pcap, Ethernet,
timestamps 1 us apart).

  nlb_gen.py syns OUT.pcap --flows N
      N TCP SYNs (no ACK), every one of a distinct client flow (client address and port), to
      the zone IP and listener port (default 10.0.1.10:443): each one is a new flow.

  nlb_gen.py established OUT.pcap --flows N --data K
      The same N flows: first the N SYNs, then K rounds of one ACK packet with payload
      (PSH|ACK, IPv4 packets of 64..128 bytes) per flow, so every flow's SYN comes before its
      data and consecutive packets belong to different flows. Replayed with infinite_rx, the
      SYNs of the 2nd and later rounds meet existing sessions and are forwarded like the rest.

  nlb_gen.py report MANIFEST [--json SUMMARY]
      Prints the table of nlb.sh from the runs listed in MANIFEST (written by nlb.sh): one
      line per run, tab-separated: ID KIND LABEL BASE-ID PARAM FILE
        tp-once  testpmd io, one pass over a file, --record-core-cycles: Mpps =
                 TSC MHz / CPU cycles per packet (cycles of bursts that received packets)
        tp-inf   testpmd io, infinite_rx: the last Rx-pps (over the time between two
                 "show port stats")
        sl-new   sluice-dp, one pass, --idle-exit PARAM ms: new flows/s =
                 nlb_new_flow / (elapsed_s - PARAM/1000) / workers
        sl-est   sluice-dp, infinite_rx, stopped after N s: Mpps = rx_packets(outside) /
                 elapsed_s / workers; PARAM = the flows of the file (sessions expected)
      Several lines with the same ID are repeated runs: the row shows the best (load on the
      machine only ever slows a run down) and the spread. Always exits 0.
"""
import argparse
import ipaddress
import json
import os
import re
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pylib import frames as fr  # noqa: E402
from pylib import pcapio  # noqa: E402
from gen import add_mac_args  # noqa: E402
from report import drop_problems, testpmd_mpps, write_summary  # noqa: E402

T0 = 1_000_000  # capture timestamps (us): deterministic, 1 us apart
MAX_FLOWS = 1 << 22
TCP_SYN, TCP_PSH_ACK = 0x02, 0x18


def client(i):
    """Flow i's client address and port: 8 flows per address (10.128.0.0 + i // 8), the
    port 1024.. spread by a multiplier: (address, port) distinct for every i < 2**22."""
    a = (10 << 24) | (128 << 16) | (i >> 3)
    sport = 1024 + (i * 40503) % 64512  # 40503 and 64512 share only 3: no repeat in 8
    return struct.pack("!I", a), sport


class Maker:
    def __init__(self, a):
        self.eth = a.dst_mac + a.src_mac + b"\x08\x00"
        self.dst = ipaddress.IPv4Address(a.zone_ip).packed
        self.dport = a.port

    def frame(self, i, flags, seq, ack, payload, opts=b""):
        src, sport = client(i)
        tcp = fr.tcp(src, self.dst, sport, self.dport, seq, ack, flags, 64240, opts, payload)
        return self.eth + fr.ipv4(src, self.dst, 6, tcp, ident=i)

    def syn(self, i):
        # MSS 1460, NOP, window scale 7: IPv4 48 bytes, frame 62 (no Ethernet padding)
        return self.frame(i, TCP_SYN, self.isn(i), 0, b"",
                          b"\x02\x04\x05\xb4\x01\x03\x03\x07")

    def data(self, i, r):
        ip_len = 64 + (i * 37 + r * 11) % 65  # IPv4 packet 64..128 bytes
        n = ip_len - 40
        payload = bytes(((i + r + k) & 0xFF for k in range(n)))
        return self.frame(i, TCP_PSH_ACK, (self.isn(i) + 1 + r * 88) & 0xFFFFFFFF,
                          (i * 7919 + 1) & 0xFFFFFFFF, payload)

    @staticmethod
    def isn(i):
        return (i * 2654435761) & 0xFFFFFFFF


def check_flows(n):
    if not 1 <= n < MAX_FLOWS:
        raise SystemExit("nlb_gen.py: --flows must be in 1..%d" % (MAX_FLOWS - 1))


def cmd_syns(a):
    check_flows(a.flows)
    m = Maker(a)
    pcapio.write_frames(a.out, [m.syn(i) for i in range(a.flows)], T0)
    print("nlb_gen.py: %s: %d TCP SYNs of %d distinct flows to %s:%d" %
          (a.out, a.flows, a.flows, a.zone_ip, a.port))


def cmd_established(a):
    check_flows(a.flows)
    if a.data < 1:
        raise SystemExit("nlb_gen.py: --data must be >= 1")
    m = Maker(a)
    frames = [m.syn(i) for i in range(a.flows)]
    for r in range(a.data):
        frames += [m.data(i, r) for i in range(a.flows)]
    pcapio.write_frames(a.out, frames, T0)
    print("nlb_gen.py: %s: %d flows to %s:%d, SYN then %d data packets each: %d packets" %
          (a.out, a.flows, a.zone_ip, a.port, a.data, len(frames)))


# -- report -----------------------------------------------------------------------------------

def tp_once(path):
    """testpmd one pass with --record-core-cycles: (Mpps or None, note)."""
    try:
        text = open(path, errors="replace").read()
    except OSError:
        return None, "no log"
    m = re.findall(r"CPU cycles/packet=([0-9.]+) \(.*?packets=(\d+)\) at (\d+) MHz", text)
    if not m:
        return None, "no \"CPU cycles/packet\" in the log"
    cpp, pkts, mhz = float(m[-1][0]), int(m[-1][1]), int(m[-1][2])
    if not cpp:
        return None, "0 cycles/packet"
    return mhz / cpp, "%d packets, %.0f cycles/packet at %d MHz" % (pkts, cpp, mhz)


def load(path):
    try:
        with open(path) as f:
            return json.load(f), None
    except (OSError, ValueError) as e:
        return None, "no stats: %s" % e


def sl_read(path):
    """(stats, rx packets of outside, nlb_new_flow, nlb_forward, elapsed_s, workers) of a
    sluice-dp --stats-json, or (None, error)."""
    d, err = load(path)
    if err:
        return None, err
    ev = d["events"]
    return (d, d["ports"]["outside"]["rx_packets"], ev.get("nlb_new_flow", 0),
            ev.get("nlb_forward", 0), d.get("elapsed_s"), d.get("workers") or 1), None


def sl_new(path, param):
    """(new flows/s per core or None, note, [problems]); param "IDLE_MS:SYNS" (SYNS: the
    file's SYNs, every one of them must be read and make a session; a run that ended early,
    its worker stalled for longer than --idle-exit on a loaded machine, is a problem)"""
    idle, _, want = param.partition(":")
    idle_ms = int(idle)
    s, err = sl_read(path)
    if err:
        return None, "", [err]
    d, rx, new, fwd, el, workers = s
    probs = []
    busy = el - idle_ms / 1000.0 if el else None
    if not busy or busy <= 0:
        probs.append("elapsed_s %s not above the idle-exit wait" % el)
        busy = None
    if want and rx != int(want):
        probs.append("read %d of the %s SYNs (ended early: a stall longer than --idle-exit?)"
                     % (rx, want))
    if new != rx:
        probs.append("nlb_new_flow %d != rx %d" % (new, rx))
    if fwd != rx:
        probs.append("nlb_forward %d != rx %d" % (fwd, rx))
    probs += drop_problems(d)
    rate = new / busy / workers if busy else None
    note = "%d new flows in %.1f ms (elapsed %.1f ms - idle-exit %d ms)" % (
        new, busy * 1000 if busy else 0, (el or 0) * 1000, idle_ms)
    return rate, note, probs


def sl_est(path, flows):
    s, err = sl_read(path)
    if err:
        return None, "", [err]
    d, rx, new, fwd, el, workers = s
    probs = []
    if not el:
        probs.append("no elapsed_s")
    if new != flows:
        probs.append("nlb_new_flow %d != %d flows" % (new, flows))
    if fwd != rx:
        probs.append("nlb_forward %d != rx %d (%+d)" % (fwd, rx, fwd - rx))
    probs += drop_problems(d)
    mpps = rx / el / workers / 1e6 if el else None
    note = "%d packets in %.2f s, %d NAT sessions at exit" % (rx, el or 0,
                                                              d.get("nlb_sessions", -1))
    return mpps, note, probs


def cmd_report(a):
    rows = {}  # id -> dict
    order = []
    with open(a.manifest) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            rid, kind, label, base, param, path = line.split("\t")
            if rid not in rows:
                rows[rid] = {"kind": kind, "label": label, "base": base, "param": param,
                             "runs": []}
                order.append(rid)
            rows[rid]["runs"].append(path)
    res = {}
    for rid in order:
        r = rows[rid]
        runs = []
        for i, p in enumerate(r["runs"]):
            if r["kind"] == "tp-once":
                v, note = tp_once(p)
                probs = []
            elif r["kind"] == "tp-inf":
                v, note = testpmd_mpps(p)
                probs = []
            elif r["kind"] == "sl-new":
                v, note, probs = sl_new(p, r["param"])
            else:
                v, note, probs = sl_est(p, int(r["param"]))
            if v is None and not probs:
                probs = [note]
            runs.append((v, note, probs))
        ok = [x for x in runs if x[0] is not None]
        best = max(ok, key=lambda x: x[0]) if ok else (None, "", [])
        probs = []
        for i, x in enumerate(runs):
            probs += [("run %d: " % (i + 1) if len(runs) > 1 else "") + p for p in x[2]]
        res[rid] = {"best": best[0], "note": best[1], "probs": probs,
                    "all": [x[0] for x in runs]}

    def fmt(rid):
        r, v = rows[rid], res[rid]["best"]
        if v is None:
            return "n/a"
        if r["kind"] == "sl-new":
            return "%.3f M/s" % (v / 1e6)
        return "%.2f Mpps" % v

    table = [("case", "per core", "vs testpmd", "spread", "drops / mismatches")]
    for rid in order:
        r, x = rows[rid], res[rid]
        b = x["best"]
        base = res.get(r["base"], {}).get("best") if r["base"] != "-" else None
        if r["kind"].startswith("tp"):
            ratio = "1.000" if b else "n/a"
        elif b is not None and base:
            ratio = "%.3f" % ((b / 1e6 if r["kind"] == "sl-new" else b) / base)
        else:
            ratio = "n/a"
        vals = [v for v in x["all"] if v is not None]
        if len(x["all"]) > 1 and vals:
            k = 1e6 if r["kind"] == "sl-new" else 1
            spread = "%.3g..%.3g (%d)" % (min(vals) / k, max(vals) / k, len(x["all"]))
        else:
            spread = "-"
        if r["kind"].startswith("tp"):
            dr = "-"
        else:
            dr = "; ".join(x["probs"]) or "none"
        table.append((r["label"], fmt(rid), ratio, spread, dr))
    w = [max(len(t[i]) for t in table) for i in range(4)]
    for t in table:
        print("%-*s  %*s  %*s  %-*s  %s" % (w[0], t[0], w[1], t[1], w[2], t[2], w[3], t[3],
                                             t[4]))
    print()
    for rid in order:
        if res[rid]["note"]:
            print("  %s: %s" % (rows[rid]["label"], res[rid]["note"]))
    if a.json:
        summary = {rid: {"label": rows[rid]["label"], "kind": rows[rid]["kind"],
                         "base": rows[rid]["base"], "best": res[rid]["best"],
                         "all": res[rid]["all"], "problems": res[rid]["probs"]} for rid in order}
        write_summary(a.json, summary, "nlb_gen.py")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("syns", "established"):
        p = sub.add_parser(name)
        p.add_argument("out")
        p.add_argument("--flows", type=int, required=True)
        if name == "established":
            p.add_argument("--data", type=int, default=7)
        p.add_argument("--zone-ip", default="10.0.1.10")
        p.add_argument("--port", type=int, default=443)
        add_mac_args(p)
    r = sub.add_parser("report")
    r.add_argument("manifest")
    r.add_argument("--json")
    a = ap.parse_args()
    if a.cmd == "report":
        try:
            return cmd_report(a)
        except Exception as e:  # a benchmark table never fails the run
            print("nlb_gen.py report: %s" % e)
            return 0
    (cmd_syns if a.cmd == "syns" else cmd_established)(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
