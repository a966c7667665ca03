"""Automatic persisted queries, as Apollo clients send them: a query by its SHA-256 alone.

A client first sends ``extensions.persistedQuery = {"version": 1, "sha256Hash": ...}`` without
the query. If no gateway has seen that hash, the answer is a ``PERSISTED_QUERY_NOT_FOUND``
error, and the client sends the same request again with the query's text, which registers it
(the hash is checked against the text) and runs it. After that, the hash alone is enough, on
every gateway that shares the registry: it lives in the cache backend, in this process
(``memory``) or in Redis.

The registry is bounded: a document longer than ``max_document_bytes`` is run but never
registered, entries expire ``ttl`` after they were registered, and past ``max_entries`` the
oldest registered go first (a client whose hash was dropped registers it again)::

    server:
      persisted_queries: {max_document_bytes: 16384, max_entries: 10000, ttl: 7d}

Roles with ``trusted_only`` run the trusted documents alone; the registry never widens that
list (:mod:`gateway.security.trusted`).
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from connectors.options import Duration
from gateway.cache import PREFIX
from gateway.clock import Clock

__all__ = [
    "MemoryPersistedQueries",
    "PersistedQueries",
    "PersistedQuerySettings",
    "RedisPersistedQueries",
    "digest_of",
    "is_digest",
    "open_persisted_queries",
]

_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class PersistedQuerySettings(BaseModel):
    """``server.persisted_queries``: the registry's bounds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    max_document_bytes: int = Field(default=16_384, ge=256, le=1_048_576)
    max_entries: int = Field(default=10_000, ge=1, le=10_000_000)
    ttl: Duration = Field(default=7 * 86_400.0, gt=0)


def digest_of(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8", "surrogatepass")).hexdigest()


def is_digest(value: object) -> bool:
    return isinstance(value, str) and _DIGEST.match(value) is not None


class PersistedQueries(Protocol):
    """Where registered documents live, by their SHA-256 (hex)."""

    async def get(self, digest: str) -> str | None: ...

    async def put(self, digest: str, document: str) -> bool:
        """Registers ``document``; ``False`` when it is over the size bound (not kept)."""
        ...

    async def aclose(self) -> None: ...


class MemoryPersistedQueries:
    """This process's registry: the oldest registered go first past ``max_entries``."""

    def __init__(self, settings: PersistedQuerySettings, clock: Clock) -> None:
        self.settings, self.clock = settings, clock
        self._documents: OrderedDict[str, tuple[float, str]] = OrderedDict()

    async def get(self, digest: str) -> str | None:
        found = self._documents.get(digest)
        if found is None:
            return None
        expires, document = found
        if expires <= self.clock.monotonic():
            del self._documents[digest]
            return None
        return document

    async def put(self, digest: str, document: str) -> bool:
        if len(document.encode("utf-8", "surrogatepass")) > self.settings.max_document_bytes:
            return False
        self._documents.pop(digest, None)
        self._documents[digest] = (self.clock.monotonic() + self.settings.ttl, document)
        while len(self._documents) > self.settings.max_entries:
            self._documents.popitem(last=False)
        return True

    async def aclose(self) -> None:
        self._documents.clear()

    def __len__(self) -> int:
        return len(self._documents)


# One round trip, atomic: store the document, note when, drop what expired and the oldest
# past the bound. KEYS[1] the order (a sorted set by registration time); ARGV: the documents'
# key prefix, digest, document, ttl (s), now, max entries.
_PUT = """
local order, prefix, digest = KEYS[1], ARGV[1], ARGV[2]
local ttl, now, most = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
redis.call('SET', prefix .. digest, ARGV[3], 'EX', ttl)
redis.call('ZADD', order, now, digest)
redis.call('ZREMRANGEBYSCORE', order, '-inf', now - ttl)
local over = redis.call('ZCARD', order) - most
if over > 0 then
  local gone = redis.call('ZPOPMIN', order, over)
  for i = 1, #gone, 2 do redis.call('DEL', prefix .. gone[i]) end
end
redis.call('EXPIRE', order, ttl)
return over
"""


class RedisPersistedQueries:
    """Shared by every gateway pointing at the same Redis."""

    def __init__(self, url: str, settings: PersistedQuerySettings, clock: Clock) -> None:
        from redis.asyncio import Redis

        self.settings, self.clock = settings, clock
        self.client: Any = Redis.from_url(url)
        self.prefix = f"{PREFIX}:apq:doc:"
        self.order = f"{PREFIX}:apq:order"
        self._put = self.client.register_script(_PUT)

    async def get(self, digest: str) -> str | None:
        found = await self.client.get(self.prefix + digest)
        return found.decode("utf-8", "surrogatepass") if found is not None else None

    async def put(self, digest: str, document: str) -> bool:
        settings = self.settings
        encoded = document.encode("utf-8", "surrogatepass")
        if len(encoded) > settings.max_document_bytes:
            return False
        await self._put(
            keys=[self.order],
            args=[
                self.prefix,
                digest,
                encoded,
                max(1, round(settings.ttl)),
                self.clock.now(),
                settings.max_entries,
            ],
        )
        return True

    async def aclose(self) -> None:
        await self.client.aclose()


def open_persisted_queries(
    backend: str, settings: PersistedQuerySettings, clock: Clock
) -> PersistedQueries | None:
    """The registry in the cache backend, or ``None`` when automatic persisted queries are off.
    Nothing is connected until it is first used."""
    if not settings.enabled:
        return None
    if backend.startswith(("redis://", "rediss://")):
        return RedisPersistedQueries(backend, settings, clock)
    return MemoryPersistedQueries(settings, clock)
