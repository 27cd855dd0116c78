"""Tables of a run: adding, linking and removing them (part of :class:`avatars.runner.Runner`)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from avatars._column_types import ColumnDecision, ColumnRole, ColumnType, decide_columns
from avatars._table_reading import TABLE_SUFFIXES, read_table, sniff_csv
from avatars._yaml import ColumnSpec, LinkSpec, ResourceSet, TableSpec

if TYPE_CHECKING:
    from avatars._server_calls import ServerCalls

LINK_METHODS = (
    "bottom_projection",
    "top_projection",
    "linear_sum_assignment",
    "minimum_distance_assignment",
    "sensitive_original_order_assignment",
)
_TABLE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,127}$")


@dataclass
class _Source:
    """Local data of a table, uploaded at ``run``."""

    path: Path | None = None
    frame: pd.DataFrame | None = None
    decisions: tuple[ColumnDecision, ...] = ()
    rows: int | None = None
    full: pd.DataFrame | None = None  # the table as read, when columns are left out
    avatars: pd.DataFrame | None = None  # avatars made elsewhere (add_table(avatar_data=))


def _check_name(kind: str, name: str) -> None:
    if not isinstance(name, str) or not _TABLE_NAME_RE.match(name):
        raise ValueError(
            f"Invalid {kind} {name!r}: use 1 to 128 letters, digits, '_' or '-', "
            "starting with a letter or a digit."
        )


def _uploadable_as_is(
    path: Path, sep: str | None, decimal: str | None, encoding: str | None
) -> bool:
    """Whether the server reads the file as the SDK did (plain CSV or Parquet)."""
    kind = TABLE_SUFFIXES.get(path.suffix.lower())
    if kind == "parquet":
        return True
    if kind != "csv" or path.suffix.lower() != ".csv":
        return False
    return sniff_csv(path, sep=sep, decimal=decimal, encoding=encoding).is_plain


def _upload_frame(full: pd.DataFrame, released: Sequence[ColumnDecision]) -> pd.DataFrame:
    """The released columns of a table, text dates parsed in their own format."""
    upload = full[[d.column for d in released]].copy()
    for d in released:
        if d.date_format is not None:
            upload[d.column] = pd.to_datetime(upload[d.column], format=d.date_format)
    return upload


def _read_avatars(
    name: str, data: str | Path | pd.DataFrame, *, sep: str | None, decimal: str | None,
    encoding: str | None,
) -> pd.DataFrame:
    """The ``avatar_data`` of ``add_table``, read as the original table is."""
    if isinstance(data, pd.DataFrame):
        return data
    if not isinstance(data, str | Path):
        raise TypeError(
            f"avatar_data must be a file path or a pandas DataFrame, got {type(data).__name__}"
        )
    path = Path(data).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"No file {str(path)!r} for the avatars of table {name!r}.")
    return read_table(path, sep=sep, decimal=decimal, encoding=encoding)


def _avatars_upload(
    name: str, avatars: pd.DataFrame, released: Sequence[ColumnDecision]
) -> pd.DataFrame:
    """The released columns of uploaded avatars, or a ValueError naming what differs."""
    wanted = [d.column for d in released]
    missing = [c for c in wanted if c not in avatars.columns]
    if missing:
        raise ValueError(
            f"avatar_data of table {name!r} lacks the column(s) {missing[:5]} of the original "
            f"table; give the avatars the original's columns (avatars have "
            f"{[str(c) for c in avatars.columns][:10]})."
        )
    if avatars.empty:
        raise ValueError(f"avatar_data of table {name!r} has no rows.")
    return _upload_frame(avatars, released)


def _warn_left_out(name: str, decisions: Sequence[ColumnDecision], pseudonymize: bool) -> None:
    """One warning per column that the avatars will not carry as it is."""
    for d in decisions:
        if d.role is ColumnRole.FREE_TEXT:
            warnings.warn(
                f"Table {name!r}, column {d.column!r}: {d.reason}; it is left out of the "
                f"avatars. To avatarize it as categories pass types={{{d.column!r}: "
                f"'category'}}; to silence this warning pass types={{{d.column!r}: 'drop'}}.",
                UserWarning,
                stacklevel=3,
            )
        elif d.role is ColumnRole.IDENTIFIER and not pseudonymize:
            warnings.warn(
                f"Table {name!r}, column {d.column!r}: {d.reason}; it is left out of the "
                "avatars. To release pseudonyms instead pass identifier_policy='pseudonymize' "
                f"or set_parameters({name!r}, pseudonymized_columns={{{d.column!r}: ...}}); "
                f"if it is not an identifier pass types={{{d.column!r}: 'numeric'}} (or "
                "'category').",
                UserWarning,
                stacklevel=3,
            )


class RunnerTables:
    """The tables of a run; the state shared by every part of the Runner is declared here."""

    _rs: ResourceSet
    _sources: dict[str, _Source]
    _calls: ServerCalls
    jobs: dict[str, str]
    job_timeout: float
    show_progress: bool | None
    display_name: Any

    # -- tables ----------------------------------------------------------------------------
    def add_table(
        self,
        name: str,
        data: str | Path | pd.DataFrame,
        primary_key: str | None = None,
        foreign_keys: Sequence[str] | None = None,
        types: Mapping[str, ColumnType | str] | None = None,
        individual_level: bool | None = None,
        time_series_time: str | None = None,
        *,
        sep: str | None = None,
        decimal: str | None = None,
        encoding: str | None = None,
        sheet: str | None = None,
        identifier_policy: str = "drop",
        avatar_data: str | Path | pd.DataFrame | None = None,
    ) -> None:
        """Add a table to the run.

        Every column is typed, before any job, by one rule (see :mod:`avatars._column_types`
        and :meth:`describe_columns`): few-distinct numbers and yes/no columns are categorical,
        dates are avatarized as numbers and returned in their own format, identifiers are never
        released as they are, free text is left out with a warning, constant and empty columns
        are passed through unchanged.

        Args:
            name: name of the table (letters, digits, ``_``, ``-``).
            data: a CSV, TSV, Parquet or Excel (.xlsx) file, or a DataFrame; uploaded at
                :meth:`run`. A CSV file's separator, decimal mark and encoding are sniffed.
            primary_key: column identifying each row; kept out of the avatarization.
            foreign_keys: columns referring to other tables; link them with :meth:`add_link`.
            types: column -> type or role overriding the rule: ``int``, ``float``, ``numeric``,
                ``bool``, ``category`` (or ``categorical``), ``datetime``, ``datetime_tz``,
                ``id`` (an identifier) or ``drop`` (left out of the avatars).
            individual_level: whether one row is one individual (``None``: server default).
            time_series_time: the time column of a time-series table.
            sep: separator of a CSV file, instead of the sniffed one (e.g. ``";"``).
            decimal: decimal mark of a CSV file, instead of the sniffed one (e.g. ``","``).
            encoding: encoding of a CSV file, instead of the sniffed one (e.g. ``"latin-1"``).
            sheet: the sheet of an ``.xlsx`` workbook holding the table, by name (default:
                the first sheet).
            identifier_policy: ``"drop"`` (default): identifier columns are left out of the
                avatars; ``"pseudonymize"``: they are released with fresh pseudonyms.
            avatar_data: avatars made elsewhere (a file or a DataFrame with the table's
                columns, any number of rows in any order): :meth:`run` then computes their
                privacy and signal metrics and the report instead of avatarizing (no ``k``
                needed). Identifier columns the avatars carry are kept and judged.

        Raises:
            ValueError: bad name, table already added, unknown column or type, or a file that
                cannot be read as a table (the message lists every problem found).
            FileNotFoundError: ``data`` is a path that does not exist.

        Example:
            >>> runner.add_table("wbcd", "fixtures/wbcd.csv", types={"Class": "category"})
            ... # doctest: +SKIP
            >>> runner.add_table("mine", "original.csv", avatar_data="synthetic.csv")
            ... # doctest: +SKIP
        """
        _check_name("table name", name)
        if name in self._rs.tables:
            raise ValueError(
                f"Table {name!r} is already in the run: call delete_table({name!r}) first."
            )
        if isinstance(data, pd.DataFrame):
            frame, source = data, _Source(frame=data)
        elif isinstance(data, str | Path):
            path = Path(data).expanduser()
            if not path.is_file():
                raise FileNotFoundError(f"No file {str(path)!r} for table {name!r}.")
            frame = read_table(path, sep=sep, decimal=decimal, encoding=encoding, sheet=sheet)
            source = _Source(path=path) if _uploadable_as_is(path, sep, decimal, encoding) else (
                _Source(frame=frame))
        else:
            raise TypeError(
                f"data must be a file path or a pandas DataFrame, got {type(data).__name__}"
            )
        if identifier_policy not in ("drop", "pseudonymize"):
            raise ValueError(
                f"identifier_policy={identifier_policy!r} is not known; use "
                "identifier_policy='drop' or identifier_policy='pseudonymize'."
            )
        keys = [primary_key] if primary_key else []
        extra = [time_series_time] if time_series_time else []
        for column in [*keys, *(foreign_keys or []), *extra]:
            if column not in frame.columns:
                raise ValueError(
                    f"Column {column!r} is not in table {name!r}; "
                    f"its columns are {[str(c) for c in frame.columns]}."
                )
        decisions = decide_columns(
            frame, {k: str(v) for k, v in (types or {}).items()},
            keys=[*keys, *(foreign_keys or []), *extra],
        )
        pseudonymize = identifier_policy == "pseudonymize"
        avatars = None if avatar_data is None else _read_avatars(
            name, avatar_data, sep=sep, decimal=decimal, encoding=encoding)
        released = [
            d for d in decisions
            if d.released or (pseudonymize and d.role is ColumnRole.IDENTIFIER) or (
                avatars is not None and d.role is ColumnRole.IDENTIFIER
                and d.column in avatars.columns)
        ]
        if not released:
            raise ValueError(
                f"No column of table {name!r} would be released (every one is an identifier, "
                "free text or dropped); give some of them a type in types=, e.g. "
                f"types={{{decisions[0].column!r}: 'category'}}."
            )
        _warn_left_out(name, [d for d in decisions if d not in released], pseudonymize)
        if len(released) < len(decisions) or any(d.date_format for d in released):
            source = _Source(frame=_upload_frame(frame, released), full=frame)
        if avatars is not None:
            source.avatars = _avatars_upload(name, avatars, released)
        source.decisions = tuple(decisions)
        source.rows = len(frame)
        foreign = set(foreign_keys or [])
        columns = [
            ColumnSpec(
                field=d.column,
                type=d.type.value,
                primary_key=d.column == primary_key,
                # identifiers the uploaded avatars carry are measured, not set aside
                identifier=d.column in foreign or (
                    d.role is ColumnRole.IDENTIFIER and avatars is None),
                time_series_time=d.column == time_series_time,
            )
            for d in released
        ]
        suffix = ".parquet" if source.path is not None and source.path.suffix in {
            ".parquet", ".pq"} else ".csv"
        self._rs.tables[name] = TableSpec(
            name=name, file=f"{name}{suffix}", columns=columns, individual_level=individual_level,
            avatars_file=None if avatars is None else f"{name}_avatars.csv",
        )
        self._sources[name] = source

    def _bring_back_as_identifiers(self, name: str, columns: Sequence[str]) -> None:
        """Release with pseudonyms the left-out identifier or text columns given a strategy."""
        source = self._sources.get(name)
        spec = self._table(name)
        wanted = set(columns) - set(spec.column_names)
        if not wanted or source is None or source.full is None:
            return
        decisions = []
        for d in source.decisions:
            if d.column in wanted and d.role in (ColumnRole.IDENTIFIER, ColumnRole.FREE_TEXT):
                d = ColumnDecision(d.column, d.type, ColumnRole.IDENTIFIER,
                                   f"{d.reason}; pseudonymized (pseudonymized_columns)")
            decisions.append(d)
        source.decisions = tuple(decisions)
        kept = {c.field: c for c in spec.columns}
        released = [d for d in decisions if d.column in kept or (
            d.column in wanted and d.role is ColumnRole.IDENTIFIER)]
        spec.columns = [
            kept.get(d.column) or ColumnSpec(field=d.column, type=d.type.value, identifier=True)
            for d in released
        ]
        source.frame = _upload_frame(source.full, released)

    def column_decisions(self, name: str) -> tuple[ColumnDecision, ...]:
        """The typing decision of every column of a table added from data (see add_table).

        Example:
            >>> runner.column_decisions("wbcd")[0].reason  # doctest: +SKIP
            'whole numbers, 10 distinct values'
        """
        self._table(name)
        source = self._sources.get(name)
        return source.decisions if source is not None else ()

    def _check_rows_for_k(self) -> None:
        """Refuse, before any upload, a table with no more rows than its k."""
        problems = []
        for name, source in self._sources.items():
            parameters = self._rs.parameters.get(name)
            k = parameters.avatarization.get("k") if parameters is not None else None
            if source.avatars is not None:
                continue
            if source.rows is not None and isinstance(k, int) and source.rows <= k:
                fix = (f"use set_parameters({name!r}, k={source.rows - 1}) or less, or add rows"
                       if source.rows > 2 else f"add rows (at least {k + 1})")
                problems.append(
                    f"table {name!r} has {source.rows} rows but k={k}: every avatar mixes k "
                    f"other individuals, so {fix}"
                )
        if problems:
            raise ValueError("; ".join(problems) + ".")

    def describe_columns(self, name: str) -> pd.DataFrame:
        """How every column of a table is treated, and why (shown before any job).

        Returns:
            One row per column: ``type``, ``role`` (avatarized, identifier, free_text,
            dropped, passed_through) and ``reason``.

        Example:
            >>> runner.describe_columns("wbcd").loc["Class", "type"]  # doctest: +SKIP
            'category'
        """
        decisions = self.column_decisions(name)
        if not decisions:
            decisions = tuple(
                ColumnDecision(
                    c.field, ColumnType(c.type or "category"), ColumnRole.AVATARIZED,
                    "from the schema",
                )
                for c in self._rs.tables[name].columns
            )
        return pd.DataFrame(
            [{"column": d.column, "type": d.type.value, "role": d.role.value, "reason": d.reason}
             for d in decisions]
        ).set_index("column")

    def _restore_formats(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        """Write text date columns of avatars back in the format of the user's file."""
        source = self._sources.get(name)
        for d in source.decisions if source is not None else ():
            if d.date_format is not None and d.column in frame.columns:
                values = pd.to_datetime(frame[d.column], errors="coerce", format="mixed")
                frame[d.column] = values.dt.strftime(d.date_format).where(values.notna())
        return frame

    def add_link(
        self,
        parent_table_name: str,
        parent_field: str,
        child_table_name: str,
        child_field: str,
        method: str = "bottom_projection",
    ) -> None:
        """Link a foreign key of a child table to the primary key of its parent table.

        Example:
            >>> runner.add_link("patient", "p_id", "visit", "patient_id")  # doctest: +SKIP
        """
        parent = self._table(parent_table_name)
        child = self._table(child_table_name)
        self._check_columns(parent.name, [parent_field])
        self._check_columns(child.name, [child_field])
        if method not in LINK_METHODS:
            raise ValueError(f"Unknown link method {method!r}; use one of {list(LINK_METHODS)}.")
        for column in child.columns:
            if column.field == child_field and not column.primary_key:
                column.identifier = True
        child.links.append(LinkSpec(child_field, parent.name, parent_field, method))

    def delete_table(self, name: str) -> None:
        """Remove a table, its parameters, and the links pointing to it.

        Example:
            >>> runner.delete_table("wbcd")  # doctest: +SKIP
        """
        self._table(name)
        del self._rs.tables[name]
        self._rs.parameters.pop(name, None)
        self._sources.pop(name, None)
        self.__dict__.get("_processing_state", {}).pop(name, None)
        for table in self._rs.tables.values():
            table.links = [link for link in table.links if link.to_table != name]

    def _table(self, name: str) -> TableSpec:
        if name not in self._rs.tables:
            raise ValueError(
                f"No table {name!r} in this run; add it with add_table({name!r}, data). "
                f"Tables: {list(self._rs.tables)}."
            )
        return self._rs.tables[name]

    def _check_columns(self, table: str, columns: Sequence[str]) -> None:
        known = self._table(table).column_names
        unknown = [c for c in columns if c not in known]
        if unknown:
            raise ValueError(
                f"Columns {unknown} are not in table {table!r}; its columns are {known}."
            )
