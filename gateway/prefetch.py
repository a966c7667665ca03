"""Fetching a customer's related records while identity resolution is still running.

As soon as a person record is linked, the related records the query asks for (its orders, its
cases...) are requested, and their own children as they arrive. The requests go through the
request's :class:`Batcher`, so they are batched with everything else in the same tick and the
customer's fields later find them already loaded. A query that asks for no orders fetches none.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

from connectors.errors import SourceError
from gateway.batcher import Batcher
from gateway.relations import Relations
from model.records import Record

__all__ = ["Prefetcher"]


class Prefetcher:
    def __init__(
        self,
        relations: Relations,
        batcher: Batcher,
        wanted: Iterable[str],
        max_age: float | None = None,
    ) -> None:
        self.relations = relations
        self.batcher = batcher
        self.wanted = frozenset(wanted)
        self.max_age = max_age
        self.tasks: set[asyncio.Task[None]] = set()

    def linked(self, record: Record) -> None:
        """Called for every record identity resolution links."""
        self._children_of([record])
        for grandchild in self.relations.shortcuts_from(record.source, record.entity):
            if grandchild.child_entity in self.wanted and grandchild.shortcut_by:
                task = asyncio.create_task(
                    self._shortcut(
                        grandchild.child_source,
                        grandchild.child_entity,
                        grandchild.shortcut_by,
                        record.key,
                    )
                )
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)

    async def _shortcut(self, source: str, entity: str, by: str, key: str) -> None:
        # a failure is recorded by the pipeline; the field that reads these answers without them
        with contextlib.suppress(SourceError):
            await self.batcher.fetch(source, entity, by, [key])

    def _children_of(self, parents: list[Record]) -> None:
        for relation in self.relations.all:
            if relation.child_entity not in self.wanted:
                continue
            mine = [
                p
                for p in parents
                if (p.source, p.entity) == (relation.parent_source, relation.parent_entity)
            ]
            if mine:
                task = asyncio.create_task(self._fetch(mine, relation.child_entity))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)

    async def _fetch(self, parents: list[Record], entity: str) -> None:
        children = await self.relations.children(self.batcher, parents, entity, None)
        self._children_of(children)
