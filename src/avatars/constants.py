"""Enumerations used to describe a run: PIA metadata and report language.

``PlotKind``, ``Results`` and ``ReportType`` are the established client's names of figures,
result kinds and report types (see :mod:`avatars._compat`).

Example:
    >>> from avatars.constants import DataRecipient
    >>> DataRecipient.UNKNOWN.value
    'unknown'
"""

from __future__ import annotations

from enum import StrEnum

from avatars._compat.enums import PlotKind, ReportType, Results

__all__ = [
    "DataRecipient",
    "DataSubject",
    "DataType",
    "PlotKind",
    "ReportLanguage",
    "ReportType",
    "Results",
    "SensitivityLevel",
]


class DataRecipient(StrEnum):
    """Who will receive the avatar data (privacy impact assessment)."""

    UNKNOWN = "unknown"
    INTERNAL = "internal"
    PARTNER = "partner"
    RESEARCH = "research"
    PUBLIC = "public"


class DataType(StrEnum):
    """What kind of personal data the table holds."""

    UNKNOWN = "unknown"
    HEALTH = "health"
    FINANCIAL = "financial"
    DEMOGRAPHIC = "demographic"
    BEHAVIORAL = "behavioral"
    OTHER = "other"


class DataSubject(StrEnum):
    """Whose data the table describes."""

    UNKNOWN = "unknown"
    PATIENTS = "patients"
    CUSTOMERS = "customers"
    EMPLOYEES = "employees"
    CITIZENS = "citizens"
    OTHER = "other"


class SensitivityLevel(StrEnum):
    """How sensitive the original data is."""

    UNDEFINED = "undefined"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"


class ReportLanguage(StrEnum):
    """Language of the generated report."""

    EN = "en"
    FR = "fr"
