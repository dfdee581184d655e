#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# sluice-xdp benchmark: ns per packet and Mpps per core of the XDP program through
# BPF_PROG_TEST_RUN, beside a trivial XDP_PASS program measured the same way in the same run:
# GWLB (GENEVE encap of new and of known flows, the return path) and NLB, DNAT and SNAT (new
# flows, established flows, the targets' replies). Not a test: exits 0 whatever the figures; 1
# only when the setup fails. Needs root (BPF). See docs/benchmarks.md, "XDP path".
#
#   tests/bench/xdp.sh [--build DIR] [--new-flows N] [--flows N] [--passes P]
#                      [--nlb-flows F] [--nlb-data K] [--nlb-new-passes Q] [--no-nlb]
#                      [--dnat-only] [--summary FILE] [--keep]
#
#   --new-flows N       GWLB encap-new: N distinct flows, each run once (default 1048576)
#   --flows N           GWLB encap-est / return: N known flows x P passes (default 131072)
#   --passes P          passes of encap-est, return, NLB established and replies (default 8)
#   --nlb-flows F       NLB sessions (default 32768; the session map is sized for 2 F: half full)
#   --nlb-data K        data packets per NLB flow (default 4: 4 x 32768 x 8 = 1,048,576 runs)
#   --nlb-new-passes Q  passes over the F SYNs, the session map emptied before each (default 32)
#   --no-nlb            GWLB cases only
#   --dnat-only         NLB: the DNAT cases only (no SNAT load; tests/bench/all.sh)
#   --summary FILE      also write the rows as JSON (tests/bench/compare.sh reads it)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ME=xdp.sh
. "$HERE/lib.sh"
BUILD="$ROOT/build-xdpbench"
NEW=1048576 # frames of the encap-new case: each a distinct flow (>= 1,000,000 runs)
EST=131072  # known flows of encap-est and return (as run.sh)
PASSES=8    # 8 x 131,072 = 1,048,576 runs each
NLB_FLOWS=32768
NLB_DATA=4
NLB_NEW_PASSES=32 # 32 x 32,768 = 1,048,576 runs
NLB=1
DNAT_ONLY=0
SUMMARY=
KEEP=0
while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$2; shift 2 ;;
	--new-flows) NEW=$2; shift 2 ;;
	--flows) EST=$2; shift 2 ;;
	--passes) PASSES=$2; shift 2 ;;
	--nlb-flows) NLB_FLOWS=$2; shift 2 ;;
	--nlb-data) NLB_DATA=$2; shift 2 ;;
	--nlb-new-passes) NLB_NEW_PASSES=$2; shift 2 ;;
	--no-nlb) NLB=0; shift ;;
	--dnat-only) DNAT_ONLY=1; shift ;;
	--summary) SUMMARY=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	-h | --help) sed -n '2,21p' "$0"; exit 0 ;;
	*) echo "xdp.sh: unknown option $1" >&2; exit 1 ;;
	esac
done
for v in "$NEW" "$EST" "$PASSES" "$NLB_FLOWS" "$NLB_DATA" "$NLB_NEW_PASSES"; do
	case "$v" in '' | *[!0-9]* | 0) echo "xdp.sh: counts are whole numbers > 0" >&2; exit 1 ;; esac
done
TMP=$(mktemp -d /tmp/sluice-xdpbench.XXXXXX)
trap keep_or_remove_tmp EXIT

if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$ROOT" -Dxdp=enabled >"$TMP/meson.log" 2>&1 ||
		{ cat "$TMP/meson.log" >&2; die "meson setup $BUILD"; }
fi
ninja -C "$BUILD" tests/bench/xdp_bench >"$TMP/ninja.log" 2>&1 ||
	{ cat "$TMP/ninja.log" >&2; die "ninja -C $BUILD tests/bench/xdp_bench"; }
"$PY" "$HERE/gen.py" flows "$TMP/flows.pcap" --flows "$NEW" >"$TMP/gen.log" 2>&1 ||
	{ cat "$TMP/gen.log" >&2; die "gen.py flows"; }
# the DPDK benchmarks' configs; in this loader the devices are not opened
sed -e 's|@OUTSIDE@|xdp:bench-out|' -e 's|@APPLIANCES@|xdp:bench-app|' \
	-e 's|^node: { zone: az1,|node: { zone: az1, flow_table_size: 2097152,|' \
	"$HERE/sluice-bench.yaml.in" >"$TMP/bench.yaml"
NLB_ARGS=()
if [ "$NLB" = 1 ]; then
	"$PY" "$HERE/nlb_gen.py" established "$TMP/nlb.pcap" --flows "$NLB_FLOWS" \
		--data "$NLB_DATA" >>"$TMP/gen.log" 2>&1 || { cat "$TMP/gen.log" >&2; die "nlb_gen.py"; }
	# flow_table_size / 4 sessions (sl_sess, as sluice-dp's table): 2 x F, the map half full
	for p in true false; do
		sed -e 's|@OUTSIDE@|xdp:bench-out|' -e 's|@SERVERS@|xdp:bench-srv|' \
			-e "s|@PRESERVE@|$p|" -e "s|@FLOW_TABLE_SIZE@|$((NLB_FLOWS * 8))|" \
			"$HERE/nlb.yaml.in" >"$TMP/nlb-$p.yaml"
	done
	NLB_ARGS=(--nlb-dnat "$TMP/nlb-true.yaml" --nlb-traffic "$TMP/nlb.pcap"
		--nlb-flows "$NLB_FLOWS" --nlb-new-passes "$NLB_NEW_PASSES")
	[ "$DNAT_ONLY" = 1 ] || NLB_ARGS+=(--nlb-snat "$TMP/nlb-false.yaml")
fi

echo "== sluice-xdp benchmark (BPF_PROG_TEST_RUN, repeat=1 per call): $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:   $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r), bpf_jit_enable=$(cat /proc/sys/net/core/bpf_jit_enable 2>/dev/null)"
echo "load:      $(uptime | sed 's/.*load average/load average/') (before)"
echo "program:   $BUILD (git $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'))"
"$BUILD/tests/bench/xdp_bench" --config "$TMP/bench.yaml" --flows "$TMP/flows.pcap" \
	--established "$EST" --passes "$PASSES" "${NLB_ARGS[@]}" >"$TMP/bench.out" \
	2>"$TMP/bench.err" || { cat "$TMP/bench.out" "$TMP/bench.err" >&2; die "xdp_bench"; }
echo "load:      $(uptime | sed 's/.*load average/load average/') (after)"
echo
"$PY" "$HERE/xdp_report.py" "$TMP/bench.out" ${SUMMARY:+--json "$SUMMARY"}
exit 0
