"""How a customer was put together: each linked record and why it was linked."""

from __future__ import annotations

import strawberry

from gateway.identity import Identity, Link

__all__ = ["MatchInfo", "Resolution", "SourceIdentity", "SourceRef"]


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


@strawberry.type(description="One linked source record of the customer.")
class SourceIdentity:
    source: str
    entity: str
    key: str
    matched_by: MatchInfo
    via: SourceRef | None = strawberry.field(
        description="The record whose identifier led to this one."
    )

    @classmethod
    def of(cls, link: Link) -> SourceIdentity:
        m = link.match
        return cls(
            source=link.record.source,
            entity=link.record.entity,
            key=link.record.key,
            matched_by=MatchInfo(
                rule=m.rule, identifier=m.identifier, value=m.value, score=m.score
            ),
            via=SourceRef(source=m.via[0], key=m.via[1]) if m.via else None,
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
