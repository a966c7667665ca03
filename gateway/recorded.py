"""What one request asked of its sources and what they said: recorded once, read by the
answer's ``extensions.sources``, the errors that name failed sources, and provenance.

:class:`Recorded` is the pipeline layer that notes each failure of its source; the cache
layer below notes how each record reached the request (:meth:`Recording.delivered`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from connectors.errors import SourceError, UnsupportedLookup
from gateway.logs import WarningLimiter
from gateway.pipeline import Source
from model.records import Record

__all__ = ["CacheState", "FetchInfo", "LoaderKey", "Recorded", "Recording"]

logger = logging.getLogger("c360.gateway")

LoaderKey = tuple[str, str, str]  # (source, entity, by)
CacheState = Literal["miss", "hit", "stale"]


@dataclass(frozen=True, slots=True)
class FetchInfo:
    """How one record reached this request."""

    fetched_at: float  # Unix time the source answered
    cache: CacheState

    def age(self, now: float) -> float:
        return max(0.0, now - self.fetched_at)


@dataclass(slots=True)
class Recording:
    """One request's log of its sources."""

    calls: Counter[LoaderKey] = field(default_factory=Counter)  # calls that reached a source
    asked: Counter[LoaderKey] = field(default_factory=Counter)  # values asked, cache or not
    info: dict[tuple[str, str, str], FetchInfo] = field(default_factory=dict)
    failed: dict[str, SourceError] = field(default_factory=dict)  # source -> its first failure
    stale_sources: set[str] = field(default_factory=set)
    # (source, entity) -> when the oldest answer of "nothing found" the request used was given
    found_nothing: dict[tuple[str, str], float] = field(default_factory=dict)

    def called(self, source: str, entity: str, by: str) -> None:
        self.calls[(source, entity, by)] += 1

    def delivered(
        self,
        records: list[Record],
        fetched_at: float,
        state: CacheState,
        asked: tuple[str, str] | None = None,
    ) -> None:
        """These records reach the request: fetched at ``fetched_at``, from cache or not.
        None at all, for a look-up of ``asked`` (source, entity): the answer "nothing found"
        is what the request used, and it holds only as long as the cache keeps it."""
        if not records and asked is not None:
            since = self.found_nothing.get(asked)
            if since is None or fetched_at < since:
                self.found_nothing[asked] = fetched_at
            return
        info = FetchInfo(fetched_at, state)
        marks = self.info
        for record in records:
            marks[(record.source, record.entity, record.key)] = info
            if state == "stale":
                self.stale_sources.add(record.source)

    def forget_failures(self, sources: Iterable[str]) -> None:
        """Withdraw these sources' failures: what resolving a customer the caller may not see
        found must not reach the answer, not even as an error."""
        for source in sources:
            self.failed.pop(source, None)


class Recorded:
    """The layer that records, once, what its source was asked and how it failed; the first
    failure of a source in a request is also logged at WARNING, through ``warnings`` (at most
    one per source and interval across requests)."""

    def __init__(
        self,
        inner: Source,
        source: str,
        recording: Recording,
        warnings: WarningLimiter | None = None,
    ) -> None:
        self.inner = inner
        self.source = source
        self.recording = recording
        self.warnings = warnings

    async def fetch(
        self, entity: str, by: str, values: Sequence[str]
    ) -> Mapping[str, list[Record]]:
        self.recording.asked[(self.source, entity, by)] += len(values)
        try:
            return await self.inner.fetch(entity, by, values)
        except SourceError as exc:
            failed = self.recording.failed
            if self.source not in failed:
                failed[self.source] = exc
                if self.warnings is not None and not isinstance(exc, UnsupportedLookup):
                    # the source and the kind of failure; the call itself may hold an identifier
                    self.warnings.warn(self.source, "source %s failed: %s", self.source, exc.code)
                    logger.debug("%s", exc)
            raise
