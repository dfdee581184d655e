# SPDX-License-Identifier: BSD-3-Clause
# Shared by the benchmark drivers (run.sh, nlb.sh, callgrind.sh; xdp.sh, compare.sh and all.sh
# use the prelude and what they need):
# sourced after the script has set HERE (its own folder) and ME (its name, for messages).
# Sets ROOT and PY; the rest are functions. The caller sets TMP, PIDS, KEEP, EAL and SECS.

ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

die() {
	echo "$ME: SETUP FAILED: $*" >&2
	exit 1
}

# kill_pids: SIGKILL to every process of PIDS that still runs (ours, by PID)
kill_pids() {
	local p
	for p in "${PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
	done
}

# keep_or_remove_tmp: the end of a cleanup: TMP kept with --keep, else removed
keep_or_remove_tmp() {
	if [ "$KEEP" = 1 ]; then
		echo "$ME: kept $TMP"
	else
		rm -rf "$TMP"
	fi
}

hp_free_mb() {
	awk '/^HugePages_Free:/ {f=$2} /^Hugepagesize:/ {s=$2} END {print int(f*s/1024)}' \
		/proc/meminfo
}
hp_size_kb() { awk '/^Hugepagesize:/ {print $2}' /proc/meminfo; }
hp_mounted() { awk '$2 == "/dev/hugepages" && $3 == "hugetlbfs" {ok=1} END {exit !ok}' /proc/mounts; }

# find_binaries BUILDDIR: TESTPMD; SLUICE_DP (unless given: then built in BUILDDIR, a release
# build of the work tree), ORIGIN (where it came from) and BUILDTYPE (its build's buildtype)
find_binaries() {
	local b=$1
	TESTPMD=$(command -v dpdk-testpmd) || die "dpdk-testpmd not found (apt-get install dpdk)"
	ORIGIN="given with --sluice-dp"
	if [ -z "$SLUICE_DP" ]; then
		ORIGIN="built from the work tree at git $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')"
		if [ ! -f "$b/build.ninja" ]; then
			meson setup "$b" "$ROOT" --buildtype=release -Dtests=false >"$TMP/meson.log" 2>&1 ||
				{ cat "$TMP/meson.log" >&2; die "meson setup $b"; }
		fi
		ninja -C "$b" dataplane/sluice-dp >"$TMP/ninja.log" 2>&1 ||
			{ cat "$TMP/ninja.log" >&2; die "ninja -C $b"; }
		SLUICE_DP="$b/dataplane/sluice-dp"
	fi
	[ -x "$SLUICE_DP" ] || die "no sluice-dp at $SLUICE_DP"
	BUILDTYPE=$(sed -n 's/.*"name": "buildtype", "value": "\([a-z]*\)".*/\1/p' \
		"$(dirname "$(dirname "$SLUICE_DP")")/meson-info/intro-buildoptions.json" 2>/dev/null)
	BUILDTYPE=${BUILDTYPE:-unknown}
}

# wait_for PID LOG PATTERN SECONDS: 0 when PATTERN shows in LOG, 1 if PID died, 2 on timeout
wait_for() {
	local pid=$1 log=$2 pat=$3 t=$(($4 * 10))
	while ! grep -q -- "$pat" "$log" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || return 1
		t=$((t - 1))
		[ $t -le 0 ] && return 2
		sleep 0.1
	done
	return 0
}

# stop_pid PID: SIGINT, then SIGKILL after 30 s; returns the exit status
stop_pid() {
	local pid=$1 t=300
	kill -INT "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null && [ $t -gt 0 ]; do
		sleep 0.1
		t=$((t - 1))
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# testpmd_start NAME LOG WAIT ARGS...: dpdk-testpmd interactive (EAL + ARGS) reading fd 3
# (a FIFO in TMP); returns once it checks its links. Sets TESTPMD_CMD and TESTPMD_PID.
testpmd_start() {
	local name=$1 log=$2 wait=$3 fifo="$TMP/$1.fifo"
	shift 3
	mkfifo "$fifo" || die "mkfifo"
	TESTPMD_CMD="$TESTPMD ${EAL[*]} $*"
	"$TESTPMD" "${EAL[@]}" "$@" <"$fifo" >"$log" 2>&1 &
	TESTPMD_PID=$!
	PIDS+=("$TESTPMD_PID")
	exec 3>"$fifo"
	if ! wait_for "$TESTPMD_PID" "$log" "Checking link statuses" "$wait"; then
		exec 3>&-
		stop_pid "$TESTPMD_PID"
		cat "$log" >&2
		die "dpdk-testpmd ($name) did not start"
	fi
}

# testpmd_quit: stop forwarding, quit, wait up to 60 s for testpmd to exit
testpmd_quit() {
	local t=600
	echo "stop" >&3
	echo "quit" >&3
	exec 3>&-
	while kill -0 "$TESTPMD_PID" 2>/dev/null && [ $t -gt 0 ]; do
		sleep 0.1
		t=$((t - 1))
	done
	kill -0 "$TESTPMD_PID" 2>/dev/null && stop_pid "$TESTPMD_PID"
	wait "$TESTPMD_PID" 2>/dev/null
}

# sluice_start NAME CONFIG WAIT: sluice-dp on CONFIG (+ stats into TMP/NAME.json, POOL_MBUFS
# mbufs) in the background, until it runs. Sets SLUICE_CMD and SLUICE_PID.
sluice_start() {
	local name=$1 cfg=$2 log="$TMP/$1.log" json="$TMP/$1.json"
	rm -f "$json"
	SLUICE_CMD="$SLUICE_DP ${EAL[*]} -- --config $cfg --stats-json $json --mbufs $POOL_MBUFS"
	"$SLUICE_DP" "${EAL[@]}" -- --config "$cfg" --stats-json "$json" --mbufs "$POOL_MBUFS" \
		>"$log" 2>&1 &
	SLUICE_PID=$!
	PIDS+=("$SLUICE_PID")
	# "running" is printed once the ports are up (file preloaded), as the workers start
	if ! wait_for "$SLUICE_PID" "$log" ": running" "$3"; then
		stop_pid "$SLUICE_PID"
		cat "$log" >&2
		die "sluice-dp ($name) did not start"
	fi
}

# bench_header TITLE: what runs where, before the runs
bench_header() {
	echo "== $1: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine:   $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $MEMNOTE"
	echo "load:      $(uptime | sed 's/.*load average/load average/') (before)"
	echo "sluice-dp: $SLUICE_DP ($ORIGIN, buildtype $BUILDTYPE)"
	echo "testpmd:   $TESTPMD ($(dpkg-query -W -f '${Version}' dpdk 2>/dev/null || echo '?'))"
}

# build_release BUILDDIR: one release build with -Dxdp=enabled, sluice-dp and xdp_bench (for
# run.sh, nlb.sh and xdp.sh run one after the other: compare.sh, all.sh)
build_release() {
	if [ ! -f "$1/build.ninja" ]; then
		meson setup "$1" "$ROOT" --buildtype=release -Dxdp=enabled >"$TMP/meson.log" 2>&1 ||
			{ cat "$TMP/meson.log" >&2; die "meson setup $1"; }
	fi
	ninja -C "$1" dataplane/sluice-dp tests/bench/xdp_bench >"$TMP/ninja.log" 2>&1 ||
		{ cat "$TMP/ninja.log" >&2; die "ninja -C $1"; }
}

# run_shown NAME CMD ARGS...: one benchmark script, its output kept in $TMP/NAME.out and shown
# indented after its exit status and the load average then
run_shown() {
	local name=$1
	shift
	echo "---- $name: ${*#"$HERE/"}"
	"$@" >"$TMP/$name.out" 2>&1
	echo "     (exit $?, load $(cut -d' ' -f1-3 /proc/loadavg))"
	sed 's/^/     /' "$TMP/$name.out"
	echo
}
