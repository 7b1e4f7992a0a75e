#!/usr/bin/env bash
# The main job (run by ./scripts/main.sh, which builds build/ first; nothing is built here): a real
# encrypted bulk transfer on loopback — warpsshd beside a private OpenSSH sshd, OpenSSH's ssh (and
# warpssh) pushing and pulling WS_MAIN_SIZE bytes (default 2G) through an exec channel per cipher,
# every transfer checked by sha256, throughput in MB/s and the warpsshd/OpenSSH ratio printed.
# See bench/e2e/transfer.sh for the knobs (WS_MAIN_SIZE, WS_MAIN_CIPHERS, WS_MAIN_REPS).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x build/apps/warpsshd ]; then
  echo "run-main: build/apps/warpsshd was not built (scripts/main.sh builds it)" >&2
  exit 1
fi
export WS_MAIN_REPS=${WS_MAIN_REPS:-1}
exec bench/e2e/transfer.sh build
