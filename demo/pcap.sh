#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The capture demo (`scripts/demo.sh --pcap`): replay the embedded demo capture (demo/*.pcap)
# through the real DPDK dataplane on net_pcap virtual devices, then show what sluice-dp did with
# every packet. No network namespaces: the no-root way to see the wire format.
#     demo/pcap.sh [BUILD_DIR]     (default: build; scripts/demo.sh installs and builds first)
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
build=${1:-build}
[ -x "$build/dataplane/sluice-dp" ] || { echo "no $build/dataplane/sluice-dp: build first (scripts/build.sh)" >&2; exit 1; }

out=$(mktemp -d /tmp/sluice-demo.XXXXXX)
sed -e "s#@IN@#$top/demo#g" -e "s#@OUT@#$out#g" demo/config.yaml >"$out/config.yaml"

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
tsh() { tshark -n -d udp.port==6081,geneve "$@" 2>/dev/null; }

bold "sluice demo: clients -> firewalls (fw-a, fw-b) -> IDS (ids-a) -> servers"
cat <<'TXT'
The capture demo/in-outside.pcap holds what arrives from the clients' side: an ARP request
from the router, a ping to sluice, a TCP connection (HTTPS), a UDP exchange, an ICMP ping and
an IPv6 flow to servers behind the router, and one 1500-byte packet with DF set.
demo/in-appliances.pcap holds what the appliances send back: the firewalls' returns, the IDS's
returns, a return with a forged flow cookie and a GENEVE control (O-bit) packet.
sluice-dp replays both through net_pcap ports with the packets' own timestamps as its clock.
TXT

bold "Running: sluice-dp --no-huge -m 512 --no-pci --no-shconf -l 0,1 -- --config demo/config.yaml --pcap-clock --idle-exit 300"
"$build/dataplane/sluice-dp" --no-huge -m 512 --no-pci --no-shconf -l 0,1 --log-level='*:error' \
	-- --config "$out/config.yaml" --idle-exit 300 --pcap-clock --stats-json "$out/stats.json"

bold "Sent to the appliances (GENEVE, UDP 6081, options 0x0108: endpoint ID / attachment ID / flow cookie)"
printf '%-15s %-6s %-18s %-18s %-10s %s\n' "appliance" "sport" "endpoint id" "attachment id" "cookie" "inner packet"
tsh -r "$out/out-appliances.pcap" -T fields -E separator='|' -e ip.dst -e udp.srcport \
	-e geneve.option.unknown.data -e _ws.col.Info |
	while IFS='|' read -r dst sport opts info; do
		IFS=',' read -r ep att cookie <<<"$opts"
		printf '%-15s %-6s %-18s %-18s %-10s %s\n' "${dst%%,*}" "${sport%%,*}" "$ep" "$att" "$cookie" "$info"
	done

bold "Sent out of 'outside' (ARP and ping replies, ICMP too-big, packets forwarded after inspection)"
tsh -r "$out/out-outside.pcap" -T fields -E separator='|' -e eth.dst -e _ws.col.Protocol \
	-e _ws.col.Source -e _ws.col.Destination -e _ws.col.Info |
	awk -F'|' '{ printf "to %-17s %-7s %-16s -> %-16s %s\n", $1, $2, $3, $4, $5 }'

bold "Check: every GENEVE packet decodes with options 0x0108/1, /2, /3 and an inner IP packet"
n=$(tsh -r "$out/out-appliances.pcap" | wc -l)
good=$(tsh -r "$out/out-appliances.pcap" -Y 'geneve.option.class == 0x0108 && (ip.version == 4 || ipv6)' -T fields -e geneve.option.class -e geneve.option.type |
	grep -c $'^0x0108,0x0108,0x0108\t0x01,0x02,0x03$' || true)
echo "$good of $n GENEVE packets carry options 1,2,3 in order"

bold "Files"
echo "config: $out/config.yaml   outputs: $out/out-*.pcap   counters: $out/stats.json"
echo "Decode them yourself: tshark -d udp.port==6081,geneve -V -r $out/out-appliances.pcap"
