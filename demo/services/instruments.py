"""What every demo service has: call counting (``GET /_stats``) and injected latency and failures.

``PUT /_chaos`` with ``{"latency": 0.05, "fail_rate": 0.1}`` changes the injection at run time
(``write_fail_rate``: the share of writes answered 503, reads untouched); ``POST /_stats/reset``
zeroes the counters. Paths under ``/_`` are never delayed nor failed. Writes a system applied are
counted in ``writes`` (and ``writes_by_route``), apart from calls.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send


class Instruments:
    def __init__(
        self,
        latency: float = 0.0,
        fail_rate: float = 0.0,
        seed: int = 0,
        write_fail_rate: float = 0.0,
    ) -> None:
        self.latency = latency
        self.fail_rate = fail_rate
        self.write_fail_rate = write_fail_rate
        self.calls = 0
        self.failed = 0
        self.writes = 0
        self.writes_failed = 0
        self.by_route: Counter[str] = Counter()
        self.by_request: Counter[str] = Counter()
        self.writes_by_route: Counter[str] = Counter()
        self._rng = random.Random(seed)

    def written(self, route: str) -> None:
        """A write the system applied."""
        self.writes += 1
        self.writes_by_route[route] += 1

    def write_fails(self) -> bool:
        """Whether this write is answered with an injected failure (and not applied)."""
        if self.write_fail_rate and self._rng.random() < self.write_fail_rate:
            self.writes_failed += 1
            return True
        return False

    def count(self, route: str, request: str) -> None:
        self.calls += 1
        self.by_route[route] += 1
        self.by_request[request] += 1

    def routes(self) -> list[Route]:
        return [
            Route("/_stats", self.stats, methods=["GET"]),
            Route("/_stats/reset", self.reset, methods=["POST"]),
            Route("/_chaos", self.chaos, methods=["PUT"]),
        ]

    async def stats(self, request: Request) -> JSONResponse:
        body: dict[str, Any] = {
            "calls": self.calls,
            "failed": self.failed,
            "by_route": dict(self.by_route),
            "writes": self.writes,
            "writes_failed": self.writes_failed,
            "writes_by_route": dict(self.writes_by_route),
            "latency": self.latency,
            "fail_rate": self.fail_rate,
            "write_fail_rate": self.write_fail_rate,
        }
        if request.query_params.get("detail"):
            body["by_request"] = dict(self.by_request)
        return JSONResponse(body)

    async def reset(self, request: Request) -> JSONResponse:
        self.calls = self.failed = self.writes = self.writes_failed = 0
        self.by_route.clear()
        self.by_request.clear()
        self.writes_by_route.clear()
        return JSONResponse({"calls": 0})

    async def chaos(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.latency = float(body.get("latency", self.latency))
        self.fail_rate = float(body.get("fail_rate", self.fail_rate))
        self.write_fail_rate = float(body.get("write_fail_rate", self.write_fail_rate))
        return JSONResponse(
            {
                "latency": self.latency,
                "fail_rate": self.fail_rate,
                "write_fail_rate": self.write_fail_rate,
            }
        )

    def middleware(self, app: ASGIApp) -> ASGIApp:
        async def chaotic(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or scope["path"].startswith("/_"):
                await app(scope, receive, send)
                return
            if self.latency:
                await asyncio.sleep(self.latency)
            if self.fail_rate and self._rng.random() < self.fail_rate:
                self.failed += 1
                response = JSONResponse({"error": "injected failure"}, status_code=503)
                await response(scope, receive, send)
                return
            await app(scope, receive, send)

        return chaotic
