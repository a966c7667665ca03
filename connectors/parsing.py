"""How a source writes a field, and reading it into the canonical form (``parse:``).

A legacy system writes a birth date ``07/03/1984`` or ``19840307``, a whole name in one field
``LEE, Ann``, a phone number without its country, a postcode without its space. Each entity
declares, per canonical field, how its source writes it::

    person:
      fields: {key: ID, full_name: NAME, birth_date: DOB, phone: TEL, postcode: PC}
      parse:
        birth_date: ["%d/%m/%Y", "%Y%m%d"]     # one or several strptime formats
        full_name: "{family}, {given}"         # split into given_name, middle_name, family_name
        phone: {region: GB}                    # numbers written without +44
        postcode: {country: GB}                # "sw1a1aa" -> "SW1A 1AA"

A value the declared form cannot read is left out of the record (so out of matching), counted
in ``c360_parse_failures{source, entity, field}``, and never guessed. A split name keeps the
value as written in ``full_name``; its parts name that same source field in provenance.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

from prometheus_client import Counter
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from connectors.matching import normalize_phone
from forms import NamePattern, check_format, postcode, read_date, split_name
from model.catalogue import CATALOGUE, FieldType

__all__ = [
    "NAME_PARTS",
    "PARSE_FAILURES",
    "FieldParse",
    "FieldParseSpec",
    "parse_fields",
    "parse_problems",
    "readable",
    "source_fields",
]

logger = logging.getLogger("c360.connectors")

PARSE_FAILURES = Counter(
    "c360_parse_failures",
    "Values a source wrote that its declared format cannot read: left out of matching.",
    ["source", "entity", "field"],
)

# The canonical fields a whole name in ``full_name`` is split into.
NAME_PARTS = ("given_name", "middle_name", "family_name")

ParseKind = Literal["date", "name", "phone", "postcode"]


def _shorthand(value: Any) -> Any:
    if isinstance(value, str):
        return {"pattern": value} if "{" in value else {"formats": [value]}
    if isinstance(value, list):
        return {"formats": value}
    return value


class FieldParse(BaseModel):
    """How one source writes one canonical field: exactly one of ``formats`` (dates),
    ``pattern`` (a whole name in ``full_name``), ``region`` (phones written without a country
    code) or ``country`` (postcodes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    formats: list[str] = Field(default_factory=list)
    pattern: str | None = None
    region: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")

    @field_validator("formats")
    @classmethod
    def _formats(cls, formats: list[str]) -> list[str]:
        for layout in formats:
            check_format(layout)
        return formats

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            NamePattern.parse(pattern)
        return pattern

    @model_validator(mode="after")
    def _one(self) -> FieldParse:
        given = [
            bool(self.formats),
            self.pattern is not None,
            bool(self.region),
            bool(self.country),
        ]
        if sum(given) != 1:
            raise ValueError("give one of: date formats, a name pattern, region or country")
        return self

    @property
    def kind(self) -> ParseKind:
        if self.formats:
            return "date"
        if self.pattern is not None:
            return "name"
        return "phone" if self.region else "postcode"


FieldParseSpec = Annotated[FieldParse, BeforeValidator(_shorthand)]

_FIELD_OF_KIND = {"name": "full_name", "phone": "phone", "postcode": "postcode"}


def parse_problems(
    entity: str, fields: Mapping[str, str], parse: Mapping[str, FieldParse]
) -> Iterator[tuple[tuple[str, ...], str]]:
    """What one entity's ``parse:`` says that its fields contradict: (key path, message)."""
    canonical = CATALOGUE.get(entity)
    for name, declared in parse.items():
        at = ("parse", name)
        if name not in fields:
            yield at, f"{name!r} is not one of the entity's fields"
        elif declared.kind == "date":
            kind = canonical.fields.get(name) if canonical else None
            if kind not in (FieldType.DATE, FieldType.DATETIME):
                yield at, f"date formats read dates; {name} is not a date"
        elif _FIELD_OF_KIND[declared.kind] != name:
            wanted = _FIELD_OF_KIND[declared.kind]
            what = "a name pattern" if declared.kind == "name" else f"{declared.kind} form"
            yield at, f"{what} is for {wanted}"
        elif declared.kind == "name":
            for part in NAME_PARTS:
                if part in fields:
                    yield at, f"{part} comes from full_name's pattern; do not map it as well"


def source_fields(fields: Mapping[str, str], parse: Mapping[str, FieldParse]) -> dict[str, str]:
    """The source field of every canonical field, the parts of a split name included."""
    found = dict(fields)
    name = parse.get("full_name")
    if name is not None and name.kind == "name" and "full_name" in fields:
        found.update({part: fields["full_name"] for part in NAME_PARTS})
    return found


def parse_fields(
    source: str, entity: str, data: dict[str, Any], parse: Mapping[str, FieldParse]
) -> None:
    """Read each declared field of ``data`` in place; what cannot be read is removed."""
    for name, declared in parse.items():
        value = data.get(name)
        if value is None:
            continue
        if declared.kind == "name":
            parts = split_name(str(value), declared.pattern or "")
            if parts is not None:
                for part, text in zip(
                    NAME_PARTS, (parts.given, parts.middle, parts.family), strict=True
                ):
                    if text:
                        data[part] = text
                continue
        else:
            read = _read(declared, value)
            if read is not None:
                data[name] = read
                continue
        del data[name]
        PARSE_FAILURES.labels(source, entity, name).inc()
        logger.debug(
            "%s: a %s %s its declared format cannot read was left out", source, entity, name
        )


def readable(declared: FieldParse, value: Any) -> bool:
    """Whether ``value`` reads as ``declared`` says (what ``c360 check --probe`` asks)."""
    if declared.kind == "name":
        return split_name(str(value), declared.pattern or "") is not None
    return _read(declared, value) is not None


def _read(declared: FieldParse, value: Any) -> Any:
    if declared.kind == "date":
        return read_date(value, declared.formats)
    if declared.kind == "phone":
        return normalize_phone(str(value), declared.region or "US")
    return postcode(value, declared.country)
