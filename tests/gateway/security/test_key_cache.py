"""Verified keys remembered for a moment; a revocation heard by every gateway on one Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.clock import ManualClock
from gateway.security.key_cache import KeyCache
from gateway.security.keys import KeyStore
from tests.support.redis import RedisServer


def store(folder: Path) -> KeyStore:
    return KeyStore.open(f"sqlite+aiosqlite:///{folder / 'keys.db'}", folder)


async def subscribed(*caches: KeyCache) -> None:
    for cache in caches:
        cache.start()
    for _ in range(500):  # until Redis confirms each subscription
        if all(cache.remembers for cache in caches):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no subscription confirmed by Redis")


@pytest.fixture
async def two_gateways(
    tmp_path: Path, redis_server: RedisServer
) -> AsyncIterator[tuple[KeyCache, KeyCache, ManualClock]]:
    clock = ManualClock()
    one = KeyCache(store(tmp_path), clock, ttl=1.0, notices=redis_server.url)
    other = KeyCache(store(tmp_path), clock, ttl=1.0, notices=redis_server.url)
    await subscribed(one, other)
    try:
        yield one, other, clock
    finally:
        await one.aclose()
        await other.aclose()


async def test_a_verified_key_is_remembered_for_the_cache_time(
    two_gateways: tuple[KeyCache, KeyCache, ManualClock], tmp_path: Path
) -> None:
    one, _, clock = two_gateways
    info, key = await one.create("agent", "portal")
    assert (await one.verify(key)) is not None
    behind_its_back = store(tmp_path)  # revoked in the database, unannounced
    assert await behind_its_back.revoke(info.id)
    await behind_its_back.aclose()
    assert (await one.verify(key)) is not None  # remembered: the store was not read
    clock.advance(1.01)
    assert await one.verify(key) is None


async def test_a_key_revoked_on_one_gateway_is_refused_by_the_other_at_once(
    two_gateways: tuple[KeyCache, KeyCache, ManualClock],
) -> None:
    one, other, _ = two_gateways
    info, key = await one.create("agent", "portal")
    assert await other.verify(key) is not None and await one.verify(key) is not None
    assert await one.revoke(info.id)
    for _ in range(500):  # until the announcement arrives; the clock does not move
        if other.heard:
            break
        await asyncio.sleep(0.01)
    assert other.heard == 1
    assert await other.verify(key) is None and await one.verify(key) is None


async def test_without_redis_nothing_is_remembered(tmp_path: Path) -> None:
    keys = KeyCache(store(tmp_path), ManualClock(), ttl=1.0)
    keys.start()
    try:
        info, key = await keys.create("agent", "portal")
        assert await keys.verify(key) is not None and not keys.remembers
        behind_its_back = store(tmp_path)
        assert await behind_its_back.revoke(info.id)
        await behind_its_back.aclose()
        assert await keys.verify(key) is None
    finally:
        await keys.aclose()
