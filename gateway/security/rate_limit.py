"""Requests per principal (pure ASGI), after :mod:`gateway.security.authentication`: each
principal draws from a token bucket refilled at its role's ``limits.rate``; an empty bucket is
answered 429 with ``Retry-After``. Each operation sent over a websocket draws from the same
bucket (:func:`drawn`, :mod:`gateway.live_transport`)."""

from __future__ import annotations

import math

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.security.principal import Principal
from gateway.security.ratelimit import RateLimiter
from gateway.security.refusal import refuse
from gateway.security.settings import SecuritySettings

__all__ = ["RateLimit", "drawn"]


async def drawn(
    settings: SecuritySettings, limiter: RateLimiter, principal: Principal | None
) -> float:
    """Take one request of ``principal`` from its bucket: 0, or the seconds until one is
    left (nothing taken)."""
    policy = settings.policy(principal.role) if principal is not None else None
    if principal is None or policy is None:
        return 0.0
    return await limiter.take(principal.label, policy.limits.rate, policy.limits.burst)


class RateLimit:
    def __init__(self, app: ASGIApp, settings: SecuritySettings, limiter: RateLimiter) -> None:
        self.app, self.settings, self.limiter = app, settings, limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal: Principal | None = scope.get("state", {}).get("principal")
        wait = await drawn(self.settings, self.limiter, principal)
        if wait > 0:
            await refuse(
                send,
                429,
                "RATE_LIMITED",
                "too many requests; retry later",
                [(b"retry-after", str(math.ceil(wait)).encode())],
            )
            return
        await self.app(scope, receive, send)
