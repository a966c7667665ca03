"""Source values -> the scalar types of the schema; a value that cannot be read becomes null."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from model.timestamps import parse_timestamp

__all__ = ["as_date", "as_datetime", "as_decimal", "as_int", "as_str"]


def as_str(value: Any) -> str | None:
    return None if value is None else str(value)


def as_datetime(value: Any) -> datetime | None:
    return parse_timestamp(value)


def as_date(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    stamp = parse_timestamp(value)
    return stamp.date() if stamp else None


def as_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None
