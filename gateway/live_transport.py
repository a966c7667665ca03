"""``/graphql`` over graphql-transport-ws: the caller's credentials in ``connection_init``,
each operation on a context of its own, and a heartbeat.

A websocket carries no ``X-API-Key`` or ``Authorization`` a browser could set, so the client
sends them as the ``connection_init`` payload, spelt as the HTTP headers are (a client that
can set headers on the handshake may send them there instead)::

    {"type": "connection_init", "payload": {"X-API-Key": "c360_...", "C360-Purpose": "call"}}

They are checked exactly as an HTTP request's are (:class:`~gateway.security.authentication.
Credentials`); refused credentials close the socket with 4403. They are checked again for
every operation the connection sends, which also draws from the principal's rate limit: a key
revoked since, or a caller past its rate, gets the operation refused with the code. Every
``server.live.heartbeat`` the gateway sends a ``ping``, so that proxies keep an idle connection
open and a client can tell a dead one; the timer runs on the runtime's clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, cast

from graphql import GraphQLError
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.streaming import SSETransport
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError

from gateway.context import GatewayContext
from gateway.security.authentication import Credentials, Verdict
from gateway.security.purpose import purpose_problem
from gateway.security.rate_limit import drawn

if TYPE_CHECKING:
    from strawberry.schema import BaseSchema

__all__ = ["LiveTransport", "client_address", "connect", "credentials_hold", "sse_transport"]


def _as_headers(payload: Mapping[str, Any], handshake: Mapping[str, str]) -> dict[str, bytes]:
    headers = {name.lower(): value.encode("latin-1") for name, value in handshake.items()}
    for name, value in payload.items():
        if isinstance(name, str) and isinstance(value, str):
            headers[name.lower()] = value.encode("latin-1", "replace")
    return headers


def _presented(context: GatewayContext, payload: Mapping[str, Any]) -> dict[str, bytes]:
    websocket = context.request
    handshake = dict(websocket.headers) if websocket is not None else {}
    return _as_headers(payload, handshake)


def client_address(context: GatewayContext) -> str:
    """The address of the connection's client ("unknown" when the server does not say)."""
    client = context.request.client if context.request is not None else None
    return client.host if client is not None else "unknown"


async def _verdict(context: GatewayContext, headers: Mapping[str, bytes]) -> Verdict:
    runtime = context.runtime
    assert runtime.limiter is not None
    credentials = Credentials(
        runtime.settings.security, runtime.keys, runtime.tokens, runtime.limiter
    )
    return await credentials.check(headers, client_address(context))


async def _lapsed(context: GatewayContext, headers: Mapping[str, bytes]) -> Verdict | None:
    """The refusal the connection's credentials get now, when they no longer name its
    principal (a key revoked since); None while they hold."""
    verdict = await _verdict(context, headers)
    return None if verdict.principal == context.principal else verdict


def _lapse_error(verdict: Verdict) -> tuple[str, str]:
    return (
        verdict.message or "the connection's credentials no longer hold",
        verdict.code or "UNAUTHENTICATED",
    )


async def connect(context: GatewayContext) -> None:
    """Who opened this connection, from its ``connection_init`` payload; refused as an HTTP
    request with the same credentials would be."""
    payload, context.connection_params = context.connection_params or {}, None
    runtime = context.runtime
    headers = _presented(context, payload)
    problem = purpose_problem(headers.get("c360-purpose", b""))
    if problem is not None:
        raise ConnectionRejectionError({"code": "BAD_REQUEST", "message": problem})
    context.purpose = headers.get("c360-purpose", b"").decode("latin-1")
    if runtime.limiter is None:
        return  # security is off: everyone is the same nobody, as over HTTP
    verdict = await _verdict(context, headers)
    if verdict.principal is None:
        raise ConnectionRejectionError({"code": verdict.code, "message": verdict.message})
    context.principal = verdict.principal
    context.policy = runtime.settings.security.policy(verdict.principal.role)


async def credentials_hold(context: GatewayContext) -> bool:
    """Whether the credentials of a live HTTP stream (GraphQL over SSE) still hold: a key
    revoked since does not. A websocket's operations are checked by :class:`LiveTransport`."""
    request = context.request
    if context.runtime.limiter is None or request is None or request.scope["type"] != "http":
        return True
    headers = {name.lower(): value.encode("latin-1") for name, value in request.headers.items()}
    return await _lapsed(context, headers) is None


class _PerOperation:
    """The schema, with each operation of a connection run on a context of its own: a
    subscription renews its context on every event, which two operations must not share.
    Each operation is checked as an HTTP request is: the connection's credentials again (a
    key revoked since is refused) and a draw from its principal's rate limit."""

    def __init__(self, schema: BaseSchema) -> None:
        self.schema = schema
        self.payload: Mapping[str, Any] = {}  # the connection_init payload

    async def stream(self, query: str | None, **kwargs: Any) -> Any:
        connection: GatewayContext = kwargs.pop("context_value")
        runtime = connection.runtime
        limiter = runtime.limiter
        if limiter is not None:
            lapsed = await _lapsed(connection, _presented(connection, self.payload))
            if lapsed is not None:
                return _refused(*_lapse_error(lapsed), lapsed.retry_after)
            wait = await drawn(runtime.settings.security, limiter, connection.principal)
            if wait > 0:
                return _refused("too many requests; retry later", "RATE_LIMITED", wait)
        own = runtime.context(
            connection.request, connection.response, connection.principal, connection.purpose
        )
        results = await self.schema.stream(query, context_value=own, **kwargs)
        return results if limiter is None else self._while_credentials_hold(connection, results)

    async def _while_credentials_hold(
        self, connection: GatewayContext, results: AsyncGenerator[Any]
    ) -> AsyncIterator[Any]:
        """The operation's answers; each after the first (a subscription's next change) only
        while the connection's credentials still hold: a revoked key's ends with its refusal."""
        async with contextlib.aclosing(results):
            first = True
            async for result in results:
                if not first:
                    lapsed = await _lapsed(connection, _presented(connection, self.payload))
                    if lapsed is not None:
                        message, code = _lapse_error(lapsed)
                        error = GraphQLError(message, extensions={"code": code})
                        yield ExecutionResult(data=None, errors=[error])
                        return
                first = False
                yield result


async def _refused(message: str, code: str, retry_after: float) -> AsyncIterator[Any]:
    extensions: dict[str, Any] = {"code": code}
    if retry_after:
        extensions["retryAfter"] = math.ceil(retry_after)
    yield PreExecutionError(data=None, errors=[GraphQLError(message, extensions=extensions)])


class LiveTransport(BaseGraphQLTransportWSHandler[GatewayContext, None]):
    """graphql-transport-ws as strawberry speaks it, with per-operation contexts and a
    heartbeat."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._operations = _PerOperation(self.schema)
        self.schema = cast("BaseSchema", self._operations)
        self._heartbeat: asyncio.Task[None] | None = None
        self._holder: str | None = None

    async def handle_connection_init(self, message: Any) -> None:
        payload = message.get("payload") if isinstance(message, Mapping) else None
        self._operations.payload = payload if isinstance(payload, Mapping) else {}
        await super().handle_connection_init(message)
        if not self.connection_acknowledged or self._holder is not None:
            return
        context = self.context
        holder = context.runtime.subscribers.open_connection(
            context.principal, client_address(context)
        )
        if holder is None:
            await self.websocket.close(code=1013, reason="too many open connections")
            return
        self._holder = holder
        if self._heartbeat is None:
            self._heartbeat = asyncio.create_task(self._beat(), name="c360-ws-heartbeat")

    async def _beat(self) -> None:
        runtime = self.context.runtime
        interval = runtime.settings.server.live.heartbeat
        loop = asyncio.get_running_loop()
        while True:
            due = asyncio.Event()

            def ring(due: asyncio.Event = due) -> None:  # from whatever thread moves the clock
                loop.call_soon_threadsafe(due.set)

            timer = runtime.clock.call_later(interval, ring)
            try:
                await due.wait()
            finally:
                timer.cancel()
            await self.send_message({"type": "ping", "payload": {"heartbeat": True}})

    async def shutdown(self) -> None:
        if self._holder is not None:
            self.context.runtime.subscribers.close_connection(self._holder)
            self._holder = None
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._heartbeat
        await super().shutdown()


def sse_transport(heartbeat: float) -> type[SSETransport]:
    """GraphQL over SSE as strawberry speaks it (distinct connections), with a comment line
    every ``heartbeat`` seconds on an idle stream."""

    class LiveEvents(SSETransport):
        def __init__(self) -> None:
            super().__init__(heartbeat_interval=heartbeat)

    return LiveEvents
