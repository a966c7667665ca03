"""Requests per principal (pure ASGI), after :mod:`gateway.security.authentication`: each
principal draws from a token bucket refilled at its role's ``limits.rate``; an empty bucket is
answered 429 with ``Retry-After``."""

from __future__ import annotations

import math

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.security.principal import Principal
from gateway.security.ratelimit import RateLimiter
from gateway.security.refusal import refuse
from gateway.security.settings import SecuritySettings

__all__ = ["RateLimit"]


class RateLimit:
    def __init__(self, app: ASGIApp, settings: SecuritySettings, limiter: RateLimiter) -> None:
        self.app, self.settings, self.limiter = app, settings, limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal: Principal | None = scope.get("state", {}).get("principal")
        policy = self.settings.policy(principal.role) if principal is not None else None
        if principal is not None and policy is not None:
            key = f"{principal.kind}:{principal.id}"
            wait = await self.limiter.take(key, policy.limits.rate, policy.limits.burst)
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
