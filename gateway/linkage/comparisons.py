"""Comparisons: how alike two records are on one attribute, as one of a few ordered levels.

Each comparison reads one field of both records, normalises it by its kind, and returns the
first level whose test holds, from the strongest agreement down to ``else`` (they differ).
A value missing on either side is the ``null`` level: no evidence either way.

Kinds and their levels, strongest first::

    name    exact, nickname, swapped, levenshtein:1, jaro_winkler:0.92, levenshtein:2,
            jaro_winkler:0.8, else         (given_name / family_name; swapped = the other part)
    text    exact, levenshtein:1, jaro_winkler:0.92, levenshtein:2, jaro_winkler:0.8, else
    code    exact, levenshtein:1, levenshtein:2, else        (postcodes, numbers, identifiers)
    date    exact, levenshtein:1, day_month_swapped, same_year, else
    exact   exact, else                                       (emails, phones)

Levels are named tests in :data:`TESTS` and value forms in :data:`NORMALISERS`: a config may
list its own levels for a comparison from those names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from rapidfuzz.distance import JaroWinkler, Levenshtein

from connectors.matching import normalize_email, normalize_phone
from forms import NameVariants
from gateway.names import name_of, normalize_name

__all__ = [
    "HOUSEHOLD",
    "KINDS",
    "NORMALISERS",
    "NULL",
    "TESTS",
    "Comparison",
    "ComparisonKind",
    "Prepared",
    "level_test",
]

ComparisonKind = Literal["name", "text", "code", "date", "exact"]
NULL = "null"
ELSE = "else"

KINDS: Mapping[str, tuple[str, ...]] = {
    "name": (
        "exact",
        "nickname",
        "swapped",
        "levenshtein:1",
        "jaro_winkler:0.92",
        "levenshtein:2",
        "jaro_winkler:0.8",
        ELSE,
    ),
    "text": (
        "exact",
        "levenshtein:1",
        "jaro_winkler:0.92",
        "levenshtein:2",
        "jaro_winkler:0.8",
        ELSE,
    ),
    "code": ("exact", "levenshtein:1", "levenshtein:2", ELSE),
    "date": ("exact", "levenshtein:1", "day_month_swapped", "same_year", ELSE),
    "exact": ("exact", ELSE),
}


@dataclass(frozen=True, slots=True)
class Prepared:
    """One record's value for one comparison: its normal form, its formal (nickname-free)
    form, and the other name part (for ``swapped``)."""

    value: str
    formal: str = ""
    other: str = ""
    groups: frozenset[int] = frozenset()  # the name-variant groups of the first given name


# A level's test: the two prepared values, and a memo of the distances measured between them
# (so that two bands of one measure cost one measurement) -> whether they meet that level.
Test = Callable[[Prepared, Prepared, dict[str, float]], bool]
_MAX_EDITS = 3  # Levenshtein distances are measured up to this; further is "far"


def _exact(a: Prepared, b: Prepared, memo: dict[str, float]) -> bool:
    return a.value == b.value


def _nickname(a: Prepared, b: Prepared, memo: dict[str, float]) -> bool:
    return bool(a.formal) and (a.formal == b.formal or bool(a.groups & b.groups))


def _swapped(a: Prepared, b: Prepared, memo: dict[str, float]) -> bool:
    return bool(a.other) and (a.value == b.other or a.other == b.value)


def _levenshtein(limit: int) -> Test:
    def test(a: Prepared, b: Prepared, memo: dict[str, float]) -> bool:
        found = memo.get("levenshtein")
        if found is None:
            found = memo["levenshtein"] = Levenshtein.distance(
                a.value, b.value, score_cutoff=_MAX_EDITS
            )
        return found <= limit

    return test


def _jaro_winkler(floor: float) -> Test:
    def test(a: Prepared, b: Prepared, memo: dict[str, float]) -> bool:
        found = memo.get("jaro_winkler")
        if found is None:
            found = memo["jaro_winkler"] = JaroWinkler.similarity(a.value, b.value)
        return found >= floor

    return test


def _day_month_swapped(a: Prepared, b: Prepared, memo: dict[str, float]) -> bool:
    x, y = a.value, b.value
    return len(x) == len(y) == 8 and x[:4] == y[:4] and x[4:6] == y[6:8] and x[6:8] == y[4:6]


def _same_year(a: Prepared, b: Prepared, memo: dict[str, float]) -> bool:
    return len(a.value) >= 4 and a.value[:4] == b.value[:4]


def _else(a: Prepared, b: Prepared, memo: dict[str, float]) -> bool:
    return True


_FIXED: Mapping[str, Test] = {
    "exact": _exact,
    "nickname": _nickname,
    "swapped": _swapped,
    "day_month_swapped": _day_month_swapped,
    "same_year": _same_year,
    ELSE: _else,
}
_PARAMETRISED: Mapping[str, Callable[[str], Test]] = {
    "levenshtein": lambda arg: _levenshtein(int(arg)),
    "jaro_winkler": lambda arg: _jaro_winkler(float(arg)),
}
TESTS = (*_FIXED, *(f"{name}:<n>" for name in _PARAMETRISED))


def level_test(label: str) -> Test:
    """The test a level label names (``exact``, ``levenshtein:1``, ``jaro_winkler:0.9``...);
    ValueError for an unknown one."""
    if label in _FIXED:
        return _FIXED[label]
    name, _, arg = label.partition(":")
    if name in _PARAMETRISED and arg:
        try:
            return _PARAMETRISED[name](arg)
        except ValueError:
            pass
    raise ValueError(f"unknown level {label!r} (levels: {', '.join(TESTS)})")


# normalisers ------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def _name_value(text: str) -> str:
    return normalize_name(text)


@lru_cache(maxsize=1 << 16)
def _text_value(text: str) -> str:
    return normalize_name(text).replace(" ", "")


def _code_value(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()


def _date_value(text: str) -> str:
    """yyyymmdd from ``1956-04-09``, ``19560409`` or ``09/04/1956`` (day first)."""
    digits = re.sub(r"\D", "", text)
    if len(digits) == 8 and not digits.startswith(("19", "20")) and digits[4:6] in ("19", "20"):
        digits = digits[4:] + digits[2:4] + digits[:2]
    return digits


def _email_value(text: str) -> str:
    return normalize_email(text)


def _phone_value(text: str) -> str:
    return normalize_phone(text) or _code_value(text)


NORMALISERS: Mapping[str, Callable[[str], str]] = {
    "name": _name_value,
    "text": _text_value,
    "code": _code_value,
    "date": _date_value,
    "email": _email_value,
    "phone": _phone_value,
}
# The person fields the members of one household share: agreement on them is evidence of
# the household, not of the person (a comparison's ``household`` says so for other fields).
HOUSEHOLD: frozenset[str] = frozenset(
    {
        "family_name",
        "phone",
        "address_line1",
        "address_line2",
        "postcode",
        "city",
        "region",
        "country",
    }
)
_KIND_NORMALISER = {"name": "name", "text": "text", "code": "code", "date": "date", "exact": "code"}
_NAME_PARTS = {"given_name": "family_name", "family_name": "given_name"}


def _raw(data: Mapping[str, Any], field: str) -> str:
    if field in _NAME_PARTS:
        name = name_of(data)
        part = getattr(name, field.removesuffix("_name"), None) if name else None
        return part or ""
    value = data.get(field)
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    return "" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Comparison:
    """One comparison: a name, the field it reads, its kind, its ordered levels (``null``
    first, implied) and its normaliser."""

    name: str
    field: str
    kind: ComparisonKind
    levels: tuple[str, ...]
    normaliser: str
    term_frequency: bool = False
    household: bool = False  # a value the members of one household share (see HOUSEHOLD)

    @classmethod
    def of(
        cls,
        name: str,
        field: str,
        kind: ComparisonKind,
        levels: Sequence[str] | None = None,
        normaliser: str | None = None,
        term_frequency: bool = False,
        household: bool | None = None,
    ) -> Comparison:
        chosen = tuple(levels or KINDS[kind])
        for label in chosen:
            level_test(label)
        if chosen[-1] != ELSE:
            chosen = (*chosen, ELSE)
        shared = field in HOUSEHOLD if household is None else household
        normal = normaliser or _KIND_NORMALISER[kind]
        return cls(name, field, kind, chosen, normal, term_frequency, shared)

    @property
    def labels(self) -> tuple[str, ...]:
        """Every level, ``null`` included, in the order of their indices."""
        return (NULL, *self.levels)

    def prepare(
        self, data: Mapping[str, Any], variants: NameVariants | None = None
    ) -> Prepared | None:
        """The record's value in comparable form, or None when it has none; ``variants`` are
        the config's name variants (``settings.name_variants``; the shipped tables without)."""
        normalise = NORMALISERS[self.normaliser]
        value = normalise(_raw(data, self.field))
        if not value:
            return None
        if self.kind != "name":
            return Prepared(value)
        first, *_ = value.split()
        formal = first  # compared by forms.NameVariants: equivalent given names agree
        other = self.field in _NAME_PARTS and normalise(_raw(data, _NAME_PARTS[self.field]))
        groups = (variants or NameVariants.built_in()).groups_of(first)
        return Prepared(value, formal, other or "", groups)

    def tests(self) -> list[Test]:
        return [level_test(label) for label in self.levels]

    def level(self, a: Prepared | None, b: Prepared | None, tests: Sequence[Test]) -> int:
        """The index in :attr:`labels` of the level the two values meet (0 is ``null``)."""
        if a is None or b is None:
            return 0
        if tests[0] is _exact and a.value == b.value:
            return 1  # the common case of agreement, without a memo
        memo: dict[str, float] = {}
        for i, test in enumerate(tests, start=1):
            if test(a, b, memo):
                return i
        return len(tests)
