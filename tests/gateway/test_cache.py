"""The cache on its own: bounded memory, JSON round trips, not-found TTL, invalidation, Redis."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from gateway.cache import MemoryStore, RecordCache, RedisStore, answer_key, open_store
from model.records import Record
from tests.support.redis import RedisServer


def record(key: str, **data: object) -> Record:
    return Record(
        "billing",
        "person",
        key,
        {"key": key, **data},
        {"key": "id", "email": "mail"},
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )


async def test_memory_store_drops_the_least_recently_used() -> None:
    store = MemoryStore(max_entries=100)
    await store.set_many([(f"k{i}", i) for i in range(100)], ttl=60)
    assert await store.get_many(["k0"]) == [0]  # k0 is now the most recently used
    await store.set_many([(f"n{i}", i) for i in range(10)], ttl=60)
    assert len(store) == 100
    assert await store.get_many(["k0", "k1", "k10", "k11", "n9"]) == [0, None, None, 11, 9]


async def test_expired_entries_are_gone() -> None:
    store = MemoryStore()
    await store.set_many([("a", 1)], ttl=0)
    assert await store.get_many(["a"]) == [None]


async def test_answers_round_trip_as_json() -> None:
    cache = RecordCache(MemoryStore())
    answer = [record("100001", email="a@b.c", total=Decimal("19.90"), born=date(1980, 5, 1))]
    await cache.write(
        "billing",
        "person",
        "email",
        {"a@b.c": answer, "none@b.c": []},
        found_for=60,
        missing_for=60,
        fetched_at=1000.0,
    )
    found = await cache.read("billing", "person", "email", ["a@b.c", "none@b.c", "other"])
    assert set(found) == {"a@b.c", "none@b.c"}
    [back] = found["a@b.c"].records
    assert (
        back.key == "100001" and back.data["total"] == "19.90" and back.data["born"] == "1980-05-01"
    )
    assert back.updated_at == answer[0].updated_at and found["a@b.c"].fetched_at == 1000.0
    assert found["none@b.c"].records == []


async def test_not_found_has_its_own_ttl() -> None:
    cache = RecordCache(MemoryStore())
    await cache.write(
        "billing",
        "person",
        "key",
        {"1": [record("1")], "2": []},
        found_for=60,
        missing_for=0,
        fetched_at=1.0,
    )
    assert set(await cache.read("billing", "person", "key", ["1", "2"])) == {"1"}


async def test_invalidating_a_record_drops_its_lookups_too() -> None:
    store = MemoryStore()
    cache = RecordCache(store)
    ann = [record("100001", email="a@b.c")]
    await cache.write(
        "billing", "person", "key", {"100001": ann}, found_for=60, missing_for=60, fetched_at=1
    )
    await cache.write(
        "billing", "person", "email", {"a@b.c": ann}, found_for=60, missing_for=60, fetched_at=1
    )
    await cache.write(
        "billing",
        "person",
        "email",
        {"z@b.c": [record("9")]},
        found_for=60,
        missing_for=60,
        fetched_at=1,
    )
    assert await cache.invalidate("billing", "person", ["100001"]) == 3  # key, look-up, index
    assert await cache.read("billing", "person", "key", ["100001"]) == {}
    assert await cache.read("billing", "person", "email", ["a@b.c"]) == {}
    assert set(await cache.read("billing", "person", "email", ["z@b.c"])) == {"z@b.c"}


def test_keys_carry_the_format_and_never_the_raw_value() -> None:
    key = answer_key("crm", "person", "email", "x' OR 1=1 --\n" + "y" * 10_000)
    assert key.startswith("c360:v1:a:crm:person:email:") and len(key) < 100


def test_unknown_backend() -> None:
    with pytest.raises(ValueError, match="unknown cache backend"):
        open_store("memcached://x", 10)


async def test_two_caches_share_one_redis(redis_server: RedisServer) -> None:
    first, second = (
        RecordCache(RedisStore(redis_server.url)),
        RecordCache(RedisStore(redis_server.url)),
    )
    try:
        await first.write(
            "crm",
            "person",
            "key",
            {"C-1": [record("C-1", email="a@b.c")]},
            found_for=60,
            missing_for=60,
            fetched_at=5.0,
        )
        found = await second.read("crm", "person", "key", ["C-1"])
        assert found["C-1"].records[0].data["email"] == "a@b.c"
        assert await second.invalidate("crm", "person", ["C-1"]) >= 1
        assert await first.read("crm", "person", "key", ["C-1"]) == {}
    finally:
        await first.aclose()
        await second.aclose()
