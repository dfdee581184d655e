#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# sluice-dp benchmark: Mpps per core of the GENEVE encapsulation and of the return path with
# 131,072 flows, beside dpdk-testpmd io forwarding on the same vdevs, in the same run.
# Not a test: it exits 0 whatever the figures; only a setup failure exits 1.
# See docs/benchmarks.md and tests/bench/README.md.
set -uo pipefail

usage() {
	cat <<'EOF'
usage: tests/bench/run.sh [--seconds N] [--repeat R] [--sluice-dp PATH] [--flows N]
                          [--no-huge] [--callgrind] [--summary FILE] [--keep]

  --seconds N       how long each of the four runs forwards (default 10)
  --repeat R        run the four cases R times (round after round); each row shows its best
                    run, as other load on the machine only ever makes a run slower (default 1)
  --sluice-dp PATH  use this binary (default: build ./build-bench and use its sluice-dp)
  --flows N         distinct TCP flows in the replayed file (default 131072)
  --no-huge         do not try hugepages (EAL --no-huge; figures are then lower)
  --callgrind       also count instructions per packet of the encapsulation (valgrind)
  --summary FILE    also write the table's figures as JSON (tests/bench/compare.sh reads it)
  --keep            keep the temporary directory (traffic, configs, logs, stats)
EOF
}

SECS=10
REPEAT=1
SLUICE_DP=
FLOWS=131072
FORCE_NOHUGE=0
CALLGRIND=0
SUMMARY=
KEEP=0
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) SECS=${2:-}; shift 2 ;;
	--seconds=*) SECS=${1#*=}; shift ;;
	--repeat) REPEAT=${2:-}; shift 2 ;;
	--repeat=*) REPEAT=${1#*=}; shift ;;
	--sluice-dp) SLUICE_DP=${2:-}; shift 2 ;;
	--sluice-dp=*) SLUICE_DP=${1#*=}; shift ;;
	--flows) FLOWS=${2:-}; shift 2 ;;
	--flows=*) FLOWS=${1#*=}; shift ;;
	--no-huge) FORCE_NOHUGE=1; shift ;;
	--callgrind) CALLGRIND=1; shift ;;
	--summary) SUMMARY=${2:-}; shift 2 ;;
	--summary=*) SUMMARY=${1#*=}; shift ;;
	--keep) KEEP=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 1 ;;
	esac
done
case "$SECS" in '' | *[!0-9]* | 0) echo "run.sh: --seconds wants a whole number > 0" >&2; exit 1 ;; esac
case "$REPEAT" in '' | *[!0-9]* | 0) echo "run.sh: --repeat wants a whole number > 0" >&2; exit 1 ;; esac
case "$FLOWS" in '' | *[!0-9]*) echo "run.sh: --flows wants a number" >&2; exit 1 ;; esac

HERE=$(cd "$(dirname "$0")" && pwd)
ME=run.sh
. "$HERE/lib.sh"
TMP=$(mktemp -d /tmp/sluice-bench.XXXXXX)
PIDS=()

cleanup() {
	kill_pids
	keep_or_remove_tmp
}
trap cleanup EXIT
trap 'exit 1' INT TERM
trap '' PIPE # a testpmd that dies early must not kill the script through its stdin FIFO

# -- hugepages: 512 x 2 MB free, or --no-huge with a loud note -------------------------------
# They stay reserved after the run (others may be using them by then).
HUGE=0
if [ "$FORCE_NOHUGE" = 0 ]; then
	cur=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
	free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	if [ "$(hp_free_mb)" -lt 900 ]; then # 512 more 2 MB pages than are in use now
		echo $((cur - ${free:-0} + 512)) >/proc/sys/vm/nr_hugepages 2>/dev/null
	fi
	if ! hp_mounted; then
		mkdir -p /dev/hugepages 2>/dev/null && mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null
	fi
	[ "$(hp_free_mb)" -ge 900 ] && HUGE=1
fi
if [ "$HUGE" = 1 ]; then
	EAL_MEM=(--in-memory)
	MEMNOTE="hugepages ($(hp_free_mb) MB of 2 MB pages free)"
else
	EAL_MEM=(--no-huge -m 1536 --no-shconf --file-prefix "slbench$$")
	MEMNOTE="NO HUGEPAGES (--no-huge: 4 KB pages, figures lower than with hugepages)"
	cat >&2 <<'EOF'

  ************************************************************************************
  *  run.sh: NO HUGEPAGES. Could not reserve 512 x 2 MB (echo 512 >                  *
  *  /proc/sys/vm/nr_hugepages; mount -t hugetlbfs nodev /dev/hugepages; needs root)  *
  *  or --no-huge was given. Running with EAL --no-huge: the figures are NOT the      *
  *  hugepage figures of docs/benchmarks.md.                                          *
  ************************************************************************************

EOF
fi
EAL=(-l "0,1" --no-pci "--log-level=*:notice" "${EAL_MEM[@]}")

# -- binaries ---------------------------------------------------------------------------------
find_binaries "$ROOT/build-bench"

mkconfig() { # OUT OUTSIDE-DEVICE APPLIANCES-DEVICE
	sed -e "s|@OUTSIDE@|$2|" -e "s|@APPLIANCES@|$3|" "$HERE/sluice-bench.yaml.in" >"$1"
}

# net_pcap infinite_rx preloads the whole file into mbufs of the RX pool when the queue is set
# up: both programs get a pool of the file's packets + 16,384 (sluice-dp --mbufs, since 51abdd9;
# its default pool, sized for its rings, refuses a 131,072-packet file).
POOL_MBUFS=$((FLOWS + 16384))
grep -aq -- "--mbufs N" "$SLUICE_DP" ||
	die "$SLUICE_DP has no --mbufs option (sluice-dp before 51abdd9): its pool cannot hold the file"

# run_sluice NAME CONFIG: runs sluice-dp for SECS seconds, leaves $TMP/NAME.json and .log
run_sluice() {
	local rc
	sluice_start "$1" "$2" 120
	sleep "$SECS"
	stop_pid "$SLUICE_PID"
	rc=$?
	[ -s "$TMP/$1.json" ] || { cat "$TMP/$1.log" >&2; die "sluice-dp ($1) wrote no stats (exit $rc)"; }
}

# run_testpmd NAME PCAP: io forwarding pcap(infinite) -> net_null for SECS seconds
run_testpmd() {
	testpmd_start "$1" "$TMP/$1.log" 120 --vdev "net_pcap_bench0,rx_pcap=$2,infinite_rx=1" \
		--vdev "net_null_bench0,no-rx=1" -- -i --forward-mode=io --nb-cores=1 \
		--rxq=1 --txq=1 --no-flush-rx --total-num-mbufs="$POOL_MBUFS"
	# Rx-pps of the second show = packets between the two shows / the time between them
	echo "show port stats 0" >&3
	echo "start" >&3
	sleep "$SECS"
	echo "show port stats 0" >&3
	testpmd_quit
}

# -- traffic ----------------------------------------------------------------------------------
bench_header "sluice-dp benchmark"
echo "run:       $SECS s per case x $REPEAT, lcores 0,1 (1 worker), $FLOWS flows, $POOL_MBUFS mbufs per pool"

"$PY" "$HERE/gen.py" flows "$TMP/flows.pcap" --flows "$FLOWS" >"$TMP/gen.log" 2>&1 ||
	{ cat "$TMP/gen.log" >&2; die "gen.py flows"; }

# The appliances' returns: sluice-dp's own GENEVE output for those flows (one pass, not
# infinite), turned around as an appliance sends it back (gen.py returns).
mkconfig "$TMP/capture.yaml" "net_pcap_o,rx_pcap=$TMP/flows.pcap" \
	"net_pcap_a,tx_pcap=$TMP/encap.pcap"
# --idle-exit 3000: on a loaded machine the worker can stall for more than half a second, and
# a shorter wait ended the capture early (992 of 131,072 flows at load 25)
"$SLUICE_DP" "${EAL[@]}" -- --config "$TMP/capture.yaml" --idle-exit 3000 --quiet \
	--stats-json "$TMP/capture.json" >"$TMP/capture.log" 2>&1 ||
	{ cat "$TMP/capture.log" >&2; die "sluice-dp capture of the encapsulated flows"; }
got=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["events"]["geneve_encap"])' \
	"$TMP/capture.json" 2>/dev/null)
[ "$got" = "$FLOWS" ] || die "the capture encapsulated ${got:-?} of $FLOWS flows: the return file would be short"
"$PY" "$HERE/gen.py" returns "$TMP/encap.pcap" "$TMP/returns.pcap" >>"$TMP/gen.log" 2>&1 ||
	{ cat "$TMP/gen.log" >&2; die "gen.py returns"; }
sed 's/^/traffic:   /' "$TMP/gen.log"

# -- the four runs, one after the other, same lcores ------------------------------------------
mkconfig "$TMP/encap.yaml" "net_pcap_o,rx_pcap=$TMP/flows.pcap,infinite_rx=1" \
	"net_null_a,no-rx=1"
mkconfig "$TMP/return.yaml" "net_null_o,no-rx=1" \
	"net_pcap_a,rx_pcap=$TMP/returns.pcap,infinite_rx=1"

TP_E=() SL_E=() TP_R=() SL_R=()
for r in $(seq 1 "$REPEAT"); do
	run_testpmd "tp-encap-$r" "$TMP/flows.pcap"
	[ "$r" = 1 ] && echo "command:   $TESTPMD_CMD"
	run_sluice "sl-encap-$r" "$TMP/encap.yaml"
	[ "$r" = 1 ] && echo "command:   $SLUICE_CMD"
	run_testpmd "tp-return-$r" "$TMP/returns.pcap"
	run_sluice "sl-return-$r" "$TMP/return.yaml"
	TP_E+=("$TMP/tp-encap-$r.log") SL_E+=("$TMP/sl-encap-$r.json")
	TP_R+=("$TMP/tp-return-$r.log") SL_R+=("$TMP/sl-return-$r.json")
done
echo "load:      $(uptime | sed 's/.*load average/load average/') (after)"
echo
"$PY" "$HERE/report.py" --tp-encap "${TP_E[@]}" --sl-encap "${SL_E[@]}" \
	--tp-return "${TP_R[@]}" --sl-return "${SL_R[@]}" ${SUMMARY:+--json "$SUMMARY"}

# -- optional: instructions per packet (callgrind, no hugepages, one pass, not infinite) ------
# Counts only what runs inside gw_encap / gw_return + eg_forward (sluice's own per-packet work: flow key and
# hash, flow table, Maglev, cookie, route and neighbour, header build), not parsing, RX or TX:
# the worker's idle polling after the file ends would swamp a whole-loop count.
if [ "$CALLGRIND" = 1 ]; then
	command -v valgrind >/dev/null || die "--callgrind: valgrind not installed"
	echo
	echo "== callgrind: instructions (Ir) per packet inside gw_encap / gw_return"
	CGEAL=(-l "0,1" --no-pci "--log-level=*:notice" --no-huge -m 1536 --no-shconf
		--file-prefix "slcg$$")
	cg_run() { # NAME FUNCTIONS OUTSIDE APPLIANCES: prints the Ir counted in FUNCTIONS (a,b)
		local toggles=() f
		for f in ${2//,/ }; do toggles+=("--toggle-collect=$f"); done
		mkconfig "$TMP/$1.yaml" "$3" "$4"
		valgrind --tool=callgrind --callgrind-out-file="$TMP/$1.out" "${toggles[@]}" \
			"$SLUICE_DP" "${CGEAL[@]}" -- --config "$TMP/$1.yaml" --idle-exit 500 \
			--quiet --stats-json "$TMP/$1.json" >"$TMP/$1.log" 2>&1 ||
			{ cat "$TMP/$1.log" >&2; die "callgrind ($1)"; }
		sed -n 's/^summary: *//p' "$TMP/$1.out"
	}
	for passes in 1 2; do
		"$PY" "$HERE/gen.py" flows "$TMP/cg$passes.pcap" --flows "$FLOWS" \
			--passes $passes >/dev/null || die "gen.py for callgrind"
	done
	ir1=$(cg_run cg-encap1 gw_encap "net_pcap_o,rx_pcap=$TMP/cg1.pcap" "net_null_a,no-rx=1")
	ir2=$(cg_run cg-encap2 gw_encap "net_pcap_o,rx_pcap=$TMP/cg2.pcap" "net_null_a,no-rx=1")
	# the return's forwarding is its own stage (eg_forward, core/stage.h SL_ST_FORWARD)
	irr=$(cg_run cg-return gw_return,eg_forward "net_null_o,no-rx=1" \
		"net_pcap_a,rx_pcap=$TMP/returns.pcap")
	"$PY" - "$FLOWS" "$ir1" "$ir2" "$irr" "$TMP" <<'EOF2'
import json, sys
n, one, two, ret, tmp = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def ev(name, key):
    return json.load(open("%s/%s.json" % (tmp, name)))["events"][key]
ok = ev("cg-encap1", "geneve_encap") == n and ev("cg-encap2", "geneve_encap") == 2 * n and \
    ev("cg-return", "forwarded") == n
print("gw_encap, first packet of a flow (new flow):  %5.0f Ir/packet  (%d Ir / %d packets)"
      % (one / n, one, n))
print("gw_encap, packet of a known flow:             %5.0f Ir/packet  ((%d - %d) Ir / %d packets)"
      % ((two - one) / n, two, one, n))
print("gw_return, valid return, forwarded:           %5.0f Ir/packet  (%d Ir / %d packets)"
      % (ret / n, ret, n))
if not ok:
    print("WARNING: not every packet was encapsulated/forwarded in the callgrind runs")
EOF2
fi
exit 0
