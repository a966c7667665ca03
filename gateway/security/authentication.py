"""Who is calling (pure ASGI), before any GraphQL work.

``X-API-Key`` or ``Authorization: Bearer <JWT>`` -> a :class:`Principal` in
``scope["state"]["principal"]``; no credentials -> the anonymous role if one is configured,
else 401; bad ones -> 401; a role the config does not know -> 403. Failed attempts are
counted per client address: past ``security.failed_auth`` the address is answered 429 before
its credentials are even looked at, so keys cannot be guessed at full speed. Only the bare
GraphiQL page (a GET for HTML without a query) passes without credentials.
"""

from __future__ import annotations

import math

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.security.key_cache import KeyCache
from gateway.security.principal import Principal
from gateway.security.ratelimit import RateLimiter
from gateway.security.refusal import refuse
from gateway.security.settings import SecuritySettings
from gateway.security.tokens import InvalidToken, TokenVerifier

__all__ = ["Authentication"]


class Authentication:
    def __init__(
        self,
        app: ASGIApp,
        settings: SecuritySettings,
        keys: KeyCache | None,
        tokens: TokenVerifier | None,
        limiter: RateLimiter,
        ide: bool = True,
        paths: tuple[str, ...] = ("/graphql",),
    ) -> None:
        self.app, self.settings, self.keys, self.tokens = app, settings, keys, tokens
        self.limiter, self.ide, self.paths = limiter, ide, paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.paths):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v for k, v in scope["headers"]}
        if self._ide_page(scope, headers):
            await self.app(scope, receive, send)  # the GraphiQL page itself holds no data
            return
        presented = "x-api-key" in headers or "authorization" in headers
        address = f"auth-failures:{(scope.get('client') or ('unknown', 0))[0]}"
        limit = self.settings.failed_auth
        if presented and (wait := await self.limiter.pending(address, limit.rate, limit.burst)):
            await _too_many(send, wait)
            return
        principal, failure = await self._principal(headers)
        if principal is None:
            if presented:
                await self.limiter.take(address, limit.rate, limit.burst)
            await refuse(
                send,
                401,
                "UNAUTHENTICATED",
                failure,
                [(b"www-authenticate", b'Bearer realm="c360"')],
            )
            return
        if self.settings.policy(principal.role) is None:
            await refuse(
                send, 403, "FORBIDDEN", f"role {principal.role[:64]!r} may not use the gateway"
            )
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)

    def _ide_page(self, scope: Scope, headers: dict[str, bytes]) -> bool:
        return (
            self.ide
            and scope["method"] == "GET"
            and b"text/html" in headers.get("accept", b"")
            and not scope.get("query_string")
        )

    async def _principal(self, headers: dict[str, bytes]) -> tuple[Principal | None, str]:
        key = headers.get("x-api-key")
        auth = headers.get("authorization", b"")
        if key is not None:
            found = await self.keys.verify(key.decode("latin-1")) if self.keys else None
            return found, "invalid or revoked API key"
        if auth:
            scheme, _, token = auth.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer" or not token or self.tokens is None:
                return None, "unsupported Authorization scheme"
            try:
                return await self.tokens.verify(token.strip()), ""
            except InvalidToken as exc:
                return None, f"invalid token: {exc}"
        if self.settings.anonymous_role:
            return Principal("anonymous", "anonymous", self.settings.anonymous_role), ""
        return None, "credentials required: X-API-Key or Authorization: Bearer"


async def _too_many(send: Send, wait: float) -> None:
    await refuse(
        send,
        429,
        "RATE_LIMITED",
        "too many failed authentications from this address; retry later",
        [(b"retry-after", str(math.ceil(wait)).encode())],
    )
