"""Our method through the product's own path: SDK -> embedded local server -> engine.

Example:
    >>> generated = avatarize_through_local_server(spec, train, workdir, k=20, ncp=5, seed=42)
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
from datasets import TableSpec

__all__ = ["avatarize_through_local_server"]


def _schema_types(spec: TableSpec) -> dict[str, str]:
    return {c: ("category" if c in spec.categorical else "int" if c in spec.integer else "float")
            for c in spec.frame.columns}


def avatarize_through_local_server(spec: TableSpec, train: pd.DataFrame, workdir: Path, *,
                                   k: int, ncp: int, seed: int) -> Any:
    """Upload the training rows with ``Manager.local()``, run one avatarization, download it.

    ``seconds`` covers the upload, the job and both downloads; starting the embedded server is
    timed apart (``info["server_start_seconds"]``).
    """
    from methods import Generated

    from avatars import Manager

    # the embedded server keeps its data (and credentials) in the benchmark's scratch folder,
    # never in the user's own, and runs one job worker like the other methods use one core
    os.environ["AVATARS_HOME"] = str(workdir / "avatars-home")
    os.environ["AVATAR_SERVER_WORKERS"] = "1"
    source = workdir / f"{spec.name}.csv"
    train.to_csv(source, index=False)
    started = time.perf_counter()
    manager = Manager.local()
    server_start = time.perf_counter() - started
    try:
        start = time.perf_counter()
        runner = manager.create_runner(set_name=f"peers-{spec.name}", seed=seed)
        runner.add_table(spec.name, str(source), types=_schema_types(spec))
        runner.set_parameters(spec.name, k=k, ncp=ncp)
        runner.run(jobs_to_run=["standard"])
        shuffled = runner.shuffled(spec.name)
        unshuffled = runner.sensitive_unshuffled(spec.name)
        seconds = time.perf_counter() - start
    finally:
        close = getattr(manager, "close", None)
        if callable(close):
            close()
        # the local server handle stops the server at interpreter exit (atexit)
    return Generated(shuffled, seconds, unshuffled=unshuffled,
                     info={"server_start_seconds": round(server_start, 2)})
