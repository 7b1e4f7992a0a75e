#!/usr/bin/env bash
# The main job: installs dependencies (as root), builds everything and runs the headline workload.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
exec ./bench/run-main.sh
