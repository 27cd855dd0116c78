"""Write the server's OpenAPI schema to openapi.json (deterministic), or check it is current.

Usage:
    python scripts/export_openapi.py            # rewrite openapi.json
    python scripts/export_openapi.py --check    # exit 1 if openapi.json differs from the app
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "openapi.json"


def render_schema() -> str:
    """The app's OpenAPI document as sorted, 2-space indented JSON with a trailing newline."""
    from avatar_server import Settings, create_app

    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(Settings(data_dir=Path(data_dir)))
        schema: dict[str, Any] = app.openapi()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Export or check; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    rendered = render_schema()
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != rendered:
            print(
                f"{args.output} is out of date: run python scripts/export_openapi.py",
                file=sys.stderr,
            )
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.write_text(rendered)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
