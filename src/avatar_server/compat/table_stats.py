"""Column statistics of a table, as the established client's ``table_summary`` reads them.

They come with the advice of a table (``advice.summary.stats``): one entry per column, read
from the dataset the advice job was given.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from avatar_server.dataset_files import read_dataset
from avatar_server.models import Job, ResourceSetRow
from avatar_server.resource_sets import parse_resource_set
from avatar_server.state import ServerState


def column_stats(data: pd.DataFrame) -> list[dict[str, Any]]:
    """One entry per column: name, type, count, missing, distinct, mean, std, min, max.

    Example:
        >>> column_stats(pd.DataFrame({"a": [1, 2, None]}))[0]["missing"]
        1
    """
    stats = []
    for column in data.columns:
        values = data[column]
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        stats.append(
            {
                "variable": str(column),
                "type": "numeric" if numeric else "categorical",
                "count": int(values.notna().sum()),
                "missing": int(values.isna().sum()),
                "distinct": int(values.nunique()),
                "mean": float(values.mean()) if numeric else None,
                "std": float(values.std()) if numeric else None,
                "min": float(values.min()) if numeric else None,
                "max": float(values.max()) if numeric else None,
            }
        )
    return stats


def advised_table_stats(
    state: ServerState, user_id: str, job_name: str, table: str
) -> list[dict[str, Any]]:
    """Statistics of ``table`` as given to the advice job ``job_name`` (``[]`` if gone).

    Example:
        >>> advised_table_stats(state, user.id, job.name, "iris")[0]["variable"]  # doctest: +SKIP
        'sepal_length'
    """
    with state.sessions() as db:
        job = db.get(Job, job_name)
        row = db.get(ResourceSetRow, job.set_name) if job and job.user_id == user_id else None
        text = row.yaml_text if row is not None else ""
    if not text:
        return []
    resource_set = parse_resource_set(text, max_bytes=len(text.encode()) + 1)
    spec = next((t for t in resource_set.tables() if t.name == table), None)
    if spec is None or spec.data is None:
        return []
    path = state.store.fetch_dataset(user_id, spec.data.file)
    if not path.is_file():
        return []
    return column_stats(read_dataset(path, spec.data.file))
