#!/usr/bin/env bash
# Create .compat-venv: Python 3.12 with the established platform's client, pinned and unmodified,
# for tests/compat. Cached: rebuilt only when the pins change. Without a Python 3.12 interpreter
# it says so and exits 0 (tests/compat then skip with the same message).
set -euo pipefail
cd "$(dirname "$0")/.."
PINS="octopize-avatar==1.30.0 octopize-avatar-yaml==0.1.45"
VENV=.compat-venv

find_python312() {
    for candidate in "${COMPAT_PYTHON:-}" python3.12 "$HOME"/.pyenv/versions/3.12*/bin/python3.12 \
        /usr/bin/python3.12 /usr/local/bin/python3.12; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

if [ -f "$VENV/.pins" ] && [ "$(cat "$VENV/.pins")" = "$PINS" ] && [ -x "$VENV/bin/python" ]; then
    exit 0
fi
if ! PYTHON=$(find_python312); then
    echo "==> compat: no Python 3.12 interpreter found: tests/compat will be skipped" >&2
    exit 0
fi
echo "==> compat: creating $VENV with $PINS ($PYTHON)"
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
# shellcheck disable=SC2086
"$VENV/bin/python" -m pip install --quiet $PINS 2>&1 | { grep -v "is ignored: it is neither" || true; }
echo "$PINS" > "$VENV/.pins"
