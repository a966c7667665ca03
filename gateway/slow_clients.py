"""Clients too slow, or gone: they must not hold a connection, nor fill the log with tracebacks.

Two bounds, both in ``server:`` (``header_timeout``, default 10 s; ``body_timeout``, default
30 s):

- :class:`HeaderDeadlineProtocol`, uvicorn's httptools protocol that closes a connection whose
  request headers are not complete in time (uvicorn alone waits for ever for a request that is
  never finished);
- :class:`BodyDeadline`, pure ASGI middleware that answers 408 when the body has not all
  arrived in time (shorter than its ``Content-Length``), and logs a client that went away
  mid-request as one INFO line instead of an ERROR traceback.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import uvicorn
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.request_body import error_response

__all__ = [
    "BODY_TIMEOUT",
    "HEADER_TIMEOUT",
    "BodyDeadline",
    "HeaderDeadlineProtocol",
    "ServerConfig",
]

logger = logging.getLogger("c360.http")

HEADER_TIMEOUT = 10.0
BODY_TIMEOUT = 30.0


class ServerConfig(uvicorn.Config):
    """uvicorn's config with :class:`HeaderDeadlineProtocol` and its ``header_timeout``
    (an attribute, so that it reaches worker processes with the config)."""

    def __init__(self, app: Any, *, header_timeout: float = HEADER_TIMEOUT, **options: Any):
        super().__init__(app, http=HeaderDeadlineProtocol, **options)
        self.header_timeout = header_timeout


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """Closes a connection whose request headers are not complete ``header_timeout`` seconds
    after the connection or the request began."""

    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        config = self.config
        seconds = config.header_timeout if isinstance(config, ServerConfig) else HEADER_TIMEOUT
        self._header_timer = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            logger.info("closed a connection: request headers not complete in time")
            self.transport.close()


class _BodyTooSlow(Exception):
    pass


class BodyDeadline:
    """Bounds the time a request's body may take to arrive, from the app's first read until
    its last part; what the app reads after that (a wait for a disconnect) is not bounded."""

    def __init__(self, app: ASGIApp, timeout: float = BODY_TIMEOUT) -> None:
        self.app, self.timeout = app, timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline: float | None = None
        complete = started = False

        async def bounded() -> Message:
            nonlocal deadline, complete
            if complete:
                return await receive()
            if deadline is None:
                deadline = asyncio.get_running_loop().time() + self.timeout
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise _BodyTooSlow() from None
            complete = message["type"] != "http.request" or not message.get("more_body")
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, bounded, tracked)
        except _BodyTooSlow:
            logger.info("request body not complete within %gs; answered 408", self.timeout)
            if not started:
                message = f"the request body did not arrive within {self.timeout:g}s"
                await error_response(408, message)(scope, receive, send)
        except ClientDisconnect:
            # the client went away before its request was read: there is nobody to answer
            logger.info("client disconnected before its request was read")
