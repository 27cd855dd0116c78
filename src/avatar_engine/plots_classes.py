"""Plot kind ``class_projection_2d``: the 2D projection coloured by the target class.

Drawn for a table whose avatars were augmented by class (``data_augmentation_target_column``):
the originals (left) and the shared avatars with their extra records (right) in the first two
dimensions of the factor analysis fitted on the originals, one colour per class, with each
class's count in the legend, so that the classes brought up show where their records sit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from matplotlib import colormaps
from matplotlib.figure import Figure
from plotly.subplots import make_subplots

from avatar_engine.metrics._common import build_space

__all__ = ["render_class_projection"]

_MAX_ROWS = 5_000
_MAX_CLASSES = 10


def _coordinates(original: pd.DataFrame, avatars: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    space = build_space(original, avatars, None, ncp=2)
    assert space.original_coords is not None
    assert space.avatar_coords is not None
    return space.original_coords, space.avatar_coords


def render_class_projection(
    original: pd.DataFrame, avatars: pd.DataFrame, target: str, seed: int = 0
) -> tuple[str, bytes]:
    """HTML page and PNG of the class-coloured projection of originals and avatars.

    Args:
        original: the originals (identifier columns dropped).
        avatars: the shared avatars, extra records included (same columns).
        target: the class column.
        seed: the rows drawn when a table has more than 5,000.

    Returns:
        (HTML page, PNG bytes).

    Example:
        >>> frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        ...                       "y": [2.0, 1.0, 4.0, 3.0, 6.0, 5.0],
        ...                       "c": ["a", "a", "a", "a", "b", "b"]})
        >>> render_class_projection(frame, frame, "c")[1][:4]
        b'\\x89PNG'
    """
    from avatar_engine.plots import _html, _png  # the shared page and image writers

    coords = _coordinates(original, avatars)
    labels = [frame[target].astype(object).where(frame[target].notna(), "missing").astype(str)
              for frame in (original, avatars)]
    classes = list(labels[0].value_counts().index[:_MAX_CLASSES])
    colours = colormaps["tab10"]
    title = f"2D projection by {target}: originals and avatars (extra records included)"
    sides = ("Originals", "Avatars")
    figure = make_subplots(rows=1, cols=2, shared_xaxes=True, shared_yaxes=True,
                           subplot_titles=[f"{side} ({len(label)})"
                                           for side, label in zip(sides, labels, strict=True)])
    static = Figure(figsize=(11.0, 5.0))
    rng = np.random.default_rng(seed)
    first_axes = None
    for col, (points, label, side) in enumerate(zip(coords, labels, sides, strict=True), start=1):
        keep = np.arange(len(points))
        if len(keep) > _MAX_ROWS:
            keep = np.sort(rng.choice(len(keep), _MAX_ROWS, replace=False))
        axes = static.add_subplot(1, 2, col, sharex=first_axes, sharey=first_axes)
        first_axes = first_axes or axes
        shown = label.to_numpy()[keep]
        for number, name in enumerate(classes):
            rows = keep[shown == name]
            count = int((label == name).sum())
            colour = colours(number % 10)
            hex_colour = "#{:02x}{:02x}{:02x}".format(*(int(255 * v) for v in colour[:3]))
            axes.scatter(points[rows, 0], points[rows, 1], s=6, alpha=0.6, color=colour,
                         label=f"{name[:20]} ({count})")
            figure.add_trace(go.Scattergl(x=points[rows, 0], y=points[rows, 1], mode="markers",
                                          name=f"{name} ({count})", legendgroup=name,
                                          marker={"color": hex_colour, "size": 4,
                                                  "opacity": 0.6}), row=1, col=col)
        axes.set_title(f"{side} ({len(label)})", fontsize=10)
        axes.set_xlabel("Dim.1")
        axes.set_ylabel("Dim.2")
        axes.legend(fontsize=7, title=target[:20], title_fontsize=7)
    static.suptitle(title, fontsize=10)
    static.tight_layout()
    return _html(figure, title), _png(static)
