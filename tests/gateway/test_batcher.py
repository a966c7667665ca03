"""The per-request batcher on its own: one call per window, each value once, failures shared."""

from __future__ import annotations

import asyncio

import pytest

from connectors.errors import SourceUnavailable
from gateway.batcher import Batcher
from gateway.pipeline import Source
from tests.support.memory_sources import FailingSource, MemorySource, memory_source

ROWS = [{"id": f"C{i}", "mail": f"p{i}@example.com"} for i in range(5)]


def batcher_over(source: MemorySource) -> Batcher:
    def pipeline(name: str, max_age: float | None) -> Source:
        assert name == source.name
        return source

    return Batcher(pipeline)


async def test_values_asked_in_one_tick_become_one_call() -> None:
    source = memory_source(rows=ROWS)
    batcher = batcher_over(source)
    first, second, third = await asyncio.gather(
        batcher.fetch("crm", "person", "key", ["C0", "C1"]),
        batcher.fetch("crm", "person", "key", ["C1", "C2"]),
        batcher.fetch("crm", "person", "email", ["p3@example.com"]),
    )
    assert [[r.key for r in rs] for rs in first] == [["C0"], ["C1"]]
    assert [[r.key for r in rs] for rs in second] == [["C1"], ["C2"]]
    assert [r.key for r in third[0]] == ["C3"]
    assert source.asked == [
        ("person", "key", ("C0", "C1", "C2")),
        ("person", "email", ("p3@example.com",)),
    ]


async def test_a_value_is_asked_once_per_request() -> None:
    source = memory_source(rows=ROWS)
    batcher = batcher_over(source)
    await batcher.fetch("crm", "person", "key", ["C0"])
    again = await batcher.fetch("crm", "person", "key", ["C0", "C9"])
    assert [[r.key for r in rs] for rs in again] == [["C0"], []]
    assert source.calls == 2 and source.asked[1] == ("person", "key", ("C9",))


async def test_a_failure_reaches_every_caller_of_its_window_and_is_not_asked_again() -> None:
    source = memory_source(rows=ROWS, kind=FailingSource)
    assert isinstance(source, FailingSource)
    source.failures = [SourceUnavailable("crm", "down")]
    batcher = batcher_over(source)
    outcomes = await asyncio.gather(
        batcher.fetch("crm", "person", "key", ["C0"]),
        batcher.fetch("crm", "person", "key", ["C1"]),
        return_exceptions=True,
    )
    assert [type(o) for o in outcomes] == [SourceUnavailable, SourceUnavailable]
    with pytest.raises(SourceUnavailable):
        await batcher.fetch("crm", "person", "key", ["C0"])
    assert source.calls == 1


async def test_nothing_asked_costs_nothing() -> None:
    source = memory_source(rows=ROWS)
    assert await batcher_over(source).fetch("crm", "person", "key", []) == []
    assert source.calls == 0
