#!/usr/bin/env bash
# The main job. Until warpsshd exists this is the crypto burst benchmark (issue 2); once the
# server lands it becomes a real encrypted bulk transfer on loopback with throughput printed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x build/bench/bench_crypto ]; then
  exec build/bench/bench_crypto --benchmark_filter='BM_(Seal|Open)Burst/.*/(16384|32768)/32$' --benchmark_min_time=0.2
fi
echo "run-main: build/bench/bench_crypto was not built" >&2
exit 1
