"""A record of one source system, its data already mapped to canonical field names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["Record"]


@dataclass(frozen=True, slots=True)
class Record:
    """One record of one source, its data already mapped to canonical field names.

    ``source_fields`` names, for each canonical field, the source's own field it came from;
    ``updated_at`` is the record's last-update time where the system keeps one.
    """

    source: str
    entity: str
    key: str
    data: Mapping[str, Any]
    source_fields: Mapping[str, str]
    updated_at: datetime | None = None
