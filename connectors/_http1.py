"""The gateway's own HTTP/1.1 client for legacy systems: asyncio's transports and httptools'
C parser (the one uvicorn serves with), pooled keep-alive connections, one wait per call.

A call writes its request in one piece and waits on one future that the parser resolves when
the whole answer is in: the request's chain of coroutines is resumed once per call, where a
general-purpose client resumes it at every step (connection, headers, each chunk of the body).
Per call it costs a third of aiohttp's CPU and less than a tenth of httpx's
(bench/RESULTS.md, "Against Hive Gateway").

What it does: ``http`` and ``https`` (the system's CA store), a base path, user and password
in the base URL (Basic), keep-alive with a bounded pool, ``Content-Length`` and chunked
answers and answers read to the close, ``gzip``/``deflate`` (and ``br`` when a system sends
it unasked) decoded within ``max_bytes``, a request retried once on a new connection when a
pooled one turns out to have been closed by the system before it answered (idempotent methods
only). What it does not do, a source asks of ``http_client: httpx``: proxies, HTTP/2, client
certificates, custom CAs, redirects (no client follows them here: a legacy system's redirect
is an answer to report).

The caller (``connectors._http.HttpCaller``) bounds how many calls run at once and how long
each may take; a call cancelled by that timeout closes its connection.
"""

from __future__ import annotations

import asyncio
import base64
import re
import ssl
import zlib
from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import SplitResult, quote, unquote, urlencode, urlsplit

import brotli
import httptools

from connectors._transports import Answer, HttpTransport, Request, _retry_after, _too_large
from connectors.errors import SourceBadResponse, SourceUnavailable, UnsupportedLookup

__all__ = ["Http1Transport"]

KEEPALIVE = 15.0  # seconds an idle connection is kept: under most servers' own idle limit
MAX_HEADER_BYTES = 64 * 1024  # of an answer's header lines together, as most servers allow
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_UNSAFE = frozenset("\r\n\0")
_CONTROL = re.compile("[\x00-\x20\x7f]")  # a request target holds none, escaped or not
_NO_BODY = frozenset({204, 304})


class _Closed(Exception):
    """The connection closed before the answer was whole; ``answered``: after its first byte."""

    def __init__(self, answered: bool) -> None:
        super().__init__(answered)
        self.answered = answered


class _Malformed(Exception):
    pass


class _TooLarge(Exception):
    status = 0  # the answer's, where its headers were in


class _Decoder:
    """A body's ``Content-Encoding`` undone chunk by chunk, never past ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._brotli: Any = None
        self._zlib: Any = None
        if encoding == "br":
            self._brotli = brotli.Decompressor()
        elif encoding in ("gzip", "x-gzip", "deflate"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header
            self._raw_deflate = encoding == "deflate"
        else:
            raise _Malformed(f"an answer in an unknown content encoding: {encoding[:40]}")

    def decode(self, data: bytes) -> bytes:
        try:
            out = self._unbrotli(data) if self._brotli else self._inflate(data)
        except (zlib.error, brotli.error) as exc:
            raise _Malformed(f"a body that does not decode: {exc}") from exc
        self.size += len(out)
        if self.size > self.limit:
            raise _TooLarge
        return bytes(out)

    def _unbrotli(self, data: bytes) -> bytes:
        out = self._brotli.process(data, output_buffer_limit=self.limit + 1 - self.size)
        if not self._brotli.can_accept_more_data():
            raise _TooLarge  # output held back: past the limit, whatever follows
        return bytes(out)

    def _inflate(self, data: bytes) -> bytes:
        if self._zlib.eof:
            raise _Malformed("bytes after the end of the compressed body")
        try:
            out = self._zlib.decompress(data, self.limit + 1 - self.size)
        except zlib.error:
            if not self._raw_deflate or self.size:
                raise
            # "deflate" sent without its zlib header, as some servers do
            self._zlib, self._raw_deflate = zlib.decompressobj(-zlib.MAX_WBITS), False
            out = self._zlib.decompress(data, self.limit + 1 - self.size)
        if self._zlib.unconsumed_tail:
            raise _TooLarge
        if self._zlib.unused_data:
            raise _Malformed("bytes after the end of the compressed body")
        return bytes(out)


class _Connection(asyncio.Protocol):
    """One keep-alive connection; carries one exchange at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        # old systems end lines with a bare LF; the answer is theirs, so that much is read
        self.parser.set_dangerous_leniencies(lenient_optional_cr_before_lf=True)
        self.waiter: asyncio.Future[Answer] | None = None
        self.idle_since = 0.0
        self.keep_alive = False
        self._reset(0)

    def _reset(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.status = 0
        self.headers: dict[str, str] = {}
        self.chunks: list[bytes] = []
        self.size = 0
        self.header_bytes = 0  # received while the header is incomplete
        self.header_lines = 0  # of the header lines parsed
        self.started = False  # a byte of the answer arrived
        self.framed = False  # the answer says where its body ends
        self.complete = False  # the answer is whole: any byte more spoils the connection
        self.received = 0  # bytes on the wire for this exchange, framing and all
        self.decoder: _Decoder | None = None

    @property
    def usable(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None

    def exchange(
        self, payload: bytes, max_bytes: int, *, bodiless: bool = False
    ) -> asyncio.Future[Answer]:
        """Send ``payload``; the future is the answer. ``bodiless``: a HEAD's answer, whole
        once its header is in."""
        assert self.transport is not None and self.waiter is None
        self._reset(max_bytes)
        self.bodiless = bodiless
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(payload)
        return self.waiter

    # asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        if self.waiter is None or self.waiter.done():
            self.close()  # bytes nobody asked for: the connection cannot be trusted
            return
        self.started = True
        self.received += len(data)
        if self.received > 2 * (self.max_bytes + MAX_HEADER_BYTES):
            # chunk framing, trailers: a body may take more bytes than it holds, not this many
            self._fail(_TooLarge())
            return
        if not self.status:
            self.header_bytes += len(data)  # until the header is complete, every byte counts
        try:
            self.parser.feed_data(data)
            if not self.status and self.header_bytes > MAX_HEADER_BYTES:
                raise _Malformed(f"header lines longer than {MAX_HEADER_BYTES} bytes")
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__context__
            if isinstance(cause, _TooLarge):
                cause.status = self.status
            self._fail(cause if isinstance(cause, _Malformed | _TooLarge) else _Malformed(exc))
        except httptools.HttpParserError as exc:
            self._fail(_Malformed(f"not an HTTP answer: {exc}"))
        except httptools.HttpParserUpgrade:
            self._fail(_Malformed("an answer that switches protocols"))
        except _Malformed as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.waiter is None or self.waiter.done():
            return
        if self.status >= 200 and not self.framed:
            self.on_message_complete()  # an answer whose body ends with the connection
        else:
            self._fail(_Closed(self.started))

    # httptools' callbacks -----------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self.complete:  # a second answer to one request: which one is whose?
            self.keep_alive = False
            raise _Malformed("bytes after the answer")

    def on_header(self, name: bytes, value: bytes) -> None:
        self.header_lines += len(name) + len(value)
        if self.header_lines > MAX_HEADER_BYTES:
            raise _Malformed(f"header lines longer than {MAX_HEADER_BYTES} bytes")
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if status < 200:
            self.headers = {}  # an interim answer (100 Continue): the real one follows
            return
        self.status = status
        headers = self.headers
        length = headers.get("content-length")
        codings = headers.get("transfer-encoding", "").rsplit(",", 1)[-1]
        self.framed = (
            length is not None or codings.strip().lower() == "chunked" or status in _NO_BODY
        )
        if self.bodiless:
            self.framed = False  # never kept: whatever the system sends after is not read
            self.on_message_complete()
            return
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            raise _TooLarge
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            self.decoder = _Decoder(encoding, self.max_bytes)

    def on_body(self, body: bytes) -> None:
        if self.decoder is not None:
            body = self.decoder.decode(body)
        else:
            self.size += len(body)
            if self.size > self.max_bytes:
                raise _TooLarge
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        if self.status < 200 or self.complete:
            return
        waiter = self.waiter
        self.complete = True
        self.keep_alive = self.parser.should_keep_alive() and self.framed
        if waiter is not None and not waiter.done():
            headers = self.headers
            waiter.set_result(
                Answer(
                    self.status,
                    headers.get("content-type", "no content type"),
                    b"".join(self.chunks),
                    _retry_after(headers.get("retry-after")),
                )
            )

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        self.close()


class _Origin:
    """One scheme, host and port: its pool of idle connections and its fixed headers."""

    def __init__(self, url: SplitResult, headers: Mapping[str, str]) -> None:
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError("not an http(s) URL")
        try:
            self.host = url.hostname.encode("idna").decode("ascii")  # bücher.de: its punycode
        except UnicodeError as exc:
            raise ValueError(f"a host name that cannot be written: {exc}") from exc
        self.tls = url.scheme == "https"
        self.port = url.port or (443 if self.tls else 80)
        self.idle: list[_Connection] = []
        host = f"[{self.host}]" if ":" in self.host else self.host
        fixed = {
            "Host": host if url.port in (None, 443 if self.tls else 80) else f"{host}:{url.port}",
            "User-Agent": "c360",
            "Accept": "*/*",
            "Accept-Encoding": "gzip, deflate",
        }
        if url.username is not None:
            secret = f"{unquote(url.username)}:{unquote(url.password or '')}"
            fixed["Authorization"] = "Basic " + base64.b64encode(secret.encode()).decode()
        self.headers = _merged(_named(fixed), headers)  # the config's names keep their case
        problem = _unwritable(self.headers)
        if problem:
            raise ValueError(problem)
        self.head = _lines(self.headers)


class Http1Transport(HttpTransport):
    """A source's pools of HTTP/1.1 connections: to its base URL, or to each origin of the
    absolute URLs it is asked (SOAP and GraphQL sources name their endpoint in each call)."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        *,
        connect_timeout: float | None,
        connections: int,
    ) -> None:
        self.headers = dict(headers)
        self.connect_timeout = connect_timeout
        self.connections = connections
        self._origins: dict[tuple[str, str], _Origin] = {}
        self._closed = False
        self._ssl: ssl.SSLContext | None = None
        self._base: _Origin | None = None
        self._base_path = ""
        if base_url:
            url = urlsplit(base_url)
            self._base = self._origin(url)
            self._base_path = url.path.rstrip("/")

    def _origin(self, url: SplitResult) -> _Origin:
        key = (url.scheme, url.netloc)
        origin = self._origins.get(key)
        if origin is None:
            origin = self._origins[key] = _Origin(url, self.headers)
        return origin

    async def send(self, source: str, request: Request, max_bytes: int, label: str) -> Answer:
        origin, payload = self._payload(source, request)
        bodiless = request.method == "HEAD"
        reused = self._reuse(origin)
        try:
            connection = reused or await self._connect(origin)
            return await self._exchange(origin, connection, payload, max_bytes, bodiless)
        except TimeoutError:
            raise  # the caller names it (SOURCE_TIMEOUT)
        except _Closed as exc:
            if reused is None or exc.answered or request.method not in _IDEMPOTENT:
                raise _error(source, label, exc, max_bytes) from exc
        except (_Malformed, _TooLarge, OSError) as exc:
            raise _error(source, label, exc, max_bytes) from exc
        # the pooled connection had been closed by the system: once more on a new one
        try:
            connection = await self._connect(origin)
            return await self._exchange(origin, connection, payload, max_bytes, bodiless)
        except TimeoutError:
            raise
        except (_Closed, _Malformed, _TooLarge, OSError) as exc:
            raise _error(source, label, exc, max_bytes) from exc

    def _payload(self, source: str, request: Request) -> tuple[_Origin, bytes]:
        origin = self._base
        target = self._base_path + request.url
        if request.url.startswith(("http://", "https://")) or origin is None:
            try:
                url = urlsplit(request.url)
                origin = self._origin(url)
            except ValueError as exc:
                raise UnsupportedLookup(source, f"cannot be asked by URL: {exc}") from exc
            target = (url.path or "/") + (f"?{url.query}" if url.query else "")
        if request.params:
            target += ("&" if "?" in target else "?") + urlencode(request.params)
        if not target.isascii():  # a base path of the config's own (/bücher): escaped
            target = quote(target, safe="/?&=%:@!$'()*+,;~-._")
        if not target.startswith("/") or _CONTROL.search(target):
            raise UnsupportedLookup(source, "cannot be asked by URL: a space or control character")
        head = origin.head
        if request.headers:
            headers = _merged(origin.headers, request.headers)
            problem = _unwritable(headers)
            if problem:
                raise UnsupportedLookup(source, f"cannot be asked: {problem}")
            head = _lines(headers)
        content = request.content
        if content is not None or request.method in ("POST", "PUT", "PATCH"):
            head += f"Content-Length: {len(content or b'')}\r\n"
        start = f"{request.method} {target} HTTP/1.1\r\n{head}\r\n".encode("latin-1")
        return origin, start + content if content else start

    @staticmethod
    def _reuse(origin: _Origin) -> _Connection | None:
        now = asyncio.get_running_loop().time()
        idle = origin.idle
        while idle:
            connection = idle.pop()
            if connection.usable and now - connection.idle_since < KEEPALIVE:
                return connection
            connection.close()
        return None

    async def _connect(self, origin: _Origin) -> _Connection:
        loop = asyncio.get_running_loop()
        if origin.tls and self._ssl is None:
            self._ssl = ssl.create_default_context()
        async with asyncio.timeout(self.connect_timeout):
            _, connection = await loop.create_connection(
                _Connection,
                origin.host,
                origin.port,
                ssl=self._ssl if origin.tls else None,
                server_hostname=origin.host if origin.tls else None,
            )
        return connection

    async def _exchange(
        self,
        origin: _Origin,
        connection: _Connection,
        payload: bytes,
        max_bytes: int,
        bodiless: bool,
    ) -> Answer:
        try:
            answer = await connection.exchange(payload, max_bytes, bodiless=bodiless)
        except BaseException:
            connection.close()  # cancelled or failed mid-answer: never reused
            raise
        finally:
            connection.waiter = None
        pooled = connection.keep_alive and connection.usable and not self._closed
        if pooled and len(origin.idle) < self.connections:
            connection.idle_since = asyncio.get_running_loop().time()
            origin.idle.append(connection)
        else:
            connection.close()
        return answer

    async def aclose(self) -> None:
        self._closed = True
        for origin in self._origins.values():
            while origin.idle:
                origin.idle.pop().close()


def _error(source: str, label: str, exc: Exception, max_bytes: int) -> Exception:
    """A failure of the exchange in the error tree, in the words every transport uses."""
    if isinstance(exc, _TooLarge):
        return _too_large(source, label, max_bytes, exc.status)
    if isinstance(exc, _Malformed):
        return SourceBadResponse(source, f"{label}: {exc}")
    if isinstance(exc, _Closed):
        how = "mid-answer" if exc.answered else "without answering"
        return SourceUnavailable(
            source, f"{label}: RemoteProtocolError: the server closed the connection {how}"
        )
    if isinstance(exc, ssl.SSLError):
        return SourceUnavailable(source, f"{label}: ConnectError: TLS: {exc.reason or exc}")
    assert isinstance(exc, OSError)
    return SourceUnavailable(source, f"{label}: ConnectError: {exc.strerror or exc}")


Headers = dict[str, tuple[str, str]]  # lower-case name -> (name as written, value)


def _named(headers: Mapping[str, str]) -> Headers:
    return {name.lower(): (name, value) for name, value in headers.items()}


def _merged(headers: Headers, more: Mapping[str, str]) -> Headers:
    """``headers`` with ``more`` over them: one value per name, whatever its case."""
    return {**headers, **_named(more)}


def _unwritable(headers: Headers) -> str | None:
    """What keeps these headers off the wire: a line break, or a character beyond latin-1."""
    for name, value in headers.values():
        if _UNSAFE & set(name + value):
            return f"header {name!r}: line breaks are not allowed"
        try:
            (name + value).encode("latin-1")
        except UnicodeEncodeError:
            return f"header {name!r}: a character HTTP/1.1 cannot carry"
    return None


def _lines(headers: Headers) -> str:
    return "".join(f"{name}: {value}\r\n" for name, value in headers.values())
