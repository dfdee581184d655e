#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# sluice-xdp benchmark: ns per packet and Mpps per core of the XDP program (GENEVE encap of new
# and of known flows, the return path) through BPF_PROG_TEST_RUN, beside a trivial XDP_PASS
# program measured the same way in the same run. Not a test: exits 0 whatever the figures; 1
# only when the setup fails. Needs root (BPF). See docs/benchmarks.md, "XDP path".
#
#   tests/bench/xdp.sh [--build DIR] [--new-flows N] [--flows N] [--passes P] [--keep]
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
BUILD="$ROOT/build-xdpbench"
NEW=1048576 # frames of the encap-new case: each a distinct flow (>= 1,000,000 runs)
EST=131072  # known flows of encap-est and return (as run.sh)
PASSES=8    # 8 x 131,072 = 1,048,576 runs each
KEEP=0
while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$2; shift 2 ;;
	--new-flows) NEW=$2; shift 2 ;;
	--flows) EST=$2; shift 2 ;;
	--passes) PASSES=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	-h | --help) sed -n '2,8p' "$0"; exit 0 ;;
	*) echo "xdp.sh: unknown option $1" >&2; exit 1 ;;
	esac
done
die() { echo "xdp.sh: SETUP FAILED: $*" >&2; exit 1; }
TMP=$(mktemp -d /tmp/sluice-xdpbench.XXXXXX)
trap '[ "$KEEP" = 1 ] && echo "xdp.sh: kept $TMP" || rm -rf "$TMP"' EXIT

if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$ROOT" -Dxdp=enabled >"$TMP/meson.log" 2>&1 ||
		{ cat "$TMP/meson.log" >&2; die "meson setup $BUILD"; }
fi
ninja -C "$BUILD" tests/bench/xdp_bench >"$TMP/ninja.log" 2>&1 ||
	{ cat "$TMP/ninja.log" >&2; die "ninja -C $BUILD tests/bench/xdp_bench"; }
"$PY" "$HERE/gen.py" flows "$TMP/flows.pcap" --flows "$NEW" >"$TMP/gen.log" 2>&1 ||
	{ cat "$TMP/gen.log" >&2; die "gen.py flows"; }
# the DPDK benchmark's config; in this loader the devices are not opened
sed -e 's|@OUTSIDE@|xdp:bench-out|' -e 's|@APPLIANCES@|xdp:bench-app|' \
	-e 's|^node: { zone: az1,|node: { zone: az1, flow_table_size: 2097152,|' \
	"$HERE/sluice-bench.yaml.in" >"$TMP/bench.yaml"

echo "== sluice-xdp benchmark (BPF_PROG_TEST_RUN, repeat=1 per call): $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:   $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r), bpf_jit_enable=$(cat /proc/sys/net/core/bpf_jit_enable 2>/dev/null)"
echo "load:      $(uptime | sed 's/.*load average/load average/') (before)"
echo "program:   $BUILD (git $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'))"
"$BUILD/tests/bench/xdp_bench" --config "$TMP/bench.yaml" --flows "$TMP/flows.pcap" \
	--established "$EST" --passes "$PASSES" >"$TMP/bench.out" 2>"$TMP/bench.err" ||
	{ cat "$TMP/bench.out" "$TMP/bench.err" >&2; die "xdp_bench"; }
echo "load:      $(uptime | sed 's/.*load average/load average/') (after)"
echo
"$PY" - "$TMP/bench.out" <<'PYEOF'
import sys
rows = {}
for line in open(sys.argv[1]):
    w = line.split()
    if w[0] == "cpu":
        print("one CPU (%s), %s distinct flows for encap-new, %s known flows x %s passes "
              "for encap-est and return" % (w[1], w[3], w[5], w[7]))
    if w[0] != "case":
        continue
    d = dict(zip(w[2::2], w[3::2]))
    ev = dict(kv.split("=") for kv in w[w.index("events") + 1:]) if "events" in w else {}
    rows[w[1]] = (int(d["runs"]), int(d["ns_total"]), int(d["verdict_ok"]), ev)
desc = [("trivial", "trivial XDP_PASS program (before)", None),
        ("encap-new", "GENEVE encap, new flows", ("geneve_encap", "flow_new")),
        ("encap-est", "GENEVE encap, known flows", ("geneve_encap",)),
        ("return", "GENEVE return: decap + forward", ("geneve_decap", "forwarded")),
        ("trivial-after", "trivial XDP_PASS program (after)", None)]
base = [rows[k][1] / rows[k][0] for k in ("trivial", "trivial-after") if k in rows]
base = min(base) if base else None
print()
print("%-34s %10s %10s %10s %11s  %s" % ("case", "runs", "ns/pkt", "Mpps/core", "minus triv.",
                                         "check"))
for key, name, want in desc:
    if key not in rows:
        print("%-34s %10s" % (name, "n/a"))
        continue
    runs, ns, ok, ev = rows[key]
    per = ns / runs
    probs = []
    if ok != runs:
        probs.append("%d of %d with another verdict" % (runs - ok, runs))
    for e in want or ():
        if int(ev.get(e, 0)) != runs:
            probs.append("%s=%s" % (e, ev.get(e, 0)))
    if int(ev.get("drops", 0)):
        probs.append("drops=%s" % ev["drops"])
    net = "%.1f" % (per - base) if base and want else "-"
    print("%-34s %10d %10.1f %10.2f %11s  %s" % (name, runs, per, 1e3 / per, net,
          "; ".join(probs) or "ok"))
print()
print("ns/pkt: the kernel-reported durations of the test runs (one call, repeat=1, per frame)")
print("summed / runs; Mpps/core = 1000 / ns/pkt; 'minus triv.': less the trivial program's")
print("ns/pkt (the test-run harness's own per-call cost). Not wire rate: no driver, no DMA.")
PYEOF
exit 0
