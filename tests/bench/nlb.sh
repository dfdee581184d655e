#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# sluice-dp load-balancer (NLB) benchmark: new flows per second and established-flow Mpps per
# core, destination NAT (preserve_client_ip: true) and source NAT (false), each beside
# dpdk-testpmd io forwarding of the same file on the same vdevs and lcores, in the same run.
# Not a test: it exits 0 whatever the figures; only a setup failure exits 1.
# Method and figures: docs/benchmarks.md, section "Load balancer (NLB)".
set -uo pipefail

usage() {
	cat <<'EOF'
usage: tests/bench/nlb.sh [--seconds N] [--repeat R] [--new-runs M] [--sluice-dp PATH]
                          [--dnat-syns N] [--snat-syns N] [--flows N] [--data K]
                          [--flow-table N] [--dnat-only] [--no-huge] [--summary FILE]
                          [--keep]

  --seconds N       how long each established-flow run forwards (default 10)
  --repeat R        run every case R times, round after round; a row shows its best run
                    (other load only ever makes a run slower) and the spread (default 1)
  --new-runs M      new-flow runs of sluice-dp per case and round (they last ~0.1-1 s, so
                    timing resolution and load matter more: default 5, best shown)
  --sluice-dp PATH  use this binary (default: build ./build-nlbb, release, and use its)
  --dnat-syns N     distinct SYNs of the big DNAT new-flow case (default 500000)
  --snat-syns N     distinct SYNs of the SNAT (and like-for-like DNAT) new-flow case
                    (default 60000; at most 60000: one worker's SNAT port pool holds 64,512)
  --flows N         flows of the established-flow file (default 50000, at most 60000)
  --data K          data packets per flow after its SYN in that file (default 7)
  --flow-table N    node.flow_table_size (default 4194304: 1,048,576 NAT sessions)
  --dnat-only       only the issue 14 table's cases (tests/bench/all.sh): DNAT new flows
                    (--dnat-syns) and DNAT established; no 60,000-SYN or SNAT case
  --no-huge         do not try hugepages (EAL --no-huge; figures are then lower)
  --summary FILE    also write the table's figures as JSON (compare.sh and all.sh read it)
  --keep            keep the temporary directory (traffic, configs, logs, stats)
EOF
}

SECS=10
REPEAT=1
NEW_RUNS=5
SLUICE_DP=
DNAT_SYNS=500000
SNAT_SYNS=60000
FLOWS=50000
DATA=7
FTS=4194304
FORCE_NOHUGE=0
DNAT_ONLY=0
SUMMARY=
KEEP=0
IDLE_MS=50 # --idle-exit of the new-flow runs, subtracted from their elapsed_s
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds | --repeat | --new-runs | --sluice-dp | --dnat-syns | --snat-syns | --flows | \
		--data | --flow-table | --summary)
		[ $# -ge 2 ] || { usage >&2; exit 1; }
		opt=$1 val=$2
		shift 2
		;;
	--*=*) opt=${1%%=*} val=${1#*=}; shift ;;
	--no-huge) FORCE_NOHUGE=1; shift; continue ;;
	--dnat-only) DNAT_ONLY=1; shift; continue ;;
	--keep) KEEP=1; shift; continue ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 1 ;;
	esac
	case "$opt" in
	--seconds) SECS=$val ;;
	--repeat) REPEAT=$val ;;
	--new-runs) NEW_RUNS=$val ;;
	--sluice-dp) SLUICE_DP=$val ;;
	--dnat-syns) DNAT_SYNS=$val ;;
	--snat-syns) SNAT_SYNS=$val ;;
	--flows) FLOWS=$val ;;
	--data) DATA=$val ;;
	--flow-table) FTS=$val ;;
	--summary) SUMMARY=$val ;;
	*) usage >&2; exit 1 ;;
	esac
done
num() { # NAME VALUE MIN MAX
	case "$2" in '' | *[!0-9]*) echo "nlb.sh: $1 wants a whole number" >&2; exit 1 ;; esac
	if [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then
		echo "nlb.sh: $1 must be in $3..$4" >&2
		exit 1
	fi
}
num --seconds "$SECS" 1 3600
num --repeat "$REPEAT" 1 100
num --new-runs "$NEW_RUNS" 1 100
num --dnat-syns "$DNAT_SYNS" 1000 4194303
num --snat-syns "$SNAT_SYNS" 1000 60000
num --flows "$FLOWS" 1000 60000
num --data "$DATA" 1 1000
num --flow-table "$FTS" 1024 67108864
# every SYN must find room: sessions = flow_table_size / 4, two keys each in a table of
# 2 x sessions entries; stay at or below half full, where a cuckoo hash still inserts freely
if [ "$DNAT_SYNS" -gt $((FTS / 8)) ] || [ "$SNAT_SYNS" -gt $((FTS / 8)) ] ||
	[ "$FLOWS" -gt $((FTS / 8)) ]; then
	echo "nlb.sh: --flow-table $FTS holds $((FTS / 4)) sessions: keep every flow count at" \
		"or below $((FTS / 8)) (half of them)" >&2
	exit 1
fi

HERE=$(cd "$(dirname "$0")" && pwd)
ME=nlb.sh
. "$HERE/lib.sh"
TMP=$(mktemp -d /tmp/sluice-nlbbench.XXXXXX)
PIDS=()
HP_RESTORE=
HP_UNMOUNT=0

cleanup() {
	kill_pids
	if [ -n "$HP_RESTORE" ]; then
		echo "$HP_RESTORE" >/proc/sys/vm/nr_hugepages 2>/dev/null || true
	fi
	[ "$HP_UNMOUNT" = 1 ] && umount /dev/hugepages 2>/dev/null
	keep_or_remove_tmp
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# -- memory: the tables (measured: ~190 MB + ~252 MB per 1M flow_table_size entries) and the
# preloaded established-flow file (one ~2.4 KB mbuf per packet, + 16384 for rings) ----------
EST_PKTS=$((FLOWS * (DATA + 1)))
POOL_MBUFS=$((EST_PKTS + 16384))
NEED_MB=$((256 + FTS / 4096 + POOL_MBUFS * 5 / 2 / 1024))
NEED_MB=$((NEED_MB + NEED_MB / 8))
HUGE=0
if [ "$FORCE_NOHUGE" = 0 ]; then
	cur=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
	free=$(hp_free_mb)
	if [ "$free" -lt "$NEED_MB" ]; then
		add=$(((NEED_MB - free) * 1024 / $(hp_size_kb) + 1))
		if echo $((cur + add)) >/proc/sys/vm/nr_hugepages 2>/dev/null; then
			HP_RESTORE=$cur
		fi
	fi
	if ! hp_mounted; then
		mkdir -p /dev/hugepages 2>/dev/null &&
			mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null && HP_UNMOUNT=1
	fi
	[ "$(hp_free_mb)" -ge "$NEED_MB" ] && HUGE=1
fi
if [ "$HUGE" = 1 ]; then
	EAL_MEM=(--in-memory)
	MEMNOTE="hugepages ($(hp_free_mb) MB of $(($(hp_size_kb) / 1024)) MB pages free, $NEED_MB MB needed)"
else
	EAL_MEM=(--no-huge -m "$NEED_MB" --no-shconf --file-prefix "slnlb$$")
	MEMNOTE="NO HUGEPAGES (--no-huge: 4 KB pages, figures lower than with hugepages)"
	cat >&2 <<EOF

  ************************************************************************************
  *  nlb.sh: NO HUGEPAGES. Could not get $NEED_MB MB of hugepages (needs root:
  *  echo N > /proc/sys/vm/nr_hugepages; mount -t hugetlbfs nodev /dev/hugepages),
  *  or --no-huge was given. Running with EAL --no-huge -m $NEED_MB: the figures are
  *  NOT the hugepage figures of docs/benchmarks.md.
  ************************************************************************************

EOF
fi
EAL=(-l 0,1 --no-pci "--log-level=*:notice" "${EAL_MEM[@]}")

# -- binaries ---------------------------------------------------------------------------------
find_binaries "$ROOT/build-nlbb"
grep -aq -- "--mbufs N" "$SLUICE_DP" ||
	die "$SLUICE_DP has no --mbufs option (needed to preload the established-flow file)"

mkconfig() { # OUT OUTSIDE-DEVICE PRESERVE
	sed -e "s|@OUTSIDE@|$2|" -e "s|@SERVERS@|net_null_s,no-rx=1|" -e "s|@PRESERVE@|$3|" \
		-e "s|@FLOW_TABLE_SIZE@|$FTS|" "$HERE/nlb.yaml.in" >"$1"
}

MANIFEST="$TMP/manifest.tsv"
: >"$MANIFEST"
record() { # ID KIND LABEL BASE PARAM FILE
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$MANIFEST"
}

# sl_new NAME CONFIG: one pass over the config's file, exit --idle-exit IDLE_MS after the last
# packet; leaves $TMP/NAME.json
sl_new() {
	local name=$1 cfg=$2 rc
	SL_NEW_CMD="$SLUICE_DP ${EAL[*]} -- --config $cfg --idle-exit $IDLE_MS --quiet --stats-json $TMP/$name.json"
	timeout 600 "$SLUICE_DP" "${EAL[@]}" -- --config "$cfg" --idle-exit "$IDLE_MS" --quiet \
		--stats-json "$TMP/$name.json" >"$TMP/$name.log" 2>&1
	rc=$?
	[ -s "$TMP/$name.json" ] || { cat "$TMP/$name.log" >&2; die "sluice-dp ($name) wrote no stats (exit $rc)"; }
}

# sl_inf NAME CONFIG: infinite replay for SECS seconds, then SIGINT; leaves $TMP/NAME.json
sl_inf() {
	sluice_start "$1" "$2" 300
	SL_INF_CMD=$SLUICE_CMD
	sleep "$SECS"
	stop_pid "$SLUICE_PID"
	[ -s "$TMP/$1.json" ] || { cat "$TMP/$1.log" >&2; die "sluice-dp ($1) wrote no stats"; }
}

# testpmd NAME PCAP once|inf: io forwarding PCAP -> net_null, same lcores. once: one pass,
# --record-core-cycles (cycles of bursts that received packets); inf: infinite_rx for SECS s,
# Rx-pps over the time between two "show port stats".
testpmd() {
	local name=$1 pcap=$2 mode=$3 t
	local log="$TMP/$name.log"
	local dev="net_pcap_bench0,rx_pcap=$pcap" extra=(--record-core-cycles)
	if [ "$mode" = inf ]; then
		dev="$dev,infinite_rx=1"
		extra=(--total-num-mbufs="$POOL_MBUFS")
	fi
	testpmd_start "$name" "$log" 300 --vdev "$dev" --vdev "net_null_bench0,no-rx=1" -- -i \
		--forward-mode=io --nb-cores=1 --rxq=1 --txq=1 --no-flush-rx "${extra[@]}"
	if [ "$mode" = inf ]; then
		echo "show port stats 0" >&3
		echo "start" >&3
		sleep "$SECS"
		echo "show port stats 0" >&3
	else
		echo "start" >&3
		# until the file is through: RX-packets of port 0 stops growing
		local last=-1 now
		for t in $(seq 1 200); do
			sleep 0.5
			echo "show port stats 0" >&3
			sleep 0.1
			now=$(grep -o "RX-packets: *[0-9]*" "$log" | tail -1 | grep -o "[0-9]*$")
			[ -n "$now" ] && [ "$now" != 0 ] && [ "$now" = "$last" ] && break
			last=${now:--1}
		done
	fi
	testpmd_quit
}

# -- traffic ----------------------------------------------------------------------------------
bench_header "sluice-dp load-balancer benchmark"
echo "run:       lcores 0,1 (1 worker), flow_table_size $FTS ($((FTS / 4)) NAT sessions), 4 targets;"
echo "           new flows: one pass, --idle-exit $IDLE_MS, $NEW_RUNS runs per case;" \
	"established: $SECS s infinite, $POOL_MBUFS mbufs; x $REPEAT"

"$PY" "$HERE/nlb_gen.py" syns "$TMP/syns-big.pcap" --flows "$DNAT_SYNS" >"$TMP/gen.log" 2>&1 &&
	"$PY" "$HERE/nlb_gen.py" syns "$TMP/syns-small.pcap" --flows "$SNAT_SYNS" >>"$TMP/gen.log" 2>&1 &&
	"$PY" "$HERE/nlb_gen.py" established "$TMP/est.pcap" --flows "$FLOWS" --data "$DATA" \
		>>"$TMP/gen.log" 2>&1 || { cat "$TMP/gen.log" >&2; die "nlb_gen.py"; }
sed "s|^nlb_gen.py: $TMP/|traffic:   |" "$TMP/gen.log"

mkconfig "$TMP/new-dnat-big.yaml" "net_pcap_o,rx_pcap=$TMP/syns-big.pcap" true
mkconfig "$TMP/new-dnat-small.yaml" "net_pcap_o,rx_pcap=$TMP/syns-small.pcap" true
mkconfig "$TMP/new-snat-small.yaml" "net_pcap_o,rx_pcap=$TMP/syns-small.pcap" false
mkconfig "$TMP/est-dnat.yaml" "net_pcap_o,rx_pcap=$TMP/est.pcap,infinite_rx=1" true
mkconfig "$TMP/est-snat.yaml" "net_pcap_o,rx_pcap=$TMP/est.pcap,infinite_rx=1" false

# -- the runs, one after the other, same lcores -----------------------------------------------
commas() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }
B_SYNS=$(commas "$DNAT_SYNS")
S_SYNS=$(commas "$SNAT_SYNS")
for r in $(seq 1 "$REPEAT"); do
	for n in $(seq 1 "$NEW_RUNS"); do
		testpmd "tp-big-$r-$n" "$TMP/syns-big.pcap" once
		record tpb tp-once "testpmd io, $B_SYNS SYNs, one pass" - - "$TMP/tp-big-$r-$n.log"
	done
	[ "$r" = 1 ] && echo "command:   $TESTPMD_CMD"
	for n in $(seq 1 "$NEW_RUNS"); do
		sl_new "new-dnat-big-$r-$n" "$TMP/new-dnat-big.yaml"
		record ndb sl-new "DNAT new flows/s, $B_SYNS SYNs" tpb "$IDLE_MS:$DNAT_SYNS" \
			"$TMP/new-dnat-big-$r-$n.json"
	done
	[ "$r" = 1 ] && echo "command:   $SL_NEW_CMD"
	for n in $(seq 1 "$((NEW_RUNS * (1 - DNAT_ONLY)))"); do
		testpmd "tp-small-$r-$n" "$TMP/syns-small.pcap" once
		record tps tp-once "testpmd io, $S_SYNS SYNs, one pass" - - "$TMP/tp-small-$r-$n.log"
		sl_new "new-dnat-small-$r-$n" "$TMP/new-dnat-small.yaml"
		record nds sl-new "DNAT new flows/s, $S_SYNS SYNs" tps "$IDLE_MS:$SNAT_SYNS" \
			"$TMP/new-dnat-small-$r-$n.json"
		sl_new "new-snat-small-$r-$n" "$TMP/new-snat-small.yaml"
		record nss sl-new "SNAT new flows/s, $S_SYNS SYNs" tps "$IDLE_MS:$SNAT_SYNS" \
			"$TMP/new-snat-small-$r-$n.json"
	done
	testpmd "tp-est-$r" "$TMP/est.pcap" inf
	[ "$r" = 1 ] && echo "command:   $TESTPMD_CMD"
	record tpe tp-inf "testpmd io, established file, infinite" - - "$TMP/tp-est-$r.log"
	sl_inf "est-dnat-$r" "$TMP/est-dnat.yaml"
	[ "$r" = 1 ] && echo "command:   $SL_INF_CMD"
	record ed sl-est "DNAT established Mpps" tpe "$FLOWS" "$TMP/est-dnat-$r.json"
	if [ "$DNAT_ONLY" = 0 ]; then
		sl_inf "est-snat-$r" "$TMP/est-snat.yaml"
		record es sl-est "SNAT established Mpps" tpe "$FLOWS" "$TMP/est-snat-$r.json"
	fi
done
echo "load:      $(uptime | sed 's/.*load average/load average/') (after)"
echo
"$PY" "$HERE/nlb_gen.py" report "$MANIFEST" ${SUMMARY:+--json "$SUMMARY"}
cat <<EOF

new flows/s = nlb_new_flow / (elapsed_s - $IDLE_MS ms idle-exit) / workers. sluice-dp's main
lcore notices the last packet on its next 10 ms poll, so that time can be up to ~10 ms too
long: the figures are low by up to ~15% for the short runs (60,000 SYNs: ~60 ms), ~2% for the
long one. testpmd one pass: TSC MHz / CPU cycles per packet (--record-core-cycles).
Established: rx_packets / elapsed_s / workers, first round (the SYNs that create the
sessions) included. Figures vary with other load on this machine.
EOF
exit 0
