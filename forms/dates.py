"""Dates written the ways legacy systems write them, read into one calendar date.

A source declares its formats (``strptime`` directives); a value must be read by them
without doubt::

    >>> read_date("07/03/1984", ["%d/%m/%Y"])
    datetime.date(1984, 3, 7)
    >>> read_date("19840307", ["%d/%m/%Y", "%Y%m%d"])
    datetime.date(1984, 3, 7)
    >>> read_date("07/03/1984", ["%d/%m/%Y", "%m/%d/%Y"]) is None   # which one? never a guess
    True

Without formats, ISO 8601 (``1984-03-07``, with or without a time) and date objects are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

__all__ = ["check_format", "read_date"]


def check_format(layout: str) -> str:
    """``layout`` when it is a ``strptime`` format with a directive; else ValueError."""
    if "%" not in layout:
        raise ValueError(f"{layout!r} has no % directive (a strptime format such as %d/%m/%Y)")
    try:
        datetime.strptime(datetime(2001, 12, 31, 23, 59).strftime(layout), layout)
    except ValueError as exc:
        raise ValueError(f"{layout!r} is not a strptime format: {exc}") from None
    return layout


def read_date(value: object, formats: Sequence[str] = ()) -> date | None:
    """The date ``value`` stands for; None when no format reads it or two read it as
    different dates."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    if not formats:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            return None
    found: set[date] = set()
    for layout in formats:
        try:
            found.add(datetime.strptime(text, layout).date())
        except ValueError:
            continue
    return found.pop() if len(found) == 1 else None
