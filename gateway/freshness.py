"""How long an answer stays fresh: the smallest remaining freshness of the records it used.

A record is fresh for its source's (or entity's) cache ``ttl`` from when the source answered
(:class:`~gateway.recorded.FetchInfo`); a record that stood in past its TTL (``stale``), or
one of an entity read live every time (``cache.enabled: false``), is fresh for no time at all.
An answer of "nothing found" that the request used is fresh for as long as the cache keeps it
(the shorter of ``not_found_ttl`` and ``ttl``).
An answer is as fresh as the least fresh record in it, which is what an HTTP ``max-age`` or a
whole-answer cache may promise of it.
"""

from __future__ import annotations

from collections.abc import Mapping

from connectors.base import Connector
from connectors.options import CachePolicy
from gateway.recorded import Recording

__all__ = ["remaining_freshness"]


def remaining_freshness(
    recording: Recording, sources: Mapping[str, Connector], now: float
) -> float | None:
    """Seconds until the first record the request used goes stale (0 when one already is);
    ``None`` when it used no record."""
    if not recording.info:
        return None
    smallest: float | None = None
    for (source, entity), fetched_at in recording.found_nothing.items():
        policy = _policy(sources, source, entity)
        # "nothing found" is kept for the shorter of not_found_ttl and ttl
        holds = min(policy.not_found_ttl, policy.ttl) if policy is not None else 0.0
        left = max(0.0, holds - max(0.0, now - fetched_at))
        smallest = left if smallest is None else min(smallest, left)
    if smallest == 0.0:
        return smallest
    ttls: dict[tuple[str, str], float] = {}
    for (source, entity, _key), info in recording.info.items():
        ttl = ttls.get((source, entity))
        if ttl is None:
            policy = _policy(sources, source, entity)
            ttl = ttls[(source, entity)] = policy.ttl if policy is not None else 0.0
        left = 0.0 if info.cache == "stale" else max(0.0, ttl - info.age(now))
        if smallest is None or left < smallest:
            smallest = left
            if left == 0.0:
                break
    return smallest


def _policy(sources: Mapping[str, Connector], source: str, entity: str) -> CachePolicy | None:
    """The entity's cache policy, or None where nothing of it is cached."""
    connector = sources.get(source)
    policy = connector.config.cache_policy(entity) if connector is not None else None
    return policy if policy is not None and policy.enabled else None
