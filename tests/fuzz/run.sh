#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Build the libFuzzer harnesses with clang (whatever compiler the meson build uses) and run
# each one for SECONDS from the committed seeds.
#
#   tests/fuzz/run.sh [-o OUTDIR] [-j JOBS] [SECONDS] [NAME...]
#
# SECONDS defaults to 60, NAME to all of: pkt geneve arp nd return icmp. OUTDIR (default
# build-fuzz/) gets the binaries, the grown corpora (OUTDIR/corpus/NAME; tests/fuzz/corpus is
# only read) and any crash (OUTDIR/artifacts/NAME/crash-*). JOBS fuzzers run at once (default 1).
# Exit status: 0 when every fuzzer ran its time without finding anything. CC overrides clang.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/build-fuzz
jobs=1
while getopts o:j:h opt; do
	case $opt in
	o) out=$OPTARG ;;
	j) jobs=$OPTARG ;;
	*) sed -n '3,10p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
secs=60
case ${1:-} in
'' | *[!0-9]*) ;;
*) secs=$1; shift ;;
esac
names=${*:-pkt geneve arp nd return icmp}
cc=${CC:-clang}
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"

mkdir -p "$out"
for n in $names; do
	[ -f "$here/fuzz_$n.c" ] || { echo "run.sh: no fuzzer named $n" >&2; exit 2; }
	echo "build fuzz_$n"
	# shellcheck disable=SC2086
	$cc $flags -Wall -Wextra -I"$root" "$here/fuzz_$n.c" -o "$out/fuzz_$n"
done

run_one() {
	n=$1
	mkdir -p "$out/corpus/$n" "$out/artifacts/$n"
	if "$out/fuzz_$n" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/artifacts/$n/" \
		"$out/corpus/$n" "$here/corpus/$n" >"$out/fuzz_$n.log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz_$n.log")
		echo "PASS fuzz_$n: ${execs:-?} inputs in ${secs}s"
	else
		echo "FAIL fuzz_$n: see $out/fuzz_$n.log and $out/artifacts/$n/"
		grep -m3 -E 'invariant failed|ERROR: |SUMMARY' "$out/fuzz_$n.log" | sed 's/^/    /'
		return 1
	fi
}

status=0
running=0
pids=""
for n in $names; do
	run_one "$n" &
	pids="$pids $!"
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		for p in $pids; do wait "$p" || status=1; done
		pids=""
		running=0
	fi
done
for p in $pids; do wait "$p" || status=1; done
exit $status
