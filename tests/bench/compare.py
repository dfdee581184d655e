# SPDX-License-Identifier: BSD-3-Clause
"""The side-by-side table of tests/bench/compare.sh: sluice-dp (run.sh, nlb.sh) and
sluice-xdp (xdp.sh) per path, from the JSON summaries the three scripts wrote (--summary).

  compare.py --dp-gwlb RUN.json --dp-nlb NLB.json --xdp XDP.json

A missing or unreadable summary, or a row a script did not measure, shows "n/a" (or "-" where
the benchmark has no such case). Always exits 0: a benchmark table never fails the run.
"""
import argparse
import json
import sys

# path, (DPDK summary, its key, its baseline key), XDP case
ROWS = [
    ("GWLB encap, known flows", ("gwlb", "encap", "testpmd-encap"), "encap-est"),
    ("GWLB encap, new flows", None, "encap-new"),
    ("GWLB return (decap + fwd)", ("gwlb", "return", "testpmd-return"), "return"),
    ("NLB DNAT, new flows", ("nlb", "nds", "tps"), "nlb-dnat-new"),
    ("NLB SNAT, new flows", ("nlb", "nss", "tps"), "nlb-snat-new"),
    ("NLB DNAT, established", ("nlb", "ed", "tpe"), "nlb-dnat-est"),
    ("NLB SNAT, established", ("nlb", "es", "tpe"), "nlb-snat-est"),
    ("NLB DNAT, replies", None, "nlb-dnat-reply"),
    ("NLB SNAT, replies", None, "nlb-snat-reply"),
]


FOOTNOTE = """
The two sides are measured differently; read each against its own baseline, not the raw
figures against each other:
- sluice-dp: packets through real DPDK RX and TX on one worker core: net_pcap (file preloaded
  into mbufs, copied on every RX burst) in, net_null out. Mpps/core = packets / seconds.
  Baseline: dpdk-testpmd io forwarding of the same file on the same vdevs and lcores. New
  flows: new sessions per second in millions (one SYN each) over one pass of the SYN file;
  the main lcore notices the end on its next 10 ms poll, so these short runs (0.05-0.2 s)
  can read low by up to 10 ms of their length.
- sluice-xdp: the XDP program's own cost per packet in BPF_PROG_TEST_RUN (one call, repeat=1,
  per frame; the kernel-reported duration) on one CPU: no driver, no DMA, no NIC queue, no
  transmit (XDP_TX is the verdict, not a send). Mpps/core = 1000 / ns/pkt is therefore an
  upper bound for that program on that core; a NIC driver's RX and TX come on top. Baseline:
  the trivial program measured the same way; 'minus triv.' takes its per-call cost off.
- "-": that benchmark has no such case (run.sh's flows are new only in the first pass of the
  file; nlb.sh measures the client -> target direction only).
- Figures vary with other load on the machine (the load average is printed above)."""


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError, TypeError):
        return None


def dp_value(src, key):
    """(Mpps per core or None, [problems]) of one sluice-dp / testpmd row."""
    if src is None:
        return None, ["no summary"]
    if "testpmd-encap" in src:  # run.sh (report.py)
        probs = src.get(key + "-problems", [])
        return src.get(key), probs
    row = src.get(key)
    if not row:
        return None, ["not measured"]
    v = row.get("best")
    if v is not None and row.get("kind") == "sl-new":
        v /= 1e6  # new flows/s -> M/s: one SYN per new flow, so also Mpps
    return v, row.get("problems", [])


def fmt(v, spec="%.2f"):
    return spec % v if v is not None else "n/a"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dp-gwlb")
    ap.add_argument("--dp-nlb")
    ap.add_argument("--xdp")
    a = ap.parse_args()
    src = {"gwlb": load(a.dp_gwlb), "nlb": load(a.dp_nlb)}
    xdp = load(a.xdp)
    xc = (xdp or {}).get("cases", {})
    triv = (xdp or {}).get("trivial_ns")
    head = ("path", "sluice-dp", "testpmd io", "sluice-xdp", "sluice-xdp", "minus triv.",
            "checks")
    head2 = ("", "Mpps/core", "Mpps/core", "ns/pkt", "Mpps/core", "ns/pkt", "")
    table = []
    for name, dp, xcase in ROWS:
        probs = []
        if dp:
            v, p = dp_value(src[dp[0]], dp[1])
            b, _ = dp_value(src[dp[0]], dp[2])
            probs += ["sluice-dp: " + x for x in p]
            dpv, tpv = fmt(v), fmt(b)
        else:
            dpv, tpv = "-", "-"
        x = xc.get(xcase)
        if x:
            xns, xm = "%.0f" % x["ns_per_pkt"], "%.2f" % x["mpps"]
            xnet = "%.0f" % x["minus_trivial_ns"] if x.get("minus_trivial_ns") else "-"
            probs += ["sluice-xdp: " + p for p in x.get("problems", [])]
        else:
            xns, xm, xnet = "n/a", "n/a", "n/a"
            probs.append("sluice-xdp: not measured")
        table.append((name, dpv, tpv, xns, xm, xnet, "; ".join(probs) or "ok"))
    w = [max(len(r[i]) for r in [head, head2] + table) for i in range(6)]
    for r in [head, head2] + table:
        print("%-*s  %*s  %*s  %*s  %*s  %*s  %s" % (w[0], r[0], w[1], r[1], w[2], r[2], w[3],
                                                    r[3], w[4], r[4], w[5], r[5], r[6]))
    print()
    print("trivial XDP_PASS program, same run as sluice-xdp: %s ns/pkt (%s Mpps/core)" % (
        fmt(triv, "%.0f"), fmt(1e3 / triv if triv else None)))
    print(FOOTNOTE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
