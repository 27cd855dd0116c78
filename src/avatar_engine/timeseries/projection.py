"""Projection of individual sequences: alignment on a common grid, then FPCA or flatten.

Each individual's series of one variable is resampled (linear interpolation) on a grid of
``nb_points`` points spanning that individual's own time range, so that series of different
lengths and time stamps become vectors of the same length. ``fpca`` then keeps the ``nf``
first functional principal components of each variable (the eigenfunctions of the aligned
curves' covariance, uniform quadrature), ``flatten`` keeps the aligned values themselves.
``inverse`` gives curves on the common grid back from the projected coordinates, and
``evaluate`` reads a curve at any relative times in [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from avatar_engine.errors import InvalidParameterError

__all__ = [
    "AlignmentMethod",
    "ProjectionType",
    "SeriesProjection",
    "align",
    "alignment_points",
]

FloatArray = npt.NDArray[np.float64]
DEFAULT_NF = 5


class ProjectionType(StrEnum):
    """How aligned sequences are projected: functional PCA or the aligned values themselves."""

    FPCA = "fpca"
    FLATTEN = "flatten"


class AlignmentMethod(StrEnum):
    """How many points the common grid has: given, or the max / min / mean series length."""

    SPECIFIED = "specified"
    MAX = "max"
    MIN = "min"
    MEAN = "mean"


def alignment_points(
    lengths: Sequence[int] | npt.NDArray[np.int64],
    method: AlignmentMethod | str | None = None,
    nb_points: int | None = None,
) -> int:
    """Number of points of the common grid.

    Args:
        lengths: number of observed points of each individual's series.
        method: ``specified`` (needs ``nb_points``), ``max``, ``min`` or ``mean``; default
            ``specified`` when ``nb_points`` is given, else ``max``.
        nb_points: the grid size for ``specified``.

    Returns:
        The grid size (at least 2, unless every series has a single point).

    Raises:
        InvalidParameterError: ``specified`` without ``nb_points``, or a size below 1.

    Example:
        >>> alignment_points([4, 6, 5], "mean"), alignment_points([4, 6], nb_points=10)
        (5, 10)
    """
    counts = np.asarray(lengths, dtype=np.int64)
    if method is None:
        method = AlignmentMethod.SPECIFIED if nb_points is not None else AlignmentMethod.MAX
    try:
        method = AlignmentMethod(method)
    except ValueError:
        raise InvalidParameterError(
            "time_series_method",
            f"Unknown alignment method {method!r}; use one of "
            f"{[m.value for m in AlignmentMethod]}.",
        ) from None
    if method is AlignmentMethod.SPECIFIED:
        if nb_points is None:
            raise InvalidParameterError(
                "time_series_nb_points",
                "time_series_method 'specified' needs time_series_nb_points (the number of "
                "points of the common grid).",
            )
        size = int(nb_points)
    elif method is AlignmentMethod.MAX:
        size = int(counts.max())
    elif method is AlignmentMethod.MIN:
        size = int(counts.min())
    else:
        size = round(float(counts.mean()))
    if size < 1:
        raise InvalidParameterError(
            "time_series_nb_points", f"The common grid needs at least 1 point, got {size}."
        )
    if size == 1 and int(counts.max()) > 1:
        size = 2
    return size


def relative_times(times: FloatArray) -> FloatArray:
    """Times of one series mapped onto [0, 1] (a single point, or equal times, map to 0).

    Example:
        >>> relative_times(np.array([8.0, 10.0, 14.0])).tolist()
        [0.0, 0.3333333333333333, 1.0]
    """
    span = float(times[-1] - times[0]) if len(times) else 0.0
    if span <= 0:
        return np.zeros(len(times))
    return (times - times[0]) / span


def align(times: FloatArray, values: FloatArray, size: int, fill: float) -> FloatArray:
    """One series (sorted times) resampled on ``size`` evenly spaced relative times.

    Missing values are left out of the interpolation; a series with no value gets ``fill``.

    Example:
        >>> align(np.array([0.0, 2.0]), np.array([1.0, 3.0]), 3, 0.0).tolist()
        [1.0, 2.0, 3.0]
    """
    known = ~np.isnan(values)
    if not known.any():
        return np.full(size, fill)
    grid = np.linspace(0.0, 1.0, size)
    return np.interp(grid, relative_times(times)[known], values[known])


@dataclass
class SeriesProjection:
    """FPCA or flatten of aligned curves, one block of coordinates per variable.

    Attributes:
        projection_type: ``fpca`` or ``flatten``.
        nf: components kept per variable (``fpca``; capped by the grid size).
        size: points of the common grid.
        means: variable -> mean curve on the grid.
        components: variable -> (kept components x grid) eigenfunctions (``fpca``).
        variances: variable -> variance of each coordinate (weights of the projection).
        explained: variable -> share of the curves' variance each kept component explains.

    Example:
        >>> curves = {"y": np.array([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0], [0.0, 2.0, 4.0]])}
        >>> projection = SeriesProjection("fpca", nf=2).fit(curves)
        >>> coords = projection.transform(curves)
        >>> bool(np.allclose(projection.inverse(coords)["y"], curves["y"]))
        True
    """

    projection_type: ProjectionType | str = ProjectionType.FPCA
    nf: int | None = None
    size: int = 0
    means: dict[str, FloatArray] = field(default_factory=dict)
    components: dict[str, FloatArray] = field(default_factory=dict)
    variances: dict[str, FloatArray] = field(default_factory=dict)
    explained: dict[str, list[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            self.projection_type = ProjectionType(self.projection_type)
        except ValueError:
            raise InvalidParameterError(
                "time_series_projection_type",
                f"Unknown projection type {self.projection_type!r}; use 'fpca' or 'flatten'.",
            ) from None
        if self.nf is not None and int(self.nf) < 1:
            raise InvalidParameterError(
                "time_series_nf", f"time_series_nf must be at least 1, got {self.nf}."
            )

    def fit(self, curves: dict[str, FloatArray]) -> SeriesProjection:
        """Fit the mean curves and (``fpca``) the eigenfunctions of each variable."""
        for variable, matrix in curves.items():
            self.size = matrix.shape[1]
            mean = matrix.mean(axis=0)
            self.means[variable] = mean
            centred = matrix - mean
            if self.projection_type is ProjectionType.FLATTEN:
                self.variances[variable] = centred.var(axis=0)
                continue
            _, singular, vt = np.linalg.svd(centred, full_matrices=False)
            kept = min(int(self.nf or DEFAULT_NF), vt.shape[0])
            self.components[variable] = vt[:kept]
            power = singular**2
            total = float(power.sum())
            self.explained[variable] = [
                round(float(p / total), 8) if total > 0 else 0.0 for p in power[:kept]
            ]
            self.variances[variable] = power[:kept] / max(len(matrix), 1)
        return self

    def coordinate_names(self, variable: str) -> list[str]:
        """Names of a variable's coordinates: ``<variable>.fpc<j>`` or ``<variable>.t<j>``."""
        if self.projection_type is ProjectionType.FLATTEN:
            return [f"{variable}.t{j + 1}" for j in range(self.size)]
        return [f"{variable}.fpc{j + 1}" for j in range(len(self.components[variable]))]

    def transform(self, curves: dict[str, FloatArray]) -> dict[str, FloatArray]:
        """Coordinates of aligned curves: variable -> (individuals x coordinates)."""
        out: dict[str, FloatArray] = {}
        for variable, matrix in curves.items():
            centred = matrix - self.means[variable]
            if self.projection_type is ProjectionType.FLATTEN:
                out[variable] = matrix.copy()
            else:
                out[variable] = centred @ self.components[variable].T
        return out

    def inverse(self, coordinates: dict[str, FloatArray]) -> dict[str, FloatArray]:
        """Aligned curves back from coordinates: variable -> (individuals x grid points)."""
        out: dict[str, FloatArray] = {}
        for variable, coords in coordinates.items():
            if self.projection_type is ProjectionType.FLATTEN:
                out[variable] = np.asarray(coords, dtype=np.float64).copy()
            else:
                out[variable] = self.means[variable] + coords @ self.components[variable]
        return out

    def column_weights(self) -> dict[str, float]:
        """Weight of each coordinate in the avatarization's projection.

        Each coordinate weighs in proportion to its variance, so the distances between
        individuals are those between their curves; each variable totals as many units of
        inertia as it has coordinates.
        """
        weights: dict[str, float] = {}
        for variable, variance in self.variances.items():
            total = float(variance.sum())
            names = self.coordinate_names(variable)
            for name, value in zip(names, variance, strict=True):
                share = float(value) / total if total > 0 else 1.0 / len(names)
                weights[name] = max(share * len(names), 1e-6)
        return weights
