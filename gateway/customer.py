"""One resolved customer: its attributes settled by survivorship, its related records fetched
from every system that holds them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

from gateway.customer_fields import attribute
from gateway.identity import Identity
from gateway.provenance import Infos, LinkedBy, Provenance, from_choice
from gateway.security.scope import in_scope
from gateway.survivorship import Candidate, Choice, pick
from model.records import Record

if TYPE_CHECKING:
    from gateway.context import GatewayContext

__all__ = ["CustomerView"]


class CustomerView:
    def __init__(self, identity: Identity, context: GatewayContext) -> None:
        self.identity = identity
        self.context = context
        self._choices: dict[str, Choice | None] = {}
        self._related: dict[tuple[str, float | None], list[Record]] = {}

    @property
    def id(self) -> str:
        return self.identity.id

    def people(self) -> list[Record]:
        return self.identity.records()

    # attributes -----------------------------------------------------------------------------

    def choice(self, name: str) -> Choice | None:
        if name not in self._choices:
            candidates = list(self._candidates(name))
            settings = self.context.settings.survivorship
            rule = settings.rule_for(name)
            self._choices[name] = pick(
                candidates,
                rule.rule,
                list(self.context.sources),
                rule.sources or settings.priority,
                likeness=attribute(name).likeness,
            )
        return self._choices[name]

    def provenance(self, name: str, infos: Infos) -> Provenance | None:
        """Where the settled value of attribute ``name`` came from; a value c360 wrote into
        the winning record names the write as its rule (``written by c360 at ...``)."""
        choice = self.choice(name)
        if choice is None:
            return None
        field = attribute(name).source_field
        found = from_choice(choice, field, infos)
        linked = self._linked_by(choice.record)
        if linked is not None:
            found = dataclasses.replace(found, linked_by=linked)
        writeback = self.context.runtime.writeback
        rule = writeback.provenance_rule(choice.record, field) if writeback else None
        return dataclasses.replace(found, rule=rule) if rule else found

    def _linked_by(self, record: Record) -> LinkedBy | None:
        """The model's version and probability where the identity model linked ``record``."""
        for link in self.identity.links:
            if link.record is record:
                waterfall = link.match.waterfall
                if waterfall is None:
                    return None
                return LinkedBy(
                    link.match.rule, waterfall.model_version, round(waterfall.probability, 6)
                )
        return None

    def _candidates(self, name: str) -> Iterable[Candidate]:
        extract, normalize = attribute(name).extract, self.context.resolver.normalize
        for record in self.people():
            found = extract(record, normalize)
            if found is not None:
                value, comparable = found
                yield Candidate(value, record, comparable)

    def contact_points(self, kind: str) -> list[tuple[str, list[Record]]]:
        """Every distinct (normalised, unblocked) value of an identifier, with its records."""
        held: dict[str, list[Record]] = {}
        for record in self.people():
            value = self.context.resolver.normalize(kind, record.data.get(kind))
            if value is not None:
                held.setdefault(value, []).append(record)
        return list(held.items())

    def identifiers(self) -> list[tuple[str, str, list[Record]]]:
        """Every distinct value of each attribute the config declares (``attributes:``), as
        (kind, value, records): normalised where the attribute is an identifier."""
        found: list[tuple[str, str, list[Record]]] = []
        for kind in self.context.settings.attributes:
            held: dict[str, list[Record]] = {}
            for record in self.people():
                raw = record.data.get(kind)
                if kind in self.context.settings.identity.identifiers:
                    value = self.context.resolver.normalize(kind, raw)
                else:
                    value = str(raw).strip() if raw is not None else None
                if value:
                    held.setdefault(value, []).append(record)
            found += [(kind, value, records) for value, records in held.items()]
        return found

    # related records --------------------------------------------------------------------------

    async def related_or_none(
        self, entity: str, max_age: float | None = None
    ) -> list[Record] | None:
        """The related records, or None when every source that would serve them failed: a
        field the failed systems alone serve is null, with the errors naming them."""
        found = await self.related(entity, max_age=max_age)
        if found:
            return found
        serving = {r.child_source for r in self.context.relations.all if r.child_entity == entity}
        if serving and serving <= set(self.context.recording.failed):
            return None
        return found

    async def related(
        self, entity: str, parents: Iterable[Record] | None = None, max_age: float | None = None
    ) -> list[Record]:
        """The ``entity`` records of this customer (or of ``parents``), from every source;
        ``max_age`` (seconds) refuses cached answers older than that."""
        memo = (entity, max_age) if parents is None else None
        if memo is not None and memo in self._related:
            return self._related[memo]
        found = await self.context.relations.children(
            self.context.batcher, self.people() if parents is None else parents, entity, max_age
        )
        found = [r for r in found if in_scope(r, self.context)]
        if memo is not None:
            self._related[memo] = found
        return found
