"""Prometheus metrics of the gateway, registered once per process and served on /metrics."""

from __future__ import annotations

from prometheus_client import Counter

__all__ = ["BACKEND_CALLS", "CACHE_EVENTS"]

CACHE_EVENTS = Counter(
    "c360_cache_events",
    "Cache look-ups by outcome: hit, miss, stale (served past TTL), eviction.",
    ["event"],
)

BACKEND_CALLS = Counter(
    "c360_backend_calls",
    "Batched calls made to a source, by source and outcome.",
    ["source", "outcome"],
)
