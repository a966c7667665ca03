"""Requests per principal: a token bucket each, refilled at the role's rate."""

from __future__ import annotations

import time
from dataclasses import dataclass

__all__ = ["RateLimiter"]


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self, max_principals: int = 100_000) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._max = max_principals

    def take(self, principal: str, rate: float, burst: int) -> float:
        """0 when the request may go on, else the seconds until a token is there."""
        now = time.monotonic()
        bucket = self._buckets.get(principal)
        if bucket is None:
            if len(self._buckets) >= self._max:
                self._buckets.clear()  # forget idle callers rather than grow without bound
            bucket = self._buckets[principal] = _Bucket(float(burst), now)
        bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / rate if rate > 0 else 60.0
