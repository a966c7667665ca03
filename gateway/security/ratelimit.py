"""Requests per principal: a token bucket each, refilled at the role's rate.

In memory by default (one bucket per gateway process); with
``security.rate_limits: redis://...`` the buckets live in Redis, shared by every gateway.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["MemoryRateLimiter", "RateLimiter", "RedisRateLimiter", "open_limiter"]


class RateLimiter(Protocol):
    async def take(self, principal: str, rate: float, burst: int) -> float:
        """0 when the request may go on, else the seconds until a token is there."""
        ...

    async def pending(self, principal: str, rate: float, burst: int) -> float:
        """Like :meth:`take`, without taking: 0 when a token is there."""
        ...

    async def aclose(self) -> None: ...


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class MemoryRateLimiter:
    def __init__(
        self, max_principals: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._max = max_principals
        self._clock = clock

    def _refilled(self, principal: str, rate: float, burst: int) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.get(principal)
        if bucket is None:
            if len(self._buckets) >= self._max:
                self._buckets.clear()  # forget idle callers rather than grow without bound
            bucket = self._buckets[principal] = _Bucket(float(burst), now)
        bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        return bucket

    async def take(self, principal: str, rate: float, burst: int) -> float:
        bucket = self._refilled(principal, rate, burst)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return _wait(bucket.tokens, rate)

    async def pending(self, principal: str, rate: float, burst: int) -> float:
        bucket = self._refilled(principal, rate, burst)
        return 0.0 if bucket.tokens >= 1 else _wait(bucket.tokens, rate)

    async def aclose(self) -> None:
        self._buckets.clear()


def _wait(tokens: float, rate: float) -> float:
    return (1 - tokens) / rate if rate > 0 else 60.0


# The same bucket, kept in a Redis hash and updated atomically, on Redis's own clock.
_TAKE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local saved = redis.call('HMGET', KEYS[1], 't', 'a')
local tokens = tonumber(saved[1]) or burst
local at = tonumber(saved[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate)
local wait = 0
if tokens >= 1 then
  if ARGV[3] == 'take' then tokens = tokens - 1 end
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'a', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return tostring(wait)
"""


class RedisRateLimiter:
    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self.client: Any = redis.from_url(url)
        self.script = self.client.register_script(_TAKE)

    async def take(self, principal: str, rate: float, burst: int) -> float:
        return await self._run(principal, rate, burst, "take")

    async def pending(self, principal: str, rate: float, burst: int) -> float:
        return await self._run(principal, rate, burst, "peek")

    async def _run(self, principal: str, rate: float, burst: int, mode: str) -> float:
        wait = await self.script(keys=[f"c360:rate:{principal}"], args=[rate, burst, mode])
        return float(wait.decode() if isinstance(wait, bytes) else wait)

    async def aclose(self) -> None:
        await self.client.aclose()


def open_limiter(backend: str) -> RateLimiter:
    if backend == "memory":
        return MemoryRateLimiter()
    if backend.startswith(("redis://", "rediss://")):
        return RedisRateLimiter(backend)
    raise ValueError(f"unknown rate-limit backend {backend!r} (memory or redis://...)")
