"""The time-series parameters of a table: how its sequences are projected and aligned.

They are written as the established platform writes them, under ``spec.time_series`` of the
avatarization document: ``{projection: {projection_type, nf}, alignment: {nb_points,
method}}``.

Example:
    >>> params = TableParameters()
    >>> set_time_series(params, {"time_series_nf": 3})
    >>> params.time_series
    {'projection': {'nf': 3, 'projection_type': 'fpca'}}
"""

from __future__ import annotations

from typing import Any

from avatars._yaml import TableParameters

__all__ = [
    "ALIGNMENT_METHODS",
    "PROJECTION_TYPES",
    "SERIES_KEYS",
    "delete_time_series",
    "set_time_series",
]

PROJECTION_TYPES = ("fpca", "flatten")
ALIGNMENT_METHODS = ("specified", "max", "min", "mean")
SERIES_KEYS = (
    "time_series_nf",
    "time_series_projection_type",
    "time_series_nb_points",
    "time_series_method",
)


_PLACES = {
    "time_series_nf": ("projection", "nf"),
    "time_series_projection_type": ("projection", "projection_type"),
    "time_series_nb_points": ("alignment", "nb_points"),
    "time_series_method": ("alignment", "method"),
}


def delete_time_series(params: TableParameters, name: str) -> None:
    """Forget one ``time_series_*`` parameter (its server default applies again).

    Example:
        >>> params = TableParameters(time_series={"projection": {"nf": 3}})
        >>> delete_time_series(params, "time_series_nf")
        >>> params.time_series
        {}
    """
    section, key = _PLACES[name]
    values = dict(params.time_series.get(section) or {})
    values.pop(key, None)
    if values:
        params.time_series[section] = values
    else:
        params.time_series.pop(section, None)


def _text(value: Any) -> str:
    return str(getattr(value, "value", value))


def _positive(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def set_time_series(params: TableParameters, given: dict[str, Any]) -> None:
    """Record the ``time_series_*`` arguments found in ``given`` (popped) on ``params``.

    Raises:
        ValueError: an unknown projection type or alignment method, or a bad number.
    """
    found = {key: given.pop(key) for key in SERIES_KEYS if key in given}
    if not found:
        return
    series = params.time_series
    projection = dict(series.get("projection") or {})
    alignment = dict(series.get("alignment") or {})
    if "time_series_projection_type" in found:
        kind = _text(found["time_series_projection_type"]).lower()
        if kind not in PROJECTION_TYPES:
            raise ValueError(
                f"Unknown time_series_projection_type {kind!r}; use one of "
                f"{list(PROJECTION_TYPES)}."
            )
        projection["projection_type"] = kind
    if "time_series_nf" in found:
        projection["nf"] = _positive("time_series_nf", found["time_series_nf"])
    if projection:
        projection.setdefault("projection_type", "fpca")
        series["projection"] = projection
    if "time_series_method" in found:
        method = _text(found["time_series_method"]).lower()
        if method not in ALIGNMENT_METHODS:
            raise ValueError(
                f"Unknown time_series_method {method!r}; use one of {list(ALIGNMENT_METHODS)}."
            )
        alignment["method"] = method
    if "time_series_nb_points" in found:
        alignment["nb_points"] = _positive("time_series_nb_points",
                                           found["time_series_nb_points"])
    if alignment:
        if alignment.get("method") == "specified" and "nb_points" not in alignment:
            raise ValueError(
                "time_series_method 'specified' needs time_series_nb_points (the number of "
                "points of the common grid): pass time_series_nb_points=N too."
            )
        series["alignment"] = alignment
