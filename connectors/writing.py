"""Writing a change back into a system, in that system's own conventions (``write:``).

An entity that a system lets c360 change declares which canonical fields it takes, how it
writes them, and which field tells its version::

    person:
      fields: {key: id, phone: phoneNumber, updated_at: lastModified}
      write:
        fields: [phone, email]          # canonical fields this system takes writes of
        format: {phone: national}       # e164 | international | national | digits
        version: updated_at             # written only if the record still holds what was read

Each kind adds how the write travels (a REST method and path, an SQL ``UPDATE``, a SOAP
operation, a GraphQL mutation); a file export is read-only. Values arrive canonical (a phone
in E.164, a date as ISO 8601) and leave in the system's form: ``+12176702732`` becomes
``(217) 670-2732`` for a system that writes national numbers, a date ``1984-03-07`` becomes
``07.03.1984`` for one whose format is ``"%d.%m.%Y"``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field

from connectors.options import Identifier
from forms import check_format
from model.catalogue import CATALOGUE, FieldType
from model.timestamps import parse_timestamp

__all__ = ["PHONE_FORMATS", "Change", "WriteSpec", "nested", "source_value", "write_problems"]

PHONE_FORMATS = {
    "e164": phonenumbers.PhoneNumberFormat.E164,
    "international": phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    "national": phonenumbers.PhoneNumberFormat.NATIONAL,
    "digits": None,  # the national number's digits alone
}


@dataclass(frozen=True, slots=True)
class Change:
    """One record to change in one system.

    ``values`` are canonical (field -> value); ``expected`` is the record's version as the
    system wrote it when c360 read it (None: write unconditionally); ``at`` is when the change
    was asked, for a system whose update time the writer sets itself.
    """

    key: str
    values: Mapping[str, Any]
    expected: str | None = None
    at: datetime | None = None
    current: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


class WriteSpec(BaseModel):
    """What every kind's ``write:`` has: the canonical ``fields`` it takes, their ``format``
    in the system, and the ``version`` field that makes writes conditional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fields: list[Identifier] = Field(min_length=1)
    format: dict[Identifier, str] = Field(default_factory=dict)
    version: Identifier | None = None


def write_problems(
    entity: str, fields: Mapping[str, str], spec: WriteSpec
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """What a ``write:`` says that the entity contradicts: (key path below it, message)."""
    for i, name in enumerate(spec.fields):
        if name == "key":
            yield ("fields", i), "the key identifies the record; it is never written"
        elif name not in fields:
            yield ("fields", i), f"{name!r} is not one of the entity's fields"
    if spec.version is not None and spec.version not in fields:
        yield ("version",), f"{spec.version!r} is not one of the entity's fields"
    catalogue = CATALOGUE.get(entity)
    for name, layout in spec.format.items():
        kind = catalogue.fields.get(name) if catalogue else None
        if name not in spec.fields and name != spec.version:
            yield ("format", name), f"{name!r} is not written (not in fields or version)"
        elif name == "phone":
            if layout not in PHONE_FORMATS:
                yield ("format", name), f"a phone format is one of {', '.join(PHONE_FORMATS)}"
        elif kind in (FieldType.DATE, FieldType.DATETIME):
            try:
                check_format(layout)
            except ValueError as exc:
                yield ("format", name), str(exc)
        else:
            yield ("format", name), "formats are for phones and dates"


def source_value(name: str, value: Any, layout: str | None) -> Any:
    """A canonical value as the system writes it (``layout`` from ``write.format``)."""
    if value is None or layout is None:
        return value.isoformat() if isinstance(value, date) else value
    if name == "phone":
        number = phonenumbers.parse(str(value), "US")
        style = PHONE_FORMATS[layout]
        if style is None:
            return str(number.national_number)
        return phonenumbers.format_number(number, style)
    moment = value if isinstance(value, date) else parse_timestamp(value)
    if moment is None:
        return value
    return moment.strftime(layout)


def nested(paths: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted source paths and their values as one nested document:
    ``{"address.city": "Lyon"}`` -> ``{"address": {"city": "Lyon"}}``."""
    document: dict[str, Any] = {}
    for path, value in paths.items():
        *parents, last = path.split(".")
        node = document
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return document
