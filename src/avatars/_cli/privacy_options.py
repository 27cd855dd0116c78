"""Options of `avatars run` for the privacy toolkit: differential privacy, pseudonymization,
data augmentation, the closeness threshold, imputed avatars and the report type.

Each option is a keyword of ``Runner.set_parameters`` (see docs/privacy_toolkit.md):
``--dp-epsilon`` / ``--fast-dp-epsilon`` (instead of ``--k``), ``--pseudonymize COL=METHOD``,
``--augment STRATEGY`` with ``--augment-target COL``, ``--quantile-threshold Q``,
``--return-imputed``; ``--report-type pia`` writes the privacy impact assessment
(``pia.pdf`` and ``pia.docx``) instead of ``report.pdf``.

Example:
    >>> parser = argparse.ArgumentParser()
    >>> add_privacy_options(parser)
    >>> args = parser.parse_args(["--dp-epsilon", "1", "--pseudonymize", "email=fake:email"])
    >>> privacy_parameters(args, k=20)["open_dp_epsilon"]
    1.0
"""

from __future__ import annotations

import argparse
from typing import Any

from avatars._cli.exits import CliError
from avatars.pseudonymization import (
    ConstantStrategy,
    FakeDataStrategy,
    HashSha256Strategy,
    IntegerStrategy,
    PiiType,
    SpecificIdStrategy,
    Uuid4Strategy,
)

__all__ = [
    "PSEUDONYM_METHODS",
    "add_privacy_options",
    "privacy_parameters",
    "privacy_summary",
    "pseudonym_strategy",
    "report_files",
]

PSEUDONYM_METHODS = (
    "hash", "hash:SALT", "uuid", "integer", "constant:TEXT", "id:PATTERN",
    "fake:TYPE[:LOCALE]",
)


def _epsilon(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(f"epsilon must be in ]0, 100], got {text}")
    return value


def _quantile(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 99:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 99, got {text!r}")
    return int(text)


def add_privacy_options(parser: argparse.ArgumentParser) -> None:
    """Add the privacy toolkit's options to `avatars run`."""
    dp = parser.add_argument_group("differential privacy (instead of --k)")
    method = dp.add_mutually_exclusive_group()
    method.add_argument(
        "--dp-epsilon", type=_epsilon, metavar="EPSILON",
        help="epsilon-DP synthetic records built with OpenDP (open_dp_epsilon), e.g. 1",
    )
    method.add_argument(
        "--fast-dp-epsilon", type=_epsilon, metavar="EPSILON",
        help="fast approximate DP variant (fast_dp_epsilon): bounds read from the data",
    )
    dp.add_argument(
        "--dp-target", metavar="COLUMN",
        help="with a DP variant, the column whose relations with every other column are kept "
             "(the class, e.g. species; dp_target): public, no budget spent",
    )
    toolkit = parser.add_argument_group("privacy toolkit (see docs/privacy_toolkit.md)")
    toolkit.add_argument(
        "--pseudonymize", metavar="COL=METHOD", action="append", default=[],
        help="release COL with pseudonyms; METHOD: " + ", ".join(PSEUDONYM_METHODS)
        + " (TYPE: " + ", ".join(t.value.lower() for t in PiiType) + "); repeat per column",
    )
    toolkit.add_argument(
        "--augment", metavar="STRATEGY",
        help="more avatars than rows: a ratio (0.5), minority, not_majority, or "
        "CLASS=RATIO[,CLASS=RATIO...] (data_augmentation_strategy)",
    )
    toolkit.add_argument(
        "--augment-target", metavar="COL",
        help="class column of --augment minority / not_majority / CLASS=RATIO",
    )
    toolkit.add_argument(
        "--augment-with-originals", action="store_true",
        help="SENSITIVE: share the original rows plus the extra avatars "
        "(data_augmentation_should_anonymize_original_table=False)",
    )
    toolkit.add_argument(
        "--quantile-threshold", type=_quantile, metavar="Q",
        help="privacy metrics: share of avatars closer to an original than Q %% of the "
        "originals are to their nearest fellow (1-99)",
    )
    toolkit.add_argument(
        "--return-imputed", action="store_true",
        help="avatars without missing values: the imputed values are returned "
        "(imputation_return_data_imputed)",
    )
    toolkit.add_argument(
        "--report-type", choices=["basic", "pia"], default="basic",
        help="basic: report.pdf (default); pia: the privacy impact assessment, pia.pdf and "
        "pia.docx",
    )


def pseudonym_strategy(method: str) -> Any:
    """The strategy object of a ``--pseudonymize`` METHOD.

    Example:
        >>> pseudonym_strategy("fake:email:fr_FR")
        FakeDataStrategy(pii_type=<PiiType.EMAIL: 'EMAIL'>, consistent=True, high_variability=False, locale='fr_FR', kind='FAKER')
    """  # noqa: E501
    name, _, rest = method.partition(":")
    name = name.strip().lower()
    if name == "hash":
        return HashSha256Strategy(salt=rest or None)
    if name == "uuid" and not rest:
        return Uuid4Strategy()
    if name == "integer" and not rest:
        return IntegerStrategy()
    if name == "constant" and rest:
        return ConstantStrategy(value=rest)
    if name == "id" and rest:
        return SpecificIdStrategy(pattern=rest)
    if name == "fake" and rest:
        kind, _, locale = rest.partition(":")
        try:
            pii = PiiType(kind.upper())
        except ValueError:
            raise CliError(
                f"--pseudonymize: unknown fake data type {kind!r}; use one of "
                + ", ".join(t.value.lower() for t in PiiType)
            ) from None
        return FakeDataStrategy(pii_type=pii, locale=locale or "en_US")
    raise CliError(
        f"--pseudonymize: unknown method {method!r}; use one of {', '.join(PSEUDONYM_METHODS)}"
        " (e.g. --pseudonymize email=fake:email or --pseudonymize id=hash)"
    )


def _pseudonyms(items: list[str]) -> dict[str, Any]:
    strategies: dict[str, Any] = {}
    for item in items:
        column, sep, method = item.partition("=")
        if not sep or not column.strip() or not method.strip():
            raise CliError(
                f"--pseudonymize {item!r}: expected COL=METHOD, e.g. --pseudonymize email=hash"
            )
        strategies[column.strip()] = pseudonym_strategy(method.strip())
    return strategies


def _augmentation(text: str) -> float | str | dict[str, float]:
    if text in ("minority", "not_majority"):
        return text
    if "=" in text:
        ratios: dict[str, float] = {}
        for part in text.split(","):
            name, _, ratio = part.partition("=")
            try:
                ratios[name.strip()] = float(ratio)
            except ValueError:
                raise CliError(
                    f"--augment {text!r}: {part!r} is not CLASS=RATIO (e.g. Gentoo=0.5)"
                ) from None
        return ratios
    try:
        return float(text)
    except ValueError:
        raise CliError(
            f"--augment {text!r}: use a ratio (0.5), minority, not_majority or CLASS=RATIO"
        ) from None


def privacy_parameters(args: argparse.Namespace, k: int) -> dict[str, Any]:
    """The ``set_parameters`` keywords of the options (``k`` unless an epsilon is given).

    Example:
        >>> privacy_parameters(argparse.Namespace(dp_epsilon=None, fast_dp_epsilon=2.0,
        ...     pseudonymize=[], augment=None, augment_target=None,
        ...     augment_with_originals=False, quantile_threshold=None, return_imputed=False),
        ...     k=20)
        {'fast_dp_epsilon': 2.0}
    """
    parameters: dict[str, Any] = {}
    if args.dp_epsilon is not None:
        parameters["open_dp_epsilon"] = args.dp_epsilon
    elif args.fast_dp_epsilon is not None:
        parameters["fast_dp_epsilon"] = args.fast_dp_epsilon
    else:
        parameters["k"] = k
    if getattr(args, "dp_target", None):
        if "k" in parameters:
            raise CliError("--dp-target goes with --dp-epsilon or --fast-dp-epsilon")
        parameters["dp_target"] = args.dp_target
    if args.pseudonymize:
        parameters["pseudonymized_columns"] = _pseudonyms(args.pseudonymize)
    if args.augment is not None:
        parameters["data_augmentation_strategy"] = _augmentation(args.augment)
        if args.augment_target:
            parameters["data_augmentation_target_column"] = args.augment_target
        if args.augment_with_originals:
            parameters["data_augmentation_should_anonymize_original_table"] = False
    elif args.augment_target or args.augment_with_originals:
        raise CliError("--augment-target and --augment-with-originals go with --augment")
    if args.quantile_threshold is not None:
        parameters["quantile_threshold"] = args.quantile_threshold
    if args.return_imputed:
        parameters["imputation_return_data_imputed"] = True
    return parameters


def privacy_summary(parameters: dict[str, Any]) -> dict[str, Any]:
    """The toolkit's parameters as plain JSON values (for metrics.json), ``k`` left out.

    Example:
        >>> privacy_summary({"k": 5, "pseudonymized_columns": {"id": Uuid4Strategy()}})
        {'pseudonymized_columns': {'id': 'UUID4'}}
    """
    summary = {key: value for key, value in parameters.items() if key != "k"}
    if "pseudonymized_columns" in summary:
        summary["pseudonymized_columns"] = {
            column: strategy.kind for column, strategy in summary["pseudonymized_columns"].items()
        }
    return summary


def method_label(parameters: dict[str, Any]) -> str:
    """How the avatars are made, for the command's messages.

    Example:
        >>> method_label({"open_dp_epsilon": 1.0})
        'epsilon-DP (OpenDP) with epsilon=1.0'
    """
    if "open_dp_epsilon" in parameters:
        return f"epsilon-DP (OpenDP) with epsilon={parameters['open_dp_epsilon']}"
    if "fast_dp_epsilon" in parameters:
        return f"fast approximate DP with epsilon={parameters['fast_dp_epsilon']}"
    return f"k={parameters['k']}"


def report_files(report_type: str) -> tuple[str, ...]:
    """The report files `avatars run` writes for ``--report-type``.

    Example:
        >>> report_files("pia")
        ('pia.pdf', 'pia.docx')
    """
    return ("pia.pdf", "pia.docx") if report_type == "pia" else ("report.pdf",)
