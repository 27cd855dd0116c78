#!/usr/bin/env bash
# Set everything up and run every check: lint, types, and the whole test suite.
# Usage: bash scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh dev
bash scripts/compat_env.sh

echo "==> ruff"
.venv/bin/ruff check --no-cache src tests scripts benchmarks examples
echo "==> mypy"
.venv/bin/mypy
echo "==> pytest"
.venv/bin/python -m pytest "$@"
