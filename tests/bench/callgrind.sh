#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Instructions (callgrind Ir) per packet of sluice-dp's worker on the main paths, the polling
# loop and the RX/TX PMDs excluded: deterministic, so it can be measured on a loaded machine
# (wall-clock figures cannot). Each path is two one-pass runs under valgrind that differ only
# in their packet count; Ir per packet = (counted Ir of the big - of the small) / the packets
# between them. cg_count.py does the counting; docs/benchmarks.md, "Instruction counts", says
# what is and is not counted. Not a test: exits 0 whatever the figures; 1 when the setup fails.
# Needs valgrind; no hugepages (EAL --no-huge). 12 valgrind runs: several minutes.
#
#   tests/bench/callgrind.sh [--sluice-dp PATH] [--flows N] [--paths LIST] [--functions K]
#                            [--summary FILE] [--keep]
#
#   --sluice-dp PATH  this binary (default: build ./build-cg, release, and use its sluice-dp)
#   --flows N         flows of the small runs (default 10000; the big runs have 3 N packets)
#   --paths LIST      comma-separated, of: dnat snat known new return (default: all)
#   --functions K     also print each path's top K functions (self Ir per packet)
#   --summary FILE    also write the rows (and Ir per function) as JSON
#   --keep            keep the temporary directory (.cg files: callgrind_annotate them)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ME=callgrind.sh
. "$HERE/lib.sh"
SLUICE_DP=
N=10000
PATHS=dnat,snat,known,new,return
FUNCS=0
SUMMARY=
KEEP=0
while [ $# -gt 0 ]; do
	case "$1" in
	--sluice-dp) SLUICE_DP=${2:-}; shift 2 ;;
	--flows) N=${2:-}; shift 2 ;;
	--paths) PATHS=${2:-}; shift 2 ;;
	--functions) FUNCS=${2:-}; shift 2 ;;
	--summary) SUMMARY=${2:-}; shift 2 ;;
	--keep) KEEP=1; shift ;;
	-h | --help) sed -n '2,20p' "$0"; exit 0 ;;
	*) echo "callgrind.sh: unknown option $1" >&2; exit 1 ;;
	esac
done
for v in "$N" "$FUNCS"; do
	case "$v" in '' | *[!0-9]*) echo "callgrind.sh: counts are whole numbers" >&2; exit 1 ;; esac
done
[ "$N" -ge 1000 ] || { echo "callgrind.sh: --flows at least 1000" >&2; exit 1; }
want() { case ",$PATHS," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
TMP=$(mktemp -d /tmp/sluice-cg.XXXXXX)
PIDS=()
trap 'kill_pids; keep_or_remove_tmp' EXIT
trap 'exit 1' INT TERM
command -v valgrind >/dev/null || die "valgrind not installed (apt-get install valgrind)"
find_binaries "$ROOT/build-cg"
N3=$((N * 3))

# -- traffic: small (N packets) and big (3 N) of each path; 1,000-flow files to calibrate ------
gen() { "$PY" "$@" >>"$TMP/gen.log" 2>&1 || { cat "$TMP/gen.log" >&2; die "$*"; }; }
# an empty pcap: --pcap-clock wants an RX timestamp on every port, net_null has none
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' \
	>"$TMP/empty.pcap"
gen "$HERE/gen.py" flows "$TMP/cal-flows.pcap" --flows 1000
gen "$HERE/gen.py" flows "$TMP/flows-p1.pcap" --flows "$N"
gen "$HERE/gen.py" flows "$TMP/flows-p3.pcap" --flows "$N" --passes 3
gen "$HERE/gen.py" flows "$TMP/flows-3n.pcap" --flows "$N3"
gen "$HERE/nlb_gen.py" established "$TMP/cal-nlb.pcap" --flows 1000 --data 1
gen "$HERE/nlb_gen.py" established "$TMP/nlb-d1.pcap" --flows "$N" --data 1
gen "$HERE/nlb_gen.py" established "$TMP/nlb-d3.pcap" --flows "$N" --data 3

gwcfg() { # OUT OUTSIDE APPLIANCES
	sed -e "s|@OUTSIDE@|$2|" -e "s|@APPLIANCES@|$3|" "$HERE/sluice-bench.yaml.in" >"$1"
}
nlbcfg() { # OUT PCAP PRESERVE: 65,536 sessions, far more than the 3 N flows' needs
	sed -e "s|@OUTSIDE@|net_pcap_o,rx_pcap=$2|" -e "s|@SERVERS@|net_null_s,no-rx=1|" \
		-e "s|@PRESERVE@|$3|" -e "s|@FLOW_TABLE_SIZE@|262144|" "$HERE/nlb.yaml.in" >"$1"
}
EAL=(-l 0,1 --no-pci "--log-level=*:notice" --no-huge -m 1024 --no-shconf)

# the appliances' returns: sluice-dp's own GENEVE output of F flows, turned around (as run.sh)
returns() { # NAME FLOWS.pcap
	gwcfg "$TMP/$1-cap.yaml" "net_pcap_o,rx_pcap=$2" "net_pcap_a,tx_pcap=$TMP/$1-encap.pcap"
	"$SLUICE_DP" "${EAL[@]}" --file-prefix "slcgc$$" -- --config "$TMP/$1-cap.yaml" \
		--idle-exit 3000 --quiet --stats-json "$TMP/$1-cap.json" >"$TMP/$1-cap.log" 2>&1 ||
		{ cat "$TMP/$1-cap.log" >&2; die "sluice-dp capture ($1)"; }
	gen "$HERE/gen.py" returns "$TMP/$1-encap.pcap" "$TMP/$1.pcap"
}

# cg NAME CONFIG: one pass of sluice-dp under callgrind, toggled on worker_main (the worker
# thread only); leaves NAME.cg, NAME.json (stats), NAME.log. valgrind's own PID goes into PIDS
# (not a timeout wrapper's: killing that would leave valgrind running)
cg() {
	local rc
	valgrind --tool=callgrind --dump-instr=yes --toggle-collect=worker_main \
		--callgrind-out-file="$TMP/$1.cg" "$SLUICE_DP" "${EAL[@]}" --file-prefix "slcg$$" \
		-- --config "$2" --pcap-clock --idle-exit 300 --quiet --stats-json "$TMP/$1.json" \
		>"$TMP/$1.log" 2>&1 &
	PIDS+=("$!")
	wait "$!"
	rc=$?
	[ -s "$TMP/$1.cg" ] && [ -s "$TMP/$1.json" ] ||
		{ tail -20 "$TMP/$1.log" >&2; die "callgrind run $1 (exit $rc)"; }
	echo "  $1: $(sed -n 's/^summary: *//p' "$TMP/$1.cg") Ir toggled ($(($(date +%s) - T0)) s)"
}

echo "== callgrind: Ir per packet of sluice-dp's worker: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "sluice-dp: $SLUICE_DP ($ORIGIN, buildtype $BUILDTYPE)"
echo "runs:      $N flows small, $N3 packets big; paths $PATHS; load $(cut -d' ' -f1-3 /proc/loadavg)"
T0=$(date +%s)
ARGS=()
CAL=()
if want dnat || want snat; then
	nlbcfg "$TMP/cal-nlb.yaml" "$TMP/cal-nlb.pcap" true
	cg cal-nlb "$TMP/cal-nlb.yaml"
	CAL+=(cal-nlb)
fi
for m in dnat snat; do
	want $m || continue
	p=true
	[ $m = snat ] && p=false
	nlbcfg "$TMP/$m-d1.yaml" "$TMP/nlb-d1.pcap" $p
	nlbcfg "$TMP/$m-d3.yaml" "$TMP/nlb-d3.pcap" $p
	cg "$m-d1" "$TMP/$m-d1.yaml"
	cg "$m-d3" "$TMP/$m-d3.yaml"
	ARGS+=(--path "NLB ${m^^}, established" "$m-d1" "$m-d3" $((2 * N))
		"$m-d1:nlb_new_flow=$N,nlb_forward=$((2 * N));$m-d3:nlb_new_flow=$N,nlb_forward=$((4 * N))")
done
if want known || want new; then
	gwcfg "$TMP/cal-encap.yaml" "net_pcap_o,rx_pcap=$TMP/cal-flows.pcap" "net_null_a,no-rx=1"
	cg cal-encap "$TMP/cal-encap.yaml"
	CAL+=(cal-encap)
	gwcfg "$TMP/encap-p1.yaml" "net_pcap_o,rx_pcap=$TMP/flows-p1.pcap" "net_null_a,no-rx=1"
	cg encap-p1 "$TMP/encap-p1.yaml"
fi
if want known; then
	gwcfg "$TMP/encap-p3.yaml" "net_pcap_o,rx_pcap=$TMP/flows-p3.pcap" "net_null_a,no-rx=1"
	cg encap-p3 "$TMP/encap-p3.yaml"
	ARGS+=(--path "GWLB encapsulation, known flow" encap-p1 encap-p3 $((2 * N))
		"encap-p1:geneve_encap=$N,flow_new=$N;encap-p3:geneve_encap=$N3,flow_new=$N")
fi
if want new; then
	gwcfg "$TMP/encap-3n.yaml" "net_pcap_o,rx_pcap=$TMP/flows-3n.pcap" "net_null_a,no-rx=1"
	cg encap-3n "$TMP/encap-3n.yaml"
	ARGS+=(--path "GWLB encapsulation, new flow" encap-p1 encap-3n $((2 * N))
		"encap-p1:geneve_encap=$N,flow_new=$N;encap-3n:geneve_encap=$N3,flow_new=$N3")
fi
if want return; then
	returns cal-returns "$TMP/cal-flows.pcap"
	returns ret-n "$TMP/flows-p1.pcap"
	returns ret-3n "$TMP/flows-3n.pcap"
	for r in cal-returns ret-n ret-3n; do
		gwcfg "$TMP/$r-run.yaml" "net_pcap_o,rx_pcap=$TMP/empty.pcap" \
			"net_pcap_a,rx_pcap=$TMP/$r.pcap"
	done
	cg cal-ret "$TMP/cal-returns-run.yaml"
	CAL+=(cal-ret)
	cg ret-n "$TMP/ret-n-run.yaml"
	cg ret-3n "$TMP/ret-3n-run.yaml"
	ARGS+=(--path "GWLB return (decap, forward)" ret-n ret-3n $((2 * N))
		"ret-n:geneve_decap=$N,forwarded=$N;ret-3n:geneve_decap=$N3,forwarded=$N3")
fi
[ ${#ARGS[@]} -gt 0 ] || die "--paths $PATHS: none of dnat snat known new return"
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (after, $(($(date +%s) - T0)) s)"
echo
"$PY" "$HERE/cg_count.py" "$TMP" --calibrate "${CAL[@]}" "${ARGS[@]}" --functions "$FUNCS" \
	${SUMMARY:+--json "$SUMMARY"}
exit 0
