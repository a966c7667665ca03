"""Connectors over rows given in the config, for tests of the gateway's own layers: one that
answers at once, one that fails as told, one that never answers. Each counts its calls.

::

    sources:
      crm:
        kind: tests.support.memory_sources:MemorySource
        rows: {person: [{id: C1, mail: ann@example.com}]}
        entities:
          person: {fields: {key: id, email: mail}}
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import Field

from connectors.base import Connector
from connectors.errors import SourceMisconfigured
from connectors.options import EntityConfig, SourceConfig
from model.records import Record


class MemoryEntity(EntityConfig):
    lookups_by: list[str] = Field(default_factory=list)

    def lookups(self) -> frozenset[str]:
        return frozenset(self.lookups_by)


class MemoryConfig(SourceConfig):
    rows: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    entities: dict[str, MemoryEntity] = Field(min_length=1)  # type: ignore[assignment]


class MemorySource(Connector):
    """Answers from its config's ``rows`` (the source's own field names)."""

    config_model: ClassVar[type[SourceConfig]] = MemoryConfig

    def __init__(self, name: str, config: SourceConfig) -> None:
        super().__init__(name, config)
        self.calls = 0
        self.asked: list[tuple[str, str, tuple[str, ...]]] = []

    async def fetch(
        self, entity: str, by: str, values: Sequence[str]
    ) -> Mapping[str, list[Record]]:
        self.spec(entity, by)
        self.calls += 1
        self.asked.append((entity, by, tuple(values)))
        return self.answer(entity, by, values)

    def answer(self, entity: str, by: str, values: Sequence[str]) -> dict[str, list[Record]]:
        assert isinstance(self.config, MemoryConfig)
        fields = self.config.entities[entity].fields
        column = fields.get(by, by)
        found: dict[str, list[Record]] = {value: [] for value in values}
        for row in self.config.rows.get(entity, []):
            value = str(row.get(column))
            if value in found:
                data = {name: row.get(own) for name, own in fields.items()}
                found[value].append(Record(self.name, entity, str(data["key"]), data, fields))
        return found


class YieldingSource(MemorySource):
    """Answers on the event loop's next turn, so that concurrent callers overlap."""

    async def fetch(
        self, entity: str, by: str, values: Sequence[str]
    ) -> Mapping[str, list[Record]]:
        turn = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_soon(turn.set_result, None)
        await turn
        return await super().fetch(entity, by, values)


class MisconfiguredSource(MemorySource):
    """Counts the call, then says its configuration does not match the system."""

    async def fetch(
        self, entity: str, by: str, values: Sequence[str]
    ) -> Mapping[str, list[Record]]:
        self.calls += 1
        raise SourceMisconfigured(self.name, "no column 'mail' in the export")


class HangingSource(MemorySource):
    """Never answers; ``asked`` is set once a call is waiting."""

    def __init__(self, name: str, config: SourceConfig) -> None:
        super().__init__(name, config)
        self.waiting = asyncio.Event()

    async def fetch(
        self, entity: str, by: str, values: Sequence[str]
    ) -> Mapping[str, list[Record]]:
        self.calls += 1
        self.waiting.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


def memory_source(
    name: str = "crm",
    rows: list[dict[str, Any]] | None = None,
    kind: type[MemorySource] = MemorySource,
    **config: Any,
) -> MemorySource:
    """A person source over ``rows`` (``id``, ``mail``), looked up by key or email."""
    person = MemoryEntity(fields={"key": "id", "email": "mail"}, lookups_by=["email"])
    built = MemoryConfig(
        kind="memory", rows={"person": rows or []}, entities={"person": person}, **config
    )
    return kind(name, built)


class FailingSource(MemorySource):
    """Fails with each error of ``failures`` in turn, then answers."""

    def __init__(self, name: str, config: SourceConfig) -> None:
        super().__init__(name, config)
        self.failures: list[Exception] = []

    async def fetch(
        self, entity: str, by: str, values: Sequence[str]
    ) -> Mapping[str, list[Record]]:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return self.answer(entity, by, values)
