"""Pseudonymization strategies for identifier columns, under the established client's names.

A column given a strategy in ``runner.set_parameters(table, pseudonymized_columns={...})`` is
kept out of the avatarization and replaced in the shared avatars by pseudonyms. A foreign key
that references a pseudonymized primary key gets the same pseudonyms, so joins still work.

- :class:`FakeDataStrategy`: realistic fake values of one :class:`PiiType`, in a locale.
- :class:`HashSha256Strategy`: hex SHA-256 of ``salt + value`` (random salt per run if none).
- :class:`Uuid4Strategy`: a random UUID version 4.
- :class:`ConstantStrategy`: one fixed text for every row.
- :class:`IntegerStrategy`: integers 1..m in a random order, one per distinct value.
- :class:`SpecificIdStrategy`: IDs from a pattern (``#`` digit, ``?`` letter, ``^`` letter or
  digit, ``{{column}}`` the pseudonym of another column of the row).

Plain mappings in the YAML shape (``{"kind": "FAKER", "pii_type": "EMAIL"}``) are accepted too.

Example:
    >>> strategy_document(FakeDataStrategy(pii_type=PiiType.EMAIL, locale="fr_FR"))
    {'kind': 'FAKER', 'pii_type': 'EMAIL', 'consistent': True, 'high_variability': False, \
'locale': 'fr_FR'}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any, Literal

__all__ = [
    "ConstantStrategy",
    "FakeDataStrategy",
    "HashSha256Strategy",
    "IntegerStrategy",
    "PiiType",
    "PseudonymizationStrategy",
    "SpecificIdLetterCase",
    "SpecificIdStrategy",
    "Uuid4Strategy",
    "strategy_document",
]

KINDS = ("FAKER", "HASH_SHA256", "UUID4", "CONSTANT", "INTEGER", "SPECIFIC_ID")
_FIELDS = {
    "kind", "pii_type", "locale", "high_variability", "salt", "value", "pattern",
    "letter_case", "consistent",
}


class PiiType(StrEnum):
    """The kind of fake value a :class:`FakeDataStrategy` produces."""

    EMAIL = "EMAIL"
    FIRST_NAME = "FIRST_NAME"
    LAST_NAME = "LAST_NAME"
    FULL_NAME = "FULL_NAME"
    PHONE = "PHONE"
    SSN = "SSN"
    ADDRESS = "ADDRESS"
    FREE_TEXT = "FREE_TEXT"


class SpecificIdLetterCase(StrEnum):
    """Letters drawn for ``?`` in a :class:`SpecificIdStrategy` pattern."""

    UPPER = "upper"
    LOWER = "lower"
    BOTH = "both"


@dataclass(frozen=True)
class FakeDataStrategy:
    """Realistic fake values of one kind (e-mail, name, phone, address...), locale-aware.

    Attributes:
        pii_type: the kind of value.
        consistent: equal values get equal fakes (``False``: a fresh fake per row).
        high_variability: one fresh fake per distinct value instead of a shared pool.
        locale: Faker locale, e.g. ``fr_FR``.

    Example:
        >>> FakeDataStrategy(pii_type=PiiType.PHONE, locale="de_DE").kind
        'FAKER'
    """

    pii_type: PiiType | str
    consistent: bool = True
    high_variability: bool = False
    locale: str = "en_US"
    kind: Literal["FAKER"] = "FAKER"


@dataclass(frozen=True)
class HashSha256Strategy:
    """Hex SHA-256 digest of ``salt + value``; the salt is random per run unless given.

    Example:
        >>> HashSha256Strategy(salt="pepper").kind
        'HASH_SHA256'
    """

    salt: str | None = None
    kind: Literal["HASH_SHA256"] = "HASH_SHA256"


@dataclass(frozen=True)
class Uuid4Strategy:
    """A random UUID version 4 per distinct value (``consistent=False``: per row).

    Example:
        >>> Uuid4Strategy().kind
        'UUID4'
    """

    consistent: bool = True
    kind: Literal["UUID4"] = "UUID4"


@dataclass(frozen=True)
class ConstantStrategy:
    """The same text for every row.

    Example:
        >>> ConstantStrategy(value="REDACTED").value
        'REDACTED'
    """

    value: str
    kind: Literal["CONSTANT"] = "CONSTANT"


@dataclass(frozen=True)
class IntegerStrategy:
    """Integers in a random order, one per distinct value (``consistent=False``: per row).

    Example:
        >>> IntegerStrategy().kind
        'INTEGER'
    """

    consistent: bool = True
    kind: Literal["INTEGER"] = "INTEGER"


@dataclass(frozen=True)
class SpecificIdStrategy:
    """IDs built from a pattern such as ``"EMP-####"`` or ``"{{site}}-???##"``.

    Example:
        >>> SpecificIdStrategy(pattern="P-###", letter_case=SpecificIdLetterCase.UPPER).kind
        'SPECIFIC_ID'
    """

    pattern: str
    letter_case: SpecificIdLetterCase | str = SpecificIdLetterCase.BOTH
    consistent: bool = True
    kind: Literal["SPECIFIC_ID"] = "SPECIFIC_ID"


PseudonymizationStrategy = (
    FakeDataStrategy
    | HashSha256Strategy
    | Uuid4Strategy
    | ConstantStrategy
    | IntegerStrategy
    | SpecificIdStrategy
)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def strategy_document(strategy: Any) -> dict[str, Any]:
    """The YAML mapping of a strategy object (any class with these fields) or of a mapping.

    Args:
        strategy: a strategy of this module, of the established client, or a mapping with
            ``kind``.

    Returns:
        ``{"kind": ..., ...}`` without the fields left unset.

    Raises:
        ValueError: no ``kind``, an unknown kind, or a field no strategy has.

    Example:
        >>> strategy_document({"kind": "CONSTANT", "value": "x"})
        {'kind': 'CONSTANT', 'value': 'x'}
    """
    if isinstance(strategy, Mapping):
        raw = dict(strategy)
    elif dataclasses.is_dataclass(strategy) and not isinstance(strategy, type):
        raw = dataclasses.asdict(strategy)
    else:
        raise ValueError(
            f"A pseudonymization strategy must be a strategy object (FakeDataStrategy, ...) or "
            f"a mapping with 'kind', got {strategy!r}."
        )
    kind = str(_plain(raw.get("kind", "")))
    if kind not in KINDS:
        raise ValueError(f"Unknown pseudonymization kind {kind!r}; use one of {list(KINDS)}.")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise ValueError(f"Unknown fields {unknown} in the {kind} pseudonymization strategy.")
    document = {"kind": kind}
    document.update(
        {key: _plain(value) for key, value in raw.items() if key != "kind" and value is not None}
    )
    return document
