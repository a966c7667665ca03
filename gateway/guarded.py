"""Guarding each call of one source: the request's deadline around retries and the breaker.

The breaker and the retry budget (:class:`~gateway.resilience.SourceGuard`) are shared by every
request of the process; the deadline is the request's own. The timeout of one attempt is the
connector's: it applies the source's ``timeout`` to its own I/O (connect, read, statement), so
that a hanging system fails with ``SOURCE_TIMEOUT`` and is never tried again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence

from gateway.deadline import Deadline
from gateway.pipeline import Source
from gateway.resilience import SourceGuard
from model.records import Record

__all__ = ["Guarded"]


class Guarded:
    def __init__(self, inner: Source, guard: SourceGuard, deadline: Deadline | None) -> None:
        self.inner = inner
        self.guard = guard
        self.deadline = deadline

    async def fetch(
        self, entity: str, by: str, values: Sequence[str]
    ) -> Mapping[str, list[Record]]:
        inner = self.inner

        def attempt() -> Awaitable[Mapping[str, list[Record]]]:
            return inner.fetch(entity, by, values)

        if self.deadline is None:
            return await self.guard.call(attempt)
        with self.deadline.bound(self.guard.source):
            return await self.guard.call(attempt)
