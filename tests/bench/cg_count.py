# SPDX-License-Identifier: BSD-3-Clause
"""Instructions (callgrind Ir) per packet of sluice-dp's worker, polling loop and PMDs excluded
(tests/bench/callgrind.sh runs it; method: docs/benchmarks.md, "Instruction counts").

  cg_count.py DIR --calibrate NAME [NAME ...] --path LABEL SMALL BIG PACKETS CHECKS [...]
              [--functions K] [--json FILE]

DIR holds NAME.cg (callgrind --dump-instr=yes --toggle-collect=worker_main) and NAME.json
(sluice-dp --stats-json) of every run. A path's Ir per packet = (counted Ir of BIG - counted
Ir of SMALL) / PACKETS, the two runs differing only in their packet count. CHECKS:
"run:event=n,event=n;run:..." (e.g. "small:geneve_encap=10000;big:geneve_encap=30000"): each
run's counters must match, and no drop counted, else the row says so.

Counted: every instruction the worker thread runs in worker_main and its callees, except
(a) the RX/TX PMDs' code (net_pcap, net_null, libpcap, and what only they call; of a function
both call, e.g. memcpy, only the inclusive cost of sluice's own call sites) and (b) the polling
loop: instructions executed on at least half of the poll iterations (calls of excp_poll from
worker_main) of the --calibrate runs, small files where idle iterations outnumber packets by
far. Raw toggled totals would be dominated by idle polling, which varies with timing.
Always exits 0 (a benchmark); a missing or broken run shows "n/a".
"""
import argparse
import collections
import json
import os
import re
import sys

PMD_OBJ = re.compile(r"librte_net_pcap|librte_net_null|libpcap")


def parse(path):
    """callgrind out file -> (self Ir by (object, function, address), call edges)."""
    names = {"ob": {}, "fl": {}, "fn": {}}

    def nm(kind, s):
        m = re.match(r"\((\d+)\)(?: (.*))?$", s.strip())
        if not m:
            return s.strip()
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
        return names[kind][m.group(1)]

    selfc = collections.defaultdict(int)
    calls = []  # (ob, fn, callee ob, callee fn, calls, inclusive Ir, address)
    ob = fn = cob = cfn = None
    pos = [0, 0]
    pend = None

    def parsepos(tok, i):
        if tok == "*":
            return pos[i]
        if tok[0] in "+-":
            return pos[i] + int(tok, 0)
        return int(tok, 0)

    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                toks = line.split()
                a = parsepos(toks[0], 0)
                ln = parsepos(toks[1], 1)
                pos[0], pos[1] = a, ln
                v = int(toks[2]) if len(toks) > 2 else 0
                if pend is not None:
                    calls.append((ob, fn, cob, cfn, pend, v, a))
                    pend = None
                    cob = None
                else:
                    selfc[(ob, fn, a)] += v
                continue
            k, _, rest = line.partition("=")
            if k == "ob":
                ob = nm("ob", rest)
                cob = None
            elif k in ("fl", "fi", "fe", "cfi", "cfl"):
                nm("fl", rest)
            elif k == "fn":
                fn = nm("fn", rest)
                cob = None
            elif k == "cob":
                cob = nm("ob", rest)
            elif k == "cfn":
                cfn = nm("fn", rest)
            elif k == "calls":
                pend = int(rest.split()[0])
                if cob is None:
                    cob = ob
    return selfc, calls


def polls(calls):
    return sum(n for (ob, fn, cob, cfn, n, v, a) in calls
               if fn == "worker_main" and cfn == "excp_poll")


def loopset(paths):
    """(object, function, address) executed on at least half the poll iterations."""
    out = set()
    for p in paths:
        selfc, calls = parse(p)
        i = polls(calls)
        out |= {k for k, v in selfc.items() if v >= i / 2}
    return out


def analyse(path, loop):
    """(counted Ir, poll iterations, counted self Ir per function) of one run."""
    selfc, calls = parse(path)
    reach = {(ob, fn) for (ob, fn, a) in selfc if fn == "worker_main"}
    pmd = set()
    changed = True
    while changed:  # what worker_main reaches outside the PMDs; what the PMDs reach
        changed = False
        for (ob, fn, cob, cfn, n, v, a) in calls:
            if (ob, fn) in reach and not PMD_OBJ.search(cob) and (cob, cfn) not in reach:
                reach.add((cob, cfn))
                changed = True
            if (PMD_OBJ.search(ob) or (ob, fn) in pmd) and (cob, cfn) not in pmd:
                pmd.add((cob, cfn))
                changed = True
    mixed = reach & pmd
    per = collections.defaultdict(int)
    tot = 0
    for (ob, fn, a), v in selfc.items():
        if (ob, fn) not in reach or (ob, fn) in mixed or (ob, fn, a) in loop:
            continue
        per[fn] += v
        tot += v
    for (ob, fn, cob, cfn, n, v, a) in calls:
        if (cob, cfn) in mixed and (ob, fn) in reach and (ob, fn) not in mixed:
            per[cfn + " (incl., from sluice)"] += v
            tot += v
    return tot, polls(calls), per


def check(d, name, want):
    """[problems] of one run's stats against {event: n}, and any drop."""
    if d is None:
        return ["%s: no stats" % name]
    probs = []
    for k, v in want.items():
        if d.get("events", {}).get(k) != v:
            probs.append("%s: %s=%s (want %d)" % (name, k, d.get("events", {}).get(k), v))
    drops = {k: v for k, v in d.get("drops", {}).items() if v}
    if drops:
        probs.append("%s: drops %s" % (name, drops))
    return probs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--calibrate", nargs="+", required=True)
    ap.add_argument("--path", nargs=5, action="append", default=[],
                    metavar=("LABEL", "SMALL", "BIG", "PACKETS", "CHECKS"))
    ap.add_argument("--functions", type=int, default=0)
    ap.add_argument("--json")
    a = ap.parse_args()
    cals = [os.path.join(a.dir, c + ".cg") for c in a.calibrate]
    loop = loopset([c for c in cals if os.path.exists(c)])
    cache = {}

    def run(name):
        if name not in cache:
            cg, js = os.path.join(a.dir, name + ".cg"), os.path.join(a.dir, name + ".json")
            try:
                tot, i, per = analyse(cg, loop)
                with open(js) as f:
                    d = json.load(f)
                cache[name] = (tot, i, per, d)
            except (OSError, ValueError, KeyError):
                cache[name] = None
        return cache[name]

    rows = []
    for label, small, big, pkts, checks in a.path:
        pkts = int(pkts)
        want = {}
        for part in checks.split(";"):
            run_name, _, evs = part.partition(":")
            want[run_name] = dict((k, int(v)) for k, v in
                                  (e.split("=") for e in evs.split(",") if e))
        rs, rb = run(small), run(big)
        probs = []
        for nm_, r in ((small, rs), (big, rb)):
            probs += check(r[3] if r else None, nm_, want.get(nm_, {}))
        row = {"path": label, "small": small, "big": big, "packets": pkts, "problems": probs}
        if rs and rb:
            row.update({"ir_per_packet": (rb[0] - rs[0]) / pkts, "counted_small": rs[0],
                        "counted_big": rb[0], "polls_small": rs[1], "polls_big": rb[1],
                        "per_function": {f: (rb[2].get(f, 0) - rs[2].get(f, 0)) / pkts
                                         for f in set(rs[2]) | set(rb[2])}})
        rows.append(row)
    w = max([len(r["path"]) for r in rows] + [4])
    print("%-*s  %9s  %s" % (w, "path", "Ir/packet", "counted Ir big - small / packets; checks"))
    for r in rows:
        ir = "%9.1f" % r["ir_per_packet"] if "ir_per_packet" in r else "%9s" % "n/a"
        detail = ("%d - %d / %d" % (r["counted_big"], r["counted_small"], r["packets"])
                  if "ir_per_packet" in r else "")
        print("%-*s  %s  %s; %s" % (w, r["path"], ir, detail, "; ".join(r["problems"]) or "ok"))
    print("(polling loop: %d instructions, from %s)" % (len(loop), ", ".join(a.calibrate)))
    if a.functions:
        for r in rows:
            if "per_function" not in r:
                continue
            print()
            print("%s: self Ir per packet by function (the top %d)" % (r["path"], a.functions))
            top = sorted(r["per_function"].items(), key=lambda x: -abs(x[1]))[:a.functions]
            for f, v in top:
                print("  %8.1f  %s" % (v, f))
    if a.json:
        try:
            with open(a.json, "w") as f:
                json.dump({"loop_instructions": len(loop), "paths": rows}, f, indent=1)
        except OSError as e:
            print("cg_count.py: %s: %s" % (a.json, e))
    return 0


if __name__ == "__main__":
    sys.exit(main())
