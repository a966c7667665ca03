"""An answer is as fresh as the least fresh record it used."""

from __future__ import annotations

from connectors.base import Connector
from gateway.freshness import remaining_freshness
from gateway.recorded import CacheState, Recording
from model.records import Record
from tests.support.memory_sources import MemoryConfig, MemorySource


def crm(**cache: object) -> dict[str, Connector]:
    config = MemoryConfig.model_validate(
        {
            "kind": "tests.support.memory_sources:MemorySource",
            "cache": {"ttl": "2m", **cache},
            "entities": {
                "person": {"fields": {"key": "id"}},
                "order": {"fields": {"key": "id"}, "cache": {"ttl": "10s"}},
            },
        }
    )
    return {"crm": MemorySource("crm", config)}


def used(recording: Recording, entity: str, key: str, at: float, state: CacheState) -> None:
    recording.delivered([Record("crm", entity, key, {"key": key}, {})], at, state)


def test_the_least_fresh_record_bounds_the_answer() -> None:
    recording = Recording()
    used(recording, "person", "C1", at=1000.0, state="miss")
    used(recording, "person", "C2", at=970.0, state="hit")
    assert remaining_freshness(recording, crm(), now=1000.0) == 90.0
    used(recording, "order", "O1", at=995.0, state="hit")  # an entity with its own TTL
    assert remaining_freshness(recording, crm(), now=1000.0) == 5.0


def test_stale_and_uncached_records_are_fresh_for_no_time() -> None:
    stale = Recording()
    used(stale, "person", "C1", at=1000.0, state="stale")
    assert remaining_freshness(stale, crm(), now=1000.0) == 0.0
    live = Recording()
    used(live, "person", "C1", at=1000.0, state="miss")
    assert remaining_freshness(live, crm(enabled=False), now=1000.0) == 0.0


def test_an_answer_without_records_has_no_bound() -> None:
    assert remaining_freshness(Recording(), crm(), now=1000.0) is None
