"""How entities hang together across sources: each entity's parent, from ``belongs_to``.

``children(parents, "order")`` fetches, for a list of parent records (a customer's person
records), the orders of every source that declares orders as children of those parents: one
batched call per (source, entity, by), all sources at once. A source that fails is recorded
by its pipeline and skipped here, so one system down costs only what it alone serves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from connectors.errors import SourceError
from gateway.batcher import Batcher
from gateway.concurrently import concurrently
from model.records import Record

__all__ = ["Relation", "Relations"]


@dataclass(frozen=True, slots=True)
class Relation:
    """``child_entity`` of ``child_source`` is fetched by ``by`` with the key of a
    ``parent_entity`` record of ``parent_source``, and holds that key in ``ref``."""

    child_source: str
    child_entity: str
    parent_source: str
    parent_entity: str
    by: str
    ref: str | None  # None: the children do not repeat their parent's key
    shortcut_by: str | None = None


class Relations:
    def __init__(self, relations: Iterable[Relation]) -> None:
        self.all = list(relations)
        self._by_parent: dict[tuple[str, str], list[Relation]] = {}
        for relation in self.all:
            key = (relation.parent_source, relation.parent_entity)
            self._by_parent.setdefault(key, []).append(relation)

    @classmethod
    def from_sources(cls, sources: Mapping[str, object]) -> Relations:
        found = []
        for name, connector in sources.items():
            for entity, cfg in connector.config.entities.items():  # type: ignore[attr-defined]
                parent = cfg.belongs_to
                if parent is not None:
                    found.append(
                        Relation(
                            name,
                            entity,
                            parent.source or name,
                            parent.entity,
                            parent.by,
                            parent.ref,
                            parent.shortcut_by,
                        )
                    )
        return cls(found)

    def parents(self) -> dict[tuple[str, str], tuple[str, str, str]]:
        """(source, entity) -> (parent source, parent entity, the field holding its key), for
        the children that hold their parent's key."""
        return {
            (r.child_source, r.child_entity): (r.parent_source, r.parent_entity, r.ref)
            for r in self.all
            if r.ref is not None
        }

    def parent_of(self, relation: Relation) -> Relation | None:
        """The relation that makes ``relation``'s parent a child in turn (orders of a person)."""
        parent = (relation.parent_source, relation.parent_entity)
        return next((r for r in self.all if (r.child_source, r.child_entity) == parent), None)

    def shortcuts_from(self, source: str, entity: str) -> list[Relation]:
        """The grandchild relations reachable from a record of ``(source, entity)`` by its own
        key (``shortcut_by``)."""
        found = []
        for relation in self.all:
            parent = self.parent_of(relation) if relation.shortcut_by else None
            if (
                parent is not None
                and parent.ref is not None
                and (parent.parent_source, parent.parent_entity)
                == (
                    source,
                    entity,
                )
            ):
                found.append(relation)
        return found

    def serves(self, entity: str) -> bool:
        return any(r.child_entity == entity for r in self.all)

    async def children(
        self,
        batcher: Batcher,
        parents: Iterable[Record],
        entity: str,
        max_age: float | None = None,
    ) -> list[Record]:
        """The ``entity`` records that belong to any of ``parents``, in source order."""
        keys: dict[tuple[str, str], list[str]] = {}
        parents = list(parents)
        parents_by_key = {record.key: record for record in parents}
        for record in parents:
            keys.setdefault((record.source, record.entity), []).append(record.key)
        asks = [
            (relation, list(dict.fromkeys(parent_keys)))
            for (source, parent_entity), parent_keys in keys.items()
            for relation in self._by_parent.get((source, parent_entity), [])
            if relation.child_entity == entity
        ]

        async def ask(relation: Relation, values: list[str]) -> list[list[Record]]:
            parent = self.parent_of(relation) if relation.shortcut_by else None
            by, ref = relation.shortcut_by, relation.ref
            if parent is not None and parent.ref is not None and by and ref:
                # by the grandparent's key, as the prefetch already asked; then keep the
                # children of these parents
                wanted = set(values)
                grand = list(
                    dict.fromkeys(
                        str(p.data[parent.ref])
                        for p in parents_by_key.values()
                        if p.key in wanted and p.data.get(parent.ref) is not None
                    )
                )
                try:
                    found = await batcher.fetch(
                        relation.child_source,
                        relation.child_entity,
                        by,
                        grand,
                        max_age,
                    )
                except SourceError:
                    return []
                return [[r for r in rs if str(r.data.get(ref)) in wanted] for rs in found]
            try:
                return await batcher.fetch(
                    relation.child_source, relation.child_entity, relation.by, values, max_age
                )
            except SourceError:
                return []

        answers = await concurrently([ask(relation, values) for relation, values in asks])
        seen: set[tuple[str, str]] = set()
        found: list[Record] = []
        for per_value in answers:
            for records in per_value:
                for record in records:
                    if (record.source, record.key) not in seen:
                        seen.add((record.source, record.key))
                        found.append(record)
        return found
