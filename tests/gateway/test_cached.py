"""The cache layer on its own, on a manual clock: fresh, stale-if-error, revalidation,
``maxAge``, and one flight per value across requests."""

from __future__ import annotations

import asyncio

import pytest

from connectors.errors import SourceUnavailable
from connectors.options import CachePolicy
from gateway.cache import MemoryStore, RecordCache, Verdict, judge
from gateway.cached import Cached, SharedCache
from gateway.clock import ManualClock
from gateway.recorded import Recording
from gateway.singleflight import SingleFlight
from tests.support.memory_sources import (
    FailingSource,
    MemorySource,
    YieldingSource,
    memory_source,
)

ROWS = [{"id": "C1", "mail": "ann@example.com"}]


def shared(clock: ManualClock) -> SharedCache:
    return SharedCache(RecordCache(MemoryStore(clock=clock)), SingleFlight(), set(), clock)


def layer(
    source: MemorySource, parts: SharedCache, max_age: float | None = None
) -> tuple[Cached, Recording]:
    recording = Recording()
    return Cached(source, source, parts, recording, max_age), recording


@pytest.mark.parametrize(
    ("age", "max_age", "verdict"),
    [
        (10, None, Verdict.FRESH),
        (61, None, Verdict.FALLBACK),
        (10, 0, Verdict.FALLBACK),
        (4000, None, Verdict.EXPIRED),
    ],
)
def test_the_cache_judges_an_entry_by_its_age(
    age: float, max_age: float | None, verdict: Verdict
) -> None:
    policy = CachePolicy(ttl=60, stale_for=3600)
    assert judge(age, policy, max_age) is verdict
    assert judge(61, policy.model_copy(update={"revalidate": True})) is Verdict.REVALIDATE


async def test_a_fresh_answer_is_a_hit_and_asks_nothing() -> None:
    clock = ManualClock()
    parts, source = shared(clock), memory_source(rows=ROWS)
    first, _ = layer(source, parts)
    await first.fetch("person", "key", ["C1"])
    clock.advance(30)
    second, recording = layer(source, parts)
    found = await second.fetch("person", "key", ["C1"])
    assert [r.key for r in found["C1"]] == ["C1"] and source.calls == 1
    assert recording.info[("crm", "person", "C1")].cache == "hit" and not recording.calls


async def test_past_its_ttl_an_answer_stands_in_while_the_source_fails() -> None:
    clock = ManualClock()
    parts = shared(clock)
    source = memory_source(rows=ROWS, kind=FailingSource, cache=CachePolicy(ttl=60, stale_for=600))
    assert isinstance(source, FailingSource)
    await layer(source, parts)[0].fetch("person", "key", ["C1"])
    clock.advance(61)
    source.failures = [SourceUnavailable("crm", "down")]
    cached, recording = layer(source, parts)
    found = await cached.fetch("person", "key", ["C1"])
    assert [r.key for r in found["C1"]] == ["C1"]
    assert recording.info[("crm", "person", "C1")].cache == "stale"
    assert recording.stale_sources == {"crm"} and source.calls == 2
    clock.advance(600)  # past stale_for too: nothing stands in any more
    source.failures = [SourceUnavailable("crm", "down")]
    with pytest.raises(SourceUnavailable):
        await layer(source, parts)[0].fetch("person", "key", ["C1"])


async def test_revalidate_answers_at_once_and_refreshes_behind() -> None:
    clock = ManualClock()
    parts = shared(clock)
    policy = CachePolicy(ttl=60, stale_for=600, revalidate=True)
    source = memory_source(rows=ROWS, cache=policy)
    await layer(source, parts)[0].fetch("person", "key", ["C1"])
    clock.advance(61)
    cached, recording = layer(source, parts)
    await cached.fetch("person", "key", ["C1"])
    assert recording.info[("crm", "person", "C1")].cache == "stale" and source.calls == 1
    await asyncio.gather(*parts.background)
    assert source.calls == 2
    cached, recording = layer(source, parts)
    await cached.fetch("person", "key", ["C1"])
    assert recording.info[("crm", "person", "C1")].cache == "hit" and source.calls == 2


async def test_max_age_zero_reads_live() -> None:
    parts, source = shared(ManualClock()), memory_source(rows=ROWS)
    await layer(source, parts)[0].fetch("person", "key", ["C1"])
    cached, recording = layer(source, parts, max_age=0)
    await cached.fetch("person", "key", ["C1"])
    assert source.calls == 2 and recording.info[("crm", "person", "C1")].cache == "miss"


async def test_concurrent_requests_share_one_flight_per_value() -> None:
    parts, source = shared(ManualClock()), memory_source(rows=ROWS, kind=YieldingSource)
    layers = [layer(source, parts) for _ in range(5)]
    await asyncio.gather(*(cached.fetch("person", "key", ["C1"]) for cached, _ in layers))
    assert source.calls == 1
    assert sum(recording.calls[("crm", "person", "key")] for _, recording in layers) == 1
