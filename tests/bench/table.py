# SPDX-License-Identifier: BSD-3-Clause
"""The issue 14 table of tests/bench/all.sh: every path's figure, its baseline of the same run,
the same-run ratio (best and median over the repeats), the issue's goal and whether the best
ratio meets it, and the checks of each run (no drop, every packet encapsulated / translated).

  table.py --gwlb RUN.json --nlb NLB.json --xdp XDP1.json [XDP2.json ...]
           [--meta META.json] [--scale SCALE.json] [--json SUMMARY.json]

RUN.json / NLB.json: the --summary of run.sh / nlb.sh (each round's figures in "-runs" /
"all"); XDPn.json: the --summary of one xdp.sh run each (all.sh runs xdp.sh once per round).
META.json (machine, load, git describe) and SCALE.json (scale.sh's --summary) are copied
into SUMMARY.json, which holds every row.
A missing summary or row shows "n/a". Always exits 0: a benchmark never fails a run.
"""
import argparse
import json
import statistics
import sys

from compare import load

# key, path, unit, issue 14's ratio when filed (7e42d2b), goal, goal is a maximum (XDP: x the
# trivial program) rather than a minimum (sluice-dp: fraction of testpmd)
ROWS = [
    ("dp-encap", "sluice-dp GWLB encapsulation, 131k flows", "Mpps", 0.100, 0.30, False),
    ("dp-return", "sluice-dp GWLB return", "Mpps", 0.213, 0.40, False),
    ("dp-dnat-est", "sluice-dp NLB DNAT established", "Mpps", 0.254, 0.40, False),
    ("dp-dnat-new", "sluice-dp NLB DNAT new sessions, 500k SYNs", "M/s", 0.088, 0.25, False),
    ("xdp-encap-est", "sluice-xdp GWLB encap, known flows (100k)", "ns", 15.8, 7.3, True),
    ("xdp-dnat-est", "sluice-xdp NLB DNAT established (100k)", "ns", 14.5, 7.3, True),
    ("xdp-dnat-new", "sluice-xdp NLB DNAT new session", "ns", 29.2, 13.7, True),
    ("xdp-return", "sluice-xdp GWLB return", "ns", 6.8, 4.0, True),
]
XDP_CASE = {"xdp-encap-est": "encap-est", "xdp-dnat-est": "nlb-dnat-est",
            "xdp-dnat-new": "nlb-dnat-new", "xdp-return": "return"}


def pairs(vals, bases, scale=1.0):
    """[(value, baseline)] of the rounds where both exist (value / scale)."""
    return [(v / scale, b) for v, b in zip(vals or [], bases or [])
            if v is not None and b]


def dp_row(src, key, base, runs_key, base_runs_key, scale=1.0):
    """A sluice-dp row from run.sh's (keys) or nlb.sh's (row ids) summary."""
    if src is None:
        return {"problems": ["no summary"]}
    if runs_key:  # run.sh
        best, bbest = src.get(key), src.get(base)
        rounds = pairs(src.get(runs_key), src.get(base_runs_key))
        probs = src.get(key + "-problems", [])
    else:  # nlb.sh: rows with "best", "all" and "problems"
        r, b = src.get(key) or {}, src.get(base) or {}
        best = r.get("best") / scale if r.get("best") is not None else None
        bbest = b.get("best")
        rounds = pairs(r.get("all"), b.get("all"), scale)
        probs = r.get("problems", ["not measured"] if not r else [])
    ratios = [v / b for v, b in rounds]
    return {"value": best, "baseline": bbest,
            "ratio": best / bbest if best is not None and bbest else None,
            "ratio_median": statistics.median(ratios) if ratios else None,
            "values": [v for v, _ in rounds], "rounds": len(rounds), "problems": probs}


def xdp_row(runs, case):
    """A sluice-xdp row over the xdp.sh runs: ns/pkt and its multiple of the trivial program."""
    got, probs = [], []
    for i, x in enumerate(runs):
        c = ((x or {}).get("cases") or {}).get(case)
        t = (x or {}).get("trivial_ns")
        if not c:
            probs.append("round %d: not measured" % (i + 1))
            continue
        probs += ["round %d: %s" % (i + 1, p) for p in c.get("problems", [])]
        if t:
            got.append((c["ns_per_pkt"], t))
    if not got:
        return {"problems": probs or ["no summary"]}
    ratios = [v / t for v, t in got]
    i = ratios.index(min(ratios))
    return {"value": got[i][0], "baseline": got[i][1], "ratio": ratios[i],
            "ratio_median": statistics.median(ratios), "values": [v for v, _ in got],
            "rounds": len(got), "problems": probs}


def quiet_machine(meta):
    """True when the 1-minute load average was under 1 before and after the runs."""
    try:
        return all(float(meta[k].split()[0]) < 1 for k in ("load_before", "load_after"))
    except (TypeError, KeyError, ValueError, IndexError, AttributeError):
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gwlb")
    ap.add_argument("--nlb")
    ap.add_argument("--xdp", nargs="*", default=[])
    ap.add_argument("--meta")
    ap.add_argument("--scale")
    ap.add_argument("--json")
    a = ap.parse_args()
    gwlb, nlb = load(a.gwlb), load(a.nlb)
    xdp = [load(p) for p in a.xdp]
    res = {
        "dp-encap": dp_row(gwlb, "encap", "testpmd-encap", "encap-runs", "testpmd-encap-runs"),
        "dp-return": dp_row(gwlb, "return", "testpmd-return", "return-runs",
                            "testpmd-return-runs"),
        "dp-dnat-est": dp_row(nlb, "ed", "tpe", None, None),
        # new sessions/s -> M/s, beside testpmd's one pass of the same SYN file in Mpps
        "dp-dnat-new": dp_row(nlb, "ndb", "tpb", None, None, 1e6),
    }
    for k, case in XDP_CASE.items():
        res[k] = xdp_row(xdp, case)

    def f(v, spec):
        return spec % v if v is not None else "n/a"

    head = ("path", "today", "baseline, same run", "ratio best", "median", "issue@7e42d2b",
            "goal", "met", "checks")
    table = [head]
    met_all = True
    for key, name, unit, then, goal, is_max in ROWS:
        r = res[key]
        dp = unit != "ns"
        r.update({"path": name, "unit": unit, "goal": goal,
                  "goal_is": "at most" if is_max else "at least", "issue_ratio": then})
        ratio = r.get("ratio")
        met = None if ratio is None else (ratio <= goal if is_max else ratio >= goal)
        r["met"] = met
        met_all = met_all and bool(met)
        rs = "%.3f" if dp else "%.1fx"
        table.append((
            name,
            f(r.get("value"), "%.2f " + unit if dp else "%.0f ns"),
            f(r.get("baseline"), "testpmd %.2f" if dp else "trivial %.0f ns"),
            f(ratio, rs), f(r.get("ratio_median"), rs), (rs % then),
            ("<= " if is_max else ">= ") + (rs % goal),
            {True: "yes", False: "NO", None: "n/a"}[met],
            "; ".join(r.get("problems", [])) or "ok"))
    w = [max(len(t[i]) for t in table) for i in range(8)]
    for t in table:
        print("  ".join("%-*s" % (w[i], t[i]) if i == 0 else "%*s" % (w[i], t[i])
                        for i in range(8)) + "  " + t[8])
    bad = [k for k, r in res.items() if r.get("problems")]
    print()
    print("ratio best: sluice-dp = its best run / testpmd's best run; sluice-xdp = the lowest of "
          "the rounds'\n(ns/pkt / the trivial program's ns/pkt of the same xdp.sh run); median: "
          "of the rounds' own\nratios. met: the best ratio against the goal. checks: every run's "
          "own output checks\n(no drop, every packet encapsulated / translated / forwarded)%s."
          % (": FAILED for " + ", ".join(bad) if bad else ": all ok"))
    meta = load(a.meta) if a.meta else None
    quiet = quiet_machine(meta)
    if not quiet:
        print("NOT A QUIET MACHINE (load average %s before, %s after; issue 14 wants under 1 "
              "both times):\nthese figures show that the scripts work; they are not the issue's "
              "figures." % ((meta or {}).get("load_before", "?"),
                            (meta or {}).get("load_after", "?")))
    if a.json:
        out = {"meta": meta, "quiet": quiet, "rows": res,
               "all_goals_met": met_all, "checks_ok": not bad,
               "scale": load(a.scale) if a.scale else None}
        try:
            with open(a.json, "w") as fh:
                json.dump(out, fh, indent=1)
        except OSError as e:
            print("table.py: %s: %s" % (a.json, e))
    return 0


if __name__ == "__main__":
    sys.exit(main())
