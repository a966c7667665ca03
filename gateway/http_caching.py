"""HTTP caching of GET queries: ``Cache-Control`` from what the answer holds, and a weak
``ETag`` with ``If-None-Match`` -> 304 (pure ASGI).

``Cache-Control`` of a GET answer (:func:`cache_control`):

- ``no-store`` for an answer with errors, and for a row-scoped role's (a dealer's) unless
  ``row_scoped: true``;
- ``private`` when it holds personal data (it was built from any source record: every
  record c360 reads is a customer's) or answers a credential, else ``public``;
- ``max-age`` the smallest remaining freshness of the records it used
  (:func:`gateway.freshness.remaining_freshness`), at most ``max_age``; ``no-cache`` (keep it,
  but ask again with its ``ETag``) when that is none::

    server:
      http_cache: {max_age: 5m, row_scoped: false}

Mutations are never run over GET (strawberry allows only queries there). POST answers are not
HTTP-cached.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import orjson
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connectors.options import Duration
from gateway.freshness import remaining_freshness

if TYPE_CHECKING:
    from strawberry.types import ExecutionResult

    from gateway.context import GatewayContext

__all__ = [
    "ConditionalGet",
    "HttpCacheSettings",
    "answer_cache_control",
    "answer_headers",
    "cache_control",
]

NO_STORE = "no-store"


class HttpCacheSettings(BaseModel):
    """``server.http_cache``: how GET answers may be kept by browsers and HTTP caches."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True  # off: every GET answer is no-store
    max_age: Duration = Field(default=300.0, ge=0, le=86_400)
    row_scoped: bool = False  # a row-scoped role's answers may be kept (privately) too


def cache_control(
    settings: HttpCacheSettings,
    *,
    errors: bool,
    personal: bool,
    row_scoped: bool,
    freshness: float | None,
) -> str:
    """The ``Cache-Control`` of one GET answer."""
    if not settings.enabled or errors or (row_scoped and not settings.row_scoped):
        return NO_STORE
    visibility = "private" if personal or row_scoped else "public"
    seconds = 0 if freshness is None else int(min(freshness, settings.max_age))
    if seconds <= 0:
        return f"{visibility}, no-cache"
    return f"{visibility}, max-age={seconds}"


def answer_cache_control(context: GatewayContext, errors: bool) -> str:
    """:func:`cache_control` for the answer of the request whose context this is."""
    runtime = context.runtime
    recording = context.recording
    policy = context.policy
    return cache_control(
        runtime.settings.server.http_cache,
        errors=errors or bool(recording.failed),
        personal=bool(recording.info) or context.principal is not None,
        row_scoped=policy is not None and policy.row_scope is not None,
        freshness=remaining_freshness(recording, context.sources, runtime.clock.now()),
    )


def answer_headers(context: GatewayContext, result: ExecutionResult) -> dict[str, str]:
    """The caching headers of one GET answer: ``Cache-Control``, and a weak ``ETag`` over
    what it says (its data and extensions; not ``extensions.sources``, which says how it was
    fetched) when it may be kept."""
    control = answer_cache_control(context, errors=bool(result.errors))
    headers = {"cache-control": control}
    if control != NO_STORE:
        said = {k: v for k, v in (result.extensions or {}).items() if k != "sources"}
        digest = hashlib.sha256(orjson.dumps([result.data, said], option=_SORTED)).hexdigest()
        headers["etag"] = f'W/"{digest[:32]}"'
    if context.principal is not None:
        headers["vary"] = "Authorization, X-Api-Key"
    return headers


_SORTED = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    # weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored
    if if_none_match.strip() == b"*":
        return True
    bare = etag.removeprefix(b"W/")
    return any(tag.strip().removeprefix(b"W/") == bare for tag in if_none_match.split(b","))


class ConditionalGet:
    """Answers 304 (no body) to a GET of ``/graphql`` whose ``If-None-Match`` names the
    answer's ``ETag``; a GET answer without ``Cache-Control`` (refused before the query ran)
    gets ``no-store``. Nothing is held back: only the start of the answer is looked at."""

    def __init__(self, app: ASGIApp, paths: tuple[str, ...] = ("/graphql",)) -> None:
        self.app, self.paths = app, paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(self.paths)
        ):
            await self.app(scope, receive, send)
            return
        if_none_match = None
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value
        not_modified = False

        async def conditional(message: Message) -> None:
            nonlocal not_modified
            if message["type"] == "http.response.start":
                message, not_modified = _start(message, if_none_match)
            elif not_modified and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, conditional)


_NOT_IN_304 = {b"content-length", b"content-type", b"content-encoding"}


def _start(start: Message, if_none_match: bytes | None) -> tuple[Message, bool]:
    """The start of the answer, and whether it became a 304."""
    headers = list(start.get("headers", ()))
    names = {k.lower(): v for k, v in headers}
    etag = names.get(b"etag")
    if start["status"] == 200 and if_none_match and etag and _matches(if_none_match, etag):
        kept = [(k, v) for k, v in headers if k.lower() not in _NOT_IN_304]
        return {**start, "status": 304, "headers": kept}, True
    if b"cache-control" not in names and not names.get(b"content-type", b"").startswith(
        b"text/"  # the GraphiQL page, an event stream: not answers of a query
    ):
        headers.append((b"cache-control", NO_STORE.encode()))
        return {**start, "headers": headers}, False
    return start, False
