# SPDX-License-Identifier: BSD-3-Clause
"""Prints the benchmark table of tests/bench/run.sh from what the runs left behind.

  report.py --tp-encap LOG... --sl-encap JSON... --tp-return LOG... --sl-return JSON...
            [--json SUMMARY]

A testpmd LOG is the output of an interactive session that ran "show port stats 0", start,
(N seconds), "show port stats 0": its last Rx-pps of port 0 is the baseline (testpmd computes
it over the time between the two shows). A sluice-dp JSON is its --stats-json:
Mpps per core = rx_packets of the input port / elapsed_s / workers.
With several files per case (run.sh --repeat), a row shows the best run (other load on the
machine only slows a run down) and the drops of every run. A missing or unreadable input gives
"n/a" in its row; this script always exits 0. --json writes the rows' figures (Mpps/core, null
for n/a) and problems, for compare.py.
"""
import argparse
import json
import re
import sys


def testpmd_mpps(path):
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return None, "no log"
    pps = re.findall(r"Rx-pps:\s+(\d+)", text)
    rx = re.findall(r"RX-packets:\s+(\d+)\s+RX-missed", text)
    if len(pps) < 2 or len(rx) < 2:
        return None, "no second \"show port stats\" in the log"
    return int(pps[-1]) / 1e6, "%d packets" % (int(rx[-1]) - int(rx[-2]))


def drop_problems(d):
    """["drops: reason=n, ..."] of a sluice-dp --stats-json with any drop, else []."""
    drops = {k: v for k, v in d.get("drops", {}).items() if v}
    return ["drops: " + ", ".join("%s=%d" % kv for kv in sorted(drops.items()))] if drops else []


def write_summary(path, summary, me):
    """--json: the rows' figures for compare.py; a write error is reported, not fatal."""
    try:
        with open(path, "w") as f:
            json.dump(summary, f, indent=1)
    except OSError as e:
        print("%s: %s: %s" % (me, path, e))


def sluice(path, port, want):
    """(Mpps per core or None, packets, [problems])."""
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        return None, 0, ["no stats: %s" % e]
    rx = d["ports"][port]["rx_packets"]
    el, workers = d.get("elapsed_s"), d.get("workers") or 1
    probs = []
    if not el:
        probs.append("no elapsed_s in the stats")
    for ev in want:
        n = d["events"].get(ev, 0)
        if n != rx:
            probs.append("%s %d != rx %d (%+d)" % (ev, n, rx, n - rx))
    probs += drop_problems(d)
    mpps = rx / el / workers / 1e6 if el else None
    return mpps, rx, probs


def main():
    ap = argparse.ArgumentParser()
    for k in ("tp-encap", "sl-encap", "tp-return", "sl-return"):
        ap.add_argument("--" + k, required=True, nargs="+")
    ap.add_argument("--json")
    a = ap.parse_args()

    def best_tp(paths):
        runs = [testpmd_mpps(p) for p in paths]
        ok = [r for r in runs if r[0] is not None]
        return max(ok) if ok else runs[0]

    def best_sl(paths, port, want):
        runs = [sluice(p, port, want) for p in paths]
        probs = []
        for i, r in enumerate(runs):
            probs += [("run %d: " % (i + 1) if len(runs) > 1 else "") + p for p in r[2]]
        ok = [r for r in runs if r[0] is not None]
        best = max(ok) if ok else runs[0]
        return best[0], best[1], probs

    rows = []
    tp_e, tp_e_note = best_tp(a.tp_encap)
    tp_r, tp_r_note = best_tp(a.tp_return)
    sl_e, sl_e_rx, sl_e_probs = best_sl(a.sl_encap, "outside", ["geneve_encap"])
    sl_r, sl_r_rx, sl_r_probs = best_sl(a.sl_return, "appliances",
                                        ["geneve_decap", "forwarded"])

    def fmt(x, spec="%.2f"):
        return spec % x if x is not None else "n/a"

    def ratio(x, base):
        return "%.3f" % (x / base) if x is not None and base else "n/a"

    rows.append(("testpmd io, flows.pcap -> null", fmt(tp_e), "1.000" if tp_e else "n/a",
                 tp_e_note))
    rows.append(("sluice-dp encapsulation", fmt(sl_e), ratio(sl_e, tp_e),
                 "%d packets" % sl_e_rx))
    rows.append(("testpmd io, returns.pcap -> null", fmt(tp_r), "1.000" if tp_r else "n/a",
                 tp_r_note))
    rows.append(("sluice-dp return path", fmt(sl_r), ratio(sl_r, tp_r),
                 "%d packets" % sl_r_rx))
    w = [max(len(r[i]) for r in rows + [("case", "Mpps/core", "vs testpmd", "")])
         for i in range(3)]
    print("%-*s  %*s  %*s  %s" % (w[0], "case", w[1], "Mpps/core", w[2], "vs testpmd",
                                   "counted"))
    for r in rows:
        print("%-*s  %*s  %*s  %s" % (w[0], r[0], w[1], r[1], w[2], r[2], r[3]))
    if len(a.tp_encap) > 1:
        print()
        print("each round (Mpps/core; sluice-dp's ratio to the testpmd run just before it):")
        for i, (te, se, tr, sr) in enumerate(zip(a.tp_encap, a.sl_encap, a.tp_return,
                                                 a.sl_return)):
            t1, s1 = testpmd_mpps(te)[0], sluice(se, "outside", [])[0]
            t2, s2 = testpmd_mpps(tr)[0], sluice(sr, "appliances", [])[0]
            print("  round %d: testpmd %s, encapsulation %s (%s); testpmd %s, return %s (%s)"
                  % (i + 1, fmt(t1), fmt(s1), ratio(s1, t1), fmt(t2), fmt(s2), ratio(s2, t2)))
    print()
    print("drops/mismatches, encapsulation: %s" % ("; ".join(sl_e_probs) or "none "
          "(geneve_encap == rx_packets of outside)"))
    print("drops/mismatches, return path:   %s" % ("; ".join(sl_r_probs) or "none "
          "(geneve_decap == forwarded == rx_packets of appliances)"))
    if a.json:
        # "-runs": each round's figure, in order (None where a run gave none), so that
        # all.sh can take the median and each round's own ratio beside the best
        summary = {"testpmd-encap": tp_e, "encap": sl_e, "encap-problems": sl_e_probs,
                   "testpmd-return": tp_r, "return": sl_r, "return-problems": sl_r_probs,
                   "testpmd-encap-runs": [testpmd_mpps(p)[0] for p in a.tp_encap],
                   "encap-runs": [sluice(p, "outside", [])[0] for p in a.sl_encap],
                   "testpmd-return-runs": [testpmd_mpps(p)[0] for p in a.tp_return],
                   "return-runs": [sluice(p, "appliances", [])[0] for p in a.sl_return]}
        write_summary(a.json, summary, "report.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
