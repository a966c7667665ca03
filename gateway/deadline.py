"""One request's time budget: past it, calls still out are cancelled and no new one starts.

::

    server:
      deadline: 5s          # the default; a request answers within about this long

A call cut by the deadline, or refused after it, fails with :class:`DeadlineExceeded`: the
fields its source alone serves are null, everything else answers, and the answer carries one
``DEADLINE_EXCEEDED`` error naming the sources still pending. A source whose cached answer may
stand in when it fails (``stale_for``) stands in here too.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

from connectors.errors import SourceError
from gateway.clock import Clock, Timer

__all__ = ["Deadline", "DeadlineExceeded"]


class DeadlineExceeded(SourceError):
    code = "DEADLINE_EXCEEDED"
    summary = "no answer within the request's deadline"

    def __init__(self, source: str, deadline: Deadline) -> None:
        # the detail repeats only the configuration: clients may read it
        message = f"no answer within the request's {deadline.seconds:g}s deadline"
        super().__init__(source, message, public=True)
        self.deadline = deadline


class Deadline:
    """Started when the request's context is built; :meth:`bound` puts a call under it."""

    def __init__(self, clock: Clock, seconds: float) -> None:
        self.clock = clock
        self.seconds = seconds
        self.at = clock.monotonic() + seconds

    @property
    def expired(self) -> bool:
        return self.clock.monotonic() >= self.at

    def bound(self, source: str) -> _Bound:
        """A ``with`` block that the deadline cancels: it then raises :class:`DeadlineExceeded`
        (at once, if the deadline has already passed)."""
        return _Bound(self, source)


class _Bound:
    __slots__ = ("deadline", "fired", "source", "task", "timer")

    def __init__(self, deadline: Deadline, source: str) -> None:
        self.deadline = deadline
        self.source = source
        self.fired = False
        self.task: asyncio.Task[object] | None = None
        self.timer: Timer | None = None

    def __enter__(self) -> None:
        deadline = self.deadline
        remaining = deadline.at - deadline.clock.monotonic()
        if remaining <= 0:
            raise DeadlineExceeded(self.source, deadline)
        self.task = asyncio.current_task()
        self.timer = deadline.clock.call_later(remaining, self._fire)

    def _fire(self) -> None:
        if self.task is not None:
            self.fired = True
            self.task.cancel()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.timer is not None:
            self.timer.cancel()
        # as asyncio.timeout does: our own cancellation becomes the deadline's error, any
        # other (the request itself cancelled) goes on
        if (
            self.fired
            and exc_type is asyncio.CancelledError
            and self.task is not None
            and self.task.uncancel() == 0
        ):
            raise DeadlineExceeded(self.source, self.deadline) from None
