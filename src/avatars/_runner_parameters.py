"""Parameters of the tables of a run (part of :class:`avatars.runner.Runner`)."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from avatars._runner_processors import RunnerProcessors
from avatars._series_parameters import SERIES_KEYS, delete_time_series, set_time_series
from avatars._yaml import TableParameters
from avatars.pseudonymization import strategy_document

IMPUTATION_METHODS = ("knn", "mode", "median", "mean", "fast_knn")
EXCLUDE_STRATEGIES = ("row_order", "coordinate_similarity")
_AVATARIZATION_KEYS = ("k", "ncp", "column_weights", "use_categorical_reduction")


class RunnerParameters(RunnerProcessors):
    """Setting, changing, deleting and printing the parameters of each table."""

    # -- parameters ------------------------------------------------------------------------
    def set_parameters(
        self,
        table: str,
        k: int | None = None,
        ncp: int | None = None,
        column_weights: Mapping[str, float] | None = None,
        use_categorical_reduction: bool | None = None,
        imputation_method: str | None = None,
        imputation_k: int | None = None,
        imputation_training_fraction: float | None = None,
        imputation_return_data_imputed: bool | None = None,
        exclude_variable_names: Sequence[str] | None = None,
        exclude_replacement_strategy: str | None = None,
        known_variables: Sequence[str] | None = None,
        target: str | None = None,
        pseudonymized_columns: Mapping[str, Any] | None = None,
        open_dp_epsilon: float | None = None,
        fast_dp_epsilon: float | None = None,
        preprocess_budget_ratio: float | None = None,
        dp_target: str | None = None,
        dp_bounds: Mapping[str, Sequence[float]] | None = None,
        use_excluded_variables_in_metrics: bool | None = None,
        data_augmentation_strategy: float | str | Mapping[str, float] | None = None,
        data_augmentation_target_column: str | None = None,
        data_augmentation_should_anonymize_original_table: bool | None = None,
        quantile_threshold: int | None = None,
        processors: Sequence[Any] | None = None,
        time_series_nf: int | None = None,
        time_series_projection_type: str | None = None,
        time_series_nb_points: int | None = None,
        time_series_method: str | None = None,
        batch_rows: int | None = None,
    ) -> None:
        """Set (replace) the parameters of a table; those not given take server defaults.

        Args:
            table: the table.
            k: number of neighbours used to build each avatar (>= 2; required to run).
            ncp: number of projection dimensions.
            column_weights: weight of each column in the projection.
            use_categorical_reduction: reduce categorical variables before the projection.
            imputation_method: ``knn``, ``mode``, ``median``, ``mean`` or ``fast_knn``.
            imputation_k: neighbours of the KNN imputation.
            imputation_training_fraction: fraction of rows used to train the imputation.
            imputation_return_data_imputed: False (default): the avatars have as many missing
                values per column as the originals; True: they have none, the imputed values
                are returned.
            exclude_variable_names: columns kept out of the projection.
            exclude_replacement_strategy: ``row_order`` or ``coordinate_similarity``.
            known_variables: columns an attacker is assumed to know (privacy metrics).
            target: sensitive column for the privacy metrics.
            pseudonymized_columns: column -> strategy of :mod:`avatars.pseudonymization`
                (``FakeDataStrategy(pii_type=PiiType.EMAIL)``, ``HashSha256Strategy()``, ...):
                the column is kept out of the avatarization and replaced by pseudonyms.
            open_dp_epsilon: epsilon of the differentially private variant (OpenDP), instead
                of ``k``: the avatars are epsilon-DP synthetic records.
            fast_dp_epsilon: epsilon of the fast, approximate DP variant, instead of ``k``.
            preprocess_budget_ratio: share of ``open_dp_epsilon`` spent on the bounds of
                continuous columns (default 0.3).
            dp_target: with a DP variant, the column whose relations with every other
                column are kept (the class or target, e.g. ``"species"``): public, no budget
                spent. Unset: chosen among the categorical columns with a tenth of the budget
                left after the bounds (OpenDP noisy max).
            dp_bounds: with a DP variant, ``{column: (low, high)}`` of numeric columns, public
                knowledge: no budget is spent on their bounds and values outside are clipped,
                e.g. ``{"body_mass_g": (2000, 7000)}``.
            use_excluded_variables_in_metrics: False (default): the privacy and signal
                metrics leave out the ``exclude_variable_names``; True: they measure them too.
            data_augmentation_strategy: more avatars than originals: a ratio, ``minority``,
                ``not_majority`` or ``{class: ratio}``.
            data_augmentation_target_column: the class column of the augmentation.
            data_augmentation_should_anonymize_original_table: False shares the original
                rows plus the extra avatars (sensitive).
            quantile_threshold: percentile (1-99) of the closeness measure of the privacy
                metrics.
            processors: objects of :mod:`avatars.processors` (or with ``preprocess`` and
                ``postprocess``): the table is pre-processed by each, in order, before upload;
                the avatars read back are post-processed in reverse order.
            time_series_nf: of a time-series table (``time_series_time`` column): functional
                components kept per variable (default 5).
            time_series_projection_type: ``fpca`` (default) or ``flatten``.
            time_series_nb_points: points of the common grid (``specified`` alignment).
            time_series_method: alignment ``specified``, ``max`` (default), ``min`` or
                ``mean``: the common grid has nb_points, or as many points as the longest,
                shortest or mean series.
            batch_rows: avatarize the table in batches of at most this many rows (>= 100),
                sharing one projection fitted on a reference sample; neighbours are found
                within each batch and the metrics are given per batch (default: the server
                batches only tables above its ``batch_threshold_rows``).

        Example:
            >>> runner.set_parameters("wbcd", k=15, ncp=5)  # doctest: +SKIP
        """
        self._attach_processors(table, processors)
        self._set_pseudonyms(table, pseudonymized_columns or {}, replace=True)
        self._rs.parameters[table] = self._build_parameters(
            table,
            TableParameters(),
            locals_={
                "k": k,
                "ncp": ncp,
                "column_weights": column_weights,
                "use_categorical_reduction": use_categorical_reduction,
                "imputation_method": imputation_method,
                "imputation_k": imputation_k,
                "imputation_training_fraction": imputation_training_fraction,
                "imputation_return_data_imputed": imputation_return_data_imputed,
                "exclude_variable_names": exclude_variable_names,
                "exclude_replacement_strategy": exclude_replacement_strategy,
                "known_variables": known_variables,
                "target": target,
                "open_dp_epsilon": open_dp_epsilon,
                "fast_dp_epsilon": fast_dp_epsilon,
                "preprocess_budget_ratio": preprocess_budget_ratio,
                "dp_target": dp_target,
                "dp_bounds": dp_bounds,
                "use_excluded_variables_in_metrics": use_excluded_variables_in_metrics,
                "data_augmentation_strategy": data_augmentation_strategy,
                "data_augmentation_target_column": data_augmentation_target_column,
                "data_augmentation_should_anonymize_original_table":
                    data_augmentation_should_anonymize_original_table,
                "quantile_threshold": quantile_threshold,
                "time_series_nf": time_series_nf,
                "time_series_projection_type": time_series_projection_type,
                "time_series_nb_points": time_series_nb_points,
                "time_series_method": time_series_method,
                "batch_rows": batch_rows,
            },
        )

    def update_parameters(self, table: str, **kwargs: Any) -> None:
        """Change some parameters of a table, keeping the others.

        Takes the keyword arguments of :meth:`set_parameters`.

        Example:
            >>> runner.update_parameters("wbcd", ncp=3)  # doctest: +SKIP
        """
        allowed = {
            "k", "ncp", "column_weights", "use_categorical_reduction", "imputation_method",
            "imputation_k", "imputation_training_fraction", "imputation_return_data_imputed",
            "exclude_variable_names",
            "exclude_replacement_strategy", "known_variables", "target", "pseudonymized_columns",
            "open_dp_epsilon", "fast_dp_epsilon", "preprocess_budget_ratio", "dp_target",
            "dp_bounds", "use_excluded_variables_in_metrics", "data_augmentation_strategy",
            "data_augmentation_target_column", "data_augmentation_should_anonymize_original_table",
            "quantile_threshold", "processors", "batch_rows", *SERIES_KEYS,
        }
        unknown = sorted(set(kwargs) - allowed)
        if unknown:
            raise TypeError(f"Unknown parameters {unknown}; use some of {sorted(allowed)}.")
        kwargs = dict(kwargs)
        if "processors" in kwargs:
            self._attach_processors(table, kwargs.pop("processors"))
        pseudonyms = kwargs.pop("pseudonymized_columns", None)
        if pseudonyms is not None:
            self._set_pseudonyms(table, pseudonyms, replace=False)
        current = self._rs.parameters.get(table, TableParameters())
        self._rs.parameters[table] = self._build_parameters(
            table, copy.deepcopy(current), locals_=kwargs
        )

    def delete_parameters(self, table: str, parameters_names: Sequence[str] | None = None) -> None:
        """Delete all parameters of a table, or only those named.

        Example:
            >>> runner.delete_parameters("wbcd", ["ncp"])  # doctest: +SKIP
        """
        self._table(table)
        if parameters_names is None or "processors" in parameters_names:
            self._detach_processors(table)
        if parameters_names is None or "pseudonymized_columns" in parameters_names:
            self._set_pseudonyms(table, {}, replace=True)
        if parameters_names is None:
            self._rs.parameters.pop(table, None)
            return
        params = self._rs.parameters.get(table)
        if params is None:
            return
        imputation = params.avatarization.get("imputation", {})
        exclude = params.avatarization.get("exclude_variables", {})
        for name in parameters_names:
            if name in _AVATARIZATION_KEYS:
                params.avatarization.pop(name, None)
            elif name.startswith("imputation_"):
                imputation.pop({"imputation_method": "method"}.get(name, name[11:]), None)
            elif name == "exclude_variable_names":
                params.avatarization.pop("exclude_variables", None)
            elif name == "exclude_replacement_strategy":
                exclude.pop("replacement_strategy", None)
            elif name in {"known_variables", "target"}:
                params.privacy_metrics.pop(name, None)
            elif name in {"dp_target", "dp_bounds"}:
                params.avatarization.pop(name[3:], None)
            elif name in ("pseudonymized_columns", "processors"):
                continue
            elif name in SERIES_KEYS:
                delete_time_series(params, name)
            else:
                raise ValueError(f"Unknown parameter {name!r}.")
        if "imputation" in params.avatarization and not imputation:
            params.avatarization.pop("imputation")

    def _set_pseudonyms(self, table: str, strategies: Mapping[str, Any], replace: bool) -> None:
        """Record each column's pseudonymization on the table's schema (checked first)."""
        spec = self._table(table)
        documents = {str(column): strategy_document(s) for column, s in strategies.items()}
        self._bring_back_as_identifiers(table, list(documents))
        self._check_columns(table, list(documents))
        for column in spec.columns:
            if column.field in documents:
                column.pseudonymization = documents[column.field]
            elif replace:
                column.pseudonymization = None

    def _build_parameters(
        self, table: str, params: TableParameters, locals_: Mapping[str, Any]
    ) -> TableParameters:
        self._table(table)
        given = {key: value for key, value in locals_.items() if value is not None}
        _set_method(params, given)
        _set_dp_anchor_and_bounds(self, table, params, given)
        set_time_series(params, given)
        if "use_excluded_variables_in_metrics" in given:
            params.use_excluded_variables_in_metrics = bool(
                given.pop("use_excluded_variables_in_metrics"))
        avatarization = params.avatarization
        _set_augmentation(self, table, avatarization, given)
        for key in ("k", "ncp"):
            if key in given:
                value = given[key]
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise ValueError(f"{key} must be a positive integer, got {value!r}")
                avatarization[key] = value
        if "k" in given and given["k"] < 2:
            raise ValueError(f"k must be at least 2, got {given['k']}")
        if "column_weights" in given:
            weights = {str(c): float(w) for c, w in given["column_weights"].items()}
            self._check_columns(table, list(weights))
            avatarization["column_weights"] = weights
        if "use_categorical_reduction" in given:
            avatarization["use_categorical_reduction"] = bool(given["use_categorical_reduction"])
        if "batch_rows" in given:
            rows = given["batch_rows"]
            if isinstance(rows, bool) or not isinstance(rows, int) or rows < 100:
                raise ValueError(f"batch_rows must be an integer of at least 100, got {rows!r}")
            avatarization["batch_rows"] = rows
        imputation = dict(avatarization.get("imputation", {}))
        if "imputation_method" in given:
            method = str(getattr(given["imputation_method"], "value", given["imputation_method"]))
            if method not in IMPUTATION_METHODS:
                raise ValueError(
                    f"Unknown imputation_method {method!r}; use one of {list(IMPUTATION_METHODS)}."
                )
            imputation["method"] = method
        if "imputation_k" in given:
            imputation["k"] = int(given["imputation_k"])
        if "imputation_training_fraction" in given:
            fraction = float(given["imputation_training_fraction"])
            if not 0 < fraction <= 1:
                raise ValueError(
                    f"imputation_training_fraction must be in ]0, 1], got {fraction}"
                )
            imputation["training_fraction"] = fraction
        if "imputation_return_data_imputed" in given:
            imputation["return_data_imputed"] = bool(given["imputation_return_data_imputed"])
        if imputation:
            avatarization["imputation"] = imputation
        exclude = dict(avatarization.get("exclude_variables", {}))
        if "exclude_variable_names" in given:
            names = [str(n) for n in given["exclude_variable_names"]]
            self._check_columns(table, names)
            exclude["variable_names"] = names
        if "exclude_replacement_strategy" in given:
            strategy = str(
                getattr(
                    given["exclude_replacement_strategy"],
                    "value",
                    given["exclude_replacement_strategy"],
                )
            )
            if strategy not in EXCLUDE_STRATEGIES:
                raise ValueError(
                    f"Unknown exclude_replacement_strategy {strategy!r}; "
                    f"use one of {list(EXCLUDE_STRATEGIES)}."
                )
            exclude["replacement_strategy"] = strategy
        if exclude:
            if "variable_names" not in exclude:
                raise ValueError(
                    "exclude_replacement_strategy needs exclude_variable_names (the columns to "
                    "keep out of the projection): pass exclude_variable_names=[...] too, or "
                    "leave exclude_replacement_strategy out."
                )
            avatarization["exclude_variables"] = exclude
        if "known_variables" in given:
            known = [str(n) for n in given["known_variables"]]
            self._check_columns(table, known)
            params.privacy_metrics["known_variables"] = known
        if "quantile_threshold" in given:
            q = given["quantile_threshold"]
            if isinstance(q, bool) or not isinstance(q, int) or not 1 <= q <= 99:
                raise ValueError(f"quantile_threshold must be an integer in [1, 99], got {q!r}")
            params.privacy_metrics["quantile_threshold"] = q
        if "target" in given:
            self._check_columns(table, [str(given["target"])])
            params.privacy_metrics["target"] = str(given["target"])
        return params

    def print_parameters(self, table: str | None = None) -> None:
        """Print the parameters of one table, or of every table.

        Example:
            >>> runner.print_parameters("wbcd")  # doctest: +SKIP
            wbcd: avatarization {'k': 15}
        """
        names = [table] if table is not None else list(self._rs.tables)
        for name in names:
            self._table(name)
            params = self._rs.parameters.get(name)
            if params is None:
                print(f"{name}: no parameters (call set_parameters or advise_parameters)")
                continue
            print(f"{name}: avatarization {params.avatarization}")
            if params.time_series:
                print(f"{name}: time series {params.time_series}")
            if params.privacy_metrics:
                print(f"{name}: privacy metrics {params.privacy_metrics}")
            if params.signal_metrics:
                print(f"{name}: signal metrics {params.signal_metrics}")
            pseudonyms = {
                c.field: c.pseudonymization
                for c in self._rs.tables[name].columns
                if c.pseudonymization
            }
            if pseudonyms:
                print(f"{name}: pseudonymized columns {pseudonyms}")

    def _params(self, table: str) -> TableParameters:
        return self._rs.parameters.get(table, TableParameters())


_NOT_WITH_DP = ("k", "column_weights", "use_categorical_reduction", "exclude_variable_names")


def _set_method(params: TableParameters, given: dict[str, Any]) -> None:
    """Choose the avatar method (``k``) or a DP variant (open_dp_epsilon / fast_dp_epsilon)."""
    chosen = [name for name in ("open_dp_epsilon", "fast_dp_epsilon") if name in given]
    if len(chosen) == 2:
        raise ValueError(
            "Expected either open_dp_epsilon or fast_dp_epsilon, not both: choose OpenDP "
            "(open_dp_epsilon) or the fast approximate variant (fast_dp_epsilon)."
        )
    ratio = given.pop("preprocess_budget_ratio", None)
    if not chosen:
        if "k" in given and params.method != "avatarization":
            params.method = "avatarization"
            for key in ("epsilon", "preprocess_budget_ratio", "target", "bounds"):
                params.avatarization.pop(key, None)
        if ratio is not None:
            if params.method != "avatarization_open_dp":
                raise ValueError(
                    "preprocess_budget_ratio goes with open_dp_epsilon: pass open_dp_epsilon "
                    "too, or leave preprocess_budget_ratio out."
                )
            params.avatarization["preprocess_budget_ratio"] = _ratio(ratio)
        return
    name = chosen[0]
    clashing = [key for key in _NOT_WITH_DP if key in given]
    if clashing:
        raise ValueError(
            f"Expected either {clashing[0]} or {name}, not both: the differentially private "
            f"avatarization takes epsilon instead of k (and no {', '.join(clashing)})."
        )
    epsilon = given.pop(name)
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float) or not 0 < epsilon <= 100:
        raise ValueError(f"{name} must be a number in ]0, 100], got {epsilon!r}")
    kept: dict[str, Any] = {key: params.avatarization[key]
                            for key in ("ncp", "imputation", "target", "bounds")
                            if key in params.avatarization}
    params.method = "avatarization_open_dp" if name == "open_dp_epsilon" else (
        "avatarization_fast_dp")
    params.avatarization = {**kept, "epsilon": float(epsilon)}
    if ratio is not None:
        if name != "open_dp_epsilon":
            raise ValueError(
                "preprocess_budget_ratio goes with open_dp_epsilon: pass open_dp_epsilon too, "
                "or leave preprocess_budget_ratio out."
            )
        params.avatarization["preprocess_budget_ratio"] = _ratio(ratio)


def _set_dp_anchor_and_bounds(
    runner: Any, table: str, params: TableParameters, given: dict[str, Any]
) -> None:
    """``dp_target`` / ``dp_bounds`` -> ``target`` / ``bounds`` of the DP variant (checked)."""
    named = [key for key in ("dp_target", "dp_bounds") if key in given]
    if not named:
        return
    if params.method not in ("avatarization_open_dp", "avatarization_fast_dp"):
        raise ValueError(
            f"{named[0]} goes with open_dp_epsilon or fast_dp_epsilon: pass one of them too, "
            f"or leave {named[0]} out."
        )
    if "dp_target" in given:
        target = given.pop("dp_target")
        runner._check_columns(table, [str(target)])
        params.avatarization["target"] = str(target)
    if "dp_bounds" in given:
        bounds: dict[str, list[float]] = {}
        for column, pair in dict(given.pop("dp_bounds")).items():
            values = [float(v) for v in pair]
            if len(values) != 2 or not values[0] < values[1]:
                raise ValueError(
                    f"dp_bounds of {column!r} must be (low, high) with low < high, got {pair!r}"
                )
            bounds[str(column)] = values
        runner._check_columns(table, list(bounds))
        params.avatarization["bounds"] = bounds


def _ratio(value: Any) -> float:
    ratio = float(value)
    if not 0 < ratio < 1:
        raise ValueError(f"preprocess_budget_ratio must be in ]0, 1[, got {value!r}")
    return ratio


def _set_augmentation(
    runner: Any, table: str, avatarization: dict[str, Any], given: dict[str, Any]
) -> None:
    """``data_augmentation_*`` -> ``avatarization.data_augmentation`` (checked first)."""
    names = ("data_augmentation_strategy", "data_augmentation_target_column",
             "data_augmentation_should_anonymize_original_table")
    if not any(name in given for name in names):
        return
    current = dict(avatarization.get("data_augmentation", {}))
    if "data_augmentation_strategy" in given:
        strategy = given["data_augmentation_strategy"]
        strategy = getattr(strategy, "value", strategy)
        if isinstance(strategy, Mapping):
            strategy = {str(k): float(v) for k, v in strategy.items()}
        elif not isinstance(strategy, str):
            strategy = float(strategy)
            if not 0 < strategy <= 10:
                raise ValueError(
                    f"data_augmentation_strategy must be in ]0, 10], got {strategy}")
        elif strategy not in ("minority", "not_majority"):
            raise ValueError(
                f"Unknown data_augmentation_strategy {strategy!r}; use a ratio, 'minority', "
                "'not_majority' or {class: ratio}.")
        current["augmentation_strategy"] = strategy
    if "data_augmentation_target_column" in given:
        column = str(given["data_augmentation_target_column"])
        runner._check_columns(table, [column])
        current["target_column"] = column
    if "data_augmentation_should_anonymize_original_table" in given:
        current["should_anonymize_original_table"] = bool(
            given["data_augmentation_should_anonymize_original_table"])
    if "augmentation_strategy" not in current:
        raise ValueError(
            "data_augmentation_* needs data_augmentation_strategy: pass it too (e.g. "
            "data_augmentation_strategy=0.5, or 'minority' with data_augmentation_target_column)."
        )
    if not isinstance(current["augmentation_strategy"], float) and "target_column" not in current:
        raise ValueError(
            f"data_augmentation_strategy {current['augmentation_strategy']!r} needs "
            "data_augmentation_target_column: pass data_augmentation_target_column='COLUMN' "
            "(the class column), or a ratio such as data_augmentation_strategy=0.5.")
    avatarization["data_augmentation"] = current
