"""The avatarization pipeline of one table (ENGINE.md, "Avatarization of one table")."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from scipy.spatial import cKDTree
from threadpoolctl import threadpool_limits

from avatar_engine.encoding import INDICATOR_PREFIX, TableCodec
from avatar_engine.errors import (
    EngineError,
    InvalidDataError,
    InvalidParameterError,
    ResourceLimitError,
)
from avatar_engine.generation import (
    mix_neighbours,
    neighbour_weights,
    pooled_local_covariance,
)
from avatar_engine.imputation import ImputationMethod, impute
from avatar_engine.missingness import calibrate_missing
from avatar_engine.neighbours import nearest_others
from avatar_engine.progress import Progress, ProgressTracker, ShouldStop
from avatar_engine.projection import MAX_ENCODED_DIMENSIONS, Famd
from avatar_engine.reconstruction import (
    CATEGORY_WEIGHT_POWER,
    GLOBAL_NOISE_SHARE,
    LOCAL_NOISE_SHARE,
    avoid_copies,
    draw_categories,
    finish_continuous_columns,
    nudgeable_columns,
)
from avatar_engine.types import CONTINUOUS_TYPES, ColumnType, infer_types

__all__ = [
    "AvatarizationParameters",
    "AvatarizationResult",
    "ExcludeStrategy",
    "SharedProjection",
    "avatarize",
    "prepare_table",
    "projection_columns",
]

ENGINE_VERSION = "1.0.0"

_PHASES = {
    "typing": 0.05,
    "imputation": 0.1,
    "projection": 0.2,
    "neighbours": 0.3,
    "generation": 0.1,
    "inverse": 0.2,
    "assembly": 0.05,
}


class ExcludeStrategy(StrEnum):
    """How excluded variables are re-attached to the avatars.

    ``coordinate_similarity`` (default): each avatar takes the excluded values of the original
    closest to it in the projected space. ``row_order``: avatar i takes the values of original
    i, which links the avatar to its individual (a leak; only on explicit request).
    """

    ROW_ORDER = "row_order"
    COORDINATE_SIMILARITY = "coordinate_similarity"


@dataclass(frozen=True)
class AvatarizationParameters:
    """Parameters of one table's avatarization.

    Attributes:
        k: neighbours per individual (privacy knob; 2 <= k < number of rows).
        ncp: number of FAMD components of the projected space.
        column_weights: column -> weight (> 0) of its inertia in the projection.
        use_categorical_reduction: group the rare modalities of high-cardinality columns.
        imputation_method: how missing values are filled before projection.
        imputation_k: donors of the knn imputations.
        imputation_training_fraction: share of rows used as donors, in (0, 1].
        return_data_imputed: False (default): the avatars have as many missing values per
            column as the originals; True: they have none (the imputed values are kept).
        exclude_variables: columns not avatarized, re-attached afterwards.
        exclude_replacement_strategy: how excluded columns are re-attached.
        seed: makes the output byte-identical run to run.

    Example:
        >>> AvatarizationParameters(k=10, seed=1).ncp
        5
    """

    k: int = 20
    ncp: int = 5
    column_weights: Mapping[str, float] | None = None
    use_categorical_reduction: bool = False
    imputation_method: ImputationMethod = ImputationMethod.KNN
    imputation_k: int = 5
    imputation_training_fraction: float = 1.0
    return_data_imputed: bool = False
    exclude_variables: Sequence[str] = ()
    exclude_replacement_strategy: ExcludeStrategy = ExcludeStrategy.COORDINATE_SIMILARITY
    seed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view of the parameters."""
        return {
            "k": self.k,
            "ncp": self.ncp,
            "column_weights": dict(self.column_weights) if self.column_weights else None,
            "use_categorical_reduction": self.use_categorical_reduction,
            "imputation_method": ImputationMethod(self.imputation_method).value,
            "imputation_k": self.imputation_k,
            "imputation_training_fraction": self.imputation_training_fraction,
            "return_data_imputed": self.return_data_imputed,
            "exclude_variables": list(self.exclude_variables),
            "exclude_replacement_strategy": ExcludeStrategy(
                self.exclude_replacement_strategy
            ).value,
            "seed": self.seed,
        }


@dataclass
class AvatarizationResult:
    """Everything one avatarization produces.

    Attributes:
        shuffled: avatars with the input's columns and dtypes, rows permuted (shareable).
        unshuffled: row i is the avatar of original row i (sensitive: metrics only).
        original_projections: "Dim.1".."Dim.<ncp>" coordinates of the originals.
        avatar_projections: coordinates of the unshuffled avatars (as released) in the
            projection fitted on the originals.
        metadata: JSON-ready description of the run (parameters, types, timings...).
    """

    shuffled: pd.DataFrame
    unshuffled: pd.DataFrame
    original_projections: pd.DataFrame
    avatar_projections: pd.DataFrame
    metadata: dict[str, Any]


@dataclass(frozen=True)
class SharedProjection:
    """Typing, encoding, imputation donors and FAMD axes fitted once on a reference sample.

    The batches of a large table share it (``batches.fit_shared_projection`` builds it): every
    batch is encoded with the same codec, imputed with the reference's complete rows added to
    its own donors, and projected on the same axes, so all batches live in one space.

    Attributes:
        columns: the avatarized columns (identifiers, excluded and constant ones left out).
        passed: the constant or empty columns, passed through unchanged.
        column_types: type of each avatarized column.
        codec: the codec fitted on the reference sample.
        famd: the projection fitted on the imputed reference sample.
        donor_continuous: the reference's complete rows (continuous part), shared donors.
        donor_codes: the reference's complete rows (projected codes).
        reference_rows: rows in the reference sample.
    """

    columns: list[str]
    passed: list[str]
    column_types: dict[str, ColumnType]
    codec: TableCodec
    famd: Famd
    donor_continuous: np.ndarray
    donor_codes: np.ndarray
    reference_rows: int


def projection_columns(ncp: int) -> list[str]:
    """Names of the projection columns: ["Dim.1", ..., "Dim.<ncp>"]."""
    return [f"Dim.{i + 1}" for i in range(ncp)]


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _check_parameters(parameters: AvatarizationParameters) -> None:
    if not _is_int(parameters.k) or parameters.k < 2:
        raise InvalidParameterError(
            "k", f"k must be an integer of at least 2 (got {parameters.k!r}); 20 is typical."
        )
    if not _is_int(parameters.ncp) or parameters.ncp < 1:
        raise InvalidParameterError(
            "ncp", f"ncp must be a positive integer (got {parameters.ncp!r}); 5 is typical."
        )
    if not _is_int(parameters.imputation_k) or parameters.imputation_k < 1:
        raise InvalidParameterError(
            "imputation_k",
            f"imputation_k must be a positive integer (got {parameters.imputation_k!r}).",
        )
    fraction = parameters.imputation_training_fraction
    if not isinstance(fraction, int | float) or not 0 < fraction <= 1:
        raise InvalidParameterError(
            "imputation_training_fraction",
            f"imputation_training_fraction must be in (0, 1] (got {fraction!r}).",
        )
    try:
        ImputationMethod(parameters.imputation_method)
    except ValueError:
        allowed = ", ".join(m.value for m in ImputationMethod)
        raise InvalidParameterError(
            "imputation_method",
            f"Unknown imputation method {parameters.imputation_method!r}; use one of {allowed}.",
        ) from None
    try:
        ExcludeStrategy(parameters.exclude_replacement_strategy)
    except ValueError:
        allowed = ", ".join(s.value for s in ExcludeStrategy)
        raise InvalidParameterError(
            "exclude_replacement_strategy",
            f"Unknown strategy {parameters.exclude_replacement_strategy!r}; use one of "
            f"{allowed}.",
        ) from None
    if parameters.seed is not None and not _is_int(parameters.seed):
        raise InvalidParameterError("seed", f"seed must be an integer (got {parameters.seed!r}).")
    for name, weight in (parameters.column_weights or {}).items():
        if not isinstance(weight, int | float) or not math.isfinite(weight) or weight <= 0:
            raise InvalidParameterError(
                "column_weights",
                f"The weight of column '{name}' must be a positive number (got {weight!r}).",
            )


def _check_table(
    data: pd.DataFrame, identifiers: Sequence[str], excluded: Sequence[str],
    parameters: AvatarizationParameters,
) -> list[str]:
    if not isinstance(data, pd.DataFrame):
        raise InvalidDataError("The data to avatarize must be a table (pandas DataFrame).")
    names = [str(c) for c in data.columns]
    duplicated = sorted({c for c in names if names.count(c) > 1})
    if duplicated:
        raise InvalidDataError(
            f"Column name '{duplicated[0]}' appears more than once. Rename the columns so "
            f"that every name is unique.",
            column=duplicated[0],
        )
    for label, listed in (("identifier", identifiers), ("excluded", excluded)):
        for name in listed:
            if name not in names:
                raise InvalidParameterError(
                    "exclude_variables" if label == "excluded" else "identifiers",
                    f"The {label} column '{name}' is not in the table. Check its name.",
                )
    for name in (parameters.column_weights or {}):
        if name not in names:
            raise InvalidParameterError(
                "column_weights",
                f"A weight is given for column '{name}', which is not in the table.",
            )
    columns = [c for c in names if c not in identifiers and c not in excluded]
    if data.shape[0] == 0 or not columns:
        raise InvalidDataError(
            "The table is empty: it needs rows and at least one column to avatarize "
            "(identifier and excluded columns do not count)."
        )
    n = data.shape[0]
    if n < 3:
        raise InvalidDataError(
            f"The table has {n} row(s); avatarization needs at least k + 1 rows (3 at the "
            f"very least) because every avatar mixes several other individuals."
        )
    if parameters.k >= n:
        raise InvalidParameterError(
            "k", f"k={parameters.k} must be smaller than the number of rows ({n}); use "
            f"k <= {n - 1}, or avatarize more rows."
        )
    return columns


def passed_through_columns(data: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """Columns kept unchanged: all missing, or one value on every row (no information).

    Example:
        >>> passed_through_columns(pd.DataFrame({"a": [1, 1], "b": [None, None], "c": [1, 2]}),
        ...                        ["a", "b", "c"])
        ['a', 'b']
    """
    return [name for name in columns if _is_constant(data[name])]


def _is_constant(series: pd.Series) -> bool:
    """``series.nunique(dropna=False) <= 1``, without hashing every value (typed columns)."""
    if ptypes.is_object_dtype(series.dtype) or len(series) == 0:
        return bool(series.nunique(dropna=False) <= 1)
    missing = int(series.isna().sum())
    if missing:
        return missing == len(series)
    return bool((series == series.iloc[0]).all())


def _compact(codes: np.ndarray) -> np.ndarray:
    """The same codes in 16 bits when they fit (they are compared and hashed as values)."""
    if codes.size and int(codes.max()) >= np.iinfo(np.int16).max:
        return codes
    return codes.astype(np.int16)


def _weights(
    codec: TableCodec, column_weights: Mapping[str, float] | None
) -> tuple[np.ndarray, np.ndarray]:
    weights = dict(column_weights or {})
    continuous = np.array([float(weights.get(s.name, 1.0)) for s in codec.continuous_specs])
    categorical = np.array([float(weights.get(s.name, 1.0)) for s in codec.categorical_specs])
    return continuous, categorical


def _reattach_excluded(
    data: pd.DataFrame, excluded: Sequence[str], strategy: ExcludeStrategy,
    original_coords: np.ndarray, avatar_coords: np.ndarray,
) -> pd.DataFrame:
    if strategy is ExcludeStrategy.ROW_ORDER:
        source = np.arange(len(data))
    else:
        _, found = cKDTree(original_coords).query(avatar_coords, k=1, workers=-1)
        source = np.asarray(found, dtype=np.int64)
    return data[list(excluded)].iloc[source].reset_index(drop=True)


def prepare_table(
    data: pd.DataFrame,
    parameters: AvatarizationParameters,
    types: Mapping[str, ColumnType] | None,
    identifiers: Sequence[str],
    excluded: Sequence[str],
    shared: SharedProjection | None = None,
) -> tuple[pd.DataFrame, list[str], list[str], dict[str, ColumnType], TableCodec, Any]:
    """Check and type a table, fit its codec (or take the shared one) and encode it.

    Returns:
        The table (fresh index, string column names), the avatarized columns, the
        passed-through ones, the column types, the codec and the encoded table.

    Example:
        >>> frame = pd.DataFrame({"age": range(30), "sex": ["f", "m", "f"] * 10})
        >>> prepare_table(frame, AvatarizationParameters(k=5), None, (), ())[1]
        ['age', 'sex']
    """
    columns = _check_table(data, identifiers, excluded, parameters)
    if shared is not None:
        missing = [c for c in shared.columns + shared.passed if c not in columns]
        if missing:
            raise InvalidDataError(
                f"Column '{missing[0]}' of the reference sample is missing from this batch; "
                f"every batch must have the table's columns.", column=missing[0],
            )
        table = data.reset_index(drop=True)
        table.columns = [str(c) for c in table.columns]
        encoded = shared.codec.encode(table[shared.columns])
        return (table, list(shared.columns), list(shared.passed), dict(shared.column_types),
                shared.codec, encoded)
    passed = passed_through_columns(data, columns)
    columns = [c for c in columns if c not in passed]
    if not columns:
        raise InvalidDataError(
            "Every column of the table is constant or empty: there is nothing to "
            "avatarize. Add columns that vary from one individual to another."
        )
    table = data.reset_index(drop=True)
    table.columns = [str(c) for c in table.columns]
    overrides = {str(k): v for k, v in (types or {}).items() if str(k) in columns}
    unknown = [str(k) for k in (types or {}) if str(k) not in table.columns]
    if unknown:
        raise InvalidDataError(
            f"A type is given for column '{unknown[0]}', which is not in the table.",
            column=unknown[0],
        )
    column_types = infer_types(table[columns], overrides)
    codec = TableCodec(column_types, categorical_reduction=parameters.use_categorical_reduction)
    encoded = codec.fit_encode(table[columns])
    n_modalities = codec.n_projected_modalities()
    dims = encoded.continuous.shape[1] + sum(n_modalities)
    if dims > MAX_ENCODED_DIMENSIONS:
        widest = max(codec.categorical_specs, key=lambda s: s.n_projected_modalities)
        raise ResourceLimitError(
            f"The table has too many modalities: it encodes to {dims} columns (limit "
            f"{MAX_ENCODED_DIMENSIONS}); column '{widest.name}' alone has "
            f"{widest.n_projected_modalities}. Turn on use_categorical_reduction or "
            f"exclude such columns (exclude_variables)."
        )
    return table, columns, passed, column_types, codec, encoded


class _Clock:
    def __init__(self, tracker: ProgressTracker) -> None:
        self.timings: dict[str, float] = {}
        self.tracker = tracker

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self.tracker.start(name)
        started = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - started, 6)
        self.tracker.done(name)


def avatarize(
    data: pd.DataFrame,
    parameters: AvatarizationParameters,
    *,
    types: Mapping[str, ColumnType] | None = None,
    identifiers: Sequence[str] = (),
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    shared: SharedProjection | None = None,
) -> AvatarizationResult:
    """Avatarize one table: each individual gets an avatar mixing its k nearest neighbours.

    Args:
        data: the originals, one row per individual.
        parameters: k, ncp, imputation, exclusions, seed...
        types: column -> type overrides; other columns are inferred.
        identifiers: key columns passed through unchanged (row i keeps row i's keys).
        progress: called as progress(fraction, phase) at each step.
        should_stop: polled between steps; True raises AvatarizationCancelled.
        shared: a projection fitted on a reference sample (one batch of a large table, see
            ``batches``): the table is encoded, imputed and projected with it, not its own.

    Returns:
        Shuffled and unshuffled avatars, both projections and the run's metadata.

    Raises:
        InvalidDataError, InvalidParameterError, ResourceLimitError, AvatarizationCancelled.

    Example:
        >>> data = pd.DataFrame({"age": range(30), "sex": ["f", "m", "f"] * 10})
        >>> result = avatarize(data, AvatarizationParameters(k=5, ncp=2, seed=1))
        >>> result.shuffled.shape
        (30, 2)
    """
    try:
        # the engine's matrices are small (columns x columns): one BLAS thread is as fast,
        # and spinning BLAS threads collapse on a busy machine
        with threadpool_limits(1, user_api="blas"):
            return _avatarize(data, parameters, types, identifiers, progress, should_stop,
                              shared)
    except EngineError:
        raise
    except MemoryError:
        raise ResourceLimitError(
            "Not enough memory to avatarize this table. Use fewer rows or modalities "
            "(use_categorical_reduction, exclude_variables)."
        ) from None
    except Exception as error:
        raise EngineError(
            f"Avatarization failed unexpectedly ({type(error).__name__}). Check the column "
            f"types and values; if the data looks right, report this problem."
        ) from error


def _avatarize(
    data: pd.DataFrame,
    parameters: AvatarizationParameters,
    types: Mapping[str, ColumnType] | None,
    identifiers: Sequence[str],
    progress: Progress | None,
    should_stop: ShouldStop | None,
    shared: SharedProjection | None = None,
) -> AvatarizationResult:
    started = time.perf_counter()
    tracker = ProgressTracker(_PHASES, progress, should_stop)
    clock = _Clock(tracker)
    _check_parameters(parameters)
    identifiers = [str(c) for c in identifiers]
    excluded = [str(c) for c in parameters.exclude_variables]
    overlap = sorted(set(identifiers) & set(excluded))
    if overlap:
        raise InvalidParameterError(
            "exclude_variables",
            f"Column '{overlap[0]}' is both an identifier and excluded; pick one.",
        )
    with clock.phase("typing"):
        table, _columns, passed, column_types, codec, encoded = prepare_table(
            data, parameters, types, identifiers, excluded, shared
        )
    rng = np.random.default_rng(parameters.seed)
    n_modalities = codec.n_projected_modalities()
    donors = 0 if shared is None else len(shared.donor_continuous)
    with clock.phase("imputation"):
        continuous, codes, imputation_info = impute(
            encoded.continuous if shared is None else np.vstack(
                [shared.donor_continuous, encoded.continuous]),
            codec.projected_codes(encoded.codes) if shared is None else np.vstack(
                [shared.donor_codes, codec.projected_codes(encoded.codes)]),
            n_modalities,
            method=ImputationMethod(parameters.imputation_method),
            k=parameters.imputation_k,
            training_fraction=float(parameters.imputation_training_fraction),
            rng=rng,
            check=tracker.check,
        )
        # the shared reference donors come first: the batch's own rows follow them
        continuous, codes = continuous[donors:], codes[donors:]
        # the encoded originals (with their missing values) serve again only to avoid
        # copies: their codes are kept compact until then (1M x 30 codes: 240 -> 60 MB)
        originals = (encoded.continuous, _compact(encoded.codes))
        del encoded
    with clock.phase("projection"):
        if shared is None:
            famd = Famd(parameters.ncp)
            continuous_weights, categorical_weights = _weights(codec, parameters.column_weights)
            original_coords = famd.fit_transform(
                continuous, codes, n_modalities,
                continuous_weights=continuous_weights,
                categorical_weights=categorical_weights,
                check=tracker.check,
            )
        else:
            famd = shared.famd
            original_coords = famd.transform(continuous, codes, tracker.check)
    with clock.phase("neighbours"):
        distances, indices = nearest_others(
            original_coords, parameters.k,
            check=lambda fraction: tracker.within("neighbours", fraction),
        )
    with clock.phase("generation"):
        weights = neighbour_weights(distances, rng)
        del distances
        mixed = mix_neighbours(continuous, indices, weights, rng, tracker.check)
        local_covariance = pooled_local_covariance(continuous, indices, weights)
    with clock.phase("inverse"):
        avatar_continuous = finish_continuous_columns(
            mixed, continuous, local_covariance, codec.continuous_specs, rng, tracker.check
        )
        del mixed
        avatar_codes = draw_categories(
            codes, indices, weights, codec.categorical_specs, rng,
            avoid_copies_of_originals=not nudgeable_columns(codec.continuous_specs),
            check=tracker.check,
        )
        indicators = [
            j for j, spec in enumerate(codec.categorical_specs) if spec.indicator_of is not None
        ]
        if parameters.return_data_imputed:
            # the avatars keep the imputed values: no indicator says "missing"
            avatar_codes[:, indicators] = 0
        else:
            avatar_codes = calibrate_missing(avatar_codes, codes, indices, weights, indicators,
                                             rng, in_place=True)
        del indices, weights
        nudged = avoid_copies(
            codec, avatar_continuous, avatar_codes,
            originals, rng,
        )
        avatars = codec.decode(avatar_continuous, avatar_codes)
        # where the released avatars sit in the originals' projection (figures, exclusions)
        avatar_coords = famd.transform(
            avatar_continuous, codec.projected_codes(avatar_codes), tracker.check
        )
    with clock.phase("assembly"):
        parts = [avatars]
        if excluded:
            parts.append(_reattach_excluded(
                table, excluded, ExcludeStrategy(parameters.exclude_replacement_strategy),
                original_coords, avatar_coords,
            ))
        if identifiers:
            parts.append(table[identifiers].reset_index(drop=True))
        if passed:
            parts.append(table[passed].reset_index(drop=True))
        unshuffled = pd.concat(parts, axis=1)[list(table.columns)]
        unshuffled.columns = data.columns
        permutation = rng.permutation(len(unshuffled))
        shuffled = unshuffled.iloc[permutation].reset_index(drop=True)
        names = projection_columns(parameters.ncp)
        original_projections = pd.DataFrame(original_coords, columns=names)
        avatar_projections = pd.DataFrame(avatar_coords, columns=names)
    timings = dict(clock.timings)
    timings["total"] = round(time.perf_counter() - started, 6)
    metadata: dict[str, Any] = {
        "engine_version": ENGINE_VERSION,
        "parameters": parameters.to_dict(),
        "n_rows": len(table),
        "n_columns": int(table.shape[1]),
        "column_types": {name: ctype.value for name, ctype in column_types.items()},
        "continuous_columns": [n for n, t in column_types.items() if t in CONTINUOUS_TYPES],
        "identifiers": identifiers,
        "excluded_variables": excluded,
        "passed_through": passed,
        "missing_indicators": [
            s.name.removeprefix(INDICATOR_PREFIX) for s in codec.categorical_specs
            if s.indicator_of is not None
        ],
        "imputation": imputation_info,
        "projection": {
            "kind": famd.kind,
            "encoded_dimensions": famd.n_dimensions,
            "explained_variance_ratio": [round(float(v), 8) for v in
                                         famd.explained_variance_ratio],
            "cumulative_explained_variance_ratio": round(
                float(famd.explained_variance_ratio.sum()), 8
            ),
        },
        "neighbours": {"k": parameters.k, "method": "scipy.spatial.cKDTree (exact)",
                       "self_excluded": True},
        "generation": {
            "continuous": "weighted mean of the neighbours, plus a deviation with their "
                          f"covariance, plus noise ({GLOBAL_NOISE_SHARE} x the originals' "
                          f"and {LOCAL_NOISE_SHARE} x the within-neighbourhood standard "
                          "deviations); marginals restored by quantile mapping (onto a "
                          "kernel-smoothed marginal for columns with many distinct values)",
            "categorical": "values of one neighbour, drawn with probability proportional "
                           f"to w_ij^{CATEGORY_WEIGHT_POWER:g}, for all categorical variables; "
                           "each modality then as frequent as in the originals",
        },
        "copy_avoidance": {"nudged_values": int(nudged)},
        "timings_seconds": timings,
    }
    if shared is not None:
        metadata["projection"]["fitted_on_reference_rows"] = shared.reference_rows
    return AvatarizationResult(
        shuffled=shuffled,
        unshuffled=unshuffled,
        original_projections=original_projections,
        avatar_projections=avatar_projections,
        metadata=metadata,
    )


