#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Issue 14 item 3, the flow count: the GWLB encapsulation's cost per packet of a known flow
# with 10k, 1M and 10M flows pinned in the same flow table, printed in the same run, and the
# memory the table and its flows take; sluice-dp and sluice-xdp. Goal: 10M pinned flows in at
# most 1.5 GB, at most 30 % more per packet at 10M than at 10k. Not a test: exits 0 whatever
# the figures (1 only when the setup fails); never run by CI. Needs root (hugepages, BPF).
# Method, and what it does not measure: docs/benchmarks.md, "Scale: flow count".
#
#   tests/bench/scale.sh [--build DIR] [--counts LIST] [--sample S] [--flow-table N]
#                        [--repeat R] [--no-dp] [--no-xdp] [--no-huge] [--summary FILE]
#                        [--keep]
#
#   --build DIR       release build with -Dxdp=enabled (default ./build-all, as all.sh)
#   --counts LIST     pinned flows, comma-separated (default 10000,1000000,10000000)
#   --sample S        sluice-dp: packets of known flows measured after the pinning pass,
#                     drawn uniformly at random from the N flows (default 2000000)
#   --flow-table N    node.flow_table_size of every run (default 11534336)
#   --repeat R        sluice-dp: runs of each kind per count, the fastest kept (default 1)
#   --no-dp, --no-xdp leave that dataplane out
#   --no-huge         sluice-dp without hugepages (EAL --no-huge; Rss then counts only the
#                     pages touched, and the figures are not the hugepage ones)
#   --summary FILE    also write the figures as JSON (all.sh --scale reads it)
#   --keep            keep the temporary directory (the traffic files are removed as they go)
#
# sluice-dp, per count N: run A replays once (not infinite) a file of the N flows, one packet
# each (every flow pinned: flow_new = N); run B the same file followed by S packets of those
# flows at random (known: flow_new still N). Cost per known packet = (elapsed B - elapsed A)
# / S: the same pinning pass, start and --idle-exit in both, only the S packets differ. RX is
# net_pcap reading the file (libpcap, page cache), as in every run.
# sluice-xdp, per count N: xdp_bench on the same N-flow file: encap-new pins them, encap-est
# then times one pass over all N known flows (BPF_PROG_TEST_RUN, one call per frame), beside
# the trivial program of the same run.
# Memory: sluice-dp, the highest Rss + hugetlb of the process (/proc/PID/smaps_rollup) during
# each run, and of one run with flow_table_size 1024 (the rest of the process); sluice-xdp,
# the sl_flows map's bytes_memlock (bpftool map show) while xdp_bench runs.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ME=scale.sh
. "$HERE/lib.sh"
BUILD="$ROOT/build-all"
COUNTS=10000,1000000,10000000
SAMPLE=2000000
FTS=11534336 # 11 Mi: 10M flows fill 87 % of it (see --flow-table in docs/benchmarks.md)
REPEAT=1
DO_DP=1
DO_XDP=1
FORCE_NOHUGE=0
SUMMARY=
KEEP=0
while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=${2:-}; shift 2 ;;
	--counts) COUNTS=${2:-}; shift 2 ;;
	--sample) SAMPLE=${2:-}; shift 2 ;;
	--flow-table) FTS=${2:-}; shift 2 ;;
	--repeat) REPEAT=${2:-}; shift 2 ;;
	--no-dp) DO_DP=0; shift ;;
	--no-xdp) DO_XDP=0; shift ;;
	--no-huge) FORCE_NOHUGE=1; shift ;;
	--summary) SUMMARY=${2:-}; shift 2 ;;
	--keep) KEEP=1; shift ;;
	-h | --help) sed -n '2,24p' "$0"; exit 0 ;;
	*) echo "scale.sh: unknown option $1" >&2; exit 1 ;;
	esac
done
for v in ${COUNTS//,/ } "$SAMPLE" "$FTS" "$REPEAT"; do
	case "$v" in '' | *[!0-9]* | 0) echo "scale.sh: counts are whole numbers > 0" >&2; exit 1 ;; esac
	# counts up to 16,777,215 (gen.py's distinct flows); the table 1024..67108864 (config.md)
done
TMP=$(mktemp -d /tmp/sluice-scale.XXXXXX)
PIDS=()
HP_RESTORE=
cleanup() {
	kill_pids
	[ -n "$HP_RESTORE" ] && echo "$HP_RESTORE" >/proc/sys/vm/nr_hugepages 2>/dev/null
	keep_or_remove_tmp
}
trap cleanup EXIT
trap 'exit 1' INT TERM
build_release "$BUILD"
SLUICE_DP="$BUILD/dataplane/sluice-dp"

# -- memory: hugepages for the table (rte_hash with 48-byte keys, its values, RCU queue: an
# estimate of 160 MB per 1M entries; the runs measure it) and
# the default mbuf pool; else --no-huge with a loud note --------------------------------------
NEED_MB=$((512 + FTS / 1048576 * 160))
HUGE=0
if [ "$DO_DP" = 1 ] && [ "$FORCE_NOHUGE" = 0 ]; then
	cur=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
	if [ "$(hp_free_mb)" -lt "$NEED_MB" ]; then
		add=$(((NEED_MB - $(hp_free_mb)) * 1024 / $(hp_size_kb) + 1))
		echo $((cur + add)) >/proc/sys/vm/nr_hugepages 2>/dev/null && HP_RESTORE=$cur
	fi
	hp_mounted || { mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages; } 2>/dev/null
	[ "$(hp_free_mb)" -ge "$NEED_MB" ] && HUGE=1
fi
if [ "$HUGE" = 1 ]; then
	EAL=(-l 0,1 --no-pci "--log-level=*:notice" --in-memory)
	MEMNOTE="hugepages ($NEED_MB MB wanted)"
else
	EAL=(-l 0,1 --no-pci "--log-level=*:notice" --no-huge -m "$NEED_MB" --no-shconf
		--file-prefix "slscale$$")
	MEMNOTE="NO HUGEPAGES (--no-huge -m $NEED_MB: Rss counts only the pages touched)"
fi

gwcfg() { # OUT PCAP FLOW_TABLE_SIZE
	sed -e "s|@OUTSIDE@|net_pcap_o,rx_pcap=$2|" -e "s|@APPLIANCES@|net_null_a,no-rx=1|" \
		-e "s|^node: { zone: az1,|node: { zone: az1, flow_table_size: $3,|" \
		"$HERE/sluice-bench.yaml.in" >"$1"
}

# mem_mb PID: Rss + hugetlb of the process now (MB), empty when it is gone
mem_mb() {
	awk '/^(Rss|Shared_Hugetlb|Private_Hugetlb):/ {k += $2} END {if (NR) print int(k / 1024)}' \
		"/proc/$1/smaps_rollup" 2>/dev/null
}

# sl_once NAME CONFIG: one pass of sluice-dp, its memory polled every 0.2 s; NAME.json (stats)
# and NAME.mem (the highest MB seen)
sl_once() {
	local pid m max=0
	"$SLUICE_DP" "${EAL[@]}" -- --config "$2" --idle-exit 3000 --quiet \
		--stats-json "$TMP/$1.json" >"$TMP/$1.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	while kill -0 "$pid" 2>/dev/null; do
		m=$(mem_mb "$pid")
		[ -n "$m" ] && [ "$m" -gt "$max" ] && max=$m
		sleep 0.2
	done
	wait "$pid"
	echo "$max" >"$TMP/$1.mem"
	[ -s "$TMP/$1.json" ] || { tail -20 "$TMP/$1.log" >&2; die "sluice-dp ($1) wrote no stats"; }
}

echo "== flow-count scale, GWLB encapsulation: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:   $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)"
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (before)"
echo "tree:      git $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'), $BUILD"
echo "settings:  counts $COUNTS; flow_table_size $FTS; sluice-dp: sample $SAMPLE, x $REPEAT, $MEMNOTE"
T0=$(date +%s)
MANIFEST="$TMP/manifest.tsv"
: >"$MANIFEST"
if [ "$DO_DP" = 1 ]; then
	# the rest of the process: the same program with a 1024-entry table, 1,000 flows
	"$PY" "$HERE/gen.py" flows "$TMP/base.pcap" --flows 1000 >/dev/null || die "gen.py"
	gwcfg "$TMP/base.yaml" "$TMP/base.pcap" 1024
	sl_once base "$TMP/base.yaml"
	printf 'base\t1000\t%s\t%s\n' "$TMP/base.json" "$(cat "$TMP/base.mem")" >>"$MANIFEST"
fi
for n in ${COUNTS//,/ }; do
	"$PY" "$HERE/gen.py" flows "$TMP/pin-$n.pcap" --flows "$n" >>"$TMP/gen.log" 2>&1 ||
		{ cat "$TMP/gen.log" >&2; die "gen.py flows --flows $n"; }
	if [ "$DO_DP" = 1 ]; then
		"$PY" "$HERE/gen.py" flows "$TMP/sample-$n.pcap" --flows "$n" --sample "$SAMPLE" \
			>>"$TMP/gen.log" 2>&1 || { cat "$TMP/gen.log" >&2; die "gen.py --sample"; }
		gwcfg "$TMP/pin-$n.yaml" "$TMP/pin-$n.pcap" "$FTS"
		gwcfg "$TMP/sample-$n.yaml" "$TMP/sample-$n.pcap" "$FTS"
		for r in $(seq 1 "$REPEAT"); do
			for k in pin sample; do
				sl_once "$k-$n-$r" "$TMP/$k-$n.yaml"
				printf '%s\t%s\t%s\t%s\n' "$k" "$n" "$TMP/$k-$n-$r.json" \
					"$(cat "$TMP/$k-$n-$r.mem")" >>"$MANIFEST"
			done
		done
		echo "  sluice-dp $n flows: done ($(($(date +%s) - T0)) s)"
	fi
	if [ "$DO_XDP" = 1 ]; then
		sed -e 's|@OUTSIDE@|xdp:bench-out|' -e 's|@APPLIANCES@|xdp:bench-app|' \
			-e "s|^node: { zone: az1,|node: { zone: az1, flow_table_size: $FTS,|" \
			"$HERE/sluice-bench.yaml.in" >"$TMP/xdp.yaml"
		"$BUILD/tests/bench/xdp_bench" --config "$TMP/xdp.yaml" --flows "$TMP/pin-$n.pcap" \
			--established "$n" --passes 1 >"$TMP/xdp-$n.out" 2>"$TMP/xdp-$n.err" &
		xpid=$!
		PIDS+=("$xpid")
		# sl_flows of this run: the one with max_entries = the table size (other helpers'
		# benchmarks use other sizes, and the bench lock keeps them apart)
		xmem=0
		while kill -0 "$xpid" 2>/dev/null; do
			m=$(bpftool map show -j 2>/dev/null | "$PY" -c '
import json, sys
n = int(sys.argv[1])
print(max([m.get("bytes_memlock", 0) for m in json.load(sys.stdin)
           if m.get("name") == "sl_flows" and m.get("max_entries") == n] or [0]))' "$FTS")
			[ -n "$m" ] && [ "$m" -gt "$xmem" ] && xmem=$m
			sleep 1
		done
		wait "$xpid" || { cat "$TMP/xdp-$n.out" "$TMP/xdp-$n.err" >&2; die "xdp_bench ($n)"; }
		"$PY" "$HERE/xdp_report.py" "$TMP/xdp-$n.out" --json "$TMP/xdp-$n.json" \
			>"$TMP/xdp-$n.table"
		printf 'xdp\t%s\t%s\t%s\n' "$n" "$TMP/xdp-$n.json" "$xmem" >>"$MANIFEST"
		echo "  sluice-xdp $n flows: done ($(($(date +%s) - T0)) s)"
	fi
	rm -f "$TMP/pin-$n.pcap" "$TMP/sample-$n.pcap" # ~130 B a packet: 10M flows, 1.3 GB
done
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (after, $(($(date +%s) - T0)) s)"
echo
"$PY" "$HERE/scale_report.py" "$MANIFEST" --sample "$SAMPLE" --flow-table "$FTS" \
	${SUMMARY:+--json "$SUMMARY"}
exit 0
