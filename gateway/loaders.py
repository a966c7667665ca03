"""Per-request batching over the shared cache: every look-up of one kind made in one tick
becomes one ``fetch`` of the values the cache cannot answer.

One :class:`Fetcher` lives for one GraphQL request. It keeps a DataLoader per
``(source, entity, by, max_age)``, so that resolving fifty customers' orders costs one orders
call per system, and asking the same value twice in a request costs nothing. Before asking a
source it reads the cache; values nobody else is fetching are fetched, the rest awaited
(single-flight). Within a source's ``stale_for`` window an expired answer stands in when the
source fails, or, with ``revalidate``, is served at once while a background refresh runs.
It records, for every record it hands out, when it was fetched and whether from cache.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from strawberry.dataloader import DataLoader

from connectors.base import Connector
from connectors.errors import SourceError, UnsupportedLookup
from connectors.options import CachePolicy
from connectors.tracing import span
from gateway.cache import RecordCache, answer_key
from gateway.clock import Clock, SystemClock
from gateway.logs import WarningLimiter
from gateway.metrics import BACKEND_CALLS, BACKEND_SECONDS, CACHE_EVENTS
from gateway.resilience import SourceGuard
from gateway.singleflight import SingleFlight
from gateway.sources import SourceSet
from model.records import Record

__all__ = ["FetchInfo", "Fetcher", "LoaderKey"]

logger = logging.getLogger("c360.gateway")
# one warning per failing source per request, and per interval across requests
SOURCE_WARNINGS = WarningLimiter(logging.getLogger("c360.sources"))

LoaderKey = tuple[str, str, str]  # (source, entity, by)
CacheState = Literal["miss", "hit", "stale"]


@dataclass(frozen=True, slots=True)
class FetchInfo:
    """How one record reached this request."""

    fetched_at: float  # Unix time the source answered
    cache: CacheState

    def age(self, now: float) -> float:
        return max(0.0, now - self.fetched_at)


class Fetcher:
    def __init__(
        self,
        sources: SourceSet,
        cache: RecordCache | None = None,
        flights: SingleFlight[str, list[Record]] | None = None,
        background: set[asyncio.Task[None]] | None = None,
        guards: dict[str, SourceGuard] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.sources = sources
        self.guards = guards if guards is not None else {}
        self.stale_sources: set[str] = set()
        self.cache = cache
        self.flights = flights if flights is not None else SingleFlight()
        self.background = background if background is not None else set()
        self.calls: Counter[LoaderKey] = Counter()
        self.warned: set[str] = set()
        self.info: dict[tuple[str, str, str], FetchInfo] = {}
        self._loaders: dict[tuple[str, str, str, float | None], DataLoader[str, list[Record]]] = {}

    async def fetch(
        self,
        source: str,
        entity: str,
        by: str,
        values: Sequence[str],
        max_age: float | None = None,
    ) -> list[list[Record]]:
        """The records for each value, in order; raises the source's error if it fails and no
        stale answer may stand in. ``max_age`` (seconds) refuses older cached answers."""
        if not values:
            return []
        key = (source, entity, by, max_age)
        loader = self._loaders.get(key)
        if loader is None:
            connector = self.sources[source]
            loader = DataLoader(
                load_fn=self._batch(connector, entity, by, max_age), max_batch_size=None
            )
            self._loaders[key] = loader
        answers = await loader.load_many(list(values))
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
        return list(answers)

    def _batch(self, connector: Connector, entity: str, by: str, max_age: float | None):  # type: ignore[no-untyped-def]
        policy = connector.config.cache_policy(entity)

        async def load(values: list[str]) -> list[list[Record] | BaseException]:
            if self.cache is None or not policy.enabled:
                found = await self._live(connector, entity, by, values, policy)
                return [found[v] for v in values]
            return await self._cached(connector, entity, by, values, policy, max_age)

        return load

    async def _cached(
        self,
        connector: Connector,
        entity: str,
        by: str,
        values: list[str],
        policy: CachePolicy,
        max_age: float | None,
    ) -> list[list[Record] | BaseException]:
        assert self.cache is not None
        now = self.clock.now()
        cached = await self.cache.read(connector.name, entity, by, values)
        fresh_for = policy.ttl if max_age is None else min(policy.ttl, max_age)
        answers: dict[str, list[Record] | BaseException] = {}
        refetch: list[str] = []
        revalidate: list[str] = []
        fallback = {}
        for value in values:
            entry = cached.get(value)
            age = now - entry.fetched_at if entry else None
            if entry is not None and age is not None and age <= fresh_for:
                answers[value] = self._mark(entry.records, entry.fetched_at, "hit")
                continue
            if entry is not None and age is not None and age <= policy.ttl + policy.stale_for:
                fallback[value] = entry
                if policy.revalidate and max_age is None:
                    answers[value] = self._mark(entry.records, entry.fetched_at, "stale")
                    revalidate.append(value)
                    continue
            refetch.append(value)
        if refetch:
            CACHE_EVENTS.labels(event="miss").inc(len(refetch))
            try:
                found = await self._live(connector, entity, by, refetch, policy)
            except SourceError as exc:
                for value in refetch:
                    entry = fallback.get(value)
                    answers[value] = (
                        self._mark(entry.records, entry.fetched_at, "stale") if entry else exc
                    )
            else:
                answers.update(found)
        if revalidate:
            task = asyncio.create_task(self._refresh(connector, entity, by, revalidate, policy))
            self.background.add(task)
            task.add_done_callback(self.background.discard)
        return [answers[value] for value in values]

    async def _refresh(
        self, connector: Connector, entity: str, by: str, values: list[str], policy: CachePolicy
    ) -> None:
        try:
            await self._live(connector, entity, by, values, policy, mark=False)
        except SourceError as exc:
            logger.warning("background refresh of %s failed: %s", connector.name, exc)

    async def _live(
        self,
        connector: Connector,
        entity: str,
        by: str,
        values: list[str],
        policy: CachePolicy,
        *,
        mark: bool = True,
    ) -> dict[str, list[Record]]:
        """Ask the source for the values, one flight per value across all requests."""
        source = connector.name
        keys = {answer_key(source, entity, by, value): value for value in values}

        async def fetch(missing: list[str]) -> dict[str, list[Record]]:
            asked = [keys[k] for k in missing]
            self.calls[(source, entity, by)] += 1
            guard = self.guards.get(source)
            started = time.perf_counter()
            try:
                with span(
                    "c360.source_call", source=source, entity=entity, by=by, values=len(asked)
                ):
                    if guard is None:
                        found = await connector.fetch(entity, by, asked)
                    else:
                        found = await guard.call(lambda: connector.fetch(entity, by, asked))
            except SourceError as exc:
                BACKEND_CALLS.labels(source=source, outcome=exc.code.lower()).inc()
                if source not in self.warned and not isinstance(exc, UnsupportedLookup):
                    self.warned.add(source)
                    # the source and the kind of failure; the call itself may hold an identifier
                    SOURCE_WARNINGS.warn(source, "source %s failed: %s", source, exc.code)
                    logger.debug("%s", exc)
                raise
            finally:
                BACKEND_SECONDS.labels(source=source).observe(time.perf_counter() - started)
            BACKEND_CALLS.labels(source=source, outcome="ok").inc()
            fetched_at = self.clock.now()
            answers = {value: list(found.get(value, ())) for value in asked}
            if self.cache is not None and policy.enabled:
                await self.cache.write(
                    source,
                    entity,
                    by,
                    answers,
                    fetched_at=fetched_at,
                    found_for=policy.ttl + policy.stale_for,
                    missing_for=min(policy.not_found_ttl, policy.ttl),
                )
            return {answer_key(source, entity, by, v): rs for v, rs in answers.items()}

        flown = await self.flights.run(list(keys), fetch)
        when = self.clock.now()
        return {
            value: self._mark(flown[key], when, "miss") if mark else flown[key]
            for key, value in keys.items()
        }

    def _mark(self, records: list[Record], fetched_at: float, state: CacheState) -> list[Record]:
        if state != "miss":
            CACHE_EVENTS.labels(event=state).inc()
        if state == "stale":
            self.stale_sources.update(r.source for r in records)
        for record in records:
            self.info[(record.source, record.entity, record.key)] = FetchInfo(fetched_at, state)
        return records
