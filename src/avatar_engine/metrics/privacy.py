"""Privacy metrics: how well the avatars protect the original individuals.

All distances are measured in a FAMD fitted on the originals (avatars projected on it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.spatial import cKDTree
from threadpoolctl import threadpool_limits

from avatar_engine.errors import (
    EngineError,
    InvalidDataError,
    InvalidParameterError,
    ResourceLimitError,
)
from avatar_engine.metrics._common import (
    MetricDefinition,
    MetricSpace,
    build_space,
    check_tables,
    metric_entry,
    project_rows,
    sub_space,
)
from avatar_engine.metrics.holdout_attacks import DEFAULT_ATTACKS, holdout_attacks
from avatar_engine.metrics.identifier_links import identifier_columns, identifier_links
from avatar_engine.metrics.verdict import VERDICT_RULE, judged_value, privacy_verdict
from avatar_engine.neighbours import build_tree, locality_order
from avatar_engine.progress import Progress, ProgressTracker, ShouldStop
from avatar_engine.types import CATEGORICAL_TYPES, ColumnType

__all__ = ["PRIVACY_METRICS", "compute_privacy_metrics", "hidden_and_cloaking"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CLOAKING_CAP = 10
"""Local cloaking is first counted up to this many avatars per individual; when the median
reaches it, exact counts are computed on a sample of CLOAKING_SAMPLE individuals."""
CLOAKING_SAMPLE = 2_000

PRIVACY_METRICS = {
    d.name: d
    for d in (
        MetricDefinition(
            "hidden_rate", "Hidden rate", 90.0, "higher",
            "Share (%) of individuals whose closest avatar is not their own (ties count as "
            "the chance of picking another one).",
        ),
        MetricDefinition(
            "local_cloaking", "Local cloaking", 5.0, "higher",
            "Median number of other avatars closer to an individual than its own avatar.",
        ),
        MetricDefinition(
            "distance_to_closest", "Distance to closest", None, "higher",
            "Median distance from an avatar to its closest original, in the projected space "
            "(information: its scale depends on the table).",
        ),
        MetricDefinition(
            "closest_distances_ratio", "Closest distances ratio", 0.3, "higher",
            "Median ratio of an avatar's distance to its closest original over its distance "
            "to the second closest (near 0: the avatar singles out one individual). Target: "
            "0.3, or half the ratio of the reference shuffle when that is lower.",
        ),
        MetricDefinition(
            "column_direct_match_protection", "Column direct match protection", None, "higher",
            "For the worst column, share (%) of avatars whose value differs from their own "
            "original's (information: on a binary column a random shuffle keeps half).",
        ),
        MetricDefinition(
            "identifier_carry_over", "Identifier carry-over", 10.0, "lower",
            "For columns whose original values are nearly all distinct (identifier-like), the "
            "highest share (%) of avatars keeping their own original's value.",
        ),
        MetricDefinition(
            "row_direct_match_protection", "Row direct match protection", 90.0, "higher",
            "Share (%) of avatars that are not an exact copy of an original row. Target: 90 %, "
            "lowered by the share of copies the reference shuffle makes by chance.",
        ),
        MetricDefinition(
            "categorical_hidden_rate", "Categorical hidden rate", 90.0, "higher",
            "Hidden rate computed on the categorical variables only (not applicable without "
            "categorical variables).",
        ),
        MetricDefinition(
            "singling_out_risk", "Singling-out risk", 0.10, "lower",
            "WP29 singling out: excess success, over a control set, of predicates built from "
            "the avatars that isolate exactly one individual (95 % CI).",
        ),
        MetricDefinition(
            "linkability_risk", "Linkability risk", 0.10, "lower",
            "WP29 linkability: excess share, over a control set, of individuals whose two "
            "halves of known columns point to the same avatar (95 % CI).",
        ),
        MetricDefinition(
            "inference_risk", "Inference risk", 0.10, "lower",
            "WP29 inference: excess accuracy, over a control set, of guessing the target "
            "column from the known columns with the closest avatar (95 % CI).",
        ),
        MetricDefinition(
            "dcr_share", "DCR share", 60.0, "lower",
            "Share (%) of avatars closer to a training row than to a row the avatarization "
            "did not see (50 %: nothing memorised; 95 % CI).",
        ),
    )
}

REFERENCE_SHUFFLE_SEED = 0
"""The reference shuffle: every column of the originals permuted independently. It keeps
each column's frequencies and breaks every link between columns and rows, so it is what a
perfect anonymization achieves at best; targets it misses are lowered to what it achieves."""
NEAR_COPY_SHARE_OF_SHUFFLE = 0.5
COPY_MARGIN = 10.0
HOLDOUT_TRAIN_SHARE = 0.75
"""Share of the rows given to the second avatarization (the rest is the control set)."""
HOLDOUT_MIN_CONTROL = 20

_CHUNK_ROWS = 65_536


def hidden_and_cloaking(
    original_coords: FloatArray,
    avatar_coords: FloatArray,
    cap: int = CLOAKING_CAP,
    *,
    avatar_tree: cKDTree | None = None,
    original_order: npt.NDArray[np.int64] | None = None,
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Per individual: the probability its own avatar is NOT the one picked as closest, and
    the number of other avatars strictly closer than its own (local cloaking, counted up to
    ``cap``; ties counted up to ``cap`` too).

    An attacker picks the closest avatar, uniformly among ties.

    Args:
        original_coords: n x d originals.
        avatar_coords: n x d avatars (row i is the avatar of original i).
        cap: the count limit.
        avatar_tree: a KD-tree of ``avatar_coords`` (built when not given).
        original_order: order in which the originals are queried (default: leaf order of a
            KD-tree of the originals); the answers do not depend on it, only the speed.

    Example:
        >>> x = np.array([[0.0], [1.0], [2.0]])
        >>> hidden, cloaking = hidden_and_cloaking(x, x)
        >>> hidden.tolist(), cloaking.tolist()
        ([0.0, 0.0, 0.0], [0, 0, 0])
    """
    n = len(original_coords)
    neighbours = min(cap + 1, len(avatar_coords))
    tree = avatar_tree if avatar_tree is not None else build_tree(avatar_coords)
    order = original_order if original_order is not None else locality_order(original_coords)
    own = _own_distances(original_coords, avatar_coords)
    tolerance = 1e-9 * (1.0 + own)
    hidden = np.empty(n)
    cloaking = np.empty(n, dtype=np.int64)
    for start in range(0, n, _CHUNK_ROWS):
        rows = order[start : start + _CHUNK_ROWS]
        found, _ = tree.query(original_coords[rows], k=neighbours, workers=-1)
        found = np.asarray(found).reshape(-1, neighbours)
        mine, margin = own[rows][:, None], tolerance[rows][:, None]
        closer = (found < mine - margin).sum(axis=1)
        tied = (np.abs(found - mine) <= margin).sum(axis=1)
        cloaking[rows] = np.minimum(closer, cap)
        hidden[rows] = np.where(closer > 0, 1.0, 1.0 - 1.0 / np.maximum(tied, 1))
    return hidden, cloaking


def _own_distances(original_coords: FloatArray, avatar_coords: FloatArray) -> FloatArray:
    return np.asarray(np.sqrt(((original_coords - avatar_coords) ** 2).sum(axis=1)))


def exact_cloaking(
    original_coords: FloatArray, avatar_coords: FloatArray, rows: npt.NDArray[np.int64],
    *, avatar_tree: cKDTree | None = None,
) -> npt.NDArray[np.int64]:
    """Exact local cloaking (no cap) of the individuals ``rows``.

    Example:
        >>> o = np.array([[0.0], [10.0]])
        >>> exact_cloaking(o, np.array([[5.0], [1.0]]), np.array([0, 1])).tolist()
        [1, 1]
    """
    own = _own_distances(original_coords[rows], avatar_coords[rows])
    radius = np.maximum(own - 1e-9 * (1.0 + own), 0.0)
    tree = avatar_tree if avatar_tree is not None else build_tree(avatar_coords)
    counts = np.asarray(tree.query_ball_point(
        original_coords[rows], radius, return_length=True, workers=-1), dtype=np.int64)
    return np.where(radius > 0, counts, 0)


def _closest_distances(
    original_tree: cKDTree, avatar_coords: FloatArray, avatar_order: npt.NDArray[np.int64]
) -> tuple[FloatArray, FloatArray]:
    """Per avatar: distance to the closest original, and its ratio to the second closest."""
    n = len(avatar_coords)
    first = np.empty(n)
    ratio = np.empty(n)
    for start in range(0, n, _CHUNK_ROWS):
        rows = avatar_order[start : start + _CHUNK_ROWS]
        distances, _ = original_tree.query(avatar_coords[rows], k=2, workers=-1)
        distances = np.asarray(distances).reshape(len(rows), 2)
        nearest, second = distances[:, 0], distances[:, 1]
        first[rows] = nearest
        ratio[rows] = np.divide(nearest, second, out=np.zeros_like(nearest), where=second > 0)
    return first, ratio


def _rows_equal(
    left: tuple[FloatArray, IntArray], right: tuple[FloatArray, IntArray]
) -> npt.NDArray[np.bool_]:
    """Row-wise exact equality of encoded rows (NaN equal to NaN, -0.0 to 0.0)."""
    same = ((left[0] == right[0]) | (np.isnan(left[0]) & np.isnan(right[0]))).all(axis=1)
    return np.asarray(same & (left[1] == right[1]).all(axis=1))


_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _row_keys(continuous: FloatArray, codes: IntArray) -> npt.NDArray[np.uint64]:
    """A 64-bit key per encoded row (splitmix64 of every value, keyed by column, summed):
    equal rows get equal keys; unequal rows almost never do (callers check equality)."""
    n, c = continuous.shape
    keys = np.empty(n, dtype=np.uint64)
    salts = _GOLDEN * np.arange(1, c + codes.shape[1] + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, n, _CHUNK_ROWS):
            rows = slice(start, min(n, start + _CHUNK_ROWS))
            part = continuous[rows]
            # canonical bits: -0.0 as 0.0, one NaN
            canonical = np.where(np.isnan(part), np.nan, part + 0.0)
            z = np.hstack([canonical.view(np.uint64),
                           codes[rows].astype(np.int64, copy=False).view(np.uint64)])
            z += salts
            z ^= z >> np.uint64(30)
            z *= _MIX_1
            z ^= z >> np.uint64(27)
            z *= _MIX_2
            z ^= z >> np.uint64(31)
            keys[rows] = z.sum(axis=1, dtype=np.uint64)
    return keys


def _copies(
    original: tuple[FloatArray, IntArray], avatars: tuple[FloatArray, IntArray], *,
    paired: bool = True,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Per avatar: is it an exact copy of its own original (False when not paired), of any
    original (rows hashed, candidates checked value by value)."""
    own = _rows_equal(original, avatars) if paired else np.zeros(len(avatars[0]), dtype=bool)
    original_keys = _row_keys(*original)
    avatar_keys = _row_keys(*avatars)
    order = np.argsort(original_keys, kind="stable")
    ranked = original_keys[order]
    position = np.minimum(np.searchsorted(ranked, avatar_keys), len(ranked) - 1)
    candidates = np.flatnonzero(ranked[position] == avatar_keys)
    first = order[position[candidates]]
    equal = _rows_equal((original[0][first], original[1][first]),
                        (avatars[0][candidates], avatars[1][candidates]))
    copied = np.zeros(len(avatar_keys), dtype=bool)
    copied[candidates[equal]] = True
    for row in candidates[~equal]:  # a key shared by different rows: check every holder
        stop = int(np.searchsorted(ranked, avatar_keys[row], side="right"))
        holders = order[position[row] : stop]
        copied[row] = bool(_rows_equal(
            (original[0][holders], original[1][holders]),
            (np.repeat(avatars[0][row : row + 1], len(holders), axis=0),
             np.repeat(avatars[1][row : row + 1], len(holders), axis=0)),
        ).any())
    return own, copied


def _column_protection(original: pd.DataFrame, avatars: pd.DataFrame) -> dict[str, float]:
    protection: dict[str, float] = {}
    for name in original.columns:
        left = original[name].reset_index(drop=True)
        right = avatars[name].reset_index(drop=True)
        try:
            # pandas compares its own dtypes natively (arrow strings: 20x faster than
            # object arrays); a missing value compares as different here
            same = (left == right).to_numpy(dtype=bool, na_value=False)
        except (TypeError, ValueError):
            try:
                same = (left.to_numpy() == right.to_numpy())
            except (TypeError, ValueError):
                same = (left.astype(str) == right.astype(str)).to_numpy()
        same = np.asarray(same, dtype=bool) | (left.isna() & right.isna()).to_numpy()
        protection[str(name)] = round(100.0 * (1.0 - float(same.mean())), 6)
    return protection


def _known_variable_attack(
    original: pd.DataFrame, unshuffled: pd.DataFrame, types: Mapping[str, ColumnType] | None,
    known: Sequence[str], target: str | None, ncp: int,
) -> dict[str, Any]:
    space = build_space(original, unshuffled, types, columns=known, ncp=ncp)
    assert space.original_coords is not None
    assert space.avatar_coords is not None
    hidden, _ = hidden_and_cloaking(space.original_coords, space.avatar_coords)
    result: dict[str, Any] = {
        "known_variables": list(known),
        "known_variables_hidden_rate": round(100.0 * float(hidden.mean()), 6),
    }
    if target is None:
        return result
    _, matched = build_tree(space.avatar_coords).query(space.original_coords, k=1, workers=-1)
    guessed = unshuffled[target].reset_index(drop=True).iloc[np.asarray(matched)]
    truth = original[target].reset_index(drop=True)
    numeric = pd.api.types.is_numeric_dtype(truth.dtype) and not pd.api.types.is_bool_dtype(
        truth.dtype) and truth.nunique() > 20
    if numeric:
        error = np.abs(truth.to_numpy(dtype=float) - guessed.to_numpy(dtype=float))
        scale = float(np.nanstd(truth.to_numpy(dtype=float))) or 1.0
        result["target_inference"] = {
            "target": target, "kind": "continuous",
            "median_absolute_error": round(float(np.nanmedian(error)), 6),
            "median_absolute_error_over_std": round(float(np.nanmedian(error)) / scale, 6),
        }
    else:
        accuracy = float((truth.to_numpy() == guessed.to_numpy()).mean())
        baseline = float(truth.value_counts(normalize=True, dropna=False).max())
        result["target_inference"] = {
            "target": target, "kind": "categorical",
            "accuracy": round(100.0 * accuracy, 6),
            "majority_class_accuracy": round(100.0 * baseline, 6),
        }
    return result


def compute_privacy_metrics(
    original: pd.DataFrame,
    unshuffled: pd.DataFrame,
    *,
    types: Mapping[str, ColumnType] | None = None,
    ncp: int = 5,
    known_variables: Sequence[str] | None = None,
    target: str | None = None,
    seed: int | None = None,
    holdout_avatarize: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    n_attacks: int = DEFAULT_ATTACKS,
    paired: bool = True,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    control_attacks: Callable[[], dict[str, Any] | None] | None = None,
) -> dict[str, Any]:
    """Compute the privacy metrics of ``unshuffled`` avatars against ``original``.

    The WP29 risks and the DCR share need a control set that the avatarization did not see.
    With ``holdout_avatarize`` (a function that avatarizes a table exactly as the avatars
    were made and returns its unshuffled avatars), a random ``HOLDOUT_TRAIN_SHARE`` of the
    rows is avatarized again and attacked, the other rows being the control set; the risks
    of that second avatarization stand for those of the avatars (same method, same
    parameters, 75 % of the population). Without it these four metrics are not applicable.

    ``paired=False`` judges avatars made elsewhere, whose originals are not known (any
    order, any number of rows): the metrics that follow one individual to its own avatar
    (hidden rate, local cloaking, column direct match) are then not applicable, and an
    identifier column is judged by whether the original its value names is close to the
    avatar (see ``identifier_links``); identifier columns are left out of the distances.

    Args:
        original: the originals (identifier columns dropped).
        unshuffled: row i is the avatar of original row i (any avatars when not paired).
        types: column type overrides.
        ncp: components of the FAMD fitted on the originals.
        known_variables: columns an attacker is assumed to know (extra attack in details).
        target: column the attacker tries to infer from the known variables (default for the
            WP29 inference attack: the last column).
        seed: the control split and the attacks' random choices (default 0).
        holdout_avatarize: avatarizes a table like the avatars were made (see above).
        n_attacks: attacks per WP29 criterion (bounded by the control set's size).
        paired: whether row i of ``unshuffled`` is the avatar of original row i.
        progress: progress(fraction, phase) callback.
        should_stop: cancellation poll.
        control_attacks: instead of ``holdout_avatarize``, returns the control-set attacks
            (what ``holdout_attacks`` returns) made by the caller, e.g. on a joined view whose
            control set is made of whole parents (see ``relational.holdout``).

    Returns:
        {"metrics": {...}, "passed": bool, "failures": [leak messages], "verdict_rule": str,
        "details": {...}} (JSON-ready).

    Example:
        >>> data = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 1.0, 4.0, 3.0]})
        >>> result = compute_privacy_metrics(data, data, ncp=2)
        >>> result["metrics"]["hidden_rate"]["value"], result["details"]["own_row_copy_rate"]
        (0.0, 100.0)
    """
    try:
        with threadpool_limits(1, user_api="blas"):
            result = _compute(original, unshuffled, types, ncp, known_variables, target,
                              progress, should_stop, paired)
            holdout = None
            if control_attacks is not None:
                holdout = control_attacks()
            elif holdout_avatarize is not None:
                holdout = _holdout(original, holdout_avatarize, known_variables, target,
                                   n_attacks, 0 if seed is None else seed)
            return _with_holdout(result, holdout)
    except EngineError:
        raise
    except MemoryError:
        raise ResourceLimitError("Not enough memory to compute the privacy metrics.") from None
    except Exception as error:
        raise EngineError(
            f"Privacy metrics failed unexpectedly ({type(error).__name__}). Check that both "
            f"tables have the same columns and types."
        ) from error


def _compute(
    original: pd.DataFrame, unshuffled: pd.DataFrame, types: Mapping[str, ColumnType] | None,
    ncp: int, known_variables: Sequence[str] | None, target: str | None,
    progress: Progress | None, should_stop: ShouldStop | None, paired: bool = True,
) -> dict[str, Any]:
    tracker = ProgressTracker(
        {"projection": 1, "hidden_rate": 3, "distances": 2, "matches": 1, "categorical": 2,
         "attack": 1},
        progress, should_stop,
    )
    check_tables(original, unshuffled, same_rows=paired)
    for label, name in [("known_variables", v) for v in known_variables or ()] + (
            [("target", target)] if target is not None else []):
        if name not in original.columns:
            raise InvalidParameterError(label, f"Column '{name}' is not in the table.")
    tracker.start("projection")
    identifier_like = identifier_columns(original, exact_only=not paired)
    measured = [str(c) for c in original.columns if paired or str(c) not in identifier_like]
    if not measured:
        raise InvalidDataError("Every column is an identifier: there is nothing to compare.")
    space = build_space(original, unshuffled, types, columns=measured, ncp=ncp)
    assert space.original_coords is not None
    assert space.avatar_coords is not None
    tracker.done("projection")

    tracker.start("hidden_rate")
    original_tree = build_tree(space.original_coords)
    avatar_tree = build_tree(space.avatar_coords)
    hidden: FloatArray | None = None
    cloaking: npt.NDArray[np.int64] | None = None
    local_cloaking: float | None = None
    cloaking_sample: int | None = None
    if paired:
        hidden, cloaking = hidden_and_cloaking(
            space.original_coords, space.avatar_coords, avatar_tree=avatar_tree,
            original_order=locality_order(space.original_coords, original_tree))
        local_cloaking = float(np.median(cloaking))
    tracker.done("hidden_rate")

    if local_cloaking is not None and local_cloaking >= CLOAKING_CAP:
        sample = np.random.default_rng(0).permutation(len(original))[:CLOAKING_SAMPLE]
        cloaking_sample = len(sample)
        local_cloaking = float(np.median(exact_cloaking(
            space.original_coords, space.avatar_coords, np.sort(sample),
            avatar_tree=avatar_tree)))

    tracker.start("distances")
    closest, ratio = _closest_distances(
        original_tree, space.avatar_coords, locality_order(space.avatar_coords, avatar_tree))
    tracker.done("distances")

    tracker.start("matches")
    columns = _column_protection(original, unshuffled) if paired else {}
    own_copy, any_copy = _copies((space.original.continuous, space.original.codes),
                                 (space.avatars.continuous, space.avatars.codes), paired=paired)
    own_copies = float(own_copy.mean()) if paired else None
    any_copies = float(any_copy.mean())
    tracker.done("matches")

    tracker.start("categorical")
    categorical = [
        name for name, ctype in space.codec.types.items() if ctype in CATEGORICAL_TYPES
    ]
    categorical_hidden: float | None = None
    if categorical and paired:
        cat_space = sub_space(space, categorical, ncp=ncp)
        assert cat_space.original_coords is not None
        assert cat_space.avatar_coords is not None
        cat_hidden, _ = hidden_and_cloaking(cat_space.original_coords, cat_space.avatar_coords)
        categorical_hidden = 100.0 * float(cat_hidden.mean())
    tracker.done("categorical")

    tracker.start("attack")
    attack = (
        _known_variable_attack(original, unshuffled, types, list(known_variables), target, ncp)
        if known_variables and paired else None
    )
    tracker.done("attack")

    shuffle_copies, shuffle_ratio = _reference_shuffle(original, space, original_tree)
    del original_tree, avatar_tree

    identifier_share: float | None = None
    identifier_column: str | None = None
    identifier_details: dict[str, Any] = {}
    if identifier_like and paired:
        identifier_column = min(identifier_like, key=lambda c: columns[c])
        identifier_share = 100.0 - columns[identifier_column]
    elif identifier_like:
        identifier_share, identifier_column, identifier_details = identifier_links(
            original, unshuffled, identifier_like, space.original_coords, space.avatar_coords)
    values = {
        "hidden_rate": None if hidden is None else 100.0 * float(hidden.mean()),
        "local_cloaking": local_cloaking,
        "distance_to_closest": float(np.median(closest)),
        "closest_distances_ratio": float(np.median(ratio)),
        "column_direct_match_protection": min(columns.values()) if columns else None,
        "identifier_carry_over": identifier_share,
        "row_direct_match_protection": 100.0 * (1.0 - any_copies),
        "categorical_hidden_rate": categorical_hidden,
    }
    # calibrated targets, rounded down (0.01 for the ratio, 0.1 % for the copies)
    targets = {
        "closest_distances_ratio": min(
            float(PRIVACY_METRICS["closest_distances_ratio"].target or 0.0),
            np.floor(100.0 * NEAR_COPY_SHARE_OF_SHUFFLE * shuffle_ratio) / 100.0),
        "row_direct_match_protection": min(
            float(PRIVACY_METRICS["row_direct_match_protection"].target or 0.0),
            np.floor(10.0 * (100.0 * (1.0 - shuffle_copies) - COPY_MARGIN)) / 10.0),
    }
    metrics = {name: metric_entry(PRIVACY_METRICS[name], value, targets.get(name))
               for name, value in values.items()}
    for name, calibrated in targets.items():
        if calibrated <= 0:  # even the reference shuffle fails it here: information only
            metrics[name] = metric_entry(replace(PRIVACY_METRICS[name], target=None),
                                         values[name])
    details: dict[str, Any] = {
        "n_rows": len(original),
        "ncp": space.famd.ncp if space.famd is not None else ncp,
        "paired": paired,
        "own_row_copy_rate": None if own_copies is None else round(100.0 * own_copies, 6),
        "any_row_copy_rate": round(100.0 * any_copies, 6),
        "local_cloaking_exact_on_sample_of": cloaking_sample,
        "local_cloaking_share_at_least_cap": None if cloaking is None else {
            "cap": CLOAKING_CAP,
            "percent": round(100.0 * float((cloaking >= CLOAKING_CAP).mean()), 6)},
        "hidden_rate_strict": None if cloaking is None else round(
            100.0 * float((cloaking > 0).mean()), 6),
        "distance_to_closest_quantiles": {
            str(q): round(float(np.quantile(closest, q)), 6) for q in (0.05, 0.25, 0.5, 0.75)
        },
        "column_direct_match_protection_by_column": columns,
        "reference_shuffle": {
            "any_row_copy_rate": round(100.0 * shuffle_copies, 6),
            "closest_distances_ratio": round(shuffle_ratio, 6),
        },
        "identifier_like_columns": identifier_like,
        "identifier_carry_over_column": identifier_column,
        "identifier_links": identifier_details,
        "categorical_columns": categorical,
    }
    if attack is not None:
        details["attack"] = attack
    return {"metrics": metrics, "details": details}


def _reference_shuffle(original: pd.DataFrame, space: MetricSpace, original_tree: cKDTree
                       ) -> tuple[float, float]:
    """(share of exact copies, median closest distances ratio) of the reference shuffle."""
    rng = np.random.default_rng(REFERENCE_SHUFFLE_SEED)
    shuffled = pd.DataFrame({
        name: original[name].to_numpy()[rng.permutation(len(original))]
        for name in original.columns}, index=original.index)
    encoded, coords = project_rows(space, shuffled.astype(original.dtypes.to_dict()))
    _, copied = _copies((space.original.continuous, space.original.codes),
                        (encoded.continuous, encoded.codes))
    _, ratio = _closest_distances(original_tree, coords, locality_order(coords))
    return float(copied.mean()), float(np.median(ratio))


def _holdout(
    original: pd.DataFrame, avatarize: Callable[[pd.DataFrame], pd.DataFrame],
    known_variables: Sequence[str] | None, target: str | None, n_attacks: int, seed: int,
) -> dict[str, Any] | None:
    """Avatarize a random share of the rows again and attack it against the rest."""
    n_train = round(HOLDOUT_TRAIN_SHARE * len(original))
    if len(original) - n_train < HOLDOUT_MIN_CONTROL:
        return None
    order = np.random.default_rng(seed).permutation(len(original))
    train = original.iloc[np.sort(order[:n_train])].reset_index(drop=True)
    control = original.iloc[np.sort(order[n_train:])].reset_index(drop=True)
    avatars = avatarize(train).reset_index(drop=True)
    attacks = holdout_attacks(train, avatars[train.columns], control,
                              known_variables=known_variables, target=target,
                              n_attacks=n_attacks, paired=len(avatars) == len(train), seed=seed)
    return attacks


def _ci_entry(name: str, value: float, low: float, high: float) -> dict[str, Any]:
    entry = metric_entry(PRIVACY_METRICS[name], value)
    entry["ci"] = [round(low, 6), round(high, 6)]
    judged = judged_value(entry)
    target = PRIVACY_METRICS[name].target
    assert target is not None
    assert judged is not None
    entry["passed"] = bool(judged < target)
    return entry


def _with_holdout(result: dict[str, Any], holdout: dict[str, Any] | None) -> dict[str, Any]:
    metrics = result["metrics"]
    for name, key in (("singling_out_risk", "singling_out"), ("linkability_risk", "linkability"),
                      ("inference_risk", "inference")):
        risk = (holdout or {}).get(key)
        metrics[name] = (metric_entry(PRIVACY_METRICS[name], None) if risk is None else
                         _ci_entry(name, risk["value"], risk["ci_low"], risk["ci_high"]))
    if holdout is None:
        metrics["dcr_share"] = metric_entry(PRIVACY_METRICS["dcr_share"], None)
    else:
        n = holdout["dcr_n"]
        share = holdout["dcr_share"] / 100.0
        error = 1.96 * float(np.sqrt(max(share * (1.0 - share), 0.0) / max(n, 1)))
        metrics["dcr_share"] = _ci_entry("dcr_share", 100.0 * share,
                                         100.0 * max(share - error, 0.0),
                                         100.0 * min(share + error, 1.0))
        result["details"]["holdout"] = holdout
    passed, failures = privacy_verdict(metrics, result["details"])
    return {"metrics": metrics, "passed": passed, "failures": failures,
            "verdict_rule": VERDICT_RULE, "details": result["details"]}
