"""Times as the gateway reads and writes them: source timestamps in their many forms, fetch
times as Unix seconds, ages in seconds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

__all__ = ["age_seconds", "iso_utc", "parse_timestamp"]


def parse_timestamp(value: Any, layout: str | None = None) -> datetime | None:
    """A record's update time from the forms legacy systems use; None when it cannot be read.

    Accepts datetimes, dates, ISO 8601 strings (``Z`` included) and Unix epoch seconds or
    milliseconds; with ``layout``, strings are read with ``strptime``. A naive time is UTC.
    """
    parsed: datetime | None
    if layout is not None and isinstance(value, str):
        try:
            parsed = datetime.strptime(value.strip(), layout)
        except ValueError:
            return None
    elif isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        return datetime.fromtimestamp(seconds, tz=UTC)
    elif isinstance(value, str) and value.strip():
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso_utc(seconds: float) -> str:
    """Unix seconds as an ISO 8601 UTC time to the second: ``2026-11-22T10:15:02Z``."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def age_seconds(since: float, now: float) -> float:
    """Seconds from ``since`` to ``now`` (Unix seconds), to a tenth, never negative."""
    return round(max(0.0, now - since), 1)
