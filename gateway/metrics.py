"""Prometheus metrics of the gateway, registered once per process and served on /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "BACKEND_CALLS",
    "BACKEND_SECONDS",
    "BREAKER_STATE",
    "CACHE_EVENTS",
    "REQUESTS",
    "REQUEST_SECONDS",
    "RETRIES",
]

CACHE_EVENTS = Counter(
    "c360_cache_events",
    "Cache look-ups by outcome: hit, miss, stale (served past TTL), eviction.",
    ["event"],
)

BACKEND_CALLS = Counter(
    "c360_backend_calls",
    "Calls made to a source (each retry one more), by source and outcome.",
    ["source", "outcome"],
)

BACKEND_SECONDS = Histogram(
    "c360_backend_seconds",
    "Time of one call to a source.",
    ["source"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

RETRIES = Counter("c360_backend_retries", "Calls to a source tried again.", ["source"])

BREAKER_STATE = Gauge(
    "c360_breaker_state", "Circuit breaker of a source: 0 closed, 1 half-open, 2 open.", ["source"]
)

REQUESTS = Counter(
    "c360_requests", "GraphQL requests by operation name and outcome.", ["operation", "outcome"]
)

REQUEST_SECONDS = Histogram(
    "c360_request_seconds",
    "Time to answer one GraphQL request.",
    ["operation"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
