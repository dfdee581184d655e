#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The README's first command: install what is needed, build, then run the live demo
# (demo/live.py: sluice, three firewalls and two web servers in network namespaces; real TCP and
# UDP, sluicectl's tables, a rule drop, a failover; needs root; about 40 s). Arguments go to
# demo/live.py: --xdp (sluice-xdp instead of sluice-dp), --both, --target-failover rebalance.
# --pcap instead replays the embedded capture through sluice-dp (demo/pcap.sh: no namespaces).
# --fleet instead runs the fleet (demo/fleet.py: four nodes behind a BIRD 2 router, BGP + BFD +
# ECMP, a node killed under load with no connection lost; needs root; about a minute).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
log=$(mktemp /tmp/sluice-demo-build.XXXXXX)
echo "building (log: $log) ..."
scripts/build.sh >"$log" 2>&1 || { cat "$log"; exit 1; }
rm -f "$log"

if [ "${1:-}" = "--fleet" ]; then
	shift
	exec /usr/bin/python3 demo/fleet.py "$@"
fi
if [ "${1:-}" = "--pcap" ]; then
	shift
	exec demo/pcap.sh "$@"
fi
exec /usr/bin/python3 demo/live.py "$@"
