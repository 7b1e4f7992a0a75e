#!/usr/bin/env bash
# The whole test suite: installs dependencies (as root), builds, runs every meson test suite
# (crypto, transport, server, client, net, runtime, hardening) and prints
# `N passed, N failed, N skipped` from meson's own log. Extra arguments go to `meson test`.
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh || exit 1
./scripts/build.sh || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
rm -f build/meson-logs/testlog.json
meson test -C build --print-errorlogs --num-processes 2 "$@"
python3 scripts/test-summary.py build/meson-logs/testlog.json
