"""Figures comparing original data and avatars: projection, distributions, correlations.

Figures are drawn with matplotlib's object API (``Figure`` + ``FigureCanvasAgg``), never pyplot,
so rendering touches no global state and is safe in threads and worker processes. PNG output is
deterministic: same inputs, same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from io import BytesIO
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from avatar_engine.errors import InvalidDataError, InvalidParameterError
from avatar_engine.types import ColumnType

__all__ = ["ColumnKind", "column_kinds", "render_figures"]

ColumnKind = Literal["continuous", "datetime", "categorical"]

ORIGINAL_COLOUR = "#3B6FB6"
AVATAR_COLOUR = "#E07B2A"
_MAX_SCATTER_POINTS = 5_000
_MAX_ASSOCIATION_ROWS = 20_000
_MAX_CATEGORIES_SHOWN = 12
_INTEGER_BINS_LIMIT = 25
_MAX_LABEL_CHARS = 18
_MAX_DISTRIBUTIONS = 60
_MAX_HEATMAP_VARIABLES = 60
_DPI = 130
_MAX_PIXELS = 6_000
_CONTINUOUS_TYPES = {ColumnType.INT, ColumnType.FLOAT}
_DATETIME_TYPES = {ColumnType.DATETIME, ColumnType.DATETIME_TZ}
_CATEGORICAL_TYPES = {ColumnType.BOOL, ColumnType.CATEGORY}


def render_figures(
    original: pd.DataFrame,
    avatars: pd.DataFrame,
    original_projections: pd.DataFrame,
    avatar_projections: pd.DataFrame,
    *,
    types: Mapping[str, ColumnType] | None = None,
    max_distribution_plots: int | None = None,
) -> dict[str, bytes]:
    """Draw the three standard figures of an avatarization as PNG images.

    Args:
        original: the original table (identifier columns already dropped).
        avatars: the avatars of that table (shuffled or not), same columns.
        original_projections: coordinates of the originals, columns "Dim.1", "Dim.2", ...
            When ``original_projections.attrs["explained_variance_ratio"]`` holds the share of
            variance of each dimension, it is printed in the axis labels.
        avatar_projections: coordinates of the avatars in the same space.
        types: column types; columns not listed are inferred from their dtype.
        max_distribution_plots: draw at most this many per-variable distributions (default:
            every variable); never more than 60, and the correlation heatmaps
            show at most the first 60 variables, so that figures stay
            readable and fast on very wide tables (the figure titles say so when it happens).

    Returns:
        ``{"projection": png, "distributions": png, "correlations": png}``.

    Raises:
        InvalidDataError: empty tables, columns that differ between original and avatars,
            projections without a "Dim.1" column.
        InvalidParameterError: ``max_distribution_plots`` below 1 or ``types`` naming unknown
            columns.

    Example:
        >>> import pandas as pd
        >>> data = pd.DataFrame({"age": [30, 41, 52, 63], "sex": ["f", "m", "f", "m"]})
        >>> coords = pd.DataFrame({"Dim.1": [0.1, 0.2, 0.3, 0.4], "Dim.2": [1, 0, 1, 0]})
        >>> pngs = render_figures(data, data, coords, coords)
        >>> sorted(pngs), pngs["projection"][:4]
        (['correlations', 'distributions', 'projection'], b'\\x89PNG')
    """
    _check_tables(original, avatars)
    if max_distribution_plots is not None and (
        isinstance(max_distribution_plots, bool)
        or not isinstance(max_distribution_plots, int)
        or max_distribution_plots < 1
    ):
        raise InvalidParameterError(
            "max_distribution_plots",
            f"max_distribution_plots must be a positive integer or None, "
            f"not {max_distribution_plots!r}.",
        )
    kinds = column_kinds(original, types)
    return {
        "projection": _to_png(_projection_figure(original_projections, avatar_projections)),
        "distributions": _to_png(
            _distributions_figure(original, avatars, kinds, max_distribution_plots)
        ),
        "correlations": _to_png(_correlations_figure(original, avatars, kinds)),
    }


def column_kinds(
    data: pd.DataFrame, types: Mapping[str, ColumnType | str] | None = None
) -> dict[str, ColumnKind]:
    """How each column is drawn and summarised: continuous, datetime or categorical.

    Args:
        data: the table.
        types: declared column types; other columns are inferred from their dtype (numbers ->
            continuous, datetimes -> datetime, everything else, booleans included ->
            categorical).

    Raises:
        InvalidParameterError: when ``types`` names a column absent from ``data`` or an unknown
            type.

    Example:
        >>> import pandas as pd
        >>> column_kinds(pd.DataFrame({"a": [1.5], "b": ["x"]}), {"a": "category"})
        {'a': 'categorical', 'b': 'categorical'}
    """
    declared = dict(types or {})
    unknown = [name for name in declared if name not in data.columns]
    if unknown:
        raise InvalidParameterError(
            "types",
            f"types names columns that are not in the table: {', '.join(map(str, unknown))}. "
            "Remove them or fix their spelling.",
        )
    kinds: dict[str, ColumnKind] = {}
    for name in data.columns:
        if name in declared:
            kinds[name] = _declared_kind(str(name), declared[name])
        else:
            kinds[name] = _inferred_kind(data[name])
    return kinds


def _declared_kind(name: str, declared: ColumnType | str) -> ColumnKind:
    try:
        column_type = ColumnType(declared)
    except ValueError:
        allowed = ", ".join(member.value for member in ColumnType)
        raise InvalidParameterError(
            "types", f"Column {name!r} has unknown type {declared!r}: use one of {allowed}."
        ) from None
    if column_type in _CONTINUOUS_TYPES:
        return "continuous"
    if column_type in _DATETIME_TYPES:
        return "datetime"
    return "categorical"


def _inferred_kind(series: pd.Series) -> ColumnKind:
    if pd.api.types.is_bool_dtype(series.dtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(series.dtype):
        return "continuous"
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return "datetime"
    return "categorical"


def _check_tables(original: pd.DataFrame, avatars: pd.DataFrame) -> None:
    for label, frame in (("original", original), ("avatars", avatars)):
        if not isinstance(frame, pd.DataFrame):
            raise InvalidDataError(f"{label} must be a pandas DataFrame, not {type(frame)!r}.")
        if frame.empty or frame.shape[1] == 0:
            raise InvalidDataError(f"The {label} table is empty: figures need rows and columns.")
    missing = [name for name in original.columns if name not in avatars.columns]
    if missing:
        raise InvalidDataError(
            f"The avatars lack column {missing[0]!r} of the original table: pass the avatars of "
            "the same table (identifier columns dropped from both).",
            column=str(missing[0]),
        )
    extra = [name for name in avatars.columns if name not in original.columns]
    if extra:
        raise InvalidDataError(
            f"The avatars have a column {extra[0]!r} that the original table lacks: pass the "
            "same columns in both (identifier columns dropped from both).",
            column=str(extra[0]),
        )


def _to_png(figure: Figure) -> bytes:
    buffer = BytesIO()
    FigureCanvasAgg(figure)
    dpi = min(_DPI, _MAX_PIXELS / max(figure.get_size_inches()))
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def _short(label: object, limit: int = _MAX_LABEL_CHARS) -> str:
    """``label`` cut in the middle when too long, so that both its ends stay readable."""
    text = str(label)
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head) :]


def _days_since_epoch(series: pd.Series) -> np.ndarray:
    """Datetimes (naive taken as UTC) as float days since 1970-01-01; NaN where missing."""
    moments = pd.to_datetime(series, errors="coerce", utc=True)
    days = (moments - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(days=1)
    return pd.to_numeric(days, errors="coerce").to_numpy(float, copy=True)


# Projection ---------------------------------------------------------------------------------


def _projection_figure(original: pd.DataFrame, avatars: pd.DataFrame) -> Figure:
    for label, frame in (("original_projections", original), ("avatar_projections", avatars)):
        if not isinstance(frame, pd.DataFrame) or "Dim.1" not in frame.columns:
            raise InvalidDataError(
                f"{label} must be a DataFrame with columns 'Dim.1', 'Dim.2', ... as returned by "
                "avatarize().",
                column="Dim.1",
            )
    two_dims = "Dim.2" in original.columns and "Dim.2" in avatars.columns
    figure = Figure(figsize=(7.0, 5.6), layout="constrained")
    axes = figure.add_subplot()
    for frame, colour, label, marker in (
        (original, ORIGINAL_COLOUR, "Original", "o"),
        (avatars, AVATAR_COLOUR, "Avatars", "^"),
    ):
        points = _sample_rows(frame, _MAX_SCATTER_POINTS)
        x = pd.to_numeric(points["Dim.1"], errors="coerce").to_numpy(float)
        y = (
            pd.to_numeric(points["Dim.2"], errors="coerce").to_numpy(float)
            if two_dims
            else np.zeros(len(points))
        )
        axes.scatter(
            x, y, s=12, alpha=0.55, c=colour, marker=marker, linewidths=0,
            label=f"{label} (n = {len(frame):,})",
        )
    ratios = original.attrs.get("explained_variance_ratio")
    axes.set_xlabel(_dimension_label(1, ratios), fontsize=11)
    axes.set_ylabel(_dimension_label(2, ratios) if two_dims else "", fontsize=11)
    axes.set_title("Originals and avatars in the projection", fontsize=13)
    axes.grid(True, color="#DDDDDD", linewidth=0.6)
    axes.set_axisbelow(True)
    axes.legend(loc="best", fontsize=10, markerscale=1.6, framealpha=0.9)
    if len(original) > _MAX_SCATTER_POINTS or len(avatars) > _MAX_SCATTER_POINTS:
        figure.text(
            0.01, 0.005, f"A random sample of {_MAX_SCATTER_POINTS:,} points per group is shown.",
            fontsize=8, color="#555555",
        )
    return figure


def _dimension_label(dimension: int, ratios: Any) -> str:
    label = f"Dim.{dimension}"
    try:
        share = float(ratios[dimension - 1])
    except (TypeError, IndexError, KeyError, ValueError):
        return label
    if not math.isfinite(share):
        return label
    percent = share * 100 if share <= 1 else share
    return f"{label} ({percent:.1f} % of variance)"


def _sample_rows(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    if len(frame) <= limit:
        return frame
    chosen = np.sort(np.random.default_rng(0).choice(len(frame), size=limit, replace=False))
    return frame.iloc[chosen]


# Distributions ------------------------------------------------------------------------------


def _distributions_figure(
    original: pd.DataFrame,
    avatars: pd.DataFrame,
    kinds: Mapping[str, ColumnKind],
    max_plots: int | None,
) -> Figure:
    columns = list(original.columns)
    limit = _MAX_DISTRIBUTIONS if max_plots is None else min(max_plots, _MAX_DISTRIBUTIONS)
    shown = columns[:limit]
    n_cols = min(6, max(2, math.ceil(math.sqrt(len(shown)))))
    if len(shown) == 1:
        n_cols = 1
    n_rows = math.ceil(len(shown) / n_cols)
    width, height = 2.9 * n_cols, 2.6 * n_rows + 1.1
    figure = Figure(figsize=(width, height))
    # Fixed margins (in inches) instead of a layout engine: much faster on large grids.
    figure.subplots_adjust(
        left=0.6 / width, right=1 - 0.15 / width, bottom=0.75 / height,
        top=1 - 1.05 / height, wspace=0.32, hspace=0.75,
    )
    grid = figure.subplots(n_rows, n_cols, squeeze=False)
    for index, name in enumerate(shown):
        axes = grid[index // n_cols][index % n_cols]
        if kinds[name] == "categorical":
            _categorical_bars(axes, original[name], avatars[name])
        else:
            _histogram(axes, original[name], avatars[name], kinds[name] == "datetime")
        axes.set_title(_short(name, 28), fontsize=10)
        axes.tick_params(labelsize=7.5)
        axes.yaxis.set_major_locator(MaxNLocator(4))
        if kinds[name] == "continuous":
            axes.xaxis.set_major_locator(MaxNLocator(5))
    for index in range(len(shown), n_rows * n_cols):
        grid[index // n_cols][index % n_cols].set_visible(False)
    title = "Distributions: original vs avatars (share of rows, %)"
    if len(shown) < len(columns):
        title += f", first {len(shown)} of {len(columns)} variables"
    figure.text(0.15 / width, 1 - 0.12 / height, title, fontsize=12, va="top")
    handles = [
        _legend_patch(ORIGINAL_COLOUR, "Original", filled=True),
        _legend_patch(AVATAR_COLOUR, "Avatars", filled=False),
    ]
    figure.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(0.1 / width, 1 - 0.38 / height),
        ncols=2, fontsize=9, frameon=False,
    )
    return figure


def _legend_patch(colour: str, label: str, *, filled: bool) -> Any:
    from matplotlib.patches import Patch

    if filled:
        return Patch(facecolor=colour, alpha=0.45, edgecolor=colour, label=label)
    return Patch(facecolor="none", edgecolor=colour, linewidth=2, label=label)


def _as_numbers(series: pd.Series, is_datetime: bool) -> np.ndarray:
    if is_datetime:
        values = _days_since_epoch(series)
    else:
        values = pd.to_numeric(series, errors="coerce").to_numpy(float)
    return values[np.isfinite(values)]


def _histogram(axes: Axes, original: pd.Series, avatars: pd.Series, is_datetime: bool) -> None:
    left = _as_numbers(original, is_datetime)
    right = _as_numbers(avatars, is_datetime)
    both = np.concatenate([left, right])
    if both.size == 0:
        axes.text(0.5, 0.5, "no value", ha="center", va="center", transform=axes.transAxes)
        return
    distinct = np.unique(both)
    if not is_datetime and distinct.size <= _INTEGER_BINS_LIMIT and np.all(distinct % 1 == 0):
        edges = np.arange(distinct.min() - 0.5, distinct.max() + 1.5)
    else:
        reference = left if left.size else both
        edges = np.histogram_bin_edges(reference, bins=min(30, max(5, distinct.size)))
        edges[0] = min(edges[0], both.min())
        edges[-1] = max(edges[-1], both.max())
    for values, colour, filled in ((left, ORIGINAL_COLOUR, True), (right, AVATAR_COLOUR, False)):
        if values.size == 0:
            continue
        shares = np.histogram(values, bins=edges)[0] * (100.0 / values.size)
        # one artist per histogram (stairs), much cheaper to draw than a patch per bin
        if filled:
            axes.stairs(shares, edges, fill=True, color=colour, alpha=0.45)
        else:
            axes.stairs(shares, edges, color=colour, linewidth=1.8)
    axes.set_xlim(edges[0], edges[-1])
    axes.set_ylim(bottom=0)
    if is_datetime:
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

        axes.xaxis_date()
        locator = AutoDateLocator(maxticks=4)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _categorical_bars(axes: Axes, original: pd.Series, avatars: pd.Series) -> None:
    left = original.dropna().astype(str).value_counts(normalize=True) * 100
    right = avatars.dropna().astype(str).value_counts(normalize=True) * 100
    order = list(left.index) + [label for label in right.index if label not in left.index]
    if len(order) > _MAX_CATEGORIES_SHOWN:
        kept = order[: _MAX_CATEGORIES_SHOWN - 1]
        other = "(other)"
        left = _regroup(left, kept, other)
        right = _regroup(right, kept, other)
        order = [*kept, other]
    if not order:
        axes.text(0.5, 0.5, "no value", ha="center", va="center", transform=axes.transAxes)
        return
    positions = np.arange(len(order))
    width = 0.4
    axes.bar(positions - width / 2, left.reindex(order, fill_value=0).to_numpy(), width,
             color=ORIGINAL_COLOUR, alpha=0.45, edgecolor=ORIGINAL_COLOUR)
    axes.bar(positions + width / 2, right.reindex(order, fill_value=0).to_numpy(), width,
             facecolor="none", edgecolor=AVATAR_COLOUR, linewidth=1.6)
    labels = [_short(label, 12) for label in order]
    rotate = sum(len(label) for label in labels) > 18
    axes.set_xticks(positions, labels, rotation=35 if rotate else 0,
                    ha="right" if rotate else "center", rotation_mode="anchor")


def _regroup(shares: pd.Series, kept: list[str], other: str) -> pd.Series:
    regrouped = shares.reindex(kept, fill_value=0.0)
    regrouped[other] = float(shares.drop(labels=list(kept), errors="ignore").sum())
    return regrouped


# Correlations -------------------------------------------------------------------------------


def _correlations_figure(
    original: pd.DataFrame, avatars: pd.DataFrame, kinds: Mapping[str, ColumnKind]
) -> Figure:
    all_columns = list(original.columns)
    columns = all_columns[:_MAX_HEATMAP_VARIABLES]
    matrices = [
        _association_matrix(_sample_rows(frame, _MAX_ASSOCIATION_ROWS), columns, kinds)
        for frame in (original, avatars)
    ]
    size = len(columns)
    labels = [_short(name) for name in columns]
    font = max(5.0, min(9.0, 150.0 / max(size, 1)))
    # Fixed layout in inches (no layout engine: one drawing pass only).
    side = min(7.5, max(2.8, 0.19 * size + 1.6))
    margin = 0.25 + 0.62 * font / 72 * max(len(label) for label in labels)
    gap, bar = 0.35, 0.9
    top = 1.15 if len(columns) < len(all_columns) else 0.95
    width = margin + side + gap + side + bar
    height = top + side + margin + 0.1
    figure = Figure(figsize=(width, height))
    image = None
    for index, (matrix, title) in enumerate(zip(matrices, ("Original", "Avatars"), strict=True)):
        left = margin + index * (side + gap)
        axes = figure.add_axes(
            (left / width, (margin + 0.1) / height, side / width, side / height)
        )
        image = axes.imshow(np.ma.masked_invalid(matrix), cmap="RdBu_r", vmin=-1, vmax=1)
        axes.set_title(title, fontsize=11)
        axes.set_xticks(range(size), labels, rotation=90, fontsize=font)
        axes.set_yticks(range(size), labels if index == 0 else [], fontsize=font)
        axes.set_facecolor("#E6E6E6")
        if size <= 10:
            _annotate(axes, matrix, font - 1.5)
    assert image is not None
    colorbar_axes = figure.add_axes(
        (
            (width - bar + 0.15) / width,
            (margin + 0.1 + side * 0.1) / height,
            0.18 / width,
            side * 0.8 / height,
        )
    )
    figure.colorbar(image, cax=colorbar_axes).ax.tick_params(labelsize=8)
    figure.text(
        0.1 / width, 1 - 0.1 / height,
        "Associations between variables, same scale: Pearson r for two numeric variables,\n"
        "Cramér's V or correlation ratio when a categorical variable is involved"
        + (
            f"\n(first {len(columns)} of {len(all_columns)} variables)"
            if len(columns) < len(all_columns)
            else ""
        ),
        fontsize=9, va="top",
    )
    return figure


def _annotate(axes: Axes, matrix: np.ndarray, font: float) -> None:
    for row in range(matrix.shape[0]):
        for col in range(matrix.shape[1]):
            value = matrix[row, col]
            if np.isfinite(value):
                axes.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=font,
                          color="white" if abs(value) > 0.6 else "black")


def _association_matrix(
    frame: pd.DataFrame, columns: Sequence[str], kinds: Mapping[str, ColumnKind]
) -> np.ndarray:
    encoded: dict[str, np.ndarray] = {}
    for name in columns:
        if kinds[name] == "categorical":
            codes, _ = pd.factorize(frame[name].astype(object), use_na_sentinel=True)
            categorical_codes = codes.astype(float)
            categorical_codes[codes < 0] = np.nan
            encoded[name] = categorical_codes
        else:
            values = frame[name]
            if kinds[name] == "datetime":
                encoded[name] = _days_since_epoch(values)
            else:
                encoded[name] = pd.to_numeric(values, errors="coerce").to_numpy(float)
    size = len(columns)
    matrix = np.full((size, size), np.nan)
    for i, first in enumerate(columns):
        for j in range(i, size):
            second = columns[j]
            value = _association(
                encoded[first], kinds[first] == "categorical",
                encoded[second], kinds[second] == "categorical",
            ) if i != j else _self_association(encoded[first])
            matrix[i, j] = matrix[j, i] = value
    return matrix


def _self_association(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return 1.0 if np.unique(finite).size > 1 else float("nan")


def _association(
    first: np.ndarray, first_categorical: bool, second: np.ndarray, second_categorical: bool
) -> float:
    keep = np.isfinite(first) & np.isfinite(second)
    x, y = first[keep], second[keep]
    if x.size < 3:
        return float("nan")
    if first_categorical and second_categorical:
        return _cramers_v(x.astype(int), y.astype(int))
    if first_categorical:
        return _correlation_ratio(x.astype(int), y)
    if second_categorical:
        return _correlation_ratio(y.astype(int), x)
    if np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def _cramers_v(x: np.ndarray, y: np.ndarray) -> float:
    _, x_codes = np.unique(x, return_inverse=True)
    _, y_codes = np.unique(y, return_inverse=True)
    rows, cols = x_codes.max() + 1, y_codes.max() + 1
    if rows < 2 or cols < 2:
        return float("nan")
    table = np.bincount(x_codes * cols + y_codes, minlength=rows * cols).reshape(rows, cols)
    total = float(table.sum())
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / total
    phi2 = float(((table - expected) ** 2 / expected).sum()) / total
    # Bergsma's bias correction: unrelated variables with many categories score near 0.
    corrected = max(0.0, phi2 - (rows - 1) * (cols - 1) / (total - 1))
    rows_c = rows - (rows - 1) ** 2 / (total - 1)
    cols_c = cols - (cols - 1) ** 2 / (total - 1)
    denominator = min(rows_c - 1, cols_c - 1)
    return math.sqrt(corrected / denominator) if denominator > 0 else float("nan")


def _correlation_ratio(categories: np.ndarray, values: np.ndarray) -> float:
    _, codes = np.unique(categories, return_inverse=True)
    if codes.max() < 1:
        return float("nan")
    counts = np.bincount(codes)
    means = np.bincount(codes, weights=values) / counts
    total_variance = float(((values - values.mean()) ** 2).sum())
    if total_variance == 0:
        return float("nan")
    between = float((counts * (means - values.mean()) ** 2).sum())
    return math.sqrt(between / total_variance)
