#!/usr/bin/env bash
# run_fuzz.sh BINARY SEED_CORPUS SECONDS — runs one libFuzzer target (ASan+UBSan) for a bounded
# time on a scratch copy of its seed corpus. On a crash, leak, timeout or OOM it prints the
# reproducer (path, hex, base64) and keeps it under build-fuzz/fuzz-artifacts/, exiting non-zero.
# WS_FUZZ_SECONDS overrides SECONDS.
set -u
bin=$1 seeds=$2 secs=${WS_FUZZ_SECONDS:-$3}
name=$(basename "$bin")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
keep="$(dirname "$bin")/../../fuzz-artifacts"
mkdir -p "$keep"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus" "$seeds" >"$work/log" 2>&1
rc=$?
grep -E "^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)" "$work/log" | tail -3
if [ $rc -ne 0 ]; then
  echo "$name: libFuzzer exited $rc"
  tail -n 60 "$work/log"
  for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [ -f "$f" ] || continue
    cp "$f" "$keep/$name-$(basename "$f")"
    echo "reproducer: $keep/$name-$(basename "$f") ($(stat -c %s "$f") bytes)"
    xxd "$f" | head -32
    echo "base64: $(base64 -w0 <"$f")"
  done
fi
exit $rc
