"""Values as JSON can carry them, for the wire and for the shared cache."""

from __future__ import annotations

import base64
import dataclasses
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

__all__ = ["jsonable"]


def jsonable(value: Any) -> Any:
    """A source value as JSON can carry it: exact decimals and times as strings."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    return value
