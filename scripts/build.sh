#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Configure (once) and build sluice in ./build. Warnings are errors when CI=true or WERROR=1.
set -euo pipefail
cd "$(dirname "$0")/.."
werror=false
if [ "${CI:-}" = "true" ] || [ "${WERROR:-0}" = "1" ]; then werror=true; fi
if [ ! -f build/build.ninja ]; then
	meson setup build -Dwerror="$werror"
else
	meson configure build -Dwerror="$werror"
fi
ninja -C build
