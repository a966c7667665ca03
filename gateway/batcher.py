"""Per-request batching: every look-up of one kind asked in the same tick becomes one call.

One :class:`Batcher` lives for one GraphQL request. It keeps a window per
``(source, entity, by, max_age)``: values asked while the window is open are sent together
a turn of the event loop later, so resolving fifty customers' orders costs one orders call per
system; a value asked twice in a request is answered from the first answer. A window costs one
future and one task per call, never one per value.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from gateway.pipeline import Source
from model.records import Record

__all__ = ["Batcher", "WindowKey"]

Answer = list[Record] | BaseException
WindowKey = tuple[str, str, str, float | None]  # (source, entity, by, max_age)


class _Window:
    __slots__ = (
        "answers",
        "by",
        "calls",
        "entity",
        "flying",
        "key",
        "next",
        "queued",
        "sent",
        "source",
    )

    def __init__(
        self,
        key: WindowKey,
        source: Source,
        calls: set[asyncio.Task[None]],
        sent: Counter[WindowKey],
    ) -> None:
        # the batcher's call set and counter, not the batcher itself: no reference cycle, so
        # a request's records are freed when it ends instead of by the garbage collector
        self.calls = calls
        self.sent = sent
        self.key = key
        _, entity, by, _ = key
        self.source = source
        self.entity = entity
        self.by = by
        self.answers: dict[str, Answer] = {}
        self.queued: dict[str, None] = {}  # values for the next call
        self.next: asyncio.Future[None] | None = None  # done when they are answered
        self.flying: dict[str, asyncio.Future[None]] = {}  # value -> the call that asks it

    async def ask(self, values: Sequence[str]) -> list[list[Record]]:
        answers = self.answers
        waits: list[asyncio.Future[None]] = []
        for value in values:
            if value in answers:
                continue
            call = self.flying.get(value)
            if call is None:
                call = self.next
                if call is None:
                    loop = asyncio.get_running_loop()
                    call = self.next = loop.create_future()
                    loop.call_soon(self._send)
                self.queued[value] = None
                self.flying[value] = call
            if not waits or waits[-1] is not call:
                waits.append(call)
        for call in waits:
            if not call.done():
                await call
        found: list[list[Record]] = []
        for value in values:
            answer = answers[value]
            if isinstance(answer, BaseException):
                raise answer
            found.append(answer)
        return found

    def _send(self) -> None:
        task = asyncio.get_running_loop().create_task(self._call())
        self.calls.add(task)
        task.add_done_callback(self.calls.discard)

    async def _call(self) -> None:
        # the window closes when this call starts, a turn of the loop after it opened: what
        # the tasks woken meanwhile ask still joins it
        values, done = list(self.queued), self.next
        self.queued, self.next = {}, None
        if done is None:
            return
        self.sent[self.key] += 1
        answers = self.answers
        try:
            found = await self.source.fetch(self.entity, self.by, values)
        except Exception as exc:
            for value in values:
                answers[value] = exc
        except BaseException:
            done.cancel()
            raise
        else:
            for value in values:
                answers[value] = list(found.get(value, ()))
        finally:
            for value in values:
                self.flying.pop(value, None)
        done.set_result(None)


class Batcher:
    """``fetch`` for one request, over each source's pipeline (``pipeline(source, max_age)``,
    built once per request and pair)."""

    def __init__(self, pipeline: Callable[[str, float | None], Source]) -> None:
        self._pipeline = pipeline
        self._sources: dict[tuple[str, float | None], Source] = {}
        self._windows: dict[WindowKey, _Window] = {}
        self._calls: set[asyncio.Task[None]] = set()
        self.sent: Counter[WindowKey] = Counter()  # calls sent down the pipelines

    def answered(self, key: WindowKey) -> Mapping[str, list[Record] | BaseException]:
        """What this request's calls of one window were answered, by value asked."""
        window = self._windows.get(key)
        return window.answers if window is not None else {}

    async def fetch(
        self,
        source: str,
        entity: str,
        by: str,
        values: Sequence[str],
        max_age: float | None = None,
    ) -> list[list[Record]]:
        """The records for each value, in order; raises the source's error if it fails and no
        stale answer may stand in. ``max_age`` (seconds) refuses older cached answers."""
        if not values:
            return []
        key = (source, entity, by, max_age)
        window = self._windows.get(key)
        if window is None:
            top = self._sources.get((source, max_age))
            if top is None:
                top = self._sources[(source, max_age)] = self._pipeline(source, max_age)
            window = self._windows[key] = _Window(key, top, self._calls, self.sent)
        return await window.ask(values)
