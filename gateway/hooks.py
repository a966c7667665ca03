"""``POST /hooks/invalidate/{source}``: a legacy system (or its change feed) says which records
changed, and the gateway drops them from the cache.

The body is JSON, ``{"entity": "person", "keys": ["C-1042", ...]}``, signed with the source's
``webhook_secret`` together with the time of sending: the header
``X-C360-Signature: t=<unix seconds>,sha256=<hex HMAC-SHA256 of "<t>." + the raw body>``.
Once the records are dropped, the change is published on the event bus (:mod:`gateway.events`),
so that live subscriptions of the customers holding them re-resolve.
A signature more than :data:`TOLERANCE` seconds from the gateway's clock is refused, and so is
one already used (each is remembered for as long as it would be accepted), so a captured hook
cannot be replayed, to this gateway or, when the cache backend is Redis, to any other gateway
sharing that Redis. A source without a secret accepts no hook.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse

from gateway.events import CustomerChanged

if TYPE_CHECKING:
    from gateway.runtime import Runtime

__all__ = [
    "MAX_HOOK_BYTES",
    "TOLERANCE",
    "RedisReplayGuard",
    "ReplayGuard",
    "invalidate_hook",
    "open_replay_guard",
    "signature",
]

MAX_HOOK_BYTES = 1_000_000
MAX_KEYS = 10_000


TOLERANCE = 300.0


def signature(secret: str, body: bytes, at: float | None = None) -> str:
    """The ``X-C360-Signature`` header for ``body`` sent at ``at`` (now by default)."""
    stamp = int(time.time() if at is None else at)
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    return f"t={stamp},sha256={digest.hexdigest()}"


class ReplayGuard:
    """Signatures seen within the tolerance window, in this process; ``clock`` is the
    gateway's wall clock. :class:`RedisReplayGuard` shares them between gateways."""

    def __init__(self, clock: Callable[[], float] = time.time, limit: int = 100_000) -> None:
        self.clock, self.limit = clock, limit
        self._seen: dict[str, float] = {}  # signature -> when it stops being accepted

    def check(self, secret: str, body: bytes, header: str) -> str | None:
        """None when the signature is good, fresh and new; else why not."""
        refused, given, until = self.verify(secret, body, header)
        if refused is not None:
            return refused
        now = self.clock()
        self._seen = {s: until for s, until in self._seen.items() if until >= now}
        if given in self._seen:
            return "X-C360-Signature already used"
        if len(self._seen) >= self.limit:
            return "too many hooks within the tolerance window; retry later"
        self._seen[given] = until
        return None

    def verify(self, secret: str, body: bytes, header: str) -> tuple[str | None, str, float]:
        """(why the signature is refused or None, the signature, until when it is accepted),
        replays aside."""
        parts = dict(p.partition("=")[::2] for p in header.split(","))
        stamp, given = parts.get("t", ""), parts.get("sha256", "")
        if not stamp.isdigit() or len(stamp) > 12:
            return "missing or wrong X-C360-Signature", given, 0.0
        expected = signature(secret, body, int(stamp)).rpartition("sha256=")[2]
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return "missing or wrong X-C360-Signature", given, 0.0
        if abs(self.clock() - int(stamp)) > TOLERANCE:
            return f"X-C360-Signature is more than {TOLERANCE:g} s old or ahead", given, 0.0
        return None, given, int(stamp) + TOLERANCE

    async def admit(self, secret: str, body: bytes, header: str) -> str | None:
        """Like :meth:`check`: what the hook endpoint asks."""
        return self.check(secret, body, header)

    async def aclose(self) -> None:
        self._seen.clear()


class RedisReplayGuard(ReplayGuard):
    """The signatures seen by any gateway sharing one Redis: each is set there once with
    ``SET NX``, expiring when the tolerance window closes, so a hook replayed to another
    gateway of the fleet is refused too."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        super().__init__(clock)
        from redis.asyncio import Redis

        self.redis = Redis.from_url(url)

    async def admit(self, secret: str, body: bytes, header: str) -> str | None:
        refused, given, until = self.verify(secret, body, header)
        if refused is not None:
            return refused
        seconds = max(1, math.ceil(until - self.clock()))
        first = await self.redis.set(f"c360:v1:hook-signature:{given}", b"1", nx=True, ex=seconds)
        return None if first else "X-C360-Signature already used"

    async def aclose(self) -> None:
        await self.redis.aclose()


def open_replay_guard(redis: str | None, clock: Callable[[], float] = time.time) -> ReplayGuard:
    """In Redis when the cache backend is Redis (``cache.redis``), else in this process."""
    return RedisReplayGuard(redis, clock) if redis is not None else ReplayGuard(clock)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def invalidate_hook(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    name = request.path_params["source"]
    connector = runtime.sources.get(name)
    secret = connector.config.webhook_secret if connector is not None else None
    if connector is None or secret is None:
        return _error(404, f"no source {name[:100]!r} accepts invalidation hooks")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_HOOK_BYTES):
        return _error(413, f"the body may hold at most {MAX_HOOK_BYTES} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_HOOK_BYTES:
            return _error(413, f"the body may hold at most {MAX_HOOK_BYTES} bytes")
    header = request.headers.get("x-c360-signature", "")
    refused = await runtime.hook_replays.admit(secret, body, header)
    if refused is not None:
        return _error(401, refused)
    try:
        payload = json.loads(body)
        entity, keys = payload["entity"], payload["keys"]
    except (ValueError, KeyError, TypeError):
        return _error(400, 'expected {"entity": "...", "keys": ["...", ...]}')
    if entity not in connector.entities:
        return _error(400, f"{name} serves no entity {str(entity)[:100]!r}")
    if (
        not isinstance(keys, list)
        or not all(isinstance(k, str) for k in keys)
        or len(keys) > MAX_KEYS
    ):
        return _error(400, f"keys must be a list of at most {MAX_KEYS} strings")
    cache = runtime.cache
    dropped = await cache.invalidate(name, entity, keys) if cache is not None else 0
    await runtime.events.publish(CustomerChanged(name, entity, tuple(keys), cause="webhook"))
    return JSONResponse({"source": name, "entity": entity, "keys": len(keys), "dropped": dropped})
