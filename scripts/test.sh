#!/usr/bin/env bash
# The whole test suite: installs dependencies (as root), builds, runs every meson test suite
# (crypto, transport, server, client, net, runtime, hardening), then runs them again in an
# ASan+UBSan build (LeakSanitizer on; the DPDK 'net' suite is left out there: DPDK's memory
# manager and ASan's shadow memory do not mix). Prints `N passed, N failed, N skipped` counted
# from every run's meson log. Last, each libFuzzer target runs for WS_FUZZ_SECONDS (default 60)
# in a clang ASan+UBSan build (suite fuzz-run); a crash fails with its reproducer printed.
# Extra arguments go to the first two `meson test` calls.
# WS_SANITIZE=0 skips the sanitizer run; WS_FUZZ=0 skips the fuzz runs.
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh || exit 1
./scripts/build.sh || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
rm -f build/meson-logs/testlog.json build-asan/meson-logs/testlog.json build-fuzz/meson-logs/testlog.json \
  build-asan-failed.json build-fuzz-failed.json
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
if [ "${WS_FUZZ:-1}" != "0" ]; then
  if [ ! -f build-fuzz/build.ninja ]; then
    CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined \
      -Db_lundef=false -Dbench=disabled >/dev/null
  fi
  fuzz_targets=$(meson introspect build-fuzz --targets | python3 -c '
import json, os, sys
print(" ".join(os.path.relpath(t["filename"][0], "build-fuzz")
               for t in json.load(sys.stdin) if t["name"].startswith("fuzz_")))')
  # shellcheck disable=SC2086
  if ninja -C build-fuzz $fuzz_targets >/dev/null; then
    meson test -C build-fuzz --no-rebuild --print-errorlogs --num-processes 2 --suite fuzz-run
    logs+=(build-fuzz/meson-logs/testlog.json)
  else
    echo "FAILED: libFuzzer build"
    echo '{"name": "fuzz-build", "result": "FAIL"}' > build-fuzz-failed.json
    logs+=(build-fuzz-failed.json)
  fi
fi
python3 scripts/test-summary.py "${logs[@]}"
