"""Street lines in one standard form: street types and units abbreviated, the house number
split from the street.

Two systems that write one address differently agree once each is in standard form::

    >>> street_form("12 High Street, Apartment 4")
    '12 high st apt 4'
    >>> street_form("Apt. 4, 12 HIGH ST.")
    '12 high st apt 4'
    >>> split_street("221B Baker Street")
    StreetLine(number='221b', street='baker st', unit=None)

The abbreviations come from ``forms/data/streets.txt`` (street types after USPS Publication
28 and Royal Mail usage, unit designators, directions). Only the last word of a street is
read as its type, so ``"St James Street"`` is ``"st james st"`` (``St`` there is Saint).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

from forms.names import plain

__all__ = ["StreetLine", "split_street", "street_form"]

_NUMBER = re.compile(r"^\d+[a-z]?(?:-\d+[a-z]?)?$")
_RANGE = re.compile(r"(\d+[a-z]?)\s*-\s*(\d+[a-z]?)\b")
_LETTER = re.compile(r"\b(\d+)\s?([a-z])\b(?=\s+\w\w+\s+\w)")
_KEPT = re.compile(r"(\d+[a-z]?-\d+[a-z]?|#)")


@dataclass(frozen=True, slots=True)
class StreetLine:
    """One address line in standard form: house number, street and unit (flat, suite)."""

    number: str | None
    street: str
    unit: str | None

    @property
    def form(self) -> str:
        return " ".join(part for part in (self.number, self.street, self.unit) if part)


@dataclass(frozen=True, slots=True)
class _Tables:
    types: dict[str, str]
    units: dict[str, str]
    directions: dict[str, str]


@functools.cache
def _tables() -> _Tables:
    text = (resources.files("forms") / "data" / "streets.txt").read_text(encoding="utf-8")
    tables = _Tables({}, {}, {})
    for line in text.splitlines():
        content = line.strip()
        if not content or content.startswith("#"):  # a comment line ("#" alone is a unit)
            continue
        table = tables.types
        for prefix, chosen in (("unit:", tables.units), ("dir:", tables.directions)):
            if content.startswith(prefix):
                content, table = content[len(prefix) :], chosen
        words = [w.strip() for w in content.split(",")]
        for word in words:
            table[word] = words[0]
    return tables


@functools.lru_cache(maxsize=65536)  # an address is compared with every candidate's
def split_street(text: str) -> StreetLine | None:
    """The parts of one address line; None when there is no street left to compare."""
    tables = _tables()
    number: str | None = None
    unit: str | None = None
    street: list[str] = []
    for chunk in text.split(","):
        words, rest = _words(chunk), []
        i = 0
        while i < len(words):
            designator = tables.units.get(words[i])
            if designator is not None and i + 1 < len(words) and _unit_id(words[i + 1]):
                unit = f"{designator} {words[i + 1]}"
                i += 2
                continue
            rest.append(words[i])
            i += 1
        if number is None and len(rest) > 1 and _NUMBER.match(rest[0]):
            number, rest = rest[0], rest[1:]
        if rest and not street:
            street = rest
        elif unit is None and len(rest) == 1 and _unit_id(rest[0]):
            unit = f"apt {rest[0]}"  # "12 High St, 4": a bare number after the street
    if not street:
        return None
    return StreetLine(number, " ".join(_standard_street(street, tables)), unit)


def street_form(text: str) -> str | None:
    """The standard form of an address line (``"12 high st apt 4"``); None when empty."""
    line = split_street(text)
    return None if line is None else line.form


def _words(chunk: str) -> list[str]:
    """Plain words; a house number keeps its range (``12-14``) and letter (``12a``, ``12 A``)."""
    text = _LETTER.sub(r"\1\2", _RANGE.sub(r"\1-\2", chunk.casefold()))
    words: list[str] = []
    for piece in _KEPT.split(text):
        words += [piece] if _KEPT.fullmatch(piece) else plain(piece).split()
    return words


def _unit_id(word: str) -> bool:
    return any(ch.isdigit() for ch in word) or len(word) == 1


def _standard_street(words: list[str], tables: _Tables) -> list[str]:
    out = [
        tables.directions.get(w, w) if i in (0, len(words) - 1) else w for i, w in enumerate(words)
    ]
    if len(out) > 1:
        last = len(out) - 1
        if out[last] in tables.directions.values() and len(out) > 2:
            last -= 1  # "Main Street North": the type stands before the direction
        out[last] = tables.types.get(out[last], out[last])
    return ["st" if w == "saint" else w for w in out]
