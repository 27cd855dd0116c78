"""Figures as the established client reads them: one HTML page per figure, and their index.

The server draws PNG figures (``<table>.distributions.png``, ``.projection.png``,
``.correlations.png``). The client lists ``figures`` as HTML pages named
``<table>.<plot kind>.html`` and finds each page's table and kind in ``figures_metadata.json``
(``[{"filename", "kind", "table_name"}]``). Each page shows the PNG, embedded.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from avatar_server.figures_on_demand import promised_figures

FIGURES_INDEX = "figures_metadata.json"
# This server's figure name -> the client's PlotKind value.
PLOT_KINDS = {
    "distributions": "distribution",
    "projection": "2d_projection",
    "correlations": "correlation",
}
_OURS = {theirs: ours for ours, theirs in PLOT_KINDS.items()}


def client_figure_name(stored: str) -> str | None:
    """The page name of a stored figure, or ``None`` if ``stored`` is not one.

    Example:
        >>> client_figure_name("wbcd.projection.png")
        'wbcd.2d_projection.html'
    """
    table, _, rest = stored.rpartition(".")[0].rpartition(".")
    if not stored.endswith(".png") or rest not in PLOT_KINDS or not table:
        return None
    return f"{table}.{PLOT_KINDS[rest]}.html"


def stored_figure_name(page: str) -> str | None:
    """The stored PNG behind a page from :func:`client_figure_name`, or ``None``.

    Example:
        >>> stored_figure_name("wbcd.2d_projection.html")
        'wbcd.projection.png'
    """
    table, _, kind = page.removesuffix(".html").rpartition(".")
    if not page.endswith(".html") or kind not in _OURS or not table:
        return None
    return f"{table}.{_OURS[kind]}.png"


def figure_page(png: Path) -> bytes:
    """An HTML page showing ``png`` (embedded, so the page stands alone).

    Example:
        >>> figure_page(Path("wbcd.projection.png"))[:15]  # doctest: +SKIP
        b'<!DOCTYPE html>'
    """
    title = html.escape(png.name)
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f'<body><img alt="{title}" src="data:image/png;base64,{data}"></body></html>'
    ).encode()


def figures_index(folder: Path) -> bytes:
    """``figures_metadata.json`` of a job's results folder.

    Example:
        >>> json.loads(figures_index(results_folder))[0]["kind"]  # doctest: +SKIP
        'distribution'
    """
    entries = []
    names = {path.name for path in folder.glob("*.png")} | set(promised_figures(folder))
    for name in sorted(names):  # drawn, or drawn when first downloaded
        page = client_figure_name(name)
        if page is not None:
            table = page.removesuffix(".html").rpartition(".")[0]
            entries.append({"filename": page, "kind": page.split(".")[-2], "table_name": table})
    return json.dumps(entries).encode()
