"""Keyword names and argument shapes of the established client, mapped onto this SDK's.

The established client names the table argument ``table_name`` where this SDK says ``table``
or ``name``, takes ``JobKind`` members where this SDK takes strings, and a few calls take
keywords this SDK does not have (``open_in_browser=``, ``columns_to_drop=``, ...). The class
decorators :func:`accept_established_runner_calls` and :func:`accept_established_manager_calls`
wrap the methods concerned so that both spellings work; the methods themselves keep this SDK's
signatures.

Example:
    >>> runner.add_table(table_name="wbcd", data="fixtures/wbcd.csv")  # doctest: +SKIP
    >>> runner.get_status(job_kind=JobKind.standard)  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from avatars._compat.enums import PLOT_FILES, plain
from avatars._table_reading import read_table

__all__ = ["accept_established_manager_calls", "accept_established_runner_calls"]

T = TypeVar("T")
Hook = Callable[[Any, dict[str, Any], Any], None]


def _jobs(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return None if value is None else plain(value)
    return [plain(item) for item in value]


def _plot_kind(value: Any) -> str:
    text = plain(value)
    return next((ours for theirs, ours in PLOT_FILES.items() if theirs.value == text), text)


def _columns_to_drop(runner: Any, arguments: dict[str, Any], columns: Any) -> None:
    """``add_table(..., columns_to_drop=[...])``: the table is added without those columns."""
    if not columns:
        return
    data = arguments["data"]
    frame = data if isinstance(data, pd.DataFrame) else read_table(Path(data).expanduser())
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"columns_to_drop {missing} are not in table {arguments.get('name')!r}; "
            f"its columns are {list(frame.columns)}."
        )
    arguments["data"] = frame.drop(columns=list(columns))


def _output_format(manager: Any, arguments: dict[str, Any], value: Any) -> None:
    """``create_runner(..., output_format=...)``: results are read as DataFrames either way."""
    if value is not None and plain(value) not in {"csv", "parquet"}:
        raise ValueError(f"output_format must be 'csv' or 'parquet', got {value!r}")


@dataclass(frozen=True)
class _Accepts:
    """How one method accepts the established client's arguments."""

    renames: Mapping[str, str] = field(default_factory=dict)
    convert: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    # Keywords of the established client that this SDK handles before the call.
    hooks: Mapping[str, Hook] = field(default_factory=dict)
    # Keywords of the established client for features this SDK does not have: accepted at
    # their default (None or False), refused with a clear message otherwise.
    unsupported: frozenset[str] = frozenset()
    # Defaults of the established client where this SDK has none.
    defaults: Mapping[str, Any] = field(default_factory=dict)
    # Keywords that, when given (not None), send the call to another method of the object.
    redirect: Mapping[str, str] = field(default_factory=dict)


_TABLE = {"table_name": "table"}
_UNSUPPORTED_PARAMETERS: frozenset[str] = frozenset()
_PARAMETERS = _Accepts(
    renames={**_TABLE, "exclude_variable_method": "exclude_replacement_strategy"},
    unsupported=_UNSUPPORTED_PARAMETERS,
)

RUNNER_CALLS: dict[str, _Accepts] = {
    "add_table": _Accepts(
        renames={"table_name": "name"},
        hooks={"columns_to_drop": _columns_to_drop},
    ),
    "delete_table": _Accepts(renames={"table_name": "name"}),
    "set_parameters": _PARAMETERS,
    "update_parameters": _PARAMETERS,
    "delete_parameters": _Accepts(renames=_TABLE),
    "print_parameters": _Accepts(renames=_TABLE),
    "advise_parameters": _Accepts(renames=_TABLE),
    "shuffled": _Accepts(renames=_TABLE),
    "sensitive_unshuffled": _Accepts(renames=_TABLE),
    "projections": _Accepts(renames=_TABLE),
    "privacy_metrics": _Accepts(renames=_TABLE),
    "signal_metrics": _Accepts(renames=_TABLE),
    "run_metadata": _Accepts(renames=_TABLE),
    "render_plot": _Accepts(
        renames={**_TABLE, "plot_kind": "kind"},
        convert={"kind": _plot_kind},
        hooks={"open_in_browser": lambda runner, arguments, value: None},
    ),
    "run": _Accepts(convert={"jobs_to_run": _jobs}),
    "wait": _Accepts(convert={"jobs": _jobs}),
    "get_job": _Accepts(convert={"job_name": _jobs}),
    "get_status": _Accepts(renames={"job_kind": "job_name"}, convert={"job_name": _jobs}),
    "download_report": _Accepts(convert={"report_type": plain}),
}

MANAGER_CALLS: dict[str, _Accepts] = {
    "create_runner": _Accepts(hooks={"output_format": _output_format}),
    "get_last_jobs": _Accepts(redirect={"name": "_last_jobs_named"}),
}


def _accepting(method: Callable[..., Any], accepts: _Accepts) -> Callable[..., Any]:
    signature = inspect.signature(method)
    positions = {name: i for i, name in enumerate(signature.parameters)}
    has_var_keyword = any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()
    )

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        name = method.__name__
        for old, new in accepts.renames.items():
            if old in kwargs:
                if new in kwargs:
                    raise TypeError(f"{name}() got both {old!r} and {new!r}; give one of them.")
                kwargs[new] = kwargs.pop(old)
        for keyword in accepts.unsupported & set(kwargs):
            value = kwargs.pop(keyword)
            if value is not None and value is not False:
                raise ValueError(
                    f"{name}({keyword}=...) is a feature of the established platform that this "
                    "server does not provide; remove the argument (see docs/compatibility.md)."
                )
        for keyword, target in accepts.redirect.items():
            if kwargs.get(keyword) is not None:
                return getattr(self, target)(*args, **kwargs)
        for keyword, default in accepts.defaults.items():
            if keyword not in kwargs and positions[keyword] > len(args):
                kwargs[keyword] = default
        hooks = {k: kwargs.pop(k) for k in list(kwargs) if k in accepts.hooks}
        bound = signature.bind(self, *args, **kwargs)
        arguments = bound.arguments
        if has_var_keyword:
            # update_parameters(table, **kwargs): the keywords live in the catch-all mapping.
            arguments = {**bound.arguments, **bound.arguments.get("kwargs", {})}
            arguments.pop("kwargs", None)
        for keyword, convert in accepts.convert.items():
            if arguments.get(keyword) is not None:
                arguments[keyword] = convert(arguments[keyword])
        for keyword, value in hooks.items():
            accepts.hooks[keyword](self, arguments, value)
        return method(**arguments)

    return wrapper


def _decorate(cls: type[T], calls: Mapping[str, _Accepts]) -> type[T]:
    for name, accepts in calls.items():
        setattr(cls, name, _accepting(getattr(cls, name), accepts))
    return cls


def accept_established_runner_calls(cls: type[T]) -> type[T]:
    """Class decorator: the Runner's methods also take the established client's arguments.

    Example:
        >>> @accept_established_runner_calls  # doctest: +SKIP
        ... class Runner(...): ...
    """
    return _decorate(cls, RUNNER_CALLS)


def accept_established_manager_calls(cls: type[T]) -> type[T]:
    """Class decorator: the Manager's methods also take the established client's arguments.

    Example:
        >>> @accept_established_manager_calls  # doctest: +SKIP
        ... class Manager: ...
    """
    return _decorate(cls, MANAGER_CALLS)
