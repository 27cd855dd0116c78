"""Imputation of missing values before projection."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ImputationMethod"]


class ImputationMethod(StrEnum):
    """How missing values are filled before projection (they are put back afterwards)."""

    KNN = "knn"
    MODE = "mode"
    MEDIAN = "median"
    MEAN = "mean"
    FAST_KNN = "fast_knn"
