#!/usr/bin/env bash
# The whole test suite: installs dependencies (as root), builds, runs every meson test suite
# (crypto, transport, server, client, net, runtime, hardening), then runs them again in an
# ASan+UBSan build (LeakSanitizer on; the DPDK 'net' suite is left out there: DPDK's memory
# manager and ASan's shadow memory do not mix). Prints `N passed, N failed, N skipped` counted
# from both runs' meson logs. Extra arguments go to both `meson test` calls.
# WS_SANITIZE=0 skips the sanitizer run.
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh || exit 1
./scripts/build.sh || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
rm -f build/meson-logs/testlog.json build-asan/meson-logs/testlog.json build-asan-failed.json
meson test -C build --print-errorlogs --num-processes 2 "$@"
logs=(build/meson-logs/testlog.json)
if [ "${WS_SANITIZE:-1}" != "0" ]; then
  if [ ! -f build-asan/build.ninja ]; then
    meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbench=disabled >/dev/null
  fi
  if ninja -C build-asan >/dev/null; then
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      meson test -C build-asan --print-errorlogs --num-processes 2 --timeout-multiplier 3 \
      --no-suite net "$@"
    logs+=(build-asan/meson-logs/testlog.json)
  else
    echo "FAILED: ASan+UBSan build"
    echo '{"name": "asan-build", "result": "FAIL"}' > build-asan-failed.json
    logs+=(build-asan-failed.json)
  fi
fi
python3 scripts/test-summary.py "${logs[@]}"
