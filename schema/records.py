"""Raw source records as GraphQL types: what one system holds, mapped to canonical names."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from model.jsonable import jsonable
from model.records import Record

__all__ = ["RecordField", "SourceRecord"]


@strawberry.type(description="One canonical field of a source record.")
class RecordField:
    name: str = strawberry.field(description="The canonical field name.")
    value: JSON = strawberry.field(description="The value as the source holds it.")
    source_field: str = strawberry.field(description="The source's own name for the field.")
    record: strawberry.Private[Record]

    def provenance_field(self, name: str) -> str | None:
        return self.name


@strawberry.type(description="One record of one source system, mapped to canonical field names.")
class SourceRecord:
    source: str
    entity: str
    key: str = strawberry.field(description="The record's identifier in its own system.")
    updated_at: datetime | None = strawberry.field(
        description="The record's last-update time, where the system keeps one."
    )
    fields: list[RecordField]
    data: JSON = strawberry.field(description="The canonical fields as one object.")
    record: strawberry.Private[Record]

    @classmethod
    def of(cls, record: Record) -> SourceRecord:
        data = {name: jsonable(value) for name, value in record.data.items()}
        return cls(
            source=record.source,
            entity=record.entity,
            key=record.key,
            updated_at=record.updated_at,
            fields=[
                RecordField(
                    name=name, value=value, source_field=record.source_fields[name], record=record
                )
                for name, value in data.items()
            ],
            data=cast(JSON, data),
            record=record,
        )
