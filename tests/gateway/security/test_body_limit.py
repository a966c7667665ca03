"""The body limit alone, around a plain ASGI app."""

from __future__ import annotations

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from gateway.security.body_limit import BodyLimit


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    body = await Request(scope, receive).body()
    await JSONResponse({"read": len(body)})(scope, receive, send)


def client() -> httpx.AsyncClient:
    app = BodyLimit(echo, 1000)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t")


async def test_declared_and_streamed_bodies_past_the_limit_are_413() -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 100

    async with client() as http:
        small = await http.post("/graphql", content=b"x" * 1000)
        declared = await http.post("/graphql", content=b"x" * 1001)
        streamed = await http.post("/graphql", content=chunks())
    assert small.json() == {"read": 1000}
    assert declared.status_code == streamed.status_code == 413
    assert declared.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
