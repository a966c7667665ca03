"""How the demo systems check and apply a change, as their own forms would.

Each system refuses a phone number without ten digits and an email without an ``@``, with its
own message; a change sent with the version the sender read is applied only if the record still
has it (the record's update time, which each applied change moves on).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["applied", "next_stamp", "problem"]


def problem(name: str, value: Any) -> str | None:
    """What the system says of a value it refuses, or None."""
    if value is None:
        return None
    text = str(value)
    lowered = name.lower()
    if "phone" in lowered and sum(ch.isdigit() for ch in text) < 10:
        return f"{name}: a phone number needs at least 10 digits"
    if "email" in lowered and "@" not in text:
        return f"{name}: not an email address"
    return None


def next_stamp(previous: Any) -> str:
    """Now, as the system writes times; never equal to the previous one."""
    now = datetime.now(UTC).replace(microsecond=0)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    if stamp == previous:
        stamp = (now + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return stamp


def applied(record: dict[str, Any], changes: dict[str, Any]) -> None:
    """Merge a (nested) change into a record in place."""
    for name, value in changes.items():
        if isinstance(value, dict) and isinstance(record.get(name), dict):
            applied(record[name], value)
        else:
            record[name] = value
