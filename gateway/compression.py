"""Compressed answers (pure ASGI): brotli or gzip, as the client's ``Accept-Encoding`` prefers.

An answer is compressed when it is whole in one message (a GraphQL answer, a page), of a
textual type, at least ``minimum_size`` bytes, and not already encoded. Anything streamed
(Server-Sent Events, a file sent in chunks) passes through as it comes, never held back::

    server:
      compression: {minimum_size: 1KB, gzip_level: 6, brotli_quality: 5}

Brotli is preferred where the client ranks both equally: it is the smaller of the two.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Callable

import brotli
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Compression", "CompressionSettings", "choose_encoding"]

_TEXTUAL = (b"text/", b"application/json", b"application/graphql-response+json", b"image/svg")
_STREAMED = b"text/event-stream"
_IN_THREAD = 256 * 1024  # larger bodies are compressed off the event loop


class CompressionSettings(BaseModel):
    """``server.compression``: answers from ``minimum_size`` bytes up are compressed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    minimum_size: int = Field(default=1024, ge=0)
    gzip_level: int = Field(default=6, ge=1, le=9)
    brotli_quality: int = Field(default=5, ge=0, le=11)


def choose_encoding(accept: str, offered: tuple[str, ...]) -> str | None:
    """The offered encoding the ``Accept-Encoding`` value ranks highest (earlier in
    ``offered`` on a tie), or ``None`` for the identity."""
    weights: dict[str, float] = {}
    for item in accept.split(","):
        name, _, params = item.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if name:
            weights[name.strip().lower()] = weight
    best: tuple[float, str] | None = None
    for encoding in offered:
        weight = weights.get(encoding, weights.get("*", 0.0))
        if weight > 0 and (best is None or weight > best[0]):
            best = (weight, encoding)
    return best[1] if best else None


class Compression:
    """The compression layer, outside the caching layer: an ``ETag`` names the answer, not
    one of its encodings (so it is weak)."""

    def __init__(self, app: ASGIApp, settings: CompressionSettings) -> None:
        self.app, self.settings = app, settings
        quality, level = settings.brotli_quality, settings.gzip_level
        self.coders: dict[str, Callable[[bytes], bytes]] = {
            "br": lambda body: bytes(brotli.compress(body, quality=quality)),
            "gzip": lambda body: gzip.compress(body, compresslevel=level, mtime=0),
        }
        self.offered = tuple(self.coders)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = b""
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accept = value
        encoding = choose_encoding(accept.decode("latin-1"), self.offered)
        start: Message | None = None
        passing = False

        async def compressing(message: Message) -> None:
            nonlocal start, passing
            if passing:
                await send(message)
            elif message["type"] == "http.response.start":
                start = message
                if not _compressible(message):
                    passing = True
                    await send(message)
            elif message["type"] == "http.response.body" and start is not None:
                passing = True  # one body message is all this layer ever holds
                await self._answer(start, message, encoding, send)
            else:
                await send(message)

        await self.app(scope, receive, compressing)

    async def _answer(
        self, start: Message, message: Message, encoding: str | None, send: Send
    ) -> None:
        body: bytes = message.get("body", b"")
        if message.get("more_body", False) or len(body) < self.settings.minimum_size:
            await send(start)
            await send(message)
            return
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"vary"]
        vary = [v for k, v in start["headers"] if k.lower() == b"vary"]
        headers.append((b"vary", b", ".join([*vary, b"Accept-Encoding"])))
        if encoding is not None:
            coder = self.coders[encoding]
            if len(body) >= _IN_THREAD:
                body = await asyncio.to_thread(coder, body)
            else:
                body = coder(body)
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            headers += [
                (b"content-encoding", encoding.encode()),
                (b"content-length", str(len(body)).encode()),
            ]
        await send({**start, "headers": headers})
        await send({**message, "body": body})


def _compressible(start: Message) -> bool:
    if not 200 <= start["status"] < 300 or start["status"] == 204:
        return False
    content_type = b""
    for name, value in start.get("headers", ()):
        lowered = name.lower()
        if lowered == b"content-encoding":
            return False
        if lowered == b"content-type":
            content_type = value.lower()
    if content_type.startswith(_STREAMED):
        return False
    return content_type.startswith(_TEXTUAL) or b"+json" in content_type
