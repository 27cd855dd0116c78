"""Helpers of the CLI, launcher and example tests: paths, child environments, process checks."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WBCD = REPO / "fixtures" / "wbcd.csv"


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment of a child command: no configured server, a private AVATARS_HOME."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AVATAR_", "AVATARS_")) and key not in {"XDG_CONFIG_HOME"}
    }
    env["AVATARS_HOME"] = str(home)
    env.update(extra)
    return env


def server_pids(data_dir: Path) -> list[int]:
    """Pids of live server processes using `data_dir` (Linux /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            continue
        command = b" ".join(cmdline)
        # `python -m avatar_server`, or the SDK's guarded start of it (avatars._local)
        is_server = b"avatar_server" in command or b"serve_guarded" in command
        if is_server and str(data_dir).encode() in cmdline:
            pids.append(int(entry.name))
    return pids
