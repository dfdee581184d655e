#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The folder tree is the architecture (docs/architecture.md): check who may include whom.
#   dataplane/core  the decisions: includes only dataplane/core (it is compiled into the BPF
#                   program too)
#   dataplane/lib   DPDK-free library: core and lib
#   dataplane/dpdk  the DPDK shell: core, lib, dpdk
#   bpf             the XDP program and its loader: core, lib (loader only), bpf
#   ctrl            the daemon and CLI: core, lib, ctrl (ctrl/sluicectl, the CLI, the same)
#   appliance       the reference appliance: core, lib (cli.h only), appliance
# Every project include names its folder from the repository root, and no C file outside tests/
# is over 900 lines.
set -euo pipefail
cd "${1:-$(dirname "$0")/../..}"
fail=0
allowed() { # folder -> allowed include prefixes
	case "$1" in
	dataplane/core) echo "dataplane/core/" ;;
	dataplane/lib) echo "dataplane/core/ dataplane/lib/" ;;
	dataplane/dpdk) echo "dataplane/core/ dataplane/lib/ dataplane/dpdk/" ;;
	bpf) echo "dataplane/core/ dataplane/lib/ bpf/" ;;
	bpf/prog) echo "dataplane/core/ bpf/" ;;
	ctrl | ctrl/sluicectl) echo "dataplane/core/ dataplane/lib/ ctrl/" ;;
	appliance) echo "dataplane/core/ dataplane/lib/cli.h appliance/" ;;
	esac
}
generated="sluice.skel.h vmlinux.h"
for dir in dataplane/core dataplane/lib dataplane/dpdk bpf bpf/prog ctrl ctrl/sluicectl appliance; do
	ok=$(allowed "$dir")
	while IFS= read -r line; do
		file=${line%%:*}
		[[ ${line#*:} =~ \"([^\"]+)\" ]] && inc=${BASH_REMATCH[1]}
		good=0
		for p in $ok; do [[ $inc == "$p"* ]] && good=1; done
		for g in $generated; do [[ $inc == "$g" ]] && good=1; done
		if [ "$good" = 0 ]; then
			echo "layout: $file includes \"$inc\" (a $dir file may include only: $ok)"
			fail=1
		fi
	done < <(grep -HE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"' "$dir"/*.[ch] 2>/dev/null || true)
done
# The BPF program itself (what clang -target bpf compiles) may not use the user-space library.
if grep -nE '#[[:space:]]*include[[:space:]]+"dataplane/lib/' bpf/sluice.bpf.c bpf/sluice.bpf.h bpf/xdp_shared.h bpf/prog/*.h; then
	echo "layout: the BPF program includes dataplane/lib (only the loader may)"
	fail=1
fi
# Small files named for what they do: no C file outside tests/ over 900 lines.
while read -r n f; do
	if [ "$f" != total ] && [ "$n" -gt 900 ]; then
		echo "layout: $f has $n lines (at most 900 outside tests/: split it where it has seams)"
		fail=1
	fi
done < <(git ls-files -- '*.c' '*.h' ':!tests/' 2>/dev/null | xargs -r wc -l)
[ "$fail" = 0 ] && echo "layout: every include in its place, every file at most 900 lines"
exit "$fail"
