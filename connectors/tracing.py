"""OpenTelemetry tracing (the optional extra ``c360-gateway[otel]``).

A span per GraphQL request, per identity-resolution round and per source call; the W3C trace
context (``traceparent``) goes with every call to a REST or SOAP system, so a trace continues
into the legacy system where it understands it. Without OpenTelemetry installed, or without a
tracer provider configured by the deployment (the usual ``OTEL_*`` environment with the SDK's
auto-configuration, or code), every function here does nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager, nullcontext
from typing import Any

__all__ = ["inject", "span"]

_propagate: Any
_tracer: Any
try:
    from opentelemetry import propagate as _propagate
    from opentelemetry import trace

    _tracer = trace.get_tracer("c360")
except ImportError:  # the extra is not installed
    _propagate = None
    _tracer = None


@contextmanager
def span(name: str, **attributes: Any) -> Iterator[None]:
    """A span named ``name`` around the block, with string, number or boolean attributes."""
    if _tracer is None:
        with nullcontext():
            yield
        return
    with _tracer.start_as_current_span(name) as current:
        for key, value in attributes.items():
            if value is not None:
                current.set_attribute(f"c360.{key}", value)
        yield


def inject(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Add the current trace context (W3C ``traceparent``) to outgoing headers."""
    if _propagate is not None:
        _propagate.inject(headers)
    return headers
