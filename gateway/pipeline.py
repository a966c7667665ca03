"""The source pipeline: each concern is the connector contract around the next, as httpx
transports wrap transports::

    Batcher (per request)      one call per (source, entity, by) and tick; the same value once
      -> Recorded              what the request asked, what failed, what provenance needs
        -> Cached              freshness, stale-if-error, revalidation, single-flight
          -> Guarded           the request's deadline, retries with backoff, the breaker
            -> Instrumented    metrics and a span per call
              -> Connector     the legacy system

Every layer answers :class:`Source`'s one verb, so each is testable alone over a plain
connector, and a new concern is one more layer rather than a branch in the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from model.records import Record

__all__ = ["Source"]


class Source(Protocol):
    """Anything that answers the connector contract: a connector, or a layer around one.

    A layer that logs each call::

        class Logged:
            def __init__(self, inner: Source) -> None:
                self.inner = inner

            async def fetch(self, entity, by, values):
                logger.info("asking %s by %s for %d values", entity, by, len(values))
                return await self.inner.fetch(entity, by, values)
    """

    async def fetch(
        self, entity: str, by: str, values: Sequence[str]
    ) -> Mapping[str, list[Record]]: ...
