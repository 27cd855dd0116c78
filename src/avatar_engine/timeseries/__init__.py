"""Time series: each individual's sequence avatarized as one object.

A table with a time column (``time_series_time``) has one row per individual and time point.
Its sequences are aligned on a common grid and projected (functional PCA, or the aligned
values for ``flatten``), avatarized in that space, and released on original time grids with
the original numbers of points per individual and fresh identifiers.
"""

from avatar_engine.timeseries.avatarization import (
    TimeSeriesParameters,
    TimeSeriesResult,
    avatarize_series,
    sequence_table,
)
from avatar_engine.timeseries.metrics import (
    projected_sequences,
    series_privacy_metrics,
    series_signal_metrics,
)
from avatar_engine.timeseries.projection import AlignmentMethod, ProjectionType, SeriesProjection

__all__ = [
    "AlignmentMethod",
    "ProjectionType",
    "SeriesProjection",
    "TimeSeriesParameters",
    "TimeSeriesResult",
    "avatarize_series",
    "projected_sequences",
    "sequence_table",
    "series_privacy_metrics",
    "series_signal_metrics",
]
