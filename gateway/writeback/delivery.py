"""Sending the outbox's writes to their systems, and trying again until each is settled.

One attempt ends in one of: ``written``; ``conflict`` (the record changed in the system since
it was read: the system's value is kept); ``failed`` (the system refused the value, with its
message: trying again would not help); ``not_writable``; or ``queued`` (the system could not
be asked: down, timing out, answering 5xx), to try again after a backoff that doubles up to
``max_backoff``, for as long as it takes or until an operator cancels it.

A write whose earlier attempt reached the system but whose answer was lost comes back as a
conflict on the next try (the version moved): when the record already holds the values sent,
it is settled as written, not as a conflict.

:class:`Courier` runs in the background of each gateway: it wakes on the runtime's clock (a
test moves it) or when nudged, and takes the writes that are due.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.base import Change, Connector
from connectors.errors import NotWritable, SourceError, WriteConflict, WriteRejected
from connectors.matching import normalize_phone
from gateway.clock import Clock
from gateway.writeback.outbox import Outbox, OutboxWrite
from gateway.writeback.settings import WritebackSettings

__all__ = ["Courier", "Delivery"]

logger = logging.getLogger("c360.writeback")

Written = Callable[[OutboxWrite], Awaitable[None]]


class Delivery:
    """One attempt of one write, settled in the outbox."""

    def __init__(
        self,
        outbox: Outbox,
        sources: Mapping[str, Connector],
        clock: Clock,
        settings: WritebackSettings,
        on_written: Written | None = None,
    ) -> None:
        self.outbox = outbox
        self.sources = sources
        self.clock = clock
        self.settings = settings
        self.on_written = on_written

    def backoff(self, attempts: int) -> float:
        """The wait after the ``attempts``-th failed try."""
        return float(min(self.settings.max_backoff, self.settings.backoff * 2 ** (attempts - 1)))

    async def send(self, write: OutboxWrite) -> OutboxWrite:
        connector = self.sources.get(write.source)
        now = self.clock.now()
        if connector is None:
            return await self.outbox.settle(
                write, "failed", now, code="UNKNOWN_SOURCE", message="no longer configured"
            )
        change = Change(write.key, write.changes, write.expected, datetime.fromtimestamp(now, UTC))
        try:
            await connector.write(write.entity, change)
        except WriteConflict as exc:
            if not await _holds(connector, write):
                return await self._settle(write, "conflict", exc)
        except WriteRejected as exc:
            return await self._settle(write, "failed", exc)
        except NotWritable as exc:
            return await self._settle(write, "not_writable", exc)
        except SourceError as exc:
            return await self._queue(write, exc.code, exc.public_message)
        except Exception:  # an unexpected failure loses nothing either: it is tried again
            logger.exception("%s: writing %s failed unexpectedly", write.source, write.entity)
            return await self._queue(write, "INTERNAL", f"{write.source}: failed")
        settled = await self.outbox.settle(write, "written", self.clock.now())
        if self.on_written is not None:
            await self.on_written(settled)
        return settled

    async def _settle(self, write: OutboxWrite, status: str, exc: SourceError) -> OutboxWrite:
        now = self.clock.now()
        return await self.outbox.settle(
            write, status, now, code=exc.code, message=exc.public_message
        )

    async def _queue(self, write: OutboxWrite, code: str, message: str) -> OutboxWrite:
        now = self.clock.now()
        wait = self.backoff(write.attempts + 1)
        logger.warning("%s: write queued, next try in %gs (%s)", write.source, wait, code)
        return await self.outbox.settle(
            write, "queued", now, code=code, message=message, next_at=now + wait
        )

    async def deliver_due(self) -> list[OutboxWrite]:
        """Send every write that is due now; what became of each."""
        due = await self.outbox.take_due(self.clock.now(), self.settings.lease)
        return list(await asyncio.gather(*(self.send(write) for write in due)))


async def _holds(connector: Connector, write: OutboxWrite) -> bool:
    """Whether the record already holds every value the write sends (an earlier try landed)."""
    try:
        found = await connector.fetch(write.entity, "key", [write.key])
    except SourceError:
        return False
    records = found.get(write.key) or []
    return bool(records) and all(
        _same(name, records[0].data.get(name), value) for name, value in write.changes.items()
    )


def _same(name: str, held: Any, sent: Any) -> bool:
    if held is None or sent is None:
        return held is None and sent is None
    if name == "phone":
        return normalize_phone(str(held)) == normalize_phone(str(sent))
    return str(held).strip().casefold() == str(sent).strip().casefold()


class Courier:
    """The background sender of one gateway: wakes every ``every`` seconds on the clock, or
    at once when nudged, and delivers what is due."""

    def __init__(self, delivery: Delivery, every: float) -> None:
        self.delivery = delivery
        self.every = every
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._waiting: list[asyncio.Future[list[OutboxWrite]]] = []
        self._stopping = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def nudge(self) -> None:
        self._wake.set()

    async def next_pass(self) -> list[OutboxWrite]:
        """Wake the courier and wait for the pass it then makes: what it delivered."""
        waiter: asyncio.Future[list[OutboxWrite]] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        self._wake.set()
        return await waiter

    async def _run(self) -> None:
        while not self._stopping:
            waiting, self._waiting = self._waiting, []
            sent: list[OutboxWrite] = []
            try:
                sent = await self.delivery.deliver_due()
            except Exception:
                logger.exception("the outbox could not be read; trying again later")
            for waiter in waiting:
                if not waiter.done():
                    waiter.set_result(sent)
            timer = self.delivery.clock.call_later(self.every, self._wake.set)
            try:
                await self._wake.wait()
            finally:
                timer.cancel()
                self._wake.clear()

    async def aclose(self) -> None:
        """Stop after the pass under way, if any: a write being sent is settled first (one
        cut off would wait for its lease to end before another gateway sends it)."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._task), self.delivery.settings.lease)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
