"""Result files of the pipeline's jobs: writing tables and JSON, finding a parent's results.

Example:
    >>> write_json(Path("out/wbcd.advice.json"), {"k": 10})  # doctest: +SKIP
    >>> read_json(Path("out/wbcd.advice.json"))  # doctest: +SKIP
    {'k': 10}
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from avatar_server.dataset_files import read_dataset
from avatar_server.job_context import JobContext
from avatar_server.job_failures import JobFailure
from avatar_server.resource_sets import TableSpec


def write_table(data: pd.DataFrame, path_stem: Path, fmt: str) -> Path:
    if fmt == "parquet":
        path = path_stem.with_name(path_stem.name + ".parquet")
        data.to_parquet(path, index=False)
    else:
        path = path_stem.with_name(path_stem.name + ".csv")
        data.to_csv(path, index=False)
    return path


def write_json(path: Path, payload: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(payload, indent=2, default=_json_default, allow_nan=False))


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, datetime | pd.Timestamp):
        return value.isoformat()
    return str(value)


def parent_dir(ctx: JobContext, kind: str, *, required: bool = True) -> Path | None:
    directory = ctx.parent_outputs.get(kind)
    if directory is None or not Path(directory).is_dir():
        if not required:
            return None
        raise JobFailure(
            f"this {ctx.kind} job needs the results of a {kind} job; create it with "
            f"depends_on: [<the {kind} job name>]."
        )
    return Path(directory)


def result_file(directory: Path, table: str, kind: str) -> Path:
    for ext in ("csv", "parquet"):
        path = directory / f"{table}.{kind}.{ext}"
        if path.is_file():
            return path
    raise JobFailure(
        f"the parent job has no {kind} result for table {table!r}; run the standard job of the "
        "same resource set first."
    )


def read_result(path: Path, table: TableSpec) -> pd.DataFrame:
    return read_dataset(path, path.name, table.column_types())


def tables_in(directory: Path) -> list[str]:
    suffix = ".run_metadata.json"
    return sorted(p.name[: -len(suffix)] for p in directory.glob(f"*{suffix}"))


def read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    loaded = json.loads(path.read_text())
    return loaded if isinstance(loaded, dict) else {}
