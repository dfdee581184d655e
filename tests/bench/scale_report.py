# SPDX-License-Identifier: BSD-3-Clause
"""The table of tests/bench/scale.sh: cost per packet of a known flow and memory, per pinned
flow count, sluice-dp and sluice-xdp, against issue 14's goals (at most 1.5 GB for the
largest count, at most 30 % more per packet than at the smallest).

  scale_report.py MANIFEST --sample S --flow-table N [--json FILE]

MANIFEST lines (tab-separated): KIND FLOWS FILE MEM. KIND base / pin / sample: FILE is a
sluice-dp --stats-json, MEM the process's highest Rss + hugetlb in MB; xdp: FILE is
xdp_report.py's --json, MEM the sl_flows map's bytes_memlock. Always exits 0.
"""
import argparse
import json
import sys

from compare import load

GOAL_BYTES = 1.5 * 2**30
GOAL_GROWTH = 1.30


def dp_check(d, flows, encap):
    """[problems] of one sluice-dp run: every flow new once, every packet encapsulated."""
    if d is None:
        return ["no stats"]
    ev, probs = d.get("events", {}), []
    if ev.get("flow_new") != flows:
        probs.append("flow_new %s != %d" % (ev.get("flow_new"), flows))
    if ev.get("geneve_encap") != encap:
        probs.append("geneve_encap %s != %d" % (ev.get("geneve_encap"), encap))
    drops = {k: v for k, v in d.get("drops", {}).items() if v}
    if drops:
        probs.append("drops %s" % drops)
    return probs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("--sample", type=int, required=True)
    ap.add_argument("--flow-table", type=int, required=True)
    ap.add_argument("--json")
    a = ap.parse_args()
    runs = []
    with open(a.manifest) as f:
        for line in f:
            if line.strip():
                kind, n, path, mem = line.rstrip("\n").split("\t")
                runs.append((kind, int(n), path, int(mem or 0)))
    base_mb = next((m for k, n, p, m in runs if k == "base"), None)
    counts = []
    for k, n, p, m in runs:
        if k != "base" and n not in counts:
            counts.append(n)
    rows = []
    for n in counts:
        row = {"flows": n, "problems": []}
        el = {"pin": [], "sample": []}
        mem = []
        for k, rn, p, m in runs:
            if rn != n or k not in el:
                continue
            d = load(p)
            probs = dp_check(d, n, n + (a.sample if k == "sample" else 0))
            row["problems"] += ["sluice-dp %s: %s" % (k, x) for x in probs]
            if d and d.get("elapsed_s") and not probs:  # a run that failed its checks: no figure
                el[k].append(d["elapsed_s"])
            mem.append(m)
        if el["pin"] and el["sample"]:
            # the fastest of each kind: other load only ever makes a run slower
            row["dp_ns"] = (min(el["sample"]) - min(el["pin"])) / a.sample * 1e9
            row["dp_mem_mb"] = max(mem)
        x = next((p for k, rn, p, m in runs if k == "xdp" and rn == n), None)
        if x:
            xs = load(x) or {}
            c, t = (xs.get("cases") or {}).get("encap-est"), xs.get("trivial_ns")
            if c and not c.get("problems"):
                row["xdp_ns"], row["xdp_trivial_ns"] = c["ns_per_pkt"], t
            elif c:
                row["problems"] += ["sluice-xdp: " + y for y in c["problems"]]
            else:
                row["problems"].append("sluice-xdp: no encap-est case")
            row["xdp_map_bytes"] = next(m for k, rn, p, m in runs if k == "xdp" and rn == n)
        rows.append(row)

    def f(v, spec):
        return spec % v if v is not None else "n/a"

    first = rows[0] if rows else {}
    head = ("flows pinned", "sluice-dp ns/pkt", "vs first", "process MB",
            "sluice-xdp ns/pkt", "x trivial", "vs first", "sl_flows MB", "checks")
    table = [head]
    for r in rows:
        dpg = r["dp_ns"] / first["dp_ns"] if r.get("dp_ns") and first.get("dp_ns") else None
        xg = r["xdp_ns"] / first["xdp_ns"] if r.get("xdp_ns") and first.get("xdp_ns") else None
        r["dp_growth"], r["xdp_growth"] = dpg, xg
        table.append(("{:,}".format(r["flows"]), f(r.get("dp_ns"), "%.0f"), f(dpg, "%.2f"),
                      f(r.get("dp_mem_mb"), "%d"), f(r.get("xdp_ns"), "%.0f"),
                      f(r["xdp_ns"] / r["xdp_trivial_ns"] if r.get("xdp_ns") and
                        r.get("xdp_trivial_ns") else None, "%.1f"), f(xg, "%.2f"),
                      f(r["xdp_map_bytes"] / 2**20 if r.get("xdp_map_bytes") else None,
                        "%.0f"), "; ".join(r["problems"]) or "ok"))
    w = [max(len(t[i]) for t in table) for i in range(8)]
    for t in table:
        print("  ".join("%*s" % (w[i], t[i]) for i in range(8)) + "  " + t[8])
    last = rows[-1] if rows else {}
    goals = {}

    def at_most(v, limit):
        """True / False, or None when there is no valid figure (a run failed its checks)"""
        return None if v is None else v <= limit

    said = {True: "met", False: "NOT met", None: "n/a (no valid figure: see the checks)"}
    if last:
        tab = (last["dp_mem_mb"] - base_mb) if last.get("dp_mem_mb") and base_mb else None
        goals = {
            "dp_growth_ok": at_most(last.get("dp_growth"), GOAL_GROWTH),
            "xdp_growth_ok": at_most(last.get("xdp_growth"), GOAL_GROWTH),
            "dp_table_mb": tab,
            "dp_memory_ok": at_most(last.get("dp_mem_mb") and last["dp_mem_mb"] * 2**20,
                                    GOAL_BYTES),
            "xdp_memory_ok": at_most(last.get("xdp_map_bytes") or None, GOAL_BYTES),
        }
        print()
        print("flow_table_size %d in every run; sluice-dp: %s known packets measured per count"
              % (a.flow_table, "{:,}".format(a.sample)))
        print("goal, %s flows: per packet at most %.0f %% more than at %s flows: sluice-dp %s, "
              "sluice-xdp %s" % ("{:,}".format(last["flows"]), (GOAL_GROWTH - 1) * 100,
                                 "{:,}".format(first["flows"]),
                                 said[goals["dp_growth_ok"]],
                                 said[goals["xdp_growth_ok"]]))
        print("goal, memory at most 1.5 GB: sluice-dp process %s MB (without the table: %s MB; "
              "the table's share %s MB): %s; sluice-xdp sl_flows %s MB: %s" % (
                  f(last.get("dp_mem_mb"), "%d"), f(base_mb, "%d"), f(tab, "%d"),
                  said[goals["dp_memory_ok"]],
                  f(last["xdp_map_bytes"] / 2**20 if last.get("xdp_map_bytes") else None,
                    "%.0f"), said[goals["xdp_memory_ok"]]))
        print("sluice-dp ns/pkt = (elapsed of the pinning pass + the sample - elapsed of the "
              "pinning pass alone)\n/ sample, the fastest run of each; sluice-xdp ns/pkt: "
              "xdp_bench encap-est, one pass over the N known flows.")
    if a.json:
        try:
            with open(a.json, "w") as fh:
                json.dump({"flow_table_size": a.flow_table, "sample": a.sample,
                           "base_process_mb": base_mb, "rows": rows, "goals": goals}, fh,
                          indent=1)
        except OSError as e:
            print("scale_report.py: %s: %s" % (a.json, e))
    return 0


if __name__ == "__main__":
    sys.exit(main())
