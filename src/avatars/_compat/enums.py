"""Enumerations of the established client: job kinds and statuses, plot kinds, result kinds.

They are ``StrEnum``: each member equals its text (``JobStatus.finished == "finished"``), so
they can be passed wherever this SDK takes a string and compared with what it returns.

Example:
    >>> from avatars.models import JobKind, JobStatus
    >>> JobKind.standard == "standard", JobStatus.finished == "finished"
    (True, True)
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["PLOT_FILES", "JobKind", "JobStatus", "PlotKind", "ReportType", "Results", "plain"]


class JobKind(StrEnum):
    """Kind of a job (the ``parameters_name`` of the run's step)."""

    standard = "standard"
    privacy_metrics = "privacy_metrics"
    signal_metrics = "signal_metrics"
    report = "report"
    advice = "advice"


class JobStatus(StrEnum):
    """Status of a job, as the server reports it."""

    queued = "queued"
    created = "created"
    pending = "pending"
    running = "running"
    finished = "finished"
    error = "error"
    parent_error = "parent_error"
    cancelled = "cancelled"
    lost = "lost"
    orphaned = "orphaned"
    field_ = ""


class PlotKind(StrEnum):
    """Figures of a run, by the established client's names."""

    PROJECTION_2D = "2d_projection"
    DISTRIBUTION = "distribution"
    CORRELATION = "correlation"
    CORRELATION_DIFFERENCE = "correlation_difference"
    CONTRIBUTION = "contribution"
    PROJECTION_3D = "3d_projection"
    AGGREGATE_STATS = "aggregate_stats"
    METRICS_SUMMARY = "metrics_summary"
    RAW_SERIES = "raw_series"
    NORMALIZED_SERIES = "normalized_series"
    CLASS_PROJECTION_2D = "class_projection_2d"


# The figure kind of this SDK (``render_plot(table, kind)``) behind each established name.
PLOT_FILES = {
    PlotKind.PROJECTION_2D: "projection",
    PlotKind.DISTRIBUTION: "distributions",
    PlotKind.CORRELATION: "correlations",
}


class Results(StrEnum):
    """Result kinds of ``runner.get_specific_result(table, job, result)``."""

    ADVICE = "advice"
    SHUFFLED = "shuffled"
    UNSHUFFLED = "unshuffled"
    PRIVACY_METRICS = "privacy_metrics"
    SIGNAL_METRICS = "signal_metrics"
    PROJECTIONS_ORIGINAL = "original_projections"
    PROJECTIONS_AVATARS = "avatar_projections"
    METADATA = "run_metadata"
    REPORT = "report"
    FIGURES = "figures"
    PRIVACY_METRICS_SUMMARY = "privacy_metrics_summary"
    SIGNAL_METRICS_SUMMARY = "signal_metrics_summary"


class ReportType(StrEnum):
    """Report of ``runner.download_report(path, report_type)``."""

    BASIC = "basic"
    PIA = "pia"


def plain(value: object) -> str:
    """The text of an enum member (this package's or the generated client's) or of a string.

    Example:
        >>> plain(JobKind.standard), plain("standard")
        ('standard', 'standard')
    """
    return str(getattr(value, "value", value))
