#!/usr/bin/env bash
# Installs every Debian 12 package warpssh needs to build, test and benchmark.
# Idempotent: skips apt-get entirely when everything is already installed.
set -euo pipefail

PKGS=(
  build-essential pkg-config meson ninja-build python3
  libsodium-dev libipsec-mb-dev libdpdk-dev dpdk libbenchmark-dev
  libssl-dev clang libclang-rt-14-dev
  openssh-client openssh-server openssh-sftp-server dropbear-bin
  rsync socat netcat-openbsd tmux iproute2 nftables ethtool
  gnuplot-nox procps coreutils xxd
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
