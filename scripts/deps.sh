#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install everything sluice needs to build and test on Debian 12 (run as root, or with sudo).
# Idempotent: packages already present are not fetched again.
set -euo pipefail

pkgs=(
	build-essential meson ninja-build pkg-config clang llvm clang-format libclang-rt-14-dev
	libdpdk-dev dpdk dpdk-dev
	libbpf-dev bpftool libpcap-dev
	libcunit1-dev libyaml-dev libjansson-dev libevent-dev libssl-dev
	python3-scapy tshark iproute2 iputils-ping ethtool procps openssl curl tcpreplay
	bird2
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#pkgs[@]} packages present"
	exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; the default (no) is fine.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# bird2 (tests/ctrl/test_announce.py runs its own BIRDs in namespaces) enables the system BIRD
# service on install; sluice's tests and docs never use it: leave the host's routing alone.
if [[ " ${missing[*]} " == *" bird2 "* ]] && command -v systemctl >/dev/null; then
	$SUDO systemctl disable --now bird 2>/dev/null || true
fi
