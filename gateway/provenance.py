"""Per-field source provenance: which system said this value, which record, which field, when
it was fetched, whether from cache and how old, which rule chose it, and which systems disagree.

Every record-backed object of the schema keeps its :class:`~model.records.Record` (and every
settled attribute its survivorship :class:`~gateway.survivorship.Choice`); a provenance entry is
built from those only when asked for, so recording costs nothing beyond keeping references.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from gateway.customer_fields import IDENTIFIER_FIELDS
from gateway.recorded import FetchInfo
from gateway.survivorship import Choice
from model.jsonable import jsonable
from model.records import Record
from model.timestamps import age_seconds, iso_utc

__all__ = ["Conflict", "LinkedBy", "Provenance", "derived", "from_choice", "from_record"]


@dataclass(frozen=True, slots=True)
class Conflict:
    source: str
    record: str
    value: Any
    same_when_normalised: bool = False  # only written differently (case, spaces, format)


@dataclass(frozen=True, slots=True)
class LinkedBy:
    """How a value's record joined the customer, where the identity model linked it: the
    model's version and the link's probability (its waterfall is in ``identities``)."""

    rule: str
    model_version: str
    probability: float

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "modelVersion": self.model_version,
            "probability": self.probability,
        }


@dataclass(frozen=True, slots=True)
class Provenance:
    source: str | None
    record: str | None
    entity: str | None = None
    field: str | None = None
    fetched_at: float | None = None
    cache: str | None = None
    rule: str | None = None
    conflicts: tuple[Conflict, ...] = ()
    sources: tuple[tuple[str, str], ...] = ()  # contributing (source, record) of a derived value
    derived: bool = False
    inherited: bool = False  # a field of a record whose entry sits on the enclosing object
    linked_by: LinkedBy | None = None  # the winning record was linked by the identity model

    def of_field(self) -> Provenance:
        """This record's entry for one of its fields, the rest inherited from the object's."""
        return Provenance(None, None, self.entity, self.field, inherited=True)

    def of_object(self) -> Provenance:
        return Provenance(self.source, self.record, self.entity, None, self.fetched_at, self.cache)

    def age(self, now: float) -> float | None:
        """Seconds since the source answered, at ``now`` (Unix time, from the runtime's clock)."""
        if self.fetched_at is None:
            return None
        return age_seconds(self.fetched_at, now)

    def as_json(self, now: float) -> dict[str, Any]:
        """The wire form of an entry of ``extensions.provenance``."""
        if self.inherited:
            return {"field": self.field} if self.field is not None else {}
        if self.derived:
            return {
                "derived": True,
                "sources": [{"source": s, "record": r} for s, r in self.sources],
            }
        out: dict[str, Any] = {"source": self.source, "record": self.record}
        if self.field is not None:
            out["field"] = self.field
        if self.fetched_at is not None:
            out["fetchedAt"] = iso_utc(self.fetched_at)
            out["ageSeconds"] = self.age(now)
        out["cache"] = self.cache or "miss"
        if self.rule is not None:
            out["rule"] = self.rule
            out["conflicts"] = [_conflict(c) for c in self.conflicts]
        if self.linked_by is not None:
            out["linkedBy"] = self.linked_by.as_json()
        return out


Infos = dict[tuple[str, str, str], FetchInfo]


def from_record(record: Record, canonical: str | None, infos: Infos) -> Provenance:
    """``canonical`` may join fields with ``+`` (a full name shown from given and family)."""
    info = infos.get((record.source, record.entity, record.key))
    parts = [record.source_fields.get(c) for c in canonical.split("+")] if canonical else []
    source_field = "+".join(p for p in parts if p) or None
    return Provenance(
        source=record.source,
        record=record.key,
        entity=record.entity,
        field=source_field,
        fetched_at=info.fetched_at if info else None,
        cache=info.cache if info else None,
    )


def from_choice(choice: Choice, canonical: str | None, infos: Infos) -> Provenance:
    """A settled attribute: the winning record, the rule, and every other value held. Values
    that only differ in how they are written (``Ann@X.com`` / ``ann@x.com``) are listed too,
    as the system holds them: they agree once normalised, but a data steward wants to know."""
    base = from_record(choice.record, canonical, infos)
    conflicts = [
        Conflict(c.record.source, c.record.key, jsonable(_shown(c.value, canonical)))
        for c in choice.losers
    ]
    if canonical in IDENTIFIER_FIELDS:
        shown = _raw(choice.record, canonical)
        conflicts += [
            Conflict(r.source, r.key, _raw(r, canonical), same_when_normalised=True)
            for r in choice.agreeing
            if r is not choice.record and _raw(r, canonical) != shown
        ]
    return Provenance(
        source=base.source,
        record=base.record,
        entity=base.entity,
        field=base.field,
        fetched_at=base.fetched_at,
        cache=base.cache,
        rule=choice.rule,
        conflicts=tuple(conflicts),
    )


def _conflict(conflict: Conflict) -> dict[str, Any]:
    out = {"source": conflict.source, "record": conflict.record, "value": conflict.value}
    if conflict.same_when_normalised:
        out["sameWhenNormalised"] = True
    return out


def _raw(record: Record, canonical: str) -> str:
    return str(record.data.get(canonical, "")).strip()


_ATTRIBUTES = {
    "given_name": "given",
    "family_name": "family",
    "full_name": "full",
    "address_line1": "line1",
    "address_line2": "line2",
}


def _shown(value: Any, canonical: str | None) -> Any:
    """A losing value as the conflict shows it: the part of a whole (a name, an address) that
    the field is about."""
    if canonical and dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = [getattr(value, _ATTRIBUTES.get(c, c), None) for c in canonical.split("+")]
        shown = [str(p) for p in parts if p is not None]
        return " ".join(shown) if shown else None
    return value


def derived(records: list[Record] | None = None) -> Provenance:
    """A value the gateway computed: from these records, or from none (a cursor, a count)."""
    pairs = tuple(dict.fromkeys((r.source, r.key) for r in records or ()))
    return Provenance(source=None, record=None, sources=pairs, derived=True)
