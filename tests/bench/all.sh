#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Every benchmark of issue 14's table with its settings, in one command: sluice-dp (run.sh:
# GWLB encapsulation with 131,072 flows and the return path; nlb.sh: NLB DNAT established and
# new sessions with 500,000 SYNs), each beside dpdk-testpmd io of the same file in the same
# run, and sluice-xdp (xdp.sh: GWLB encap of 100,000 known flows, NLB DNAT established with
# 100,000 sessions, NLB DNAT new session, GWLB return), each beside the trivial XDP program of
# the same run; R rounds of each; then the table (table.py: figure, baseline, same-run ratio
# best and median, the issue's goal, met or not, every run's own output checks), the machine,
# the load average before and after and git describe, and a summary JSON.
# With --scale, also scale.sh (the GWLB encapsulation at 10k / 1M / 10M pinned flows).
# Not a test: exits 0 whatever the figures (1 only when the build fails); never run by CI.
# Needs root (hugepages, BPF). Meant to take under 10 minutes with the defaults on a quiet
# machine (not yet timed on one). docs/benchmarks.md, "Issue 14's table in one command".
#
#   tests/bench/all.sh [--build DIR] [--repeat R] [--seconds N] [--new-runs M]
#                      [--summary FILE] [--scale] [--keep]
#
#   --build DIR     one release build for all (default ./build-all: -Dxdp=enabled)
#   --repeat R      rounds of every benchmark (default 3): best and median shown
#   --seconds N     seconds of each infinite-replay run of run.sh and nlb.sh (default 5)
#   --new-runs M    nlb.sh's new-session runs per round (default 2)
#   --summary FILE  where the summary JSON goes (default ./bench-summary.json)
#   --scale         also run scale.sh (flow-count scaling; a few minutes more)
#   --keep          keep the temporary directory (every script's output and summary)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ME=all.sh
. "$HERE/lib.sh"
BUILD="$ROOT/build-all"
REPEAT=3
SECS=5
NEW_RUNS=2
SUMMARY="$PWD/bench-summary.json"
SCALE=0
KEEP=0
while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=${2:-}; shift 2 ;;
	--repeat) REPEAT=${2:-}; shift 2 ;;
	--seconds) SECS=${2:-}; shift 2 ;;
	--new-runs) NEW_RUNS=${2:-}; shift 2 ;;
	--summary) SUMMARY=${2:-}; shift 2 ;;
	--scale) SCALE=1; shift ;;
	--keep) KEEP=1; shift ;;
	-h | --help) sed -n '2,25p' "$0"; exit 0 ;;
	*) echo "all.sh: unknown option $1" >&2; exit 1 ;;
	esac
done
for v in "$REPEAT" "$SECS" "$NEW_RUNS"; do
	case "$v" in '' | *[!0-9]* | 0) echo "all.sh: counts are whole numbers > 0" >&2; exit 1 ;; esac
done
case "$SUMMARY" in /*) ;; *) SUMMARY="$PWD/$SUMMARY" ;; esac
TMP=$(mktemp -d /tmp/sluice-all.XXXXXX)
trap keep_or_remove_tmp EXIT
trap 'exit 1' INT TERM

build_release "$BUILD"

START=$(date +%s)
CPU=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
DESCRIBE=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')
echo "== issue 14 benchmarks: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:   $CPU, $(nproc) CPUs, kernel $(uname -r)"
echo "load:      $LOAD0 (before)"
echo "tree:      git $DESCRIBE, $BUILD"
echo "settings:  $REPEAT rounds; run.sh and nlb.sh $SECS s per infinite run, $NEW_RUNS new-session runs per round"
echo

DP="$BUILD/dataplane/sluice-dp"
run_shown run.sh "$HERE/run.sh" --sluice-dp "$DP" --seconds "$SECS" --repeat "$REPEAT" \
	--summary "$TMP/gwlb.json"
# the issue's NLB rows only: 500,000 SYNs (nlb.sh's default), 50,000 established flows
run_shown nlb.sh "$HERE/nlb.sh" --sluice-dp "$DP" --seconds "$SECS" --repeat "$REPEAT" \
	--new-runs "$NEW_RUNS" --dnat-only --summary "$TMP/nlb.json"
# 100,000 known GWLB flows (x 8 passes; encap-new, not in the table, on those 100,000 only);
# 100,000 NLB DNAT sessions, one data packet each (x 8 passes), their SYNs 10 times
# (1,000,000 new sessions), no SNAT load; one xdp.sh run per round
XDPJ=()
for r in $(seq 1 "$REPEAT"); do
	run_shown "xdp.sh-$r" "$HERE/xdp.sh" --build "$BUILD" --new-flows 100000 --flows 100000 \
		--nlb-flows 100000 --nlb-data 1 --nlb-new-passes 10 --dnat-only \
		--summary "$TMP/xdp-$r.json"
	XDPJ+=("$TMP/xdp-$r.json")
done
SCALEJ=()
if [ "$SCALE" = 1 ]; then
	run_shown scale.sh "$HERE/scale.sh" --build "$BUILD" --summary "$TMP/scale.json"
	SCALEJ=(--scale "$TMP/scale.json")
fi

LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
"$PY" - "$TMP/meta.json" "$CPU" "$(nproc)" "$(uname -r)" "$LOAD0" "$LOAD1" "$DESCRIBE" \
	"$REPEAT" "$SECS" "$NEW_RUNS" "$(($(date +%s) - START))" <<'EOF'
import json, sys
a = sys.argv[1:]
json.dump({"cpu": a[1], "nproc": int(a[2]), "kernel": a[3], "load_before": a[4],
           "load_after": a[5], "git_describe": a[6], "repeat": int(a[7]), "seconds": int(a[8]),
           "new_runs": int(a[9]), "elapsed_s": int(a[10])}, open(a[0], "w"), indent=1)
EOF
echo "== issue 14 table ($REPEAT rounds, $(($(date +%s) - START)) s in all)"
echo "machine:   $CPU, $(nproc) CPUs, kernel $(uname -r); git $DESCRIBE"
echo "load:      $LOAD0 (before), $LOAD1 (after)"
echo
"$PY" "$HERE/table.py" --gwlb "$TMP/gwlb.json" --nlb "$TMP/nlb.json" --xdp "${XDPJ[@]}" \
	--meta "$TMP/meta.json" "${SCALEJ[@]}" --json "$SUMMARY"
echo "summary:   $SUMMARY"
exit 0
