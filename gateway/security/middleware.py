"""Authentication at the HTTP boundary (pure ASGI), before any GraphQL work.

``X-API-Key`` or ``Authorization: Bearer <JWT>`` -> a :class:`Principal` in
``scope["state"]["principal"]``; no credentials -> the anonymous role if one is configured,
else 401; bad ones -> 401. Also: the body size limit (413), the ``C360-Purpose`` header (400 if
it holds control characters), and the per-principal rate limit (429 with ``Retry-After``).
Every refusal is a GraphQL-shaped error that never echoes what was presented.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.security.keys import KeyStore
from gateway.security.principal import Principal
from gateway.security.ratelimit import RateLimiter
from gateway.security.settings import SecuritySettings
from gateway.security.tokens import InvalidToken, TokenVerifier

__all__ = ["SecurityMiddleware"]

PROTECTED = ("/graphql",)
MAX_PURPOSE = 200


async def _refuse(
    send: Send,
    status: int,
    code: str,
    message: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        settings: SecuritySettings,
        keys: KeyStore | None,
        tokens: TokenVerifier | None,
        limiter: RateLimiter,
        ide: bool = True,
    ) -> None:
        self.ide = ide
        self.app, self.settings, self.keys, self.tokens = app, settings, keys, tokens
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PROTECTED):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v for k, v in scope["headers"]}
        purpose = headers.get("c360-purpose", b"")
        if len(purpose) > MAX_PURPOSE or any(b < 0x20 or b == 0x7F for b in purpose):
            await _refuse(
                send,
                400,
                "BAD_REQUEST",
                f"C360-Purpose must be printable text of at most {MAX_PURPOSE} characters",
            )
            return
        declared = headers.get("content-length")
        if declared is not None and (
            not declared.isdigit() or int(declared) > self.settings.max_body_bytes
        ):
            await _refuse(
                send,
                413,
                "PAYLOAD_TOO_LARGE",
                f"the request body may hold at most {self.settings.max_body_bytes} bytes",
            )
            return
        if (
            self.ide
            and scope["method"] == "GET"
            and b"text/html" in headers.get("accept", b"")
            and not scope.get("query_string")
        ):
            await self.app(scope, receive, send)  # the GraphiQL page itself holds no data
            return
        principal, failure = await self._principal(headers)
        if principal is None:
            await _refuse(
                send,
                401,
                "UNAUTHENTICATED",
                failure,
                [(b"www-authenticate", b'Bearer realm="c360"')],
            )
            return
        policy = self.settings.policy(principal.role)
        if policy is None:
            await _refuse(
                send, 403, "FORBIDDEN", f"role {principal.role[:64]!r} may not use the gateway"
            )
            return
        wait = await self.limiter.take(
            f"{principal.kind}:{principal.id}", policy.limits.rate, policy.limits.burst
        )
        if wait > 0:
            await _refuse(
                send,
                429,
                "RATE_LIMITED",
                "too many requests; retry later",
                [(b"retry-after", str(math.ceil(wait)).encode())],
            )
            return
        scope.setdefault("state", {})["principal"] = principal
        scope["state"]["purpose"] = purpose.decode("latin-1")
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, self._bounded(receive), tracked)
        except _TooLarge:
            if not started:
                await _refuse(
                    send,
                    413,
                    "PAYLOAD_TOO_LARGE",
                    f"the request body may hold at most {self.settings.max_body_bytes} bytes",
                )

    def _bounded(self, receive: Receive) -> Receive:
        """Counts a body sent without a length, and cuts it off past the limit."""
        seen = 0
        limit = self.settings.max_body_bytes

        async def guarded() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge()
            return message

        return guarded

    async def _principal(self, headers: dict[str, Any]) -> tuple[Principal | None, str]:
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


class _TooLarge(Exception):
    pass
