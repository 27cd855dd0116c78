"""Figure of a time-series table: original and avatar mean curves with their dispersion.

One panel per time-varying variable (at most ``MAX_PANELS``): the mean curve of the originals
and of the avatars over time, each with a band of one standard deviation across individuals,
from the curves of ``series_signal_metrics``.
"""

from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from avatar_engine.figures import AVATAR_COLOUR, ORIGINAL_COLOUR

__all__ = ["MAX_PANELS", "render_series_curves"]

MAX_PANELS = 6


def render_series_curves(details: Mapping[str, Any]) -> bytes:
    """PNG of the original vs avatar curves of each variable.

    Args:
        details: ``details["time_series"]`` of the signal metrics (``series_signal_metrics``),
            or their ``details`` themselves.

    Returns:
        The PNG bytes.

    Example:
        >>> curves = {"time": [0.0, 1.0], "original_mean": [1.0, 2.0], "original_std": [0.1, 0.2],
        ...           "avatar_mean": [1.1, 2.1], "avatar_std": [0.1, 0.2]}
        >>> render_series_curves({"variables": {"y": {"curves": curves}}})[:4]
        b'\\x89PNG'
    """
    variables = dict(details.get("variables") or {})
    names = list(variables)[:MAX_PANELS]
    relative = details.get("time_axis") == "relative"
    columns = min(3, max(1, len(names)))
    rows = max(1, int(np.ceil(len(names) / columns)))
    figure = Figure(figsize=(4.2 * columns, 3.2 * rows), dpi=110)
    for position, name in enumerate(names, start=1):
        axis = figure.add_subplot(rows, columns, position)
        curves = variables[name]["curves"]
        time = np.asarray(curves["time"], dtype=float)
        for prefix, colour, label in (
            ("original", ORIGINAL_COLOUR, "originals"),
            ("avatar", AVATAR_COLOUR, "avatars"),
        ):
            mean = np.asarray(curves[f"{prefix}_mean"], dtype=float)
            std = np.nan_to_num(np.asarray(curves[f"{prefix}_std"], dtype=float))
            axis.plot(time, mean, color=colour, label=label, linewidth=1.8)
            axis.fill_between(time, mean - std, mean + std, color=colour, alpha=0.18)
        axis.set_title(name, fontsize=10)
        axis.set_xlabel("relative time" if relative else "time", fontsize=8)
        axis.tick_params(labelsize=7)
        if position == 1:
            axis.legend(fontsize=7, frameon=False)
    if not names:
        figure.add_subplot(1, 1, 1).axis("off")
    figure.tight_layout()
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
