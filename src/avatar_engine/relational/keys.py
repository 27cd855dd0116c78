"""Fresh identifiers for related avatar tables, with their links kept.

Avatar tables carry the identifier columns of their originals (primary and foreign keys pass
through avatarization unchanged). Before the tables are shared, every primary key gets new values
drawn by a seeded random permutation, and every foreign key is mapped through the same
correspondence, so joins still work but no original identifier is disclosed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from avatar_engine.errors import InvalidDataError, InvalidParameterError

__all__ = ["pseudonymize_columns", "rekey_identifiers"]


def rekey_identifiers(
    tables: Mapping[str, pd.DataFrame],
    primary_keys: Mapping[str, str],
    links: Sequence[tuple[str, str, str, str]],
    seed: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Replace primary keys by fresh values and map foreign keys consistently.

    Each table listed in ``primary_keys`` gets the values 0..n-1 in a random order (as text
    when the original key was text); each link ``(table, field, to_table, to_field)`` maps
    ``tables[table][field]`` through the new keys of ``to_table``. Missing foreign keys stay
    missing. Tables are returned in the same order, as new DataFrames; inputs are not modified.

    Args:
        tables: table name -> avatar DataFrame.
        primary_keys: table name -> its primary-key column.
        links: ``(table, field, to_table, to_field)``: ``table.field`` references
            ``to_table.to_field``, which must be ``to_table``'s primary key.
        seed: seed of the permutations (same seed, same new keys).

    Returns:
        Table name -> re-keyed DataFrame (every input table, re-keyed or not).

    Raises:
        InvalidParameterError: a table or link names a table that is not given, or a link does
            not point at a primary key.
        InvalidDataError: a key column is missing, a primary key has missing or duplicate values,
            or a foreign key holds values absent from the referenced primary key.

    Example:
        >>> import pandas as pd
        >>> patients = pd.DataFrame({"id": [10, 11, 12]})
        >>> visits = pd.DataFrame({"patient": [12, 10, 12]})
        >>> out = rekey_identifiers({"patient": patients, "visit": visits}, {"patient": "id"},
        ...                         [("visit", "patient", "patient", "id")], seed=0)
        >>> sorted(out["patient"]["id"].tolist())
        [0, 1, 2]
        >>> bool(out["visit"]["patient"].iloc[0] == out["visit"]["patient"].iloc[2])
        True
    """
    _check_arguments(tables, primary_keys, links)
    mappings = {
        name: _new_keys(name, tables[name], field, _table_seed(seed, name))
        for name, field in sorted(primary_keys.items())
    }
    result = {name: frame.copy() for name, frame in tables.items()}
    for name, field in primary_keys.items():
        result[name][field] = _mapped(tables[name][field], mappings[name])
    for table, field, to_table, _ in links:
        source = tables[table][field]
        _check_references(table, field, to_table, source, mappings[to_table])
        result[table][field] = _mapped(source, mappings[to_table])
    return result


def pseudonymize_columns(
    frame: pd.DataFrame, columns: Sequence[str], seed: int | None = None
) -> pd.DataFrame:
    """Replace the values of identifier columns that no link uses by fresh pseudonyms.

    Identifier columns are not avatarized, so without this step the shareable table would carry
    the original identifiers. Each distinct value gets a new code (0..m-1 in a random order, as
    text when the column was text); equal values keep equal codes, missing values stay missing.

    Args:
        frame: the avatar table.
        columns: its identifier columns that are neither its primary key nor a foreign key.
        seed: seed of the codes (same seed, same pseudonyms).

    Returns:
        A new DataFrame; ``frame`` is not modified.

    Raises:
        InvalidDataError: a column is not in ``frame``.

    Example:
        >>> import pandas as pd
        >>> out = pseudonymize_columns(pd.DataFrame({"ssn": ["x", "y", "x"]}), ["ssn"], seed=0)
        >>> out["ssn"].iloc[0] == out["ssn"].iloc[2], "x" in set(out["ssn"])
        (True, False)
    """
    result = frame.copy()
    for column in columns:
        _require_column({"table": frame}, "table", column)
        values = frame[column]
        distinct = pd.Series(values.dropna().unique())
        mapping = _new_keys(
            "table",
            pd.DataFrame({column: distinct}),
            column,
            _table_seed(seed, f"pseudonym:{column}"),
        )
        result[column] = _mapped(values, mapping)
    return result


def _check_arguments(
    tables: Mapping[str, pd.DataFrame],
    primary_keys: Mapping[str, str],
    links: Sequence[tuple[str, str, str, str]],
) -> None:
    for name, frame in tables.items():
        if not isinstance(frame, pd.DataFrame):
            raise InvalidDataError(
                f"Table {name!r} must be a pandas DataFrame, not {type(frame).__name__}."
            )
    for name, field in primary_keys.items():
        if name not in tables:
            raise InvalidParameterError(
                "primary_keys",
                f"A primary key is declared for table {name!r}, which is not among the tables "
                f"given ({', '.join(map(repr, tables)) or 'none'}).",
            )
        _require_column(tables, name, field)
        _check_primary_key(name, field, tables[name][field])
    for link in links:
        if len(link) != 4:
            raise InvalidParameterError(
                "links", f"Each link must be (table, field, to_table, to_field), got {link!r}."
            )
        table, field, to_table, to_field = link
        for name in (table, to_table):
            if name not in tables:
                raise InvalidParameterError(
                    "links",
                    f"The link {table}.{field} -> {to_table}.{to_field} names table {name!r}, "
                    "which is not among the tables given.",
                )
        _require_column(tables, table, field)
        if primary_keys.get(to_table) != to_field:
            raise InvalidParameterError(
                "links",
                f"The link {table}.{field} -> {to_table}.{to_field} must point at the primary key "
                f"of {to_table!r}; declare {to_table}.{to_field} as its primary key.",
            )


def _require_column(tables: Mapping[str, pd.DataFrame], table: str, field: str) -> None:
    if field not in tables[table].columns:
        raise InvalidDataError(
            f"Table {table!r} has no column {field!r}: check the key names in the schema.",
            column=field,
        )


def _check_primary_key(table: str, field: str, values: pd.Series) -> None:
    missing = int(values.isna().sum())
    if missing:
        raise InvalidDataError(
            f"The primary key {table}.{field} has {missing} missing value(s): every row needs an "
            "identifier. Fill them in or remove those rows.",
            column=field,
        )
    duplicated = int(values.duplicated().sum())
    if duplicated:
        raise InvalidDataError(
            f"The primary key {table}.{field} has {duplicated} duplicated value(s): identifiers "
            "must be unique. Fix the duplicates or choose another primary key.",
            column=field,
        )


def _table_seed(seed: int | None, table: str) -> np.random.SeedSequence:
    if seed is None:
        return np.random.SeedSequence()
    # The table name enters the seed so that tables of equal length get different orders.
    return np.random.SeedSequence([int(seed) % 2**64, *table.encode("utf-8")])


def _new_keys(
    table: str, frame: pd.DataFrame, field: str, seed: np.random.SeedSequence
) -> pd.Series:
    """Old key -> new key for one table."""
    old = frame[field]
    fresh = np.random.default_rng(seed).permutation(len(old))
    values: pd.Series
    if pd.api.types.is_numeric_dtype(old.dtype) and not pd.api.types.is_bool_dtype(old.dtype):
        values = pd.Series(fresh.astype(np.int64))
    else:
        values = pd.Series(fresh.astype(str), dtype=object)
    return pd.Series(values.to_numpy(), index=pd.Index(old.to_numpy()), name=f"{table}.{field}")


def _check_references(
    table: str, field: str, to_table: str, source: pd.Series, mapping: pd.Series
) -> None:
    present = source.notna()
    unknown = present & ~source.isin(mapping.index)
    count = int(unknown.sum())
    if count:
        first = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InvalidDataError(
            f"{count} value(s) of the foreign key {table}.{field} (first at row {first}) do not "
            f"match any primary key of {to_table!r}. Every {table}.{field} must reference an "
            f"existing {to_table} row (or be empty).",
            column=field,
        )


def _mapped(source: pd.Series, mapping: pd.Series) -> pd.Series:
    """``source`` through ``mapping``; values without a match (only missing ones) stay missing."""
    mapped = source.map(mapping)
    if pd.api.types.is_numeric_dtype(mapping.dtype):
        return mapped.astype("Int64" if mapped.isna().any() else "int64")
    return mapped.astype(object)
