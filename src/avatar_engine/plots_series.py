"""Plot kinds of a time-series table: ``raw_series`` and ``normalized_series``.

``raw_series`` draws the sequences themselves (a sample of individuals, on their own times) of
each time-varying variable, originals and avatars side by side. ``normalized_series`` draws the
same sequences aligned on a relative time from 0 (first point) to 1 (last point) and in units
of the originals' standard deviation around their mean, with the mean curves in bold: the
shapes compare whatever the variables' units and the individuals' time spans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from matplotlib.figure import Figure
from plotly.subplots import make_subplots

from avatar_engine.figures import AVATAR_COLOUR, ORIGINAL_COLOUR
from avatar_engine.timeseries.sequences import Sequences, split_sequences

__all__ = ["SeriesData", "render_series_plots"]

MAX_VARIABLES = 6
MAX_INDIVIDUALS = 30
_GRID = 25


@dataclass(frozen=True)
class SeriesData:
    """The long tables of a time-series table, for its plots.

    Attributes:
        original: the original long table (one row per individual and time).
        avatars: the avatar long table.
        individual: the column naming each row's individual.
        time: the time column.
        identifiers: other key columns, left out of the plotted variables.
    """

    original: pd.DataFrame
    avatars: pd.DataFrame
    individual: str
    time: str
    identifiers: Sequence[str] = field(default_factory=tuple)


def _split(data: SeriesData, size: int | None) -> tuple[Sequences, Sequences]:
    seq_o, grid = split_sequences(data.original, data.individual, data.time, size,
                                  identifiers=data.identifiers)
    seq_a, _ = split_sequences(data.avatars, data.individual, data.time, grid,
                               identifiers=data.identifiers,
                               layout=(seq_o.variables, seq_o.static))
    return seq_o, seq_a


def _sampled(count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(count, size=min(count, MAX_INDIVIDUALS), replace=False))


def _panels(variables: Sequence[str], title: str) -> tuple[go.Figure, Figure]:
    names = list(variables)[:MAX_VARIABLES]
    rows = len(names)
    figure = make_subplots(rows=rows, cols=2, shared_yaxes=True,
                           subplot_titles=[f"{n} - {side}" for n in names
                                           for side in ("originals", "avatars")])
    figure.update_layout(height=300 * rows)
    static = Figure(figsize=(10.0, 2.9 * rows + 0.6))
    static.suptitle(title, fontsize=10)
    return figure, static


def _draw(data: SeriesData, normalized: bool, seed: int) -> tuple[str, bytes]:
    from avatar_engine.plots import _html, _png  # the shared page and image writers

    seq_o, seq_a = _split(data, _GRID if normalized else None)
    variables = seq_o.variables[:MAX_VARIABLES]
    title = ("Sequences on relative time, in original standard deviations" if normalized
             else "Sequences of the originals and of the avatars")
    figure, static = _panels(variables, title)
    grid = np.linspace(0.0, 1.0, _GRID)
    for row, variable in enumerate(variables, start=1):
        observed = seq_o.data[variable].to_numpy(np.float64)
        centre = float(np.nanmean(observed))
        scale = float(np.nanstd(observed)) or 1.0
        axes_pair: list[Any] = []
        for col, (sequences, colour, label) in enumerate(
            ((seq_o, ORIGINAL_COLOUR, "originals"), (seq_a, AVATAR_COLOUR, "avatars")), start=1
        ):
            axes = static.add_subplot(len(variables), 2, 2 * (row - 1) + col,
                                      sharey=axes_pair[0] if axes_pair else None)
            axes_pair.append(axes)
            values = sequences.data[variable].to_numpy(np.float64)
            for position, i in enumerate(_sampled(len(sequences.lengths), seed + col)):
                if normalized:
                    x, y = grid, (sequences.curves[variable][i] - centre) / scale
                else:
                    span = sequences.span(int(i))
                    x, y = sequences.times[span], values[span]
                axes.plot(x, y, color=colour, linewidth=0.8, alpha=0.45)
                figure.add_trace(go.Scatter(x=x, y=y, mode="lines", name=label,
                                            legendgroup=label,
                                            showlegend=row == 1 and position == 0,
                                            line={"color": colour, "width": 1},
                                            opacity=0.5), row=row, col=col)
            if normalized:
                mean = (sequences.curves[variable].mean(axis=0) - centre) / scale
                axes.plot(grid, mean, color="black", linewidth=2.0, label="mean curve")
                figure.add_trace(go.Scatter(x=grid, y=mean, mode="lines", name="mean curve",
                                            legendgroup="mean", showlegend=row == 1 and col == 1,
                                            line={"color": "black", "width": 3}),
                                 row=row, col=col)
            axes.set_title(f"{variable[:30]} - {label}", fontsize=9)
            axes.set_xlabel("relative time" if normalized else data.time, fontsize=8)
            axes.tick_params(labelsize=7)
        axes_pair[0].set_ylabel("standard deviations" if normalized else variable[:20],
                                fontsize=8)
    static.tight_layout()
    return _html(figure, title), _png(static)


def render_series_plots(data: SeriesData, kinds: Sequence[str], seed: int = 0
                        ) -> dict[str, tuple[str, bytes]]:
    """The ``raw_series`` and ``normalized_series`` plots asked for in ``kinds``.

    Args:
        data: the long tables and their individual and time columns.
        kinds: plot kinds; those other than the two series kinds are ignored.
        seed: the choice of the individuals drawn (at most ``MAX_INDIVIDUALS`` per side).

    Returns:
        kind -> (HTML page, PNG bytes).

    Example:
        >>> frame = pd.DataFrame({"id": [1, 1, 2, 2, 3, 3], "t": [0, 1] * 3,
        ...                       "y": [1.0, 2.0, 3.0, 5.0, 2.0, 2.5]})
        >>> plots = render_series_plots(SeriesData(frame, frame, "id", "t"), ["raw_series"])
        >>> plots["raw_series"][1][:4]
        b'\\x89PNG'
    """
    return {kind: _draw(data, kind == "normalized_series", seed)
            for kind in ("raw_series", "normalized_series") if kind in kinds}
