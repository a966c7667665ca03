"""Keeping one slow or dead system from costing more than the fields it alone serves.

Per source:

- **retries** for reads that failed for a passing reason (refused or reset connection,
  HTTP 502/503/504/429; never a time-out: a hanging system costs one timeout per request),
  with exponential backoff and full jitter, a server's ``Retry-After`` respected when it is
  not much longer than the backoff, and a retry budget (about a fifth of the calls) so that
  retries never pile onto a system that is struggling;
- a **circuit breaker**: after ``failures`` failed calls within ``window`` it opens, and for
  ``cooldown`` every call fails at once with ``CIRCUIT_OPEN`` instead of waiting; then one probe
  is let through (half-open): success closes it, failure opens it again.

::

    sources:
      crm:
        resilience: {retries: 2, backoff: 100ms, failures: 5, window: 30s, cooldown: 15s}
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TypeVar

from connectors.errors import SourceBadResponse, SourceError, SourceTimeout, SourceUnavailable
from connectors.options import ResiliencePolicy
from gateway.clock import Clock
from gateway.metrics import BREAKER_STATE, RETRIES

__all__ = ["Breaker", "CircuitOpen", "SourceGuard"]

T = TypeVar("T")
RETRYABLE_STATUS = {429, 502, 503, 504}


class CircuitOpen(SourceUnavailable):
    code = "CIRCUIT_OPEN"
    summary = "not asked: its circuit is open after repeated failures"


class Breaker:
    CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"

    def __init__(
        self, source: str, failures: int, window: float, cooldown: float, clock: Clock
    ) -> None:
        self.source = source
        self.clock = clock
        self.failures, self.window, self.cooldown = failures, window, cooldown
        self.state = self.CLOSED
        self._failed: deque[float] = deque()
        self._opened_at = 0.0
        self._probing = False
        BREAKER_STATE.labels(source=source).set(0)

    def admit(self) -> None:
        """Raise :class:`CircuitOpen` unless a call may go to the source now."""
        if self.state == self.OPEN:
            if self.clock.monotonic() - self._opened_at < self.cooldown:
                raise CircuitOpen(self.source, "circuit open after repeated failures; not asked")
            self._set(self.HALF_OPEN)
        if self.state == self.HALF_OPEN:
            if self._probing:
                raise CircuitOpen(self.source, "circuit half-open; a probe is under way")
            self._probing = True

    def succeeded(self) -> None:
        self._probing = False
        self._failed.clear()
        if self.state != self.CLOSED:
            self._set(self.CLOSED)

    def failed(self) -> None:
        now = self.clock.monotonic()
        self._probing = False
        if self.state == self.HALF_OPEN:
            self._open(now)
            return
        self._failed.append(now)
        while self._failed and now - self._failed[0] > self.window:
            self._failed.popleft()
        if len(self._failed) >= self.failures:
            self._open(now)

    def _open(self, now: float) -> None:
        self._opened_at = now
        self._failed.clear()
        self._set(self.OPEN)

    def _set(self, state: str) -> None:
        self.state = state
        BREAKER_STATE.labels(source=self.source).set(
            {self.CLOSED: 0, self.HALF_OPEN: 1, self.OPEN: 2}[state]
        )


class SourceGuard:
    """The breaker and retry policy of one source, around each of its calls."""

    def __init__(self, source: str, policy: ResiliencePolicy, clock: Clock) -> None:
        self.source = source
        self.policy = policy
        self.clock = clock
        self.breaker = Breaker(source, policy.failures, policy.window, policy.cooldown, clock)
        self._calls = 0
        self._retries = 0

    async def call(self, attempt: Callable[[], Awaitable[T]]) -> T:
        tries = 0
        while True:
            self.breaker.admit()
            self._calls += 1
            try:
                result = await attempt()
            except SourceError as exc:
                if not self._counts_as_failure(exc):
                    self.breaker.succeeded()  # the system answered: it is up
                    raise
                self.breaker.failed()
                delay = self._retry_delay(exc, tries)
                if delay is None:
                    raise
                tries += 1
                self._retries += 1
                RETRIES.labels(source=self.source).inc()
                await self.clock.sleep(delay)
                continue
            self.breaker.succeeded()
            return result

    @staticmethod
    def _counts_as_failure(exc: SourceError) -> bool:
        if isinstance(exc, SourceUnavailable):
            return not isinstance(exc, CircuitOpen)
        return isinstance(exc, SourceBadResponse) and (exc.status or 0) >= 500

    def _retry_delay(self, exc: SourceError, tries: int) -> float | None:
        # a refused or reset connection is worth another try; a system that hangs is not (its
        # timeout is the caller's whole budget), nor one whose breaker just opened
        retryable = (
            isinstance(exc, SourceUnavailable) and not isinstance(exc, CircuitOpen | SourceTimeout)
        ) or (isinstance(exc, SourceBadResponse) and exc.status in RETRYABLE_STATUS)
        if not retryable or tries >= self.policy.retries or self.breaker.state != Breaker.CLOSED:
            return None
        if self._retries > max(3, self._calls // 5):  # the budget: ~20 % of calls
            return None
        cap = self.policy.backoff * (2**tries)
        hinted = getattr(exc, "retry_after", None)
        if hinted is not None:
            return float(hinted) if hinted <= cap * 4 else None
        return random.uniform(0, cap)
