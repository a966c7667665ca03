"""What a mutation asks to change, checked before any system is touched, and the linked records
that must take it.

An attribute's new value is checked as identity reads it (an email or a phone goes through the
normaliser that looks records up by it and the standard form matching compares it by: what
identity could not use is refused), then turned
into canonical person fields by the attribute's declaration (``writes`` in
:mod:`gateway.customer_fields`). Each linked record whose entity maps one of those fields holds
the attribute: it is written where its system takes writes of them, and reported
``not_writable`` where it does not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.base import Connector
from gateway.customer_fields import WRITABLE, attribute
from gateway.writeback.outbox import OutboxWrite
from model.jsonable import jsonable
from model.records import Record

__all__ = ["InvalidChange", "fingerprint", "planned", "validated"]

Normalize = Callable[[str, Any], "str | None"]
"""The identity rules' normaliser, or the standard form: ``(field, value) -> form | None``."""

_WRITABLE = {a.name for a in WRITABLE}


class InvalidChange(ValueError):
    """A value refused before any system is touched; ``attribute`` names it."""

    def __init__(self, attribute: str, message: str) -> None:
        super().__init__(f"{attribute}: {message}")
        self.attribute = attribute


@dataclass(frozen=True, slots=True)
class Plan:
    writes: list[OutboxWrite]
    fields: dict[str, Any]


def validated(
    values: Mapping[str, Any], normalize: Normalize, standard: Normalize
) -> dict[str, Any]:
    """The canonical person fields for new attribute values (``{"phone": "(217) 670-2732"}``
    -> ``{"phone": "+12176702732"}``); :class:`InvalidChange` for a value identity would not
    accept, an attribute not writable, or nothing to change."""
    fields: dict[str, Any] = {}
    for name, value in values.items():
        if name not in _WRITABLE:
            raise InvalidChange(name, "is not changed through c360")
        declared = attribute(name)
        if declared.identifier:
            normal = normalize(name, value)
            if normal is None or standard(name, value) is None:
                raise InvalidChange(name, f"not a valid {name}")
            value = normal
        assert declared.writes is not None
        fields.update(declared.writes(value))
    if not fields:
        raise InvalidChange("input", "nothing to change")
    return fields


def fingerprint(operation: str, customer: str, fields: Mapping[str, Any]) -> str:
    """What a request asked, so that an idempotency key reused for another change is caught."""
    text = json.dumps([operation, customer, jsonable(dict(fields))], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def planned(
    records: Sequence[Record],
    fields: Mapping[str, Any],
    sources: Mapping[str, Connector],
) -> list[OutboxWrite]:
    """One write per linked record holding any of ``fields``: ``sending`` where its system
    takes writes of them, ``not_writable`` where it does not."""
    writes: list[OutboxWrite] = []
    for record in records:
        connector = sources.get(record.source)
        spec = connector.entities.get(record.entity) if connector else None
        if connector is None or spec is None:
            continue
        held = [name for name in fields if name in spec.fields]
        if not held:
            continue
        writable = connector.writes(record.entity)
        taken = {name: fields[name] for name in held if name in writable}
        before = {name: jsonable(record.data.get(name)) for name in (taken or held)}
        write_spec = connector.write_spec(record.entity)
        version = write_spec.version if write_spec is not None else None
        expected = record.data.get(version) if version else None
        writes.append(
            OutboxWrite(
                source=record.source,
                entity=record.entity,
                key=record.key,
                changes=jsonable(taken or {name: fields[name] for name in held}),
                before=before,
                expected=str(expected) if expected is not None else None,
                status="sending" if taken else "not_writable",
                code=None if taken else "NOT_WRITABLE",
                message=None if taken else f"{record.source}: not writable here",
            )
        )
    return writes
