# SPDX-License-Identifier: BSD-3-Clause
"""Prints the table of tests/bench/xdp.sh from xdp_bench's output, and checks each case's
verdicts and counters.

  xdp_report.py BENCH.OUT [--json SUMMARY.json]

BENCH.OUT holds xdp_bench's lines: "cpu ..." (the run's settings) and one "case NAME runs R
ns_total T ns_min M verdict_ok K [events k=v ... drops=D]" per case. ns/pkt = T / R,
Mpps/core = 1000 / ns/pkt, "minus triv." = ns/pkt less the lower of the two trivial
programs' ns/pkt. A case is "ok" when every run had the expected verdict, the counters that
must move once per run did, those that must not move did not, and nothing was dropped.
--json writes the rows (for compare.py). Always exits 0: a benchmark table never fails the run.
"""
import argparse
import sys

from report import write_summary

# key, row label, events that must equal the runs, events that must stay 0 (None: no counters)
CASES = [
    ("trivial", "trivial XDP_PASS program (before)", None, None),
    ("encap-new", "GENEVE encap, new flows", ("geneve_encap", "flow_new"), ()),
    ("encap-est", "GENEVE encap, known flows", ("geneve_encap",), ("flow_new",)),
    ("return", "GENEVE return: decap + forward", ("geneve_decap", "forwarded"), ()),
]
for _m, _M in (("dnat", "DNAT"), ("snat", "SNAT")):
    CASES += [
        ("nlb-%s-new" % _m, "NLB %s, new flows (SYN)" % _M, ("nlb_new_flow", "nlb_forward"),
         ()),
        ("nlb-%s-est" % _m, "NLB %s, established" % _M, ("nlb_forward",),
         ("nlb_new_flow", "nlb_reply")),
        ("nlb-%s-reply" % _m, "NLB %s, replies" % _M, ("nlb_reply",),
         ("nlb_new_flow", "nlb_forward")),
    ]
CASES.append(("trivial-after", "trivial XDP_PASS program (after)", None, None))


def parse(path):
    head, rows = None, {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "cpu":
                head = dict(zip(w[::2], w[1::2]))
            if w[0] != "case":
                continue
            cut = w.index("events") if "events" in w else len(w)
            d = dict(zip(w[2:cut:2], w[3:cut:2]))
            ev = dict(kv.split("=") for kv in w[cut + 1:])
            rows[w[1]] = (int(d["runs"]), int(d["ns_total"]), int(d["verdict_ok"]),
                          {k: int(v) for k, v in ev.items()})
    return head, rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench_out")
    ap.add_argument("--json")
    a = ap.parse_args()
    try:
        head, rows = parse(a.bench_out)
    except (OSError, ValueError, KeyError) as e:
        print("xdp_report.py: %s: %s" % (a.bench_out, e))
        return 0
    if head:
        print("one CPU (%s); GWLB: %s distinct flows for encap-new, %s known flows x %s passes"
              % (head.get("cpu"), head.get("frames"), head.get("established"),
                 head.get("passes")))
        if int(head.get("nlb_frames", 0)):
            f = int(head["nlb_flows"])
            print("NLB: %d flows: their SYNs x %s passes (session map emptied before each), "
                  "%d data packets and their replies x %s passes"
                  % (f, head["nlb_new_passes"], int(head["nlb_frames"]) - f, head["passes"]))
    base = [rows[k][1] / rows[k][0] for k in ("trivial", "trivial-after")
            if k in rows and rows[k][0]]
    base = min(base) if base else None
    out = {"trivial_ns": base, "cases": {}}
    print()
    print("%-34s %10s %10s %10s %11s  %s" % ("case", "runs", "ns/pkt", "Mpps/core",
                                             "minus triv.", "check"))
    for key, name, want, zero in CASES:
        if key not in rows:
            continue
        runs, ns, ok, ev = rows[key]
        if not runs:
            print("%-34s %10s" % (name, "no runs"))
            continue
        per = ns / runs
        probs = []
        if ok != runs:
            probs.append("%d of %d with another verdict" % (runs - ok, runs))
        for e in want or ():
            if ev.get(e, 0) != runs:
                probs.append("%s=%d" % (e, ev.get(e, 0)))
        for e in zero or ():
            if ev.get(e, 0):
                probs.append("%s=%d" % (e, ev[e]))
        if ev.get("drops", 0):
            probs.append("drops=%d" % ev["drops"])
        net = per - base if base and want is not None else None
        print("%-34s %10d %10.1f %10.2f %11s  %s" % (
            name, runs, per, 1e3 / per, "%.1f" % net if net is not None else "-",
            "; ".join(probs) or "ok"))
        out["cases"][key] = {"label": name, "runs": runs, "ns_per_pkt": per,
                             "mpps": 1e3 / per, "minus_trivial_ns": net, "problems": probs}
    print()
    print("ns/pkt: the kernel-reported durations of the test runs (one call, repeat=1, per frame)")
    print("summed / runs; Mpps/core = 1000 / ns/pkt; 'minus triv.': less the trivial program's")
    print("ns/pkt (the test-run harness's own per-call cost). Not wire rate: no driver, no DMA.")
    if a.json:
        write_summary(a.json, out, "xdp_report.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
