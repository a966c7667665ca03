"""One gateway process's shared parts, driven without HTTP: sources, cache, single-flight."""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.cache import RecordCache
from gateway.config import Settings
from gateway.context import GatewayContext
from gateway.relations import Relations
from gateway.singleflight import SingleFlight
from gateway.sources import SourceSet
from model.records import Record
from schema.build import build_schema


class Gateway:
    """One gateway process's shared parts: sources, cache, single-flight."""

    def __init__(self, settings: Settings, cache: RecordCache) -> None:
        self.settings, self.cache = settings, cache
        self.sources = SourceSet.open(settings)
        self.flights: SingleFlight[str, list[Record]] = SingleFlight()
        self.background: set[asyncio.Task[None]] = set()
        self.schema = build_schema()

    def context(self) -> GatewayContext:
        return GatewayContext(
            None,
            None,
            self.sources,
            self.settings,
            Relations.from_sources(self.sources),
            self.cache,
            self.flights,
            self.background,
        )

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
        await self.sources.aclose()
        await self.cache.aclose()
