"""Pseudonyms for identifier columns: fake data, salted hashes, UUIDs, constants, integers, IDs.

Columns that identify a person directly (names, e-mails, phone numbers, record numbers) are not
avatarized: they are replaced by pseudonyms in the tables that are shared. Each column gets a
:class:`PseudonymizationStrategy`:

- ``FAKER``: realistic fake values of one kind (:class:`PiiType`), in a chosen locale (Faker).
- ``HASH_SHA256``: hex SHA-256 of ``salt + value``; the salt is random per run unless given.
- ``UUID4``: a random UUID version 4.
- ``CONSTANT``: one fixed text for every row.
- ``INTEGER``: the integers 1..m in a random order, one per distinct value.
- ``SPECIFIC_ID``: an ID built from a pattern (``#`` digit, ``?`` letter, ``^`` letter or digit,
  ``{{column}}`` the pseudonym of another column of the row, ``\\`` before a character keeps it
  as is).

``consistent=True`` (the default) maps equal values to equal pseudonyms; a foreign key gets the
pseudonyms of the primary key it references, so joins between the shared tables still work.

Example:
    >>> import pandas as pd
    >>> people = pd.DataFrame({"id": [1, 2], "email": ["a@x.org", "b@x.org"]})
    >>> visits = pd.DataFrame({"person": [2, 2, 1]})
    >>> out = pseudonymize_tables(
    ...     {"people": people, "visits": visits},
    ...     {"people": {"id": PseudonymizationStrategy("SPECIFIC_ID", pattern="P-###"),
    ...                 "email": PseudonymizationStrategy("FAKER", pii_type=PiiType.EMAIL)}},
    ...     links=[("visits", "person", "people", "id")], seed=0)
    >>> set(out["visits"]["person"]) == set(out["people"]["id"])
    True
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from avatar_engine.errors import InvalidDataError, InvalidParameterError

__all__ = [
    "PiiType",
    "PseudonymizationStrategy",
    "SpecificIdLetterCase",
    "StrategyKind",
    "pseudonymize_tables",
    "referenced_columns",
]

_POOL_SIZE = 1000
_MAX_TRIES = 50


class StrategyKind(StrEnum):
    """How a column's values are replaced."""

    FAKER = "FAKER"
    HASH_SHA256 = "HASH_SHA256"
    UUID4 = "UUID4"
    CONSTANT = "CONSTANT"
    INTEGER = "INTEGER"
    SPECIFIC_ID = "SPECIFIC_ID"


class PiiType(StrEnum):
    """The kind of fake value a ``FAKER`` strategy produces."""

    EMAIL = "EMAIL"
    FIRST_NAME = "FIRST_NAME"
    LAST_NAME = "LAST_NAME"
    FULL_NAME = "FULL_NAME"
    PHONE = "PHONE"
    SSN = "SSN"
    ADDRESS = "ADDRESS"
    FREE_TEXT = "FREE_TEXT"


class SpecificIdLetterCase(StrEnum):
    """Letters drawn for ``?`` in a ``SPECIFIC_ID`` pattern."""

    UPPER = "upper"
    LOWER = "lower"
    BOTH = "both"


_FAKER_METHODS: dict[PiiType, str] = {
    PiiType.EMAIL: "email",
    PiiType.FIRST_NAME: "first_name",
    PiiType.LAST_NAME: "last_name",
    PiiType.FULL_NAME: "name",
    PiiType.PHONE: "phone_number",
    PiiType.SSN: "ssn",
    PiiType.ADDRESS: "address",
    PiiType.FREE_TEXT: "paragraph",
}
_LETTERS = {
    SpecificIdLetterCase.UPPER: string.ascii_uppercase,
    SpecificIdLetterCase.LOWER: string.ascii_lowercase,
    SpecificIdLetterCase.BOTH: string.ascii_letters,
}
_REFERENCE = re.compile(r"\{\{([^{}]+)\}\}")


@dataclass(frozen=True)
class PseudonymizationStrategy:
    """How one column is pseudonymized (see the module docstring for the kinds).

    Attributes:
        kind: the strategy.
        pii_type: kind of fake value (``FAKER``).
        locale: Faker locale of the fake values, e.g. ``fr_FR`` (``FAKER``).
        high_variability: one fresh fake value per distinct value, never shared (``FAKER``);
            otherwise values are drawn from a pool of fakes, faster, and may collide.
        salt: secret prefixed to each value before hashing (``HASH_SHA256``); a random salt per
            run when not given (the hashes then cannot be recomputed from a list of candidates).
        value: the replacement text (``CONSTANT``).
        pattern: the ID pattern (``SPECIFIC_ID``).
        letter_case: letters drawn for ``?`` (``SPECIFIC_ID``).
        consistent: equal values get equal pseudonyms (``False``: one pseudonym per row).

    Example:
        >>> PseudonymizationStrategy("HASH_SHA256", salt="pepper").kind
        <StrategyKind.HASH_SHA256: 'HASH_SHA256'>
    """

    kind: StrategyKind | str
    pii_type: PiiType | str | None = None
    locale: str = "en_US"
    high_variability: bool = False
    salt: str | None = None
    value: str | None = None
    pattern: str | None = None
    letter_case: SpecificIdLetterCase | str = SpecificIdLetterCase.BOTH
    consistent: bool = True

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", StrategyKind(self.kind))
        except ValueError:
            raise InvalidParameterError(
                "pseudonymization",
                f"Unknown pseudonymization kind {self.kind!r}; use one of "
                f"{[k.value for k in StrategyKind]}.",
            ) from None
        if self.kind is StrategyKind.FAKER:
            try:
                object.__setattr__(self, "pii_type", PiiType(str(self.pii_type)))
            except ValueError:
                raise InvalidParameterError(
                    "pseudonymization",
                    f"A FAKER strategy needs pii_type, one of {[p.value for p in PiiType]}; "
                    f"got {self.pii_type!r}.",
                ) from None
            _faker(self.locale, None)
        if self.kind is StrategyKind.CONSTANT and self.value is None:
            raise InvalidParameterError("pseudonymization", "A CONSTANT strategy needs value.")
        if self.kind is StrategyKind.SPECIFIC_ID:
            if not self.pattern:
                raise InvalidParameterError(
                    "pseudonymization", "A SPECIFIC_ID strategy needs a non-empty pattern."
                )
            object.__setattr__(self, "letter_case", SpecificIdLetterCase(str(self.letter_case)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description, without the salt (a secret).

        Example:
            >>> PseudonymizationStrategy("UUID4").to_dict()
            {'kind': 'UUID4', 'consistent': True}
        """
        out: dict[str, Any] = {"kind": StrategyKind(self.kind).value}
        if self.kind is StrategyKind.FAKER:
            out.update(pii_type=str(self.pii_type), locale=self.locale,
                       high_variability=self.high_variability)
        elif self.kind is StrategyKind.HASH_SHA256:
            out["salted"] = "given" if self.salt is not None else "random per run"
        elif self.kind is StrategyKind.CONSTANT:
            out["value"] = self.value
        elif self.kind is StrategyKind.SPECIFIC_ID:
            out.update(pattern=self.pattern, letter_case=str(self.letter_case))
        if self.kind not in (StrategyKind.HASH_SHA256, StrategyKind.CONSTANT):
            out["consistent"] = self.consistent
        return out


def referenced_columns(strategy: PseudonymizationStrategy) -> list[str]:
    """Columns named by ``{{column}}`` in a ``SPECIFIC_ID`` pattern.

    Example:
        >>> referenced_columns(PseudonymizationStrategy("SPECIFIC_ID", pattern="{{site}}-##"))
        ['site']
    """
    if strategy.kind is not StrategyKind.SPECIFIC_ID or not strategy.pattern:
        return []
    return _REFERENCE.findall(strategy.pattern)


def pseudonymize_tables(
    tables: Mapping[str, pd.DataFrame],
    strategies: Mapping[str, Mapping[str, PseudonymizationStrategy]],
    links: Sequence[tuple[str, str, str, str]] = (),
    seed: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Replace the values of the chosen columns by pseudonyms, links kept.

    A column joined by a link ``(table, field, to_table, to_field)`` to a pseudonymized column
    gets the same pseudonyms for the same values (a foreign key needs no strategy of its own).
    Missing values stay missing.

    Args:
        tables: table name -> DataFrame (not modified).
        strategies: table name -> column -> strategy.
        links: ``table.field`` references ``to_table.to_field``.
        seed: same seed, same pseudonyms (except random salts).

    Returns:
        Table name -> new DataFrame (every input table).

    Raises:
        InvalidParameterError: a strategy names an unknown table or column, a linked column has
            a non-consistent strategy, two linked columns have different strategies, or a
            pattern cannot make enough distinct IDs.
        InvalidDataError: a pattern references a column that is missing.

    Example:
        >>> out = pseudonymize_tables({"t": pd.DataFrame({"n": ["x", "y", "x"]})},
        ...                           {"t": {"n": PseudonymizationStrategy("INTEGER")}}, seed=1)
        >>> bool(out["t"]["n"].iloc[0] == out["t"]["n"].iloc[2])
        True
    """
    for table, columns in strategies.items():
        if table not in tables:
            raise InvalidParameterError(
                "pseudonymized_columns", f"Pseudonymization is set on unknown table {table!r}."
            )
        for column in columns:
            if column not in tables[table].columns:
                raise InvalidParameterError(
                    "pseudonymized_columns",
                    f"Table {table!r} has no column {column!r} to pseudonymize.",
                )
    groups = _linked_groups(strategies, links)
    result = {name: frame.copy() for name, frame in tables.items()}
    rng_root = np.random.SeedSequence(None if seed is None else int(seed) % 2**64)
    children = rng_root.spawn(len(groups))
    pending = list(zip(groups, children, strict=True))
    while pending:
        progressed = False
        for item in list(pending):
            (members, strategy), child = item
            needs = {(members[0][0], c) for c in referenced_columns(strategy)}
            if any(n in _all_members(pending, exclude=item) for n in needs):
                continue
            _apply_group(result, tables, members, strategy, np.random.default_rng(child))
            pending.remove(item)
            progressed = True
        if not progressed:
            raise InvalidParameterError(
                "pseudonymized_columns", "SPECIFIC_ID patterns reference each other in a cycle."
            )
    return result


# --------------------------------------------------------------------------- grouping


def _all_members(
    pending: Iterable[tuple[tuple[list[tuple[str, str]], PseudonymizationStrategy], Any]],
    exclude: Any,
) -> set[tuple[str, str]]:
    return {m for item in pending if item is not exclude for m in item[0][0]}


def _linked_groups(
    strategies: Mapping[str, Mapping[str, PseudonymizationStrategy]],
    links: Sequence[tuple[str, str, str, str]],
) -> list[tuple[list[tuple[str, str]], PseudonymizationStrategy]]:
    """Columns joined by links, each group with its one strategy."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(node: tuple[str, str]) -> tuple[str, str]:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for table, field, to_table, to_field in links:
        parent[find((table, field))] = find((to_table, to_field))
    members: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for node in list(parent) + [(t, c) for t, cols in strategies.items() for c in cols]:
        members.setdefault(find(node), [])
        if node not in members[find(node)]:
            members[find(node)].append(node)
    groups = []
    for nodes in members.values():
        chosen = {n: strategies[n[0]][n[1]] for n in nodes if n[1] in strategies.get(n[0], {})}
        if not chosen:
            continue
        distinct = set(chosen.values())
        if len(distinct) > 1:
            names = ", ".join(f"{t}.{c}" for t, c in chosen)
            raise InvalidParameterError(
                "pseudonymized_columns",
                f"The linked columns {names} have different strategies; set it on the primary "
                "key only (foreign keys inherit it).",
            )
        strategy = distinct.pop()
        if len(nodes) > 1 and not strategy.consistent:
            raise InvalidParameterError(
                "pseudonymized_columns",
                f"{nodes[0][0]}.{nodes[0][1]} is a linked key: its strategy must be consistent "
                "(consistent: false would break the joins).",
            )
        groups.append((sorted(nodes), strategy))
    return sorted(groups, key=lambda g: g[0])


# --------------------------------------------------------------------------- application


def _apply_group(
    result: dict[str, pd.DataFrame],
    originals: Mapping[str, pd.DataFrame],
    members: list[tuple[str, str]],
    strategy: PseudonymizationStrategy,
    rng: np.random.Generator,
) -> None:
    present = [(t, c) for t, c in members if c in originals[t].columns]
    if strategy.kind is StrategyKind.SPECIFIC_ID and referenced_columns(strategy):
        for table, column in present:
            result[table][column] = _pattern_with_references(
                result[table], originals[table][column], strategy, rng, table
            )
        return
    if strategy.consistent:
        values = pd.concat([originals[t][c] for t, c in present], ignore_index=True)
        distinct = pd.unique(values.dropna())
        fresh = _generate(strategy, len(distinct), rng, distinct)
        mapping = dict(zip(distinct, fresh, strict=True))
        for table, column in present:
            result[table][column] = _mapped(originals[table][column], mapping)
    else:
        for table, column in present:
            source = originals[table][column]
            fresh = _generate(strategy, len(source), rng, source.to_numpy())
            out = pd.Series(fresh, index=source.index, dtype=object)
            result[table][column] = _typed(out.where(source.notna()))


def _mapped(source: pd.Series, mapping: Mapping[Any, Any]) -> pd.Series:
    return _typed(source.map(mapping))


def _typed(series: pd.Series) -> pd.Series:
    numeric = series.dropna().map(lambda v: isinstance(v, int | np.integer)).all()
    if len(series.dropna()) and numeric:
        return series.astype("Int64" if series.isna().any() else "int64")
    return series.astype(object)


def _generate(
    strategy: PseudonymizationStrategy, count: int, rng: np.random.Generator, source: Any
) -> list[Any]:
    """``count`` pseudonyms (distinct when the kind allows and ``consistent`` asks for it)."""
    kind = strategy.kind
    if kind is StrategyKind.CONSTANT:
        return [strategy.value] * count
    if kind is StrategyKind.HASH_SHA256:
        salt = strategy.salt if strategy.salt is not None else secrets.token_hex(16)
        return [hashlib.sha256((salt + _text(v)).encode("utf-8")).hexdigest() for v in source]
    if kind is StrategyKind.UUID4:
        return [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(count)]
    if kind is StrategyKind.INTEGER:
        return [int(v) for v in rng.permutation(count) + 1]
    if kind is StrategyKind.FAKER:
        return _fakes(strategy, count, rng)
    return _pattern_ids(strategy, count, rng, lambda _i: {})


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _faker(locale: str, seed: int | None) -> Any:
    from faker import Faker  # imported here: only runs with a FAKER strategy pay for it

    try:
        fake = Faker(locale)
    except AttributeError:
        raise InvalidParameterError(
            "pseudonymization", f"Unknown Faker locale {locale!r}; use e.g. en_US, fr_FR, de_DE."
        ) from None
    if seed is not None:
        fake.seed_instance(seed)
    return fake


def _fakes(strategy: PseudonymizationStrategy, count: int, rng: np.random.Generator) -> list[str]:
    fake = _faker(strategy.locale, int(rng.integers(2**31)))
    method = _FAKER_METHODS[PiiType(str(strategy.pii_type))]

    def one(source: Any) -> str:
        return str(getattr(source, method)()).replace("\n", ", ")

    if strategy.high_variability:
        seen: set[str] = set()
        out = []
        for _ in range(count):
            value = one(fake)
            tries = 0
            while value in seen and tries < _MAX_TRIES:
                value, tries = one(fake), tries + 1
            if value in seen:  # the provider is exhausted: make it unique, keep its look
                value = f"{value} {len(seen)}"
            seen.add(value)
            out.append(value)
        return out
    pool = [one(fake) for _ in range(min(count, _POOL_SIZE))]
    return [pool[i] for i in rng.integers(len(pool), size=count)] if pool else []


def _pattern_tokens(pattern: str) -> list[tuple[str, str]]:
    """(kind, text) tokens: ``lit``, ``digit``, ``letter``, ``alnum``, ``ref``."""
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            tokens.append(("lit", pattern[i + 1]))
            i += 2
            continue
        match = _REFERENCE.match(pattern, i)
        if match:
            tokens.append(("ref", match.group(1)))
            i = match.end()
            continue
        kinds = {"#": "digit", "?": "letter", "^": "alnum"}
        tokens.append((kinds.get(char, "lit"), char))
        i += 1
    return tokens


def _pattern_ids(
    strategy: PseudonymizationStrategy,
    count: int,
    rng: np.random.Generator,
    references: Callable[[int], Mapping[str, str]],
    unique: bool = True,
) -> list[str]:
    tokens = _pattern_tokens(str(strategy.pattern))
    letters = _LETTERS[SpecificIdLetterCase(str(strategy.letter_case))]
    alphabets = {
        "digit": string.digits,
        "letter": letters,
        "alnum": string.ascii_lowercase + string.digits,
    }
    capacity = 1
    for kind, _ in tokens:
        if kind in alphabets:
            capacity *= len(alphabets[kind])
    must_be_unique = unique and strategy.consistent and not any(k == "ref" for k, _ in tokens)
    if must_be_unique and count > capacity:
        raise InvalidParameterError(
            "pseudonymized_columns",
            f"The pattern {strategy.pattern!r} makes at most {capacity} distinct IDs but "
            f"{count} are needed; add placeholders (#, ?, ^).",
        )

    def draw(row: int) -> str:
        refs = references(row)
        parts = []
        for kind, text in tokens:
            if kind == "lit":
                parts.append(text)
            elif kind == "ref":
                parts.append(refs.get(text, ""))
            else:
                alphabet = alphabets[kind]
                parts.append(alphabet[int(rng.integers(len(alphabet)))])
        return "".join(parts)

    out: list[str] = []
    seen: set[str] = set()
    for row in range(count):
        value = draw(row)
        tries = 0
        while must_be_unique and value in seen and tries < 20 * _MAX_TRIES:
            value, tries = draw(row), tries + 1
        if must_be_unique and value in seen:
            raise InvalidParameterError(
                "pseudonymized_columns",
                f"The pattern {strategy.pattern!r} leaves too few free IDs for {count} values; "
                "add placeholders (#, ?, ^).",
            )
        seen.add(value)
        out.append(value)
    return out


def _pattern_with_references(
    current: pd.DataFrame,
    source: pd.Series,
    strategy: PseudonymizationStrategy,
    rng: np.random.Generator,
    table: str,
) -> pd.Series:
    names = referenced_columns(strategy)
    for name in names:
        if name not in current.columns:
            raise InvalidDataError(
                f"The pattern {strategy.pattern!r} of table {table!r} references column "
                f"{name!r}, which the table does not have.",
                column=name,
            )
    refs = current[names].astype(object).where(current[names].notna(), "")
    rows = zip(source, refs.itertuples(index=False), strict=True)
    keys = [(_text(v), *map(_text, r)) for v, r in rows]
    if strategy.consistent:
        distinct = list(dict.fromkeys(keys))
        ids = _pattern_ids(
            strategy, len(distinct), rng, lambda i: dict(zip(names, distinct[i][1:], strict=True))
        )
        by_key = dict(zip(distinct, ids, strict=True))
        values = [by_key[k] for k in keys]
    else:
        values = _pattern_ids(
            strategy, len(keys), rng, lambda i: dict(zip(names, keys[i][1:], strict=True)),
            unique=False,
        )
    return pd.Series(values, index=source.index, dtype=object).where(source.notna())
