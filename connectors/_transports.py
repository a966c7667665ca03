"""How an HTTP connector's bytes travel: one exchange of request and answer, three transports.

The gateway's own (``connectors._http1``, ``http_client: builtin``) is what a served gateway
uses by default. :class:`AiohttpTransport` runs aiohttp's client (``http_client: aiohttp``).
:class:`HttpxTransport` wraps an injected
``httpx.AsyncClient``: unit tests of one connector mock it with respx, and a deployment may
pass its own client (proxies, custom TLS).

Each transport translates its library's failures into the error tree (``connectors.errors``),
raised ``from`` the original; the caller adds the concurrency slot and the total timeout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
import httpx
from yarl import URL

from connectors.errors import SourceBadResponse, SourceUnavailable, UnsupportedLookup

__all__ = ["AiohttpTransport", "Answer", "HttpTransport", "HttpxTransport", "Request"]


@dataclass(frozen=True, slots=True)
class Request:
    """One call: ``url`` is relative to the source's base URL, already percent-escaped."""

    method: str
    url: str
    headers: Mapping[str, str]
    params: Mapping[str, str] | None = None
    content: bytes | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    content_type: str
    body: bytes
    retry_after: float | None = None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class HttpTransport:
    """Sends one request and reads its whole answer, at most ``max_bytes`` of it.

    Subclass it to reach a system some other way (a client with its own TLS, a message bus
    bridge)::

        class Recorded(HttpTransport):
            async def send(self, source, request, max_bytes, label):
                answer = await self.inner.send(source, request, max_bytes, label)
                self.log.append((request.url, answer.status))
                return answer
    """

    async def send(self, source: str, request: Request, max_bytes: int, label: str) -> Answer:
        raise NotImplementedError

    async def aclose(self) -> None:
        """Release connections; called once at shutdown."""


def _too_large(source: str, label: str, max_bytes: int, status: int) -> SourceBadResponse:
    return SourceBadResponse(
        source, f"{label}: answer larger than {max_bytes} bytes; refused", status=status
    )


def _retry_after(hint: str | None) -> float | None:
    return float(hint) if hint and hint.isdigit() else None


def _failure(exc: aiohttp.ClientError) -> str:
    """The failure in the words every transport uses (an operator greps for one name)."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"ConnectError: {exc.os_error.strerror or exc.os_error}"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "RemoteProtocolError: the server closed the connection without answering"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return f"ReadError: {exc}"
    return f"{type(exc).__name__}: {exc}"


class AiohttpTransport(HttpTransport):
    """A source's pooled aiohttp session, opened on first use inside the running loop."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        *,
        connect_timeout: float | None,
        connections: int,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers)
        self.connect_timeout = connect_timeout
        self.connections = connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers=self.headers,
                connector=aiohttp.TCPConnector(limit=self.connections),
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=self.connect_timeout, connect=self.connect_timeout
                ),
                # no proxy look-up from the environment: it costs a thread hop per call;
                # a source behind a proxy uses `http_client: httpx`
                trust_env=False,
            )
        return self._session

    async def send(self, source: str, request: Request, max_bytes: int, label: str) -> Answer:
        try:
            # encoded=True: values were percent-escaped by the connector and stay so
            url = URL(self.base_url + request.url, encoded=True)
            if request.params:
                url = url.update_query(request.params)
        except ValueError as exc:
            raise UnsupportedLookup(source, f"cannot be asked by URL: {exc}") from exc
        try:
            async with self._open().request(
                request.method,
                url,
                headers=request.headers,
                data=request.content,
                allow_redirects=False,
            ) as response:
                body = await self._read(response, source, max_bytes, label)
        except aiohttp.InvalidURL as exc:
            raise UnsupportedLookup(source, f"cannot be asked by URL: {exc}") from exc
        except TimeoutError:
            raise  # aiohttp's connect time-outs are ClientErrors too; the caller names them
        except aiohttp.ClientError as exc:
            raise SourceUnavailable(source, f"{label}: {_failure(exc)}") from exc
        return Answer(
            response.status,
            response.headers.get("content-type", "no content type"),
            body,
            _retry_after(response.headers.get("retry-after")),
        )

    @staticmethod
    async def _read(
        response: aiohttp.ClientResponse, source: str, max_bytes: int, label: str
    ) -> bytes:
        if response.content_length is not None and response.content_length > max_bytes:
            raise _too_large(source, label, max_bytes, response.status)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(65536):
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(source, label, max_bytes, response.status)
            chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class HttpxTransport(HttpTransport):
    """An injected ``httpx.AsyncClient`` (respx mocks it in unit tests)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def send(self, source: str, request: Request, max_bytes: int, label: str) -> Answer:
        try:
            async with self.client.stream(
                request.method,
                request.url,
                headers=request.headers,
                params=request.params,
                content=request.content,
            ) as response:
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise _too_large(source, label, max_bytes, response.status_code)
                    chunks.append(chunk)
        except httpx.InvalidURL as exc:
            raise UnsupportedLookup(source, f"cannot be asked by URL: {exc}") from exc
        except httpx.TimeoutException as exc:
            raise TimeoutError(str(exc)) from exc
        except httpx.TransportError as exc:
            raise SourceUnavailable(source, f"{label}: {type(exc).__name__}: {exc}") from exc
        return Answer(
            response.status_code,
            response.headers.get("content-type", "no content type"),
            b"".join(chunks),
            _retry_after(response.headers.get("retry-after")),
        )

    async def aclose(self) -> None:
        await self.client.aclose()
