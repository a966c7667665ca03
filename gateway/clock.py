"""Time as a dependency: everything that decides by the clock takes a :class:`Clock`.

Cache freshness, the ages provenance reports, circuit breakers, retry backoff, the memory
store's expiry, rate limits and the request deadline all read the one clock the runtime was
built with. The app runs on :class:`SystemClock`; tests build the runtime with a
:class:`ManualClock` and move it instead of sleeping::

    clock = ManualClock()
    async with Runtime(settings, clock=clock) as runtime:
        ...                      # a first answer, fetched
        clock.advance(300)       # five minutes later: the cached answer is past its TTL
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock", "Timer"]


class Timer(Protocol):
    """A callback scheduled with :meth:`Clock.call_later`."""

    def cancel(self) -> None: ...


class Clock(Protocol):
    """The time the gateway decides by.

    ``now`` is Unix time (when a record was fetched, how old it is); ``monotonic`` never goes
    back and measures durations (a breaker's cooldown, a token bucket, an entry's expiry).
    """

    def now(self) -> float: ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer: ...


class SystemClock:
    """The machine's clocks and the event loop's timers."""

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        return asyncio.get_running_loop().call_later(max(0.0, delay), callback)


class _ManualTimer:
    __slots__ = ("callback", "cancelled", "when")

    def __init__(self, when: float, callback: Callable[[], None]) -> None:
        self.when, self.callback, self.cancelled = when, callback, False

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock:
    """A clock that moves only when told to: :meth:`advance`, or a :meth:`sleep`, which moves
    it forward by the time slept (so a retry's backoff never waits for real). Timers whose time
    has come run when the clock moves, in order. It starts at ``start`` (Unix time; the real
    time by default)."""

    def __init__(self, start: float | None = None) -> None:
        self._start = time.time() if start is None else start
        self._elapsed = 0.0
        self._timers: list[tuple[float, int, _ManualTimer]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self._start + self._elapsed

    def monotonic(self) -> float:
        return self._elapsed

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go back")
        self._elapsed += seconds
        while self._timers and self._timers[0][0] <= self._elapsed:
            _, _, timer = heapq.heappop(self._timers)
            if not timer.cancelled:
                timer.callback()

    async def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        timer = _ManualTimer(self._elapsed + max(0.0, delay), callback)
        heapq.heappush(self._timers, (timer.when, next(self._order), timer))
        return timer
