"""How a customer was put together: each linked record and why it was linked."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from strawberry.scalars import JSON

from gateway.identity import Identity, Link
from gateway.provenance import Provenance
from model.records import Record

__all__ = [
    "ComparisonPart",
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


@strawberry.type(
    description="One comparison's part in a match weight: the level the two records met and"
    " the weight it adds (log2 of m/u; negative counts against)."
)
class ComparisonPart:
    comparison: str
    level: str = strawberry.field(
        description="`exact`, `nickname`, `swapped`, `levenshtein:1`, `jaro_winkler:0.92`,"
        " `day_month_swapped`, `same_year`, `else`, or `null` (a value missing: no evidence)."
    )
    weight: float
    term_frequency: float = strawberry.field(
        description="The part of `weight` due to how common the shared value is."
    )


@strawberry.type(description="Why a record was linked to the customer.")
class MatchInfo:
    rule: str = strawberry.field(
        description="`seed` (where the search started), `identifier`, `fuzzy:<rule>`, or"
        " `model` (scored by the matching model)."
    )
    identifier: str | None = strawberry.field(
        description="The identifier kind (email, phone...), or the blocking look-up that"
        " found a `model` link."
    )
    value: str | None = strawberry.field(description="The normalised identifier value.")
    score: float | None = strawberry.field(
        description="The score of a fuzzy rule; the match probability of a `model` link."
    )
    weight: float | None = strawberry.field(
        description="A `model` link's match weight: `prior` plus every comparison's weight."
    )
    probability: float | None = strawberry.field(
        description="A `model` link's match probability: 2^weight / (1 + 2^weight)."
    )
    prior: float | None = strawberry.field(
        description="The weight before any comparison: how likely a candidate is one person."
    )
    comparisons: list[ComparisonPart] = strawberry.field(
        description="A `model` link's waterfall, against the record named by `via`."
    )
    model_version: str | None = strawberry.field(description="The matching model's version.")
    record: strawberry.Private[Record]

    @classmethod
    def of(cls, link: Link) -> MatchInfo:
        m, waterfall = link.match, link.match.waterfall
        return cls(
            rule=m.rule,
            identifier=m.identifier,
            value=m.value,
            score=m.score,
            weight=round(waterfall.weight, 4) if waterfall else None,
            probability=waterfall.probability if waterfall else None,
            prior=round(waterfall.prior, 4) if waterfall else None,
            comparisons=[
                ComparisonPart(
                    comparison=p.comparison,
                    level=p.level,
                    weight=round(p.weight, 4),
                    term_frequency=round(p.term_frequency, 4),
                )
                for p in (waterfall.parts if waterfall else ())
            ],
            model_version=waterfall.model_version if waterfall else None,
            record=link.record,
        )


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
            matched_by=MatchInfo.of(link),
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
    def of(cls, found: Provenance, now: float) -> FieldProvenance:
        return cls(
            source=found.source,
            record=found.record,
            field=found.field,
            fetched_at=datetime.fromtimestamp(found.fetched_at, UTC) if found.fetched_at else None,
            cache=found.cache or "miss",
            age_seconds=found.age(now),
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
