"""Counting and timing each GraphQL request, by operation name and outcome."""

from __future__ import annotations

import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from connectors.tracing import span
from gateway.metrics import REQUEST_SECONDS, REQUESTS

__all__ = ["RequestMetrics", "count_request"]


def count_request(operation: str | None, outcome: str, started: float) -> None:
    """One request of ``operation``, ended now with ``outcome`` (ok, partial or error),
    begun at ``started`` (``time.perf_counter()``)."""
    name = (operation or "anonymous")[:64]
    REQUESTS.labels(operation=name, outcome=outcome).inc()
    REQUEST_SECONDS.labels(operation=name).observe(time.perf_counter() - started)


class RequestMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        with span("c360.graphql", operation=self.execution_context.operation_name or "anonymous"):
            yield
        result = self.execution_context.result
        outcome = "error" if result is None or result.errors else "ok"
        if result is not None and result.errors and result.data:
            outcome = "partial"
        count_request(self.execution_context.operation_name, outcome, started)
