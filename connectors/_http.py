"""One HTTP call to a legacy system, with its failures translated into the error tree.

Shared by the connectors that speak HTTP (REST, SOAP): the concurrency slot, the total
timeout and the trace context; the transport (``connectors._transports``) moves the bytes,
caps the size of an answer and maps its library's exceptions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx

from connectors._http1 import Http1Transport
from connectors._transports import (
    AiohttpTransport,
    Answer,
    HttpTransport,
    HttpxTransport,
    Request,
)
from connectors.base import Connector
from connectors.errors import SourceTimeout, snippet
from connectors.tracing import inject

__all__ = ["Answer", "HttpCaller", "HttpConnector", "HttpTransport"]


class HttpCaller:
    """Makes the calls of one source: at most ``concurrency`` at once, each within ``timeout``."""

    def __init__(
        self,
        source: str,
        transport: HttpTransport,
        *,
        concurrency: int,
        timeout: float,
        max_bytes: int,
    ) -> None:
        self.source = source
        self.transport = transport
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._slots = asyncio.Semaphore(concurrency)

    async def call(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        label = f"{method} {snippet(url, 100)}"
        request = Request(method, url, inject(dict(headers or {})), params, content)
        try:
            async with self._slots, asyncio.timeout(self.timeout):
                return await self.transport.send(self.source, request, self.max_bytes, label)
        except TimeoutError as exc:
            raise SourceTimeout(
                self.source, f"{label}: no answer within {self.timeout:g}s"
            ) from exc


class HttpConnector(Connector):
    """Base of the connectors that speak HTTP (REST, SOAP): one injected transport, one caller.

    The config must have ``headers``, ``max_response_bytes`` and the common source keys. An
    ``httpx.AsyncClient`` passed instead of a transport is wrapped (respx mocks it in tests).
    """

    def __init__(self, name: str, config: Any, client: HttpTransport | httpx.AsyncClient) -> None:
        super().__init__(name, config)
        self.transport = HttpxTransport(client) if isinstance(client, httpx.AsyncClient) else client
        self.http = HttpCaller(
            name,
            self.transport,
            concurrency=config.concurrency,
            timeout=config.timeout,
            max_bytes=config.max_response_bytes,
        )

    @staticmethod
    def build_client(config: Any, base_url: str = "") -> HttpTransport:
        """The transport a source's calls share: its headers, timeouts and connection pool."""
        if config.http_client == "httpx":
            return HttpxTransport(
                httpx.AsyncClient(
                    base_url=base_url,
                    headers=config.headers,
                    timeout=httpx.Timeout(config.timeout, connect=config.connect_timeout),
                    limits=httpx.Limits(
                        max_connections=config.concurrency,
                        max_keepalive_connections=config.concurrency,
                    ),
                    follow_redirects=False,
                )
            )
        kind = Http1Transport if config.http_client == "builtin" else AiohttpTransport
        return kind(
            base_url,
            config.headers,
            connect_timeout=config.connect_timeout,
            connections=config.concurrency,
        )

    async def aclose(self) -> None:
        await self.transport.aclose()
