"""The cache layer of a source's pipeline: answers from the shared cache while they are fresh
enough, one flight per value across all requests for the rest, and an older answer standing in
when the source fails (``stale_for``) or while a background refresh runs (``revalidate``).

Whether an entry is fresh, may stand in, or is too old is the cache's own judgement
(:func:`gateway.cache.judge`); this layer acts on it. It tells the request's
:class:`~gateway.recorded.Recording` how each record reached it (``miss``, ``hit``, ``stale``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence

from connectors.base import Connector
from connectors.errors import SourceError
from connectors.options import CachePolicy
from gateway.cache import CachedAnswer, RecordCache, Verdict, answer_key, judge
from gateway.clock import Clock
from gateway.deadline import Deadline, DeadlineExceeded
from gateway.metrics import CACHE_EVENTS
from gateway.pipeline import Source
from gateway.recorded import Recording
from gateway.singleflight import SingleFlight
from model.records import Record

__all__ = ["Cached", "SharedCache"]

logger = logging.getLogger("c360.gateway")

_HIT, _MISS, _STALE = (CACHE_EVENTS.labels(event=e) for e in ("hit", "miss", "stale"))


class SharedCache:
    """What every request's cache layer shares: the store, the flights, the refreshes."""

    def __init__(
        self,
        cache: RecordCache | None,
        flights: SingleFlight[str, list[Record]],
        background: set[asyncio.Task[None]],
        clock: Clock,
        refreshed: Callable[[Iterable[Record], float], None] | None = None,
    ) -> None:
        self.cache = cache
        self.flights = flights
        self.background = background
        self.clock = clock
        self.refreshed = refreshed  # hears of every record a source answered anew


class Cached:
    """One request's cache layer over one source; ``max_age`` (seconds) refuses older answers."""

    def __init__(
        self,
        inner: Source,
        connector: Connector,
        shared: SharedCache,
        recording: Recording,
        max_age: float | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        self.inner = inner
        self.connector = connector
        self.source = connector.name
        self.shared = shared
        self.recording = recording
        self.max_age = max_age
        self.deadline = deadline

    async def fetch(
        self, entity: str, by: str, values: Sequence[str]
    ) -> Mapping[str, list[Record]]:
        policy = self.connector.config.cache_policy(entity)
        cache = self.shared.cache
        if cache is None or not policy.enabled:
            return await self._live(entity, by, values, policy)
        now = self.shared.clock.now()
        cached = await cache.read(self.source, entity, by, values)
        recording = self.recording
        answers: dict[str, list[Record]] = {}
        refetch: list[str] = []
        revalidate: list[str] = []
        fallback: dict[str, CachedAnswer] = {}
        for value in values:
            entry = cached.get(value)
            verdict = (
                Verdict.EXPIRED
                if entry is None
                else judge(now - entry.fetched_at, policy, self.max_age)
            )
            if entry is None or verdict is Verdict.EXPIRED:
                refetch.append(value)
            elif verdict is Verdict.FRESH:
                answers[value] = entry.records
                recording.delivered(entry.records, entry.fetched_at, "hit", (self.source, entity))
                _HIT.inc()
            elif verdict is Verdict.REVALIDATE:
                answers[value] = entry.records
                recording.delivered(entry.records, entry.fetched_at, "stale", (self.source, entity))
                _STALE.inc()
                revalidate.append(value)
            else:  # Verdict.FALLBACK: asked again, standing in if the source fails
                fallback[value] = entry
                refetch.append(value)
        if refetch:
            _MISS.inc(len(refetch))
            try:
                answers.update(await self._live(entity, by, refetch, policy))
            except SourceError:
                if any(value not in fallback for value in refetch):
                    raise
                for value in refetch:
                    entry = fallback[value]
                    answers[value] = entry.records
                    recording.delivered(
                        entry.records, entry.fetched_at, "stale", (self.source, entity)
                    )
                    _STALE.inc()
        if revalidate:
            self._refresh_behind(entity, by, revalidate, policy)
        return answers

    def _refresh_behind(self, entity: str, by: str, values: list[str], policy: CachePolicy) -> None:
        async def refresh() -> None:
            try:
                await self._flight(entity, by, values, policy, record=False)
            except SourceError as exc:
                logger.warning("background refresh of %s failed: %s", self.source, exc.code)

        task = asyncio.create_task(refresh())
        background = self.shared.background
        background.add(task)
        task.add_done_callback(background.discard)

    async def _live(
        self, entity: str, by: str, values: Sequence[str], policy: CachePolicy
    ) -> dict[str, list[Record]]:
        try:
            return await self._flight(entity, by, values, policy)
        except DeadlineExceeded as exc:
            if exc.deadline is self.deadline or self.deadline is None:
                raise
            # another request's deadline cut the call these values waited on: ask again
            return await self._flight(entity, by, values, policy)

    async def _flight(
        self,
        entity: str,
        by: str,
        values: Sequence[str],
        policy: CachePolicy,
        *,
        record: bool = True,
    ) -> dict[str, list[Record]]:
        """Ask the source for the values, one flight per value across all requests."""
        source = self.source
        shared = self.shared
        keys = {answer_key(source, entity, by, value): value for value in values}

        async def call(missing: list[str]) -> dict[str, list[Record]]:
            asked = [keys[k] for k in missing]
            if record:
                self.recording.called(source, entity, by)
            found = await self.inner.fetch(entity, by, asked)
            answers = {value: list(found.get(value, ())) for value in asked}
            fetched_at = shared.clock.now()
            if shared.refreshed is not None:
                shared.refreshed((r for rs in answers.values() for r in rs), fetched_at)
            if shared.cache is not None and policy.enabled:
                await shared.cache.write(
                    source,
                    entity,
                    by,
                    answers,
                    fetched_at=fetched_at,
                    found_for=policy.ttl + policy.stale_for,
                    missing_for=min(policy.not_found_ttl, policy.ttl),
                )
            return {answer_key(source, entity, by, v): rs for v, rs in answers.items()}

        flown = await shared.flights.run(list(keys), call)
        answers = {value: flown[key] for key, value in keys.items()}
        if record:
            when = shared.clock.now()
            for records in answers.values():
                self.recording.delivered(records, when, "miss", (source, entity))
        return answers
