"""CPU per request of the HTTP layers around /graphql (CORS, compression, conditional GET),
alone: each wraps an app that answers a fixed 1.4 KB JSON body at once.

    python bench/http_layer.py [requests]

Prints microseconds of CPU per request for the bare app and for the app inside each layer,
for a POST with no ``Origin`` and no ``Accept-Encoding`` (a server-to-server client), a POST
from an allowed origin with ``Accept-Encoding: gzip, br``, and a GET that ends in a 304.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from gateway.compression import Compression, CompressionSettings
from gateway.cors import Cors, CorsSettings
from gateway.http_caching import ConditionalGet

BODY = b'{"data":{"customer":{"id":"crm:C-000001"' + b',"x":"' + b"a1b2c3d4" * 165 + b'"}}}'
ETAG = b'W/"0123456789abcdef0123456789abcdef"'


async def answer(scope: Any, receive: Any, send: Any) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(BODY)).encode()),
        (b"cache-control", b"private, max-age=60"),
        (b"etag", ETAG),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


async def send(message: dict[str, Any]) -> None:
    return None


def scope(method: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": "/graphql", "headers": headers}


REQUESTS = {
    "POST, no Origin, no Accept-Encoding": scope("POST", []),
    "POST from an allowed origin, gzip/br accepted": scope(
        "POST",
        [(b"origin", b"http://localhost:5173"), (b"accept-encoding", b"gzip, deflate, br")],
    ),
    "GET answered 304": scope("GET", [(b"if-none-match", ETAG)]),
}


async def per_request(app: Any, request: dict[str, Any], count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        await app(request, receive, send)
    return (time.process_time() - started) / count * 1e6


async def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    cors = CorsSettings(origins=("http://localhost:*",))
    layers = {
        "bare app": answer,
        "ConditionalGet": ConditionalGet(answer),
        "Compression": Compression(answer, CompressionSettings()),
        "Cors": Cors(answer, cors),
        "all three": Cors(Compression(ConditionalGet(answer), CompressionSettings()), cors),
    }
    print(f"{count} requests each; answer {len(BODY)} bytes; us of CPU per request")
    for title, request in REQUESTS.items():
        figures = [
            f"{name} {await per_request(app, request, count):.1f}" for name, app in layers.items()
        ]
        print(f"  {title}: " + ", ".join(figures))


if __name__ == "__main__":
    asyncio.run(main())
