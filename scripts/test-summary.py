#!/usr/bin/env python3
"""Counts real meson test results from one or more testlog.json files (default
build/meson-logs/testlog.json) and prints `N passed, N failed, N skipped`.
Exit status 1 when any test failed, or when no test ran at all."""
import json
import sys

paths = sys.argv[1:] or ["build/meson-logs/testlog.json"]
passed = failed = skipped = 0
failed_names = []
for path in paths:
    tag = "" if len(paths) == 1 else f"[{path.split('/')[0]}] "
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                r = json.loads(line)
                res = r.get("result")
                if res in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                elif res == "SKIP":
                    skipped += 1
                else:
                    failed += 1
                    failed_names.append(f"{tag}{r.get('name')} ({res})")
    except FileNotFoundError:
        print(f"test-summary: {path} not found: no test ran there", file=sys.stderr)
        failed += 1
        failed_names.append(f"{path} (missing)")
for n in failed_names:
    print(f"FAILED: {n}")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
