"""Quickstart: avatarize a table, then read back the avatars, the metrics and the report.

Run it from the repository root (after `bash scripts/bootstrap.sh`):

    .venv/bin/python examples/quickstart.py [OUTPUT_FOLDER]

With AVATAR_BASE_URL and AVATAR_API_KEY set, it uses that server; otherwise `Manager.local()`
starts the reference server on this machine for the duration of the script.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from avatars import Manager

DATA = Path(__file__).resolve().parent.parent / "fixtures" / "wbcd.csv"


def connect() -> Manager:
    """The configured server if there is one, else the reference server on this machine."""
    if os.environ.get("AVATAR_BASE_URL"):
        return Manager()  # reads AVATAR_BASE_URL and AVATAR_API_KEY
    return Manager.local()


def main(out: Path) -> None:
    manager = connect()
    runner = manager.create_runner(set_name="quickstart", seed=42)
    runner.add_table("wbcd", str(DATA))
    runner.set_parameters("wbcd", k=15)
    runner.run()  # avatarization, privacy metrics, signal metrics, report

    avatars = runner.shuffled("wbcd")  # waits for the job, with a progress bar
    print(f"{len(avatars)} avatars of {len(avatars.columns)} columns:")
    print(avatars.head())

    privacy = runner.privacy_metrics("wbcd")
    signal = runner.signal_metrics("wbcd")
    print(privacy.to_frame())
    print(signal.to_frame())

    out.mkdir(parents=True, exist_ok=True)
    avatars.to_csv(out / "wbcd.avatars.csv", index=False)
    report = runner.download_report(out / "report.pdf")
    verdict = "meet" if privacy["passed"] and signal["passed"] else "do NOT all meet"
    print(f"The metrics {verdict} their targets. Report: {report}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("quickstart-results"))
