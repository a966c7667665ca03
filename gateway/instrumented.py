"""The innermost layer: every call that reaches a source is counted, timed and traced."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from connectors.errors import SourceError
from connectors.tracing import span
from gateway.metrics import BACKEND_CALLS, BACKEND_SECONDS
from gateway.pipeline import Source
from model.records import Record

__all__ = ["Instrumented"]


class Instrumented:
    """``c360_backend_calls`` by outcome, ``c360_backend_seconds``, and a ``c360.source_call``
    span, for each call (each retry is a call of its own)."""

    def __init__(self, inner: Source, source: str) -> None:
        self.inner = inner
        self.source = source
        self._seconds = BACKEND_SECONDS.labels(source=source)
        self._ok = BACKEND_CALLS.labels(source=source, outcome="ok")

    async def fetch(
        self, entity: str, by: str, values: Sequence[str]
    ) -> Mapping[str, list[Record]]:
        started = time.perf_counter()  # a measurement, not a decision: no clock needed
        try:
            with span(
                "c360.source_call", source=self.source, entity=entity, by=by, values=len(values)
            ):
                found = await self.inner.fetch(entity, by, values)
        except SourceError as exc:
            BACKEND_CALLS.labels(source=self.source, outcome=exc.code.lower()).inc()
            raise
        finally:
            self._seconds.observe(time.perf_counter() - started)
        self._ok.inc()
        return found
