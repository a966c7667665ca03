"""How a customer was put together: each linked record and why it was linked."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from strawberry.scalars import JSON

from gateway.identity import Identity, Link
from gateway.provenance import Provenance
from model.records import Record

__all__ = [
    "ConflictInfo",
    "FieldProvenance",
    "MatchInfo",
    "Resolution",
    "SourceIdentity",
    "SourceRef",
]


@strawberry.type(description="One record of one source.")
class SourceRef:
    source: str
    key: str


@strawberry.type(description="Why a record was linked to the customer.")
class MatchInfo:
    rule: str = strawberry.field(
        description="`seed` (where the search started), `identifier`, or `fuzzy:<rule>`."
    )
    identifier: str | None = strawberry.field(description="The identifier kind: email, phone...")
    value: str | None = strawberry.field(description="The normalised identifier value.")
    score: float | None = strawberry.field(description="The score of a fuzzy rule.")
    record: strawberry.Private[Record]


@strawberry.type(description="One linked source record of the customer.")
class SourceIdentity:
    source: str
    entity: str
    key: str
    matched_by: MatchInfo
    via: SourceRef | None = strawberry.field(
        description="The record whose identifier led to this one."
    )
    record: strawberry.Private[Record]

    @classmethod
    def of(cls, link: Link) -> SourceIdentity:
        m = link.match
        return cls(
            source=link.record.source,
            entity=link.record.entity,
            key=link.record.key,
            matched_by=MatchInfo(
                rule=m.rule,
                identifier=m.identifier,
                value=m.value,
                score=m.score,
                record=link.record,
            ),
            via=SourceRef(source=m.via[0], key=m.via[1]) if m.via else None,
            record=link.record,
        )


@strawberry.type(description="Whether identity resolution finished, and what it noted.")
class Resolution:
    complete: bool = strawberry.field(
        description="False when a bound (rounds, records) stopped the search early."
    )
    notes: list[str]
    unavailable_sources: list[str]
    rounds: int = strawberry.field(description="Expansion rounds run after the seed.")

    @classmethod
    def of(cls, identity: Identity) -> Resolution:
        return cls(
            rounds=identity.rounds,
            complete=identity.complete,
            notes=list(identity.notes),
            unavailable_sources=sorted(identity.failed),
        )


@strawberry.type(description="A value another system holds, which lost to the one shown.")
class ConflictInfo:
    source: str
    record: str
    value: JSON
    same_when_normalised: bool = strawberry.field(
        description="The values agree once normalised; only the writing differs (case, format)."
    )


@strawberry.type(description="Where a value came from: system, record, field, time, cache.")
class FieldProvenance:
    source: str | None
    record: str | None
    field: str | None = strawberry.field(description="The source's own field name.")
    fetched_at: datetime | None
    cache: str = strawberry.field(description="miss (fetched for this request), hit, or stale.")
    age_seconds: float | None
    rule: str | None = strawberry.field(description="The survivorship rule that chose it.")
    conflicts: list[ConflictInfo]

    @classmethod
    def of(cls, found: Provenance) -> FieldProvenance:
        return cls(
            source=found.source,
            record=found.record,
            field=found.field,
            fetched_at=datetime.fromtimestamp(found.fetched_at, UTC) if found.fetched_at else None,
            cache=found.cache or "miss",
            age_seconds=found.age(),
            rule=found.rule,
            conflicts=[
                ConflictInfo(
                    source=c.source,
                    record=c.record,
                    value=c.value,
                    same_when_normalised=c.same_when_normalised,
                )
                for c in found.conflicts
            ],
        )
