"""OpenTelemetry tracing (the optional extra ``c360-gateway[otel]``).

A span per GraphQL request, per identity-resolution round and per source call; the W3C trace
context (``traceparent``) goes with every call to a REST or SOAP system, so a trace continues
into the legacy system where it understands it. Without OpenTelemetry installed, or without a
tracer provider configured by the deployment (the usual ``OTEL_*`` environment with the SDK's
auto-configuration, or code), every function here does nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

__all__ = ["active", "inject", "refresh", "span"]

_propagate: Any
_trace: Any
try:
    from opentelemetry import propagate as _propagate
    from opentelemetry import trace as _trace

    _tracer = _trace.get_tracer("c360")
except ImportError:  # the extra is not installed
    _propagate = _trace = _tracer = None

_NOTHING: AbstractContextManager[None] = nullcontext()
_on: bool | None = None


def active() -> bool:
    """Whether spans are recorded: OpenTelemetry is installed and a tracer provider is set.

    Until one is, OpenTelemetry's own API hands out spans that record nothing, at a cost per
    span; here nothing at all is done. Asked once, and again by :func:`refresh` (the gateway
    does at start, after the deployment's auto-configuration has set its provider).
    """
    return refresh() if _on is None else _on


def refresh() -> bool:
    """Look again for a tracer provider (one set by code after the first span)."""
    global _on
    _on = _trace is not None and not isinstance(
        _trace.get_tracer_provider(), _trace.ProxyTracerProvider
    )
    return _on


def span(name: str, **attributes: Any) -> AbstractContextManager[None]:
    """A span named ``name`` around the block, with string, number or boolean attributes."""
    return _recorded(name, attributes) if active() else _NOTHING


@contextmanager
def _recorded(name: str, attributes: dict[str, Any]) -> Iterator[None]:
    with _tracer.start_as_current_span(name) as current:
        for key, value in attributes.items():
            if value is not None:
                current.set_attribute(f"c360.{key}", value)
        yield


def inject(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Add the current trace context (W3C ``traceparent``) to outgoing headers. Without a
    tracer provider there is none: c360 reads no trace context from its callers."""
    if active():
        _propagate.inject(headers)
    return headers
