#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The README's test command: install dependencies, build, run every test (unit, pcap, live,
# ctrl), the control plane again under sanitizers, and a short fuzzing run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
meson test -C build --print-errorlogs "$@"
# A skipped test is not a passed one: on a machine that has what the tests need (root, netns,
# XDP, clang's BPF target; CI's does) every test must run. ALLOW_SKIP=1 accepts skips.
if [ "${ALLOW_SKIP:-0}" != 1 ]; then
	/usr/bin/python3 - build/meson-logs/testlog.json <<'PYEOF'
import json, sys
skipped = [t["name"] for t in map(json.loads, open(sys.argv[1])) if t.get("result") == "SKIP"]
if skipped:
    sys.exit("test.sh: skipped (not passed): %s; see build/meson-logs/testlog.txt, "
             "or ALLOW_SKIP=1" % ", ".join(skipped))
PYEOF
fi
# The control plane again under AddressSanitizer + UBSan (no DPDK in that build): use-after-free
# and leaks in the daemon only show this way. SANITIZE=0 skips it.
if [ $# -eq 0 ] && [ "${SANITIZE:-1}" != 0 ]; then
	[ -f build-asan/build.ninja ] ||
		meson setup build-asan -Ddpdk=disabled -Db_sanitize=address,undefined -Db_lundef=false \
			-Dwerror=true >/dev/null
	ninja -C build-asan
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C build-asan --print-errorlogs --suite unit --suite ctrl
fi
# The fuzzers need clang (the build above uses the default compiler): a short bounded run of
# each from the committed seeds. FUZZ_SECONDS=0 skips it.
if [ $# -eq 0 ] && [ "${FUZZ_SECONDS:-10}" != 0 ]; then
	tests/fuzz/run.sh -o build/fuzz "${FUZZ_SECONDS:-10}"
fi
