"""One HTTP call to a legacy system, with its failures translated into the error tree.

Shared by the connectors that speak HTTP (REST, SOAP): the concurrency slot, the total
timeout, a cap on the size of an answer, and the mapping of httpx's exceptions.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

from connectors.base import Connector
from connectors.errors import (
    SourceBadResponse,
    SourceTimeout,
    SourceUnavailable,
    UnsupportedLookup,
    snippet,
)
from connectors.tracing import inject

__all__ = ["Answer", "HttpCaller", "HttpConnector"]


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    content_type: str
    body: bytes
    retry_after: float | None = None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class HttpCaller:
    """Makes the calls of one source: at most ``concurrency`` at once, each within ``timeout``."""

    def __init__(
        self,
        source: str,
        client: httpx.AsyncClient,
        *,
        concurrency: int,
        timeout: float,
        max_bytes: int,
    ) -> None:
        self.source = source
        self.client = client
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._slots = asyncio.Semaphore(concurrency)

    async def call(self, method: str, url: str, **options: Any) -> Answer:
        label = f"{method} {snippet(url, 100)}"
        options["headers"] = inject(dict(options.get("headers") or {}))
        try:
            async with (
                self._slots,
                asyncio.timeout(self.timeout),
                self.client.stream(method, url, **options) as response,
            ):
                body = await self._read(response, label)
        except httpx.InvalidURL as exc:
            raise UnsupportedLookup(self.source, f"cannot be asked by URL: {exc}") from exc
        except (httpx.TimeoutException, TimeoutError) as exc:
            raise SourceTimeout(
                self.source, f"{label}: no answer within {self.timeout:g}s"
            ) from exc
        except httpx.TransportError as exc:
            raise SourceUnavailable(self.source, f"{label}: {type(exc).__name__}: {exc}") from exc
        content_type = response.headers.get("content-type", "no content type")
        hint = response.headers.get("retry-after", "")
        retry_after = float(hint) if hint.isdigit() else None
        return Answer(response.status_code, content_type, body, retry_after)

    async def _read(self, response: httpx.Response, label: str) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise SourceBadResponse(
                    self.source,
                    f"{label}: answer larger than {self.max_bytes} bytes; refused",
                    status=response.status_code,
                )
            chunks.append(chunk)
        return b"".join(chunks)


class HttpConnector(Connector):
    """Base of the connectors that speak HTTP (REST, SOAP): one injected client, one caller.

    The config must have ``headers``, ``max_response_bytes`` and the common source keys.
    """

    def __init__(self, name: str, config: Any, client: httpx.AsyncClient) -> None:
        super().__init__(name, config)
        self.client = client
        self.http = HttpCaller(
            name,
            client,
            concurrency=config.concurrency,
            timeout=config.timeout,
            max_bytes=config.max_response_bytes,
        )

    @staticmethod
    def build_client(config: Any, base_url: str = "") -> httpx.AsyncClient:
        """The client a source's calls share: its headers, timeouts and connection pool."""
        return httpx.AsyncClient(
            base_url=base_url,
            headers=config.headers,
            timeout=httpx.Timeout(config.timeout, connect=config.connect_timeout),
            limits=httpx.Limits(
                max_connections=config.concurrency, max_keepalive_connections=config.concurrency
            ),
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self.client.aclose()
