#!/usr/bin/env bash
# Set everything up and run the main job: avatarize fixtures/wbcd.csv on the embedded
# server, print every metric with its target, and write avatars, metrics and report
# into results/ (the previous run's files there are replaced).
# Usage: bash scripts/demo.sh [DATA] [avatars run options]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh dev
data="${1:-fixtures/wbcd.csv}"
shift || true
exec .venv/bin/avatars run "$data" --out results --overwrite "$@"
