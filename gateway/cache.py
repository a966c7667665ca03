"""The shared cache of look-up answers, in memory or in Redis.

An answer is what one ``fetch`` said for one value: ``(source, entity, by, value) -> records``,
"none" included. It is stored as JSON (never pickled: a Redis may be shared), under a key that
carries a format version, so an upgrade never reads an older layout. Each entry records when it
was fetched; its freshness is judged against the source's (or entity's) :class:`CachePolicy`
when it is read, so one entry serves "fresh", "stale" and "too old" alike::

    cache:
      backend: memory            # or redis://127.0.0.1:6379/0
      max_entries: 100000        # memory only: least recently used out

Invalidation by record key also drops the look-ups that returned that record (an email
look-up that found it), through a per-record index.
"""

from __future__ import annotations

import enum
import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlparse

from connectors.options import CachePolicy
from gateway.clock import Clock, SystemClock
from gateway.metrics import CACHE_EVENTS
from model.jsonable import jsonable
from model.records import Record
from model.timestamps import parse_timestamp

__all__ = [
    "FORMAT",
    "CachedAnswer",
    "MemoryStore",
    "RecordCache",
    "RedisStore",
    "Store",
    "Verdict",
    "answer_key",
    "judge",
    "open_store",
]

FORMAT = 1
PREFIX = f"c360:v{FORMAT}"


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    records: list[Record]
    fetched_at: float


class Verdict(enum.Enum):
    """What an entry of a given age is good for, under a source's :class:`CachePolicy`."""

    FRESH = "fresh"  # answer from it
    REVALIDATE = "revalidate"  # answer from it now, and refresh it behind the answer
    FALLBACK = "fallback"  # ask the source; stand in if the source fails
    EXPIRED = "expired"  # ask the source; nothing stands in


def judge(age: float, policy: CachePolicy, max_age: float | None = None) -> Verdict:
    """The verdict on an entry ``age`` seconds old; ``max_age`` is a caller's own limit."""
    if age <= policy.ttl and (max_age is None or age < max_age):  # maxAge: 0 reads live
        return Verdict.FRESH
    if age <= policy.ttl + policy.stale_for:
        # a caller that set its own limit wants an answer at least that fresh, not a refresh
        return Verdict.REVALIDATE if policy.revalidate and max_age is None else Verdict.FALLBACK
    return Verdict.EXPIRED


class Store(Protocol):
    """Where entries live. Values are JSON-ready dicts; ``ttl`` in seconds."""

    async def get_many(self, keys: Sequence[str]) -> list[Any]: ...

    async def set_many(self, items: Sequence[tuple[str, Any]], ttl: float) -> None: ...

    async def delete_many(self, keys: Sequence[str]) -> int: ...

    async def add_members(self, key: str, members: Iterable[str], ttl: float) -> None: ...

    async def members(self, key: str) -> set[str]: ...

    async def aclose(self) -> None: ...


class MemoryStore:
    """Bounded, in-process: the least recently used entries go first when it is full."""

    def __init__(self, max_entries: int = 100_000, clock: Clock | None = None) -> None:
        self.max_entries = max_entries
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._data: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    def _get(self, key: str, now: float) -> Any:
        found = self._data.get(key)
        if found is None:
            return None
        expires, value = found
        if expires < now:
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return value

    def _put(self, key: str, value: Any, expires: float) -> None:
        self._data[key] = (expires, value)
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)
            CACHE_EVENTS.labels(event="eviction").inc()

    async def get_many(self, keys: Sequence[str]) -> list[Any]:
        now = self.clock.monotonic()
        return [self._get(key, now) for key in keys]

    async def set_many(self, items: Sequence[tuple[str, Any]], ttl: float) -> None:
        expires = self.clock.monotonic() + ttl
        for key, value in items:
            self._put(key, value, expires)

    async def delete_many(self, keys: Sequence[str]) -> int:
        return sum(self._data.pop(key, None) is not None for key in keys)

    async def add_members(self, key: str, members: Iterable[str], ttl: float) -> None:
        now = self.clock.monotonic()
        current = set(self._get(key, now) or ())
        self._put(key, sorted(current | set(members)), now + ttl)

    async def members(self, key: str) -> set[str]:
        return set(self._get(key, self.clock.monotonic()) or ())

    async def aclose(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


class RedisStore:
    """Shared by every gateway instance that points at the same Redis."""

    def __init__(self, url: str) -> None:
        from aiocache import RedisCache
        from aiocache.serializers import JsonSerializer

        parsed = urlparse(url)
        self.cache = RedisCache(
            serializer=JsonSerializer(),
            endpoint=parsed.hostname or "127.0.0.1",
            port=parsed.port or 6379,
            db=int((parsed.path or "/0").lstrip("/") or 0),
            password=parsed.password,
        )

    async def get_many(self, keys: Sequence[str]) -> list[Any]:
        return list(await self.cache.multi_get(list(keys))) if keys else []

    async def set_many(self, items: Sequence[tuple[str, Any]], ttl: float) -> None:
        if items:
            await self.cache.multi_set(list(items), ttl=max(1, round(ttl)))

    async def delete_many(self, keys: Sequence[str]) -> int:
        return sum([int(await self.cache.delete(key)) for key in keys])

    async def add_members(self, key: str, members: Iterable[str], ttl: float) -> None:
        listed = list(members)
        if listed:
            await self.cache.raw("sadd", key, *listed)
            await self.cache.raw("expire", key, max(1, round(ttl)))

    async def members(self, key: str) -> set[str]:
        found = await self.cache.raw("smembers", key)
        return {m.decode() if isinstance(m, bytes) else str(m) for m in found or ()}

    async def aclose(self) -> None:
        # the redis client itself: aiocache's close() calls a method redis deprecated
        await self.cache.client.aclose()


def open_store(backend: str, max_entries: int, clock: Clock | None = None) -> Store:
    if backend == "memory":
        return MemoryStore(max_entries, clock)
    if backend.startswith(("redis://", "rediss://")):
        return RedisStore(backend)
    raise ValueError(f"unknown cache backend {backend!r} (memory or redis://host:port/db)")


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def answer_key(source: str, entity: str, by: str, value: str) -> str:
    return f"{PREFIX}:a:{source}:{entity}:{by}:{_digest(value)}"


def _index_key(source: str, entity: str, key: str) -> str:
    return f"{PREFIX}:i:{source}:{entity}:{_digest(key)}"


def _dump(record: Record) -> dict[str, Any]:
    return {
        "k": record.key,
        "d": {name: jsonable(value) for name, value in record.data.items()},
        "f": dict(record.source_fields),
        "u": record.updated_at.isoformat() if record.updated_at else None,
    }


def _load(source: str, entity: str, raw: dict[str, Any]) -> Record:
    return Record(source, entity, raw["k"], raw["d"], raw["f"], parse_timestamp(raw["u"]))


class RecordCache:
    """Reads and writes look-up answers for the cache layer of every request."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def read(
        self, source: str, entity: str, by: str, values: Sequence[str]
    ) -> dict[str, CachedAnswer]:
        raw = await self.store.get_many([answer_key(source, entity, by, v) for v in values])
        found: dict[str, CachedAnswer] = {}
        for value, entry in zip(values, raw, strict=True):
            if isinstance(entry, dict) and entry.get("v") == FORMAT:
                records = [_load(source, entity, r) for r in entry["r"]]
                found[value] = CachedAnswer(records, float(entry["t"]))
        return found

    async def write(
        self,
        source: str,
        entity: str,
        by: str,
        answers: dict[str, list[Record]],
        *,
        found_for: float,
        missing_for: float,
        fetched_at: float,
    ) -> None:
        found = [(v, rs) for v, rs in answers.items() if rs]
        missing = [(v, rs) for v, rs in answers.items() if not rs]
        for items, keep in ((found, found_for), (missing, missing_for)):
            if items and keep > 0:
                await self.store.set_many(
                    [
                        (
                            answer_key(source, entity, by, value),
                            {"v": FORMAT, "t": fetched_at, "r": [_dump(r) for r in records]},
                        )
                        for value, records in items
                    ],
                    keep,
                )
        if by != "key":
            for value, records in found:
                for record in records:
                    await self.store.add_members(
                        _index_key(source, entity, record.key),
                        [answer_key(source, entity, by, value)],
                        found_for,
                    )

    async def invalidate(self, source: str, entity: str, keys: Iterable[str]) -> int:
        """Drop the answers for these records: by key, and every look-up that returned them."""
        dropped = 0
        for key in keys:
            index = _index_key(source, entity, key)
            lookups = await self.store.members(index)
            dropped += await self.store.delete_many(
                [answer_key(source, entity, "key", key), *sorted(lookups), index]
            )
        return dropped

    async def aclose(self) -> None:
        await self.store.aclose()
