"""Turning one raw row or document of a source into a canonical :class:`Record`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from connectors.base import EntitySpec
from connectors.parsing import parse_fields
from model.records import Record
from model.timestamps import parse_timestamp

logger = logging.getLogger("c360.connectors")

Getter = Callable[[Any, str], Any]


def dotted(document: Any, path: str) -> Any:
    """The value at a dotted path (``address.city``, ``phones.0.number``), or None."""
    current = document
    for part in path.split("."):
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
        if current is None:
            return None
    return current


def flat(row: Any, column: str) -> Any:
    """The value of one column of a flat row."""
    return row.get(column)


def build_record(source: str, spec: EntitySpec, raw: Any, get: Getter = flat) -> Record | None:
    """Map one raw row onto canonical fields; None (and a warning) when it has no key."""
    data: dict[str, Any] = {}
    for canonical, source_field in spec.fields.items():
        value = get(raw, source_field)
        if isinstance(value, str):
            value = value.strip()
        if value is not None and value != "":
            data[canonical] = value
    key = data.get("key")
    if key is None:
        logger.warning("%s: a %s record without its key field was skipped", source, spec.name)
        return None
    data["key"] = str(key)
    if spec.parse:
        parse_fields(source, spec.name, data, spec.parse)
    return Record(
        source=source,
        entity=spec.name,
        key=str(key),
        data=data,
        source_fields=spec.source_fields,
        updated_at=parse_timestamp(data.get("updated_at"), spec.updated_at_format),
    )
