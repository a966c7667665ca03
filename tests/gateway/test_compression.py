"""Compression: negotiated by Accept-Encoding, over a size, never holding back a stream."""

from __future__ import annotations

import gzip
import json

import brotli
import pytest
from starlette.types import Message, Receive, Scope, Send

from gateway.compression import Compression, CompressionSettings, choose_encoding
from tests.gateway.test_caching import first_crm_key
from tests.support.demo_estate import DemoEstate
from tests.support.gateway import gateway

# the query bench/compression.py measures
WHOLE_CUSTOMER = """query ($key: String!) { customer(sourceKey: {source: "crm", key: $key}) {
  id name { full } email phone address { city } identities { source key }
  orders(first: 10) { totalCount edges { node { number total lines { sku } } } }
  tickets { number status notes { body } } loyalty { tier points } consents { channel granted }
  vehicles { vin serviceVisits { visitedAt } } dealers { name }
  timeline(first: 20) { totalCount edges { node { at kind } } } } }"""


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0.5, gzip", "gzip"),
        ("gzip;q=0, br;q=0", None),
        ("*", "br"),
        ("*;q=0.1, gzip;q=0.9", "gzip"),
        ("identity", None),
        ("", None),
        ("gzip;q=nonsense, br", "br"),
    ],
)
def test_the_encoding_is_negotiated(accept: str, chosen: str | None) -> None:
    assert choose_encoding(accept, ("br", "gzip")) == chosen


async def test_a_gzip_answer_is_smaller_by_the_measured_factor(demo_estate: DemoEstate) -> None:
    params = {"query": WHOLE_CUSTOMER, "variables": json.dumps({"key": first_crm_key(demo_estate)})}
    async with gateway(demo_estate.settings) as client:
        plain = await client.get("/graphql", params=params, headers={"accept-encoding": "identity"})
        zipped = await client.get("/graphql", params=params, headers={"accept-encoding": "gzip"})
        br = await client.get("/graphql", params=params, headers={"accept-encoding": "br, gzip"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert br.headers["content-encoding"] == "br"
    assert "Accept-Encoding" in zipped.headers["vary"]
    on_the_wire = int(zipped.headers["content-length"])
    answer = len(zipped.content)  # httpx has decoded it
    assert gzip.decompress(gzip.compress(zipped.content)) == zipped.content
    assert zipped.json()["data"] == plain.json()["data"]
    # bench/RESULTS.md: the whole-customer answer is x2.4 smaller in gzip (median of 50)
    assert answer / on_the_wire >= 2.0
    assert int(br.headers["content-length"]) < on_the_wire


async def run(app: Compression, accept: bytes, sent: list[Message] | None = None) -> list[Message]:
    sent = [] if sent is None else sent

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"accept-encoding", accept)],
    }
    await app(scope, receive, send)
    return sent


def answering(body: bytes, content_type: bytes = b"application/json") -> object:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        start = {"type": "http.response.start", "status": 200}
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


async def test_only_answers_over_the_size_are_compressed() -> None:
    settings = CompressionSettings(minimum_size=100)
    small = await run(Compression(answering(b"x" * 99), settings), b"br")  # type: ignore[arg-type]
    large = await run(Compression(answering(b"x" * 100), settings), b"br")  # type: ignore[arg-type]
    assert small[1]["body"] == b"x" * 99
    assert (b"content-encoding", b"br") not in small[0]["headers"]
    assert (b"content-encoding", b"br") in large[0]["headers"]
    assert brotli.decompress(large[1]["body"]) == b"x" * 100
    assert (b"content-length", str(len(large[1]["body"])).encode()) in large[0]["headers"]


@pytest.mark.parametrize("content_type", [b"text/event-stream", b"application/json"])
async def test_a_stream_passes_as_it_comes(content_type: bytes) -> None:
    seen_by_client: list[int] = []
    sent: list[Message] = []

    async def events(scope: Scope, receive: Receive, send: Send) -> None:
        start = {"type": "http.response.start", "status": 200}
        await send({**start, "headers": [(b"content-type", content_type)]})
        for _ in range(3):
            await send({"type": "http.response.body", "body": b"x" * 5000, "more_body": True})
            seen_by_client.append(len(sent))  # what had reached the client by then
        await send({"type": "http.response.body", "body": b""})

    await run(Compression(events, CompressionSettings()), b"gzip", sent)
    assert seen_by_client == [2, 3, 4]  # each event out before the next was made
    assert all(m.get("body", b"x" * 5000) in (b"x" * 5000, b"") for m in sent)
    assert not [h for h in sent[0]["headers"] if h[0] == b"content-encoding"]


async def test_websockets_pass_untouched() -> None:
    seen: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    scope = {"type": "websocket", "path": "/graphql", "headers": [(b"accept-encoding", b"gzip")]}
    await Compression(app, CompressionSettings())(scope, _never, _never)
    assert seen == [scope]


async def _never(*_: object) -> Message:
    raise AssertionError("the layer itself must neither receive nor send")
