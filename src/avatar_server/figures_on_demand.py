"""Figures of an avatarization, drawn the first time they are asked for.

A ``standard`` job does not draw its figures: drawing them costs several times the
avatarization of a small table. It records, per table, what the figures need (in the hidden
file ``.figures.json`` of its results folder); the results listing names the three figures of
each table as if they were there, and the first request of one (a result download, or a
``report`` job) draws the three, stores them next to the other results and serves them from
then on. Drawing uses the job's own inputs: the uploaded dataset (checked to be the very file
the job read) and the job's avatars and projections.

A basic report job does the same for its files that ``report.pdf`` does not need (the other
plot kinds, ``report.html``, ``pia.pdf``, ``pia.docx``): it promises them in the hidden file
``.report_rest.json`` and the first request of one draws them all
(``job_report.render_rest``). :func:`ensure_result_file` serves both kinds of promise.

Example:
    >>> record_figure_inputs(output_dir, "wbcd", dataset_path, column_types={},
    ...                      identifiers=[], max_distribution_plots=None,
    ...                      explained_variance_ratio=None)  # doctest: +SKIP
    >>> ensure_figures(results_dir, "wbcd", lambda name: datasets / name)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from avatar_server.job_failures import JobFailure
from avatar_server.storage import atomic_write_bytes

FIGURE_NAMES = ("projection", "distributions", "correlations")
INPUTS_FILE = ".figures.json"
REST_FILE = ".report_rest.json"

_locks: dict[tuple[str, str], threading.Lock] = {}
_locks_guard = threading.Lock()


class FiguresUnavailableError(Exception):
    """The figures cannot be drawn any more (the dataset changed or was deleted).

    Attributes:
        detail: What happened and what to do, for the user.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def file_fingerprint(path: Path) -> dict[str, int]:
    """Size and modification time of a file: a replaced upload has another fingerprint.

    Example:
        >>> sorted(file_fingerprint(Path(__file__)))
        ['mtime_ns', 'size']
    """
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def record_figure_inputs(
    output_dir: Path,
    table: str,
    dataset_path: Path,
    *,
    dataset_name: str,
    column_types: Mapping[str, str],
    identifiers: Sequence[str],
    max_distribution_plots: int | None,
    explained_variance_ratio: Sequence[float] | None,
) -> None:
    """Note in a job's output folder what the figures of ``table`` need (called by the job).

    Example:
        >>> record_figure_inputs(out, "wbcd", path, dataset_name="wbcd.csv", column_types={},
        ...                      identifiers=[], max_distribution_plots=None,
        ...                      explained_variance_ratio=None)  # doctest: +SKIP
    """
    path = output_dir / INPUTS_FILE
    inputs = _read_inputs(output_dir)
    inputs[table] = {
        "dataset": dataset_name,
        "fingerprint": file_fingerprint(dataset_path),
        "column_types": dict(column_types),
        "identifiers": list(identifiers),
        "max_distribution_plots": max_distribution_plots,
        "explained_variance_ratio": (
            None if explained_variance_ratio is None else list(map(float, explained_variance_ratio))
        ),
    }
    path.write_text(json.dumps(inputs, indent=2))


def _read_inputs(folder: Path) -> dict[str, Any]:
    try:
        loaded = json.loads((folder / INPUTS_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def read_rest(folder: Path) -> dict[str, Any]:
    """What a report job's results folder promises to draw later (empty when nothing).

    Example:
        >>> read_rest(Path("/nonexistent"))
        {}
    """
    try:
        loaded = json.loads((folder / REST_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) and isinstance(loaded.get("files"), list) else {}


def figure_file_name(table: str, figure: str) -> str:
    """``<table>.<figure>.png``.

    Example:
        >>> figure_file_name("wbcd", "projection")
        'wbcd.projection.png'
    """
    return f"{table}.{figure}.png"


def promised_figures(folder: Path) -> list[str]:
    """Names of the figures a results folder offers, drawn or not yet.

    Example:
        >>> promised_figures(Path("/nonexistent"))
        []
    """
    figures = [figure_file_name(t, f) for t in sorted(_read_inputs(folder)) for f in FIGURE_NAMES]
    return figures + [str(name) for name in read_rest(folder).get("files", [])]


def table_of_figure(folder: Path, file_name: str) -> str | None:
    """The table whose not-yet-drawn figure ``file_name`` is, or None.

    Example:
        >>> table_of_figure(Path("/nonexistent"), "wbcd.projection.png") is None
        True
    """
    if not file_name.endswith(".png") or (folder / file_name).is_file():
        return None
    inputs = _read_inputs(folder)
    for table in inputs:
        if file_name in {figure_file_name(table, f) for f in FIGURE_NAMES}:
            return table
    return None


def ensure_result_file(
    folder: Path,
    file_name: str,
    dataset_path: Callable[[str], Path],
    results_dir: Callable[[str], Path] | None = None,
) -> None:
    """Draw ``file_name`` of a job's results if it is a promised file not drawn yet.

    Args:
        folder: The job's results folder.
        file_name: The file asked for.
        dataset_path: Dataset name -> path of the uploaded file.
        results_dir: Job name -> its results folder (default: beside ``folder``).

    Raises:
        FiguresUnavailableError: The inputs the job read were deleted or replaced since.

    Example:
        >>> ensure_result_file(results, "pia.pdf", store_path)  # doctest: +SKIP
    """
    table = table_of_figure(folder, file_name)
    if table is not None:
        ensure_figures(folder, table, dataset_path)
        return
    if (folder / file_name).is_file() or file_name not in read_rest(folder).get("files", []):
        return
    from avatar_server.job_report import render_rest  # drawing libraries: on demand only

    with _lock(folder, REST_FILE):
        if not (folder / file_name).is_file():
            render_rest(folder, dataset_path, results_dir or (lambda name: folder.parent / name))


def _lock(folder: Path, table: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault((str(folder), table), threading.Lock())


def ensure_figures(
    folder: Path, table: str, dataset_path: Callable[[str], Path]
) -> dict[str, bytes]:
    """The three figures of ``table`` in a ``standard`` job's results, drawn if not yet.

    Args:
        folder: The job's results folder.
        table: Table name.
        dataset_path: Dataset name -> path of the uploaded file.

    Returns:
        Figure name -> PNG bytes (empty when the job recorded no figure inputs: results of
        an older server, whose figures are files already, or none).

    Raises:
        FiguresUnavailableError: The dataset the job read was deleted or replaced since.

    Example:
        >>> ensure_figures(results, "wbcd", store_path)["projection"][:4]  # doctest: +SKIP
        b'\\x89PNG'
    """
    paths = {f: folder / figure_file_name(table, f) for f in FIGURE_NAMES}
    if all(p.is_file() for p in paths.values()):
        return {f: p.read_bytes() for f, p in paths.items()}
    with _lock(folder, table):
        if all(p.is_file() for p in paths.values()):
            return {f: p.read_bytes() for f, p in paths.items()}
        spec = _read_inputs(folder).get(table)
        if spec is None:
            return {f: p.read_bytes() for f, p in paths.items() if p.is_file()}
        figures = _draw(folder, table, spec, dataset_path(str(spec["dataset"])))
        for figure, path in paths.items():
            atomic_write_bytes(path, figures[figure])
        return figures


def _draw(
    folder: Path, table: str, spec: Mapping[str, Any], original_path: Path
) -> dict[str, bytes]:
    import pandas as pd

    from avatar_engine import ColumnType, render_figures
    from avatar_server.dataset_files import read_dataset

    if not original_path.is_file() or file_fingerprint(original_path) != spec["fingerprint"]:
        raise FiguresUnavailableError(
            f"the dataset {spec['dataset']!r} this job read was deleted or replaced since, so "
            f"its figures cannot be drawn; run the avatarization again to get them."
        )
    types: dict[str, str] = dict(spec["column_types"])
    identifiers = list(spec["identifiers"])
    try:
        original = read_dataset(original_path, str(spec["dataset"]), types)
        shuffled_path = next(
            p for ext in ("csv", "parquet") if (p := folder / f"{table}.shuffled.{ext}").is_file()
        )
        avatars = read_dataset(shuffled_path, shuffled_path.name, types)
    except (JobFailure, StopIteration) as exc:
        raise FiguresUnavailableError(
            f"the results of table {table!r} are incomplete; run the avatarization again."
        ) from exc
    original_projections = pd.read_csv(folder / f"{table}.original_projections.csv")
    avatar_projections = pd.read_csv(folder / f"{table}.avatar_projections.csv")
    if spec.get("explained_variance_ratio") is not None:
        original_projections.attrs["explained_variance_ratio"] = spec["explained_variance_ratio"]
    return dict(
        render_figures(
            original.drop(columns=identifiers, errors="ignore"),
            avatars.drop(columns=identifiers, errors="ignore"),
            original_projections,
            avatar_projections,
            types={
                c: ColumnType(t)
                for c, t in types.items()
                if c not in identifiers and c in original.columns
            },
            max_distribution_plots=spec.get("max_distribution_plots"),
        )
    )
