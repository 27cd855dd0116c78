"""Avatar engine: avatarization of tabular data and its privacy/signal metrics.

Example:
    >>> import pandas as pd
    >>> from avatar_engine import AvatarizationParameters, avatarize
    >>> data = pd.DataFrame({"age": range(30), "sex": ["f", "m", "f"] * 10})
    >>> result = avatarize(data, AvatarizationParameters(k=5, ncp=2, seed=1))
    >>> result.shuffled.shape
    (30, 2)
"""

import importlib
from typing import TYPE_CHECKING, Any

from avatar_engine.advice import advise_parameters
from avatar_engine.avatarization import (
    AvatarizationParameters,
    AvatarizationResult,
    ExcludeStrategy,
    avatarize,
)
from avatar_engine.errors import (
    AvatarizationCancelled,
    EngineError,
    InvalidDataError,
    InvalidParameterError,
    ResourceLimitError,
)
from avatar_engine.imputation import ImputationMethod
from avatar_engine.metrics import compute_privacy_metrics, compute_signal_metrics
from avatar_engine.progress import Progress, ShouldStop
from avatar_engine.relational import rekey_identifiers
from avatar_engine.types import ColumnType

if TYPE_CHECKING:
    from avatar_engine.figures import render_figures
    from avatar_engine.report import (
        ReportContent,
        TableReport,
        render_report_docx,
        render_report_html,
        render_report_pdf,
    )

# Figures and reports load the drawing libraries (matplotlib, reportlab, python-docx): they
# are imported on first use, so that avatarizing and computing metrics never pay for them.
_LAZY = {
    "render_figures": "avatar_engine.figures",
    "ReportContent": "avatar_engine.report",
    "TableReport": "avatar_engine.report",
    "render_report_docx": "avatar_engine.report",
    "render_report_html": "avatar_engine.report",
    "render_report_pdf": "avatar_engine.report",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'avatar_engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

__version__ = "1.0.0"

__all__ = [
    "AvatarizationCancelled",
    "AvatarizationParameters",
    "AvatarizationResult",
    "ColumnType",
    "EngineError",
    "ExcludeStrategy",
    "ImputationMethod",
    "InvalidDataError",
    "InvalidParameterError",
    "Progress",
    "ReportContent",
    "ResourceLimitError",
    "ShouldStop",
    "TableReport",
    "__version__",
    "advise_parameters",
    "avatarize",
    "compute_privacy_metrics",
    "compute_signal_metrics",
    "rekey_identifiers",
    "render_figures",
    "render_report_docx",
    "render_report_html",
    "render_report_pdf",
]
