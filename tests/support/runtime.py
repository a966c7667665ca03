"""One gateway process's shared parts, driven without HTTP: the app's own :class:`Runtime`."""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.clock import Clock, ManualClock
from gateway.config import Settings
from gateway.context import GatewayContext
from gateway.runtime import Runtime
from schema.build import build_schema


class Gateway:
    """The runtime the app's lifespan opens, and the schema, for queries run in-process. Time
    moves only when the test moves ``clock``."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.clock = clock if clock is not None else ManualClock()
        self.runtime = Runtime(settings, clock=self.clock)
        self.runtime.start()
        self.schema = build_schema()

    @property
    def background(self) -> set[asyncio.Task[None]]:
        return self.runtime.background

    def context(self) -> GatewayContext:
        return self.runtime.context()

    async def run(self, query: str, **variables: Any) -> tuple[dict[str, Any], GatewayContext]:
        context = self.context()
        result = await self.schema.execute(query, variable_values=variables, context_value=context)
        assert result.errors is None, result.errors
        return result.data or {}, context

    async def run_full(
        self, query: str, **variables: Any
    ) -> tuple[dict[str, Any], GatewayContext, dict[str, Any]]:
        """The data, the request's context and the answer's extensions."""
        context = self.context()
        result = await self.schema.execute(query, variable_values=variables, context_value=context)
        assert result.errors is None, result.errors
        return result.data or {}, context, result.extensions or {}

    async def aclose(self) -> None:
        await asyncio.gather(*self.background, return_exceptions=True)
        await self.runtime.aclose()
