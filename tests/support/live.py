"""Live subscriptions over real sockets: the gateway under uvicorn, a graphql-transport-ws
client (``websockets``) and a GraphQL-over-SSE reader (httpx)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send
from websockets.asyncio.client import ClientConnection, connect

from gateway.app import create_app
from gateway.clock import Clock
from gateway.config import Settings
from gateway.hooks import signature
from gateway.runtime import Runtime
from tests.support.servers import serve

T = TypeVar("T")

CUSTOMER_CHANGED = """
subscription Live($id: ID!) {
  customerChanged(id: $id) { id email phone name { full } }
}
"""


@dataclass
class LiveGateway:
    """The served app, its base URL and the event loop it runs on (another thread)."""

    url: str
    app: Starlette
    loop: asyncio.AbstractEventLoop

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/graphql"

    async def on_server(self, work: Coroutine[Any, Any, T], within: float = 5.0) -> T:
        """Run ``work`` on the server's loop; its result here."""
        future = asyncio.run_coroutine_threadsafe(work, self.loop)
        return await asyncio.wait_for(asyncio.wrap_future(future), within)

    async def hook(self, source: str, secret: str, entity: str, *keys: str) -> httpx.Response:
        body = json.dumps({"entity": entity, "keys": list(keys)}).encode()
        async with httpx.AsyncClient(base_url=self.url) as client:
            return await client.post(
                f"/hooks/invalidate/{source}",
                content=body,
                headers={"X-C360-Signature": signature(secret, body)},
            )


@contextmanager
def live_gateway(settings: Settings, clock: Clock) -> Iterator[LiveGateway]:
    app = create_app(settings, clock=clock)
    loops: list[asyncio.AbstractEventLoop] = []

    async def noting_the_loop(scope: Scope, receive: Receive, send: Send) -> None:
        if not loops:
            loops.append(asyncio.get_running_loop())
        await app(scope, receive, send)

    with serve(noting_the_loop) as url:
        yield LiveGateway(url, app, loops[0])


@asynccontextmanager
async def ws_session(
    gateway: LiveGateway, payload: dict[str, Any] | None = None
) -> AsyncIterator[ClientConnection]:
    """A graphql-transport-ws connection, initialised with ``payload`` and acknowledged."""
    async with connect(gateway.ws_url(), subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
        ack = await receive(socket)
        assert ack["type"] == "connection_ack", ack
        yield socket


async def receive(socket: ClientConnection, within: float = 5.0) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), within))
    return message


async def subscribe(
    socket: ClientConnection, op: str, id: str, query: str = CUSTOMER_CHANGED
) -> None:
    message = {"id": op, "type": "subscribe", "payload": {"query": query, "variables": {"id": id}}}
    await socket.send(json.dumps(message))


@asynccontextmanager
async def sse_subscription(
    gateway: LiveGateway, key: str, id: str
) -> AsyncIterator[httpx.Response]:
    """``customerChanged(id)`` over GraphQL over SSE with the API key ``key``: the streamed
    answer (its events: :func:`sse_events`)."""
    body = {"query": CUSTOMER_CHANGED, "variables": {"id": id}}
    headers = {"X-API-Key": key, "Accept": "text/event-stream"}
    async with (
        httpx.AsyncClient(base_url=gateway.url) as client,
        client.stream("POST", "/graphql", json=body, headers=headers) as response,
    ):
        yield response


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, str]]:
    """``(event, data)`` of a GraphQL-over-SSE answer, comments (heartbeats) as ``("", text)``."""
    event, data = "", ""
    async for line in response.aiter_lines():
        if line.startswith(":"):
            yield "", line[1:].strip()
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data = line[5:].strip()
        elif not line and event:
            yield event, data
            event, data = "", ""
