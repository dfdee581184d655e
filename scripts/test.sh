#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The README's test command: install dependencies, build, run every test (unit + pcap).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
meson test -C build --print-errorlogs "$@"
# The fuzzers need clang (the build above uses the default compiler): a short bounded run of
# each from the committed seeds. FUZZ_SECONDS=0 skips it.
if [ $# -eq 0 ] && [ "${FUZZ_SECONDS:-10}" != 0 ]; then
	tests/fuzz/run.sh -o build/fuzz "${FUZZ_SECONDS:-10}"
fi
