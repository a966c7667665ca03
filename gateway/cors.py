"""Cross-origin requests (pure ASGI): which web pages of other origins may call ``/graphql``.

Off unless ``server.cors`` is configured. An allowed origin's request gets
``Access-Control-Allow-Origin`` (its own origin echoed, never ``*`` with credentials); a
preflight (``OPTIONS`` with ``Access-Control-Request-Method``) is answered here, without
touching authentication or GraphQL; a disallowed origin gets no CORS header at all, so the
browser withholds the answer from its page::

    server:
      cors:
        origins: ["https://app.example.com", "https://*.example.com", "http://localhost:*"]
        credentials: true
        max_age: 10m

An origin pattern is ``scheme://host[:port]``; ``*.`` may lead the host (any subdomain, not
the bare domain) and ``*`` may stand for the port (any port, or none).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connectors.options import Duration
from gateway.security.refusal import refuse

__all__ = ["Cors", "CorsSettings", "origin_pattern"]

_PATTERN = re.compile(r"^(https?)://(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(\d{1,5}|\*))?$")
_METHODS = ("GET", "POST")
# what the gateway reads of a request: the credentials, the audit purpose, a request id
DEFAULT_HEADERS = ("authorization", "c360-purpose", "content-type", "x-api-key", "x-request-id")
DEFAULT_EXPOSED = ("etag", "x-request-id")


def origin_pattern(origin: str) -> re.Pattern[str]:
    """The regular expression an origin pattern stands for; ``ValueError`` saying why not."""
    found = _PATTERN.match(origin.lower())
    if found is None:
        raise ValueError(
            f"{origin!r} is not an origin such as https://app.example.com, "
            "https://*.example.com or http://localhost:*"
        )
    scheme, wildcard, host, port = found.groups()
    regex = re.escape(f"{scheme}://")
    regex += r"(?:[a-z0-9-]+\.)+" if wildcard else ""
    regex += re.escape(host)
    if port == "*":
        regex += r"(?::\d{1,5})?"
    elif port is not None:
        regex += re.escape(f":{port}")
    return re.compile(regex + "$")


class CorsSettings(BaseModel):
    """``server.cors``: the origins whose pages may call the gateway, and what they may send."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    origins: tuple[str, ...] = Field(min_length=1)
    credentials: bool = False  # cookies or HTTP authentication sent by the browser
    headers: tuple[str, ...] = DEFAULT_HEADERS
    expose_headers: tuple[str, ...] = DEFAULT_EXPOSED
    max_age: Duration = Field(default=600.0, ge=0, le=86_400)

    @field_validator("origins")
    @classmethod
    def _origins(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        for origin in origins:
            origin_pattern(origin)
        return origins

    @field_validator("headers", "expose_headers")
    @classmethod
    def _header_names(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        for name in names:
            if not re.fullmatch(r"[A-Za-z0-9-]+", name):
                raise ValueError(f"{name!r} is not a header name")
        return tuple(name.lower() for name in names)


class Cors:
    """The CORS layer; outermost, so that refusals of the layers inside reach the page too."""

    def __init__(
        self, app: ASGIApp, settings: CorsSettings, paths: tuple[str, ...] = ("/graphql",)
    ) -> None:
        self.app, self.settings, self.paths = app, settings, paths
        self.patterns = tuple(origin_pattern(o) for o in settings.origins)
        allow = [(b"access-control-allow-credentials", b"true")] if settings.credentials else []
        self._always = [*allow, (b"vary", b"Origin")]
        self._exposed = ", ".join(settings.expose_headers).encode()
        self._preflight = [
            *allow,
            (b"access-control-allow-methods", ", ".join(_METHODS).encode()),
            (b"access-control-allow-headers", ", ".join(settings.headers).encode()),
            (b"access-control-max-age", str(round(settings.max_age)).encode()),
            (b"vary", b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # websockets check their origin where they are accepted
        if scope["type"] != "http" or not scope["path"].startswith(self.paths):
            await self.app(scope, receive, send)
            return
        origin = requested = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value.decode("latin-1")
            elif name == b"access-control-request-method":
                requested = value.decode("latin-1")
        allowed = origin is not None and self._allows(origin)
        if scope["method"] == "OPTIONS" and requested is not None:
            await self._answer_preflight(scope, send, origin if allowed else None, requested)
            return
        if allowed:
            assert origin is not None
            headers = [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                *self._always,
                *([(b"access-control-expose-headers", self._exposed)] if self._exposed else []),
            ]
        else:
            # the answer depends on the origin: a shared cache must not hand it to another
            headers = [(b"vary", b"Origin")]

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *headers]
            await send(message)

        await self.app(scope, receive, with_cors)

    def _allows(self, origin: str) -> bool:
        lowered = origin.lower()
        return any(pattern.match(lowered) for pattern in self.patterns)

    async def _answer_preflight(
        self, scope: Scope, send: Send, origin: str | None, method: str
    ) -> None:
        wanted = dict(scope["headers"]).get(b"access-control-request-headers", b"")
        names = {h.strip().lower() for h in wanted.decode("latin-1").split(",") if h.strip()}
        if (
            origin is None
            or method.upper() not in _METHODS
            or not names <= set(self.settings.headers)
        ):
            # no CORS header: the browser refuses the page's request
            await refuse(send, 403, "CORS_FORBIDDEN", "this cross-origin request is not allowed")
            return
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [
                    (b"access-control-allow-origin", origin.encode("latin-1")),
                    *self._preflight,
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})
