#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv from pyproject.toml.
# Usage: bash scripts/bootstrap.sh [EXTRAS]   (EXTRAS defaults to "dev")
set -euo pipefail
cd "$(dirname "$0")/.."

extras="${1:-dev}"
python="${PYTHON:-python3}"

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: avatars needs Python 3.11 or newer; '$python' is $("$python" --version 2>&1)." >&2
    echo "       Set PYTHON=/path/to/python3.11 and run this again." >&2
    exit 2
fi

if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv with $("$python" --version)"
    "$python" -m venv .venv
fi

stamp=".venv/.installed-$extras"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "==> installing avatars[$extras] into .venv (first run takes a few minutes)"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
    if [[ ",$extras," == *",dev,"* ]]; then
        # the reference implementation of the WP29 risks, for the tests only; its metadata
        # pins numpy<1.27 and pyarrow<22 but it runs on the versions above (its other needs
        # are in the dev extra)
        .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
            anonymeter==1.1.0
    fi
    touch "$stamp"
fi
