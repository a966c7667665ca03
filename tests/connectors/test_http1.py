"""The built-in HTTP/1.1 transport against a raw socket server on 127.0.0.1 that answers what
each test scripts: framing, encodings, pooling, a system that closes or answers garbage."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import brotli
import pytest

from connectors._http1 import Http1Transport
from connectors._transports import Answer, Request
from connectors.errors import SourceBadResponse, SourceUnavailable, UnsupportedLookup

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class RawServer:
    """Answers each connection with a script; counts connections and keeps each request."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.connections = 0
        self.requests: list[bytes] = []
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self.script(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def request(self, reader: asyncio.StreamReader) -> bytes:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        body = await reader.readexactly(length) if length else b""
        self.requests.append(head + body)
        return head + body


@asynccontextmanager
async def serving(script: Script) -> AsyncIterator[RawServer]:
    raw = RawServer(script)
    server = await asyncio.start_server(raw.handle, "127.0.0.1", 0)
    raw.port = server.sockets[0].getsockname()[1]
    async with server:
        yield raw


def _transport(raw: RawServer, **headers: str) -> Http1Transport:
    return Http1Transport(
        f"http://127.0.0.1:{raw.port}/api/", headers, connect_timeout=2.0, connections=4
    )


def _answer(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    lines = [f"HTTP/1.1 {status}", *headers]
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _get(transport: Http1Transport, url: str = "/x", max_bytes: int = 1000) -> Answer:
    return await transport.send("crm", Request("GET", url, {}), max_bytes, f"GET {url}")


def keep_answering(*answers: bytes) -> Callable[[RawServer], Script]:
    """A script that answers each request on a connection with the next answer, in turn."""

    def script(raw: RawServer) -> Script:
        async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            for answer in answers:
                await raw.request(reader)
                writer.write(answer)
                await writer.drain()

        return run

    return script


@asynccontextmanager
async def scripted(make: Callable[[RawServer], Script]) -> AsyncIterator[RawServer]:
    holder: list[RawServer] = []

    async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await make(holder[0])(reader, writer)

    async with serving(run) as raw:
        holder.append(raw)
        yield raw


async def test_a_keep_alive_connection_carries_the_next_call() -> None:
    ok = _answer(b'{"id": 1}', "Content-Type: application/json")
    async with scripted(keep_answering(ok, ok, ok)) as raw:
        transport = _transport(raw, **{"X-Api-Key": "k1"})
        answers = [await _get(transport, f"/contacts/{n}") for n in range(3)]
        await transport.aclose()
    assert [a.body for a in answers] == [b'{"id": 1}'] * 3
    assert answers[0].content_type == "application/json"
    assert raw.connections == 1
    first = raw.requests[0].decode()
    assert first.startswith("GET /api/contacts/0 HTTP/1.1\r\n")
    # the names as the config writes them: a legacy stack may read them by their case
    assert f"Host: 127.0.0.1:{raw.port}\r\n" in first and "X-Api-Key: k1\r\n" in first


async def test_an_answer_without_a_body_keeps_its_connection() -> None:
    empty = b"HTTP/1.1 204 No Content\r\n\r\n"
    async with scripted(keep_answering(empty, _answer(b"{}"))) as raw:
        transport = _transport(raw)
        statuses = [(await _get(transport)).status, (await _get(transport)).status]
    assert statuses == [204, 200]
    assert raw.connections == 1


async def test_chunked_and_compressed_answers_are_read_whole() -> None:
    body = b'{"rows": [' + b",".join(b"1" for _ in range(500)) + b"]}"
    chunked = b"".join(
        f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (body[:100], body[100:])
    )
    answers = (
        _answer(chunked + b"0\r\n\r\n", "Transfer-Encoding: chunked"),
        _answer(gzip.compress(body), "Content-Encoding: gzip"),
        _answer(zlib.compress(body)[2:-4], "Content-Encoding: deflate"),  # raw deflate
        _answer(brotli.compress(body), "Content-Encoding: br"),
    )
    async with scripted(keep_answering(*answers)) as raw:
        transport = _transport(raw)
        read = [(await _get(transport, max_bytes=5000)).body for _ in answers]
    assert read == [body] * 4


async def test_an_answer_read_to_the_close_and_an_interim_answer() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        writer.write(b"[1, 2]")
        await writer.drain()

    async with serving(script) as raw:
        transport = _transport(raw)
        first, second = await _get(transport), await _get(transport)
    assert first.body == second.body == b"[1, 2]"
    assert raw.connections == 2  # never reused after a close-delimited answer


async def test_a_pooled_connection_closed_by_the_system_is_retried_once_for_a_get() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await raw.request(reader)
        writer.write(_answer(b"{}"))
        await writer.drain()
        if raw.connections == 1:
            await raw.request(reader)  # the next request on it is read, then the line drops

    async with serving(script) as raw:
        transport = _transport(raw)
        await _get(transport)
        assert (await _get(transport, "/y")).body == b"{}"
    assert raw.connections == 2
    assert [r.split(b" ")[1] for r in raw.requests] == [b"/api/x", b"/api/y", b"/api/y"]


async def test_a_post_is_never_sent_twice() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await raw.request(reader)
        writer.write(_answer(b"{}"))
        await writer.drain()
        await raw.request(reader)  # the second request is read, never answered

    async with serving(script) as raw:
        transport = _transport(raw)
        post = Request("POST", "/contacts", {"content-type": "application/json"}, None, b"{}")
        await transport.send("crm", post, 1000, "POST /contacts")
        with pytest.raises(SourceUnavailable, match="closed the connection without answering"):
            await transport.send("crm", post, 1000, "POST /contacts")
    assert len(raw.requests) == 2 and raw.connections == 1
    assert b"Content-Length: 2\r\n" in raw.requests[0]


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        (b"<html>down for maintenance</html>", SourceBadResponse, "not an HTTP answer"),
        (_answer(b"x" * 2000), SourceBadResponse, "larger than 1000 bytes"),
        (_answer(b"x" * 2000, "Transfer-Encoding: chunked"), SourceBadResponse, "not an HTTP"),
        (_answer(gzip.compress(b"0" * 100_000), "Content-Encoding: gzip"), SourceBadResponse,
         "larger than 1000 bytes"),
        (_answer(b"abc", "Content-Encoding: gzip"), SourceBadResponse, "does not decode"),
        (_answer(b"abc", "Content-Encoding: zstd"), SourceBadResponse, "unknown content"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{", SourceUnavailable, "mid-answer"),
        (_answer(b"{}", *[f"X-Filler-{n}: {'x' * 1000}" for n in range(70)]), SourceBadResponse,
         "header lines longer than 65536 bytes"),
        (b"HTTP/1.1 200 OK\r\nX-Endless: " + b"x" * 100_000, SourceBadResponse,
         "header lines longer than 65536 bytes"),
    ],
    ids=["not-http", "too-large", "bad-chunks", "gzip-bomb", "bad-gzip", "zstd", "cut-short",
         "many-headers", "endless-header"],
)  # fmt: skip
async def test_garbage_and_broken_answers_are_named_errors(
    answer: bytes, error: type[Exception], words: str
) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()

    async with serving(script) as raw:
        transport = _transport(raw)
        with pytest.raises(error, match=words):
            await _get(transport)
        # the connection is dropped, never reused for the next call
        with pytest.raises(error, match=words):
            await _get(transport)
    assert raw.connections == 2


async def test_line_breaks_never_reach_the_wire() -> None:
    async with scripted(keep_answering(_answer(b"{}"))) as raw:
        transport = _transport(raw)
        with pytest.raises(UnsupportedLookup):
            await _get(transport, "/contacts/1 HTTP/1.1\r\nX-Evil: 1")
        bad = Request("GET", "/x", {"x-trace": "a\r\nX-Evil: 1"})
        with pytest.raises(UnsupportedLookup):
            await transport.send("crm", bad, 1000, "GET /x")
    assert raw.connections == 0
    with pytest.raises(ValueError, match="line breaks"):
        Http1Transport(
            "http://127.0.0.1:9/", {"X-Key": "a\nb"}, connect_timeout=None, connections=1
        )


async def test_refused_connection_and_cancellation() -> None:
    transport = Http1Transport("http://127.0.0.1:9/", {}, connect_timeout=2.0, connections=1)
    with pytest.raises(SourceUnavailable, match="ConnectError"):
        await _get(transport)

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await raw.request(reader)
        await asyncio.Event().wait()

    async with serving(silent) as raw:
        transport = _transport(raw)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await _get(transport)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await _get(transport)
    assert raw.connections == 2  # a call cut short leaves no connection in the pool


async def test_absolute_urls_reach_their_own_origin_with_basic_credentials() -> None:
    async with scripted(keep_answering(_answer(b"<ok/>"))) as raw:
        transport = Http1Transport("", {}, connect_timeout=None, connections=2)
        url = f"http://svc:p%40ss@127.0.0.1:{raw.port}/soap?wsdl"
        answer = await transport.send("desk", Request("GET", url, {}, {"v": "1 2"}), 100, "GET")
    assert answer.body == b"<ok/>"
    head = raw.requests[0].decode()
    assert head.startswith("GET /soap?wsdl&v=1+2 HTTP/1.1\r\n")
    assert "Authorization: Basic c3ZjOnBAc3M=\r\n" in head


async def test_a_second_answer_to_one_request_never_reaches_the_next_call() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await raw.request(reader)
        if raw.connections > 1:
            writer.write(_answer(b'{"n": 2}'))
            await writer.drain()
            return
        # a broken system answers twice, the second answer cut across two reads
        writer.write(_answer(b'{"n": 1}') + b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n{")
        await writer.drain()
        await raw.request(reader)
        writer.write(b'"late": 1}' + _answer(b'{"n": 3}'))
        await writer.drain()

    async with serving(script) as raw:
        transport = _transport(raw)
        assert (await _get(transport)).body == b'{"n": 1}'
        assert (await _get(transport)).body == b'{"n": 2}'
    assert raw.connections == 2  # the first connection was dropped, not pooled


async def test_a_head_is_answered_by_its_header() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"  # and no body, as HEAD has
    async with scripted(keep_answering(head)) as raw:
        transport = _transport(raw)
        answer = await transport.send("crm", Request("HEAD", "/x", {}), 1000, "HEAD /x")
    assert (answer.status, answer.body) == (200, b"")


def test_a_brotli_bomb_is_never_decoded_past_the_limit() -> None:
    import tracemalloc

    from connectors._http1 import _Decoder, _TooLarge

    bomb = brotli.compress(b"\0" * (64 << 20), quality=1)
    decoder = _Decoder("br", 10_000)
    tracemalloc.start()
    try:
        with pytest.raises(_TooLarge):
            decoder.decode(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20  # 64 MiB unpacked would show here


async def test_bytes_past_the_gzip_body_or_an_endless_trailer_are_refused() -> None:
    member = gzip.compress(b"{}")
    trailing = _answer(member + b"J" * 5000, "Content-Encoding: gzip")
    trailer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-T: "
    async with scripted(keep_answering(trailing, trailer + b"x" * 300_000)) as raw:
        transport = _transport(raw)
        with pytest.raises(SourceBadResponse, match="bytes after the end of the compressed"):
            await _get(transport, max_bytes=10_000)
        with pytest.raises(SourceBadResponse, match="larger than 1000 bytes"):
            await _get(transport)


async def test_legacy_framing_is_read_as_other_clients_read_it() -> None:
    bare_lf = b"HTTP/1.1 200 OK\nContent-Length: 2\n\n{}"
    to_the_close = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, identity\r\n\r\n[1]"

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await raw.request(reader)
        writer.write(bare_lf if raw.connections == 1 else to_the_close)
        await writer.drain()

    async with serving(script) as raw:
        transport = _transport(raw)
        assert (await _get(transport)).body == b"{}"
        await transport.aclose()
        transport = _transport(raw)
        assert (await _get(transport)).body == b"[1]"


async def test_an_answer_that_switches_protocols_is_a_bad_answer() -> None:
    up = b"HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n"
    async with scripted(keep_answering(up)) as raw:
        with pytest.raises(SourceBadResponse, match="switches protocols"):
            await _get(_transport(raw))


async def test_what_http_cannot_carry_is_refused_and_names_are_punycode() -> None:
    async with scripted(keep_answering(_answer(b"{}"))) as raw:
        transport = _transport(raw)
        bad = Request("GET", "/x", {"If-Match": "v\u20ac1"})
        with pytest.raises(UnsupportedLookup, match="cannot carry"):
            await transport.send("crm", bad, 1000, "GET /x")
        idn = Http1Transport("", {}, connect_timeout=2.0, connections=1)
        url = f"http://127.0.0.1:{raw.port}/b\u00fccher"
        assert (await idn.send("crm", Request("GET", url, {}), 100, "GET")).body == b"{}"
    assert raw.requests[0].startswith(b"GET /b%C3%BCcher HTTP/1.1\r\n")
    punycode = Http1Transport("http://b\u00fccher.example/", {}, connect_timeout=1, connections=1)
    assert punycode._base is not None and punycode._base.host == "xn--bcher-kva.example"
