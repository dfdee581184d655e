#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# sluice-dp and sluice-xdp side by side: runs the DPDK benchmarks (run.sh: GWLB; nlb.sh: NLB,
# short settings) and the XDP one (xdp.sh) in one go, one after the other, then prints one
# table per path: sluice-dp Mpps/core beside its dpdk-testpmd baseline, sluice-xdp ns/pkt and
# Mpps/core beside its trivial-program baseline. The two are measured differently (the table's
# footnote says how). Not a test: exits 0 whatever the figures; 1 only when the build fails.
# Needs root (hugepages, BPF). About 2.5 minutes with the defaults. docs/benchmarks.md,
# "DPDK and XDP side by side".
#
#   tests/bench/compare.sh [--build DIR] [--seconds N] [--keep]
#
#   --build DIR   one release build for both (default ./build-compare: -Dxdp=enabled)
#   --seconds N   seconds of each infinite-replay run of run.sh and nlb.sh (default 5)
#   --keep        keep the temporary directory (the three scripts' outputs and summaries)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ME=compare.sh
. "$HERE/lib.sh"
BUILD="$ROOT/build-compare"
SECS=5
KEEP=0
while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=${2:-}; shift 2 ;;
	--seconds) SECS=${2:-}; shift 2 ;;
	--keep) KEEP=1; shift ;;
	-h | --help) sed -n '2,16p' "$0"; exit 0 ;;
	*) echo "compare.sh: unknown option $1" >&2; exit 1 ;;
	esac
done
case "$SECS" in '' | *[!0-9]* | 0) echo "compare.sh: --seconds wants a whole number > 0" >&2; exit 1 ;; esac
TMP=$(mktemp -d /tmp/sluice-compare.XXXXXX)
trap keep_or_remove_tmp EXIT
trap 'exit 1' INT TERM

build_release "$BUILD"

START=$(date +%s)
echo "== sluice-dp and sluice-xdp side by side: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:   $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)"
echo "load:      $(uptime | sed 's/.*load average/load average/') (before)"
echo "tree:      git $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'), $BUILD"
echo

DP="$BUILD/dataplane/sluice-dp"
run_shown run.sh "$HERE/run.sh" --sluice-dp "$DP" --seconds "$SECS" --summary "$TMP/gwlb.json"
# NLB at the XDP benchmark's scale: 65,536 and 60,000 (the SNAT limit) SYNs per new-flow run, 32,768
# established flows in a 131,072-session table (flow_table_size 524288)
run_shown nlb.sh "$HERE/nlb.sh" --sluice-dp "$DP" --seconds "$SECS" --new-runs 3 \
	--dnat-syns 65536 --snat-syns 60000 --flows 32768 --data 7 --flow-table 524288 \
	--summary "$TMP/nlb.json"
run_shown xdp.sh "$HERE/xdp.sh" --build "$BUILD" --summary "$TMP/xdp.json"

echo "== side by side (one core each; $(($(date +%s) - START)) s in all)"
echo "load:      $(uptime | sed 's/.*load average/load average/') (after)"
echo
"$PY" "$HERE/compare.py" --dp-gwlb "$TMP/gwlb.json" --dp-nlb "$TMP/nlb.json" \
	--xdp "$TMP/xdp.json"
exit 0
