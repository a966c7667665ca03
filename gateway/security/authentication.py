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
from collections.abc import Mapping
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.security.key_cache import KeyCache
from gateway.security.principal import Principal
from gateway.security.ratelimit import RateLimiter
from gateway.security.refusal import refuse
from gateway.security.settings import SecuritySettings
from gateway.security.tokens import InvalidToken, TokenVerifier

__all__ = ["Authentication", "Credentials", "Verdict"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """Who presented the credentials, or why they are refused (an HTTP status and a code)."""

    principal: Principal | None
    status: int = 200
    code: str = ""
    message: str = ""
    retry_after: float = 0.0


class Credentials:
    """Checks the credentials a caller presents, however they came: the headers of an HTTP
    request (:class:`Authentication`) or the ``connection_init`` payload of a websocket."""

    def __init__(
        self,
        settings: SecuritySettings,
        keys: KeyCache | None,
        tokens: TokenVerifier | None,
        limiter: RateLimiter,
    ) -> None:
        self.settings, self.keys, self.tokens, self.limiter = settings, keys, tokens, limiter

    async def check(self, headers: Mapping[str, bytes], client: str) -> Verdict:
        """``headers`` by lower-case name; ``client`` is the caller's address."""
        presented = "x-api-key" in headers or "authorization" in headers
        address = f"auth-failures:{client}"
        limit = self.settings.failed_auth
        if presented and (wait := await self.limiter.pending(address, limit.rate, limit.burst)):
            message = "too many failed authentications from this address; retry later"
            return Verdict(None, 429, "RATE_LIMITED", message, wait)
        principal, failure = await self._principal(headers)
        if principal is None:
            if presented:
                await self.limiter.take(address, limit.rate, limit.burst)
            return Verdict(None, 401, "UNAUTHENTICATED", failure)
        if self.settings.policy(principal.role) is None:
            message = f"role {principal.role[:64]!r} may not use the gateway"
            return Verdict(None, 403, "FORBIDDEN", message)
        return Verdict(principal)

    async def _principal(self, headers: Mapping[str, bytes]) -> tuple[Principal | None, str]:
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
        self.app, self.ide, self.paths = app, ide, paths
        self.credentials = Credentials(settings, keys, tokens, limiter)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.paths):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v for k, v in scope["headers"]}
        if self._ide_page(scope, headers):
            await self.app(scope, receive, send)  # the GraphiQL page itself holds no data
            return
        verdict = await self.credentials.check(headers, (scope.get("client") or ("unknown",))[0])
        if verdict.principal is None:
            extra = {
                429: [(b"retry-after", str(math.ceil(verdict.retry_after)).encode())],
                401: [(b"www-authenticate", b'Bearer realm="c360"')],
            }.get(verdict.status)
            await refuse(send, verdict.status, verdict.code, verdict.message, extra)
            return
        scope.setdefault("state", {})["principal"] = verdict.principal
        await self.app(scope, receive, send)

    def _ide_page(self, scope: Scope, headers: dict[str, bytes]) -> bool:
        return (
            self.ide
            and scope["method"] == "GET"
            and b"text/html" in headers.get("accept", b"")
            and not scope.get("query_string")
        )
