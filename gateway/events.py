"""The customer-changed event bus: what the gateway learns about changed records reaches every
live subscription, in this process or, when the cache backend is Redis, in every process of the
fleet (over Redis pub/sub, so that a change learnt by one gateway reaches a subscriber held by
another).

Whoever learns that records changed publishes them, in one call::

    await runtime.events.publish(
        CustomerChanged(source="crm", entity="person", keys=("C-1042",), cause="write-back")
    )

The invalidation webhooks publish this way (``cause="webhook"``), after dropping the records
from the cache, so that a subscriber re-reads them from the source. A subscription listens::

    async with runtime.events.listen() as feed:
        async for event in feed:          # ends when the bus closes (the gateway shuts down)
            ...

A feed holds at most ``queue_size`` events; past that the oldest is dropped (a subscriber
re-resolves its customer on any event, so the newest ones are what it needs).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Self

from gateway.clock import Clock, SystemClock

if TYPE_CHECKING:
    from redis.asyncio.client import PubSub

__all__ = ["CHANNEL", "CustomerChanged", "EventBus", "Feed", "RedisEventBus", "open_bus"]

logger = logging.getLogger("c360.events")

CHANNEL = "c360:v1:customer-changed"
MAX_KEYS = 10_000


@dataclass(frozen=True, slots=True)
class CustomerChanged:
    """Records of one source and entity changed. ``cause`` says how the gateway learnt it
    (``webhook``, ``write-back``); ``customer`` is the customer id when the publisher knows it;
    ``at`` is when it was published (Unix time, stamped by the bus)."""

    source: str
    entity: str
    keys: tuple[str, ...]
    cause: str = "webhook"
    customer: str | None = None
    at: float = 0.0

    def records(self) -> set[tuple[str, str, str]]:
        """``(source, entity, key)`` of each changed record."""
        return {(self.source, self.entity, key) for key in self.keys}

    def touches(self, records: Iterable[tuple[str, str, str]], *customers: str) -> bool:
        """Whether this change concerns a customer known by ``customers`` (ids) whose last
        answer was built from ``records``."""
        return self.customer in customers or not self.records().isdisjoint(records)

    def to_json(self) -> str:
        return json.dumps(
            {
                "source": self.source,
                "entity": self.entity,
                "keys": list(self.keys),
                "cause": self.cause,
                "customer": self.customer,
                "at": self.at,
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> CustomerChanged:
        raw: dict[str, Any] = json.loads(text)
        keys = raw["keys"]
        if not isinstance(keys, list) or len(keys) > MAX_KEYS:
            raise ValueError("keys must be a list")
        return cls(
            source=str(raw["source"]),
            entity=str(raw["entity"]),
            keys=tuple(str(k) for k in keys),
            cause=str(raw.get("cause", "")),
            customer=None if raw.get("customer") is None else str(raw["customer"]),
            at=float(raw.get("at", 0.0)),
        )


_CLOSED = object()


@dataclass(eq=False)
class Feed:
    """One listener's events, in the order published; iterating ends when the bus closes."""

    queue_size: int = 256
    dropped: int = 0  # events dropped because the listener was too slow
    _queue: asyncio.Queue[object] = field(init=False)

    def __post_init__(self) -> None:
        self._queue = asyncio.Queue(maxsize=self.queue_size + 1)  # + room for the close

    def put(self, item: object) -> None:
        if item is not _CLOSED and self._queue.qsize() >= self.queue_size:
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(item)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> CustomerChanged:
        item = await self._queue.get()
        if item is _CLOSED:
            self._queue.put_nowait(_CLOSED)  # a second read ends too
            raise StopAsyncIteration
        assert isinstance(item, CustomerChanged)
        return item


class EventBus:
    """In-process delivery: :meth:`publish` hands the event to every open feed of this process.

    Subclasses carry events between processes by overriding :meth:`send` (deliver to the
    others, which call :meth:`deliver` on their side) and the lifecycle hooks :meth:`ready`
    and :meth:`aclose`.
    """

    def __init__(self, clock: Clock | None = None, queue_size: int = 256) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.queue_size = queue_size
        self.feeds: set[Feed] = set()
        self.watchers: list[Callable[[CustomerChanged], None]] = []
        self.closed = False

    async def publish(self, event: CustomerChanged) -> None:
        """Tell every listener, in every process sharing this bus, that records changed."""
        if not event.at:
            event = replace(event, at=self.clock.now())
        await self.send(event)

    async def send(self, event: CustomerChanged) -> None:
        self.deliver(event)

    def deliver(self, event: CustomerChanged) -> None:
        for watch in self.watchers:
            watch(event)
        for feed in list(self.feeds):
            feed.put(event)

    def watch(self, callback: Callable[[CustomerChanged], None]) -> None:
        """Call ``callback`` with every event this process hears, as it hears it (before any
        feed): for what must forget a record at once, such as the kept answers."""
        self.watchers.append(callback)

    async def ready(self) -> None:
        """Wait until events published from now on reach this process's feeds."""

    @contextlib.asynccontextmanager
    async def listen(self) -> AsyncIterator[Feed]:
        """A feed of the events published from now on, until the block ends."""
        feed = Feed(self.queue_size)
        if self.closed:
            feed.put(_CLOSED)
        self.feeds.add(feed)
        try:
            await self.ready()
            yield feed
        finally:
            self.feeds.discard(feed)

    def end_feeds(self) -> None:
        """End every feed open now (their listeners' iterations stop, so live subscriptions
        complete); feeds opened later still hear events. The gateway does this when it is told
        to stop, before it waits for its connections to close."""
        for feed in list(self.feeds):
            feed.put(_CLOSED)

    async def aclose(self) -> None:
        """End every feed, and every feed opened from now on."""
        self.closed = True
        self.end_feeds()


class RedisEventBus(EventBus):
    """Events over Redis pub/sub: every gateway pointing at the same Redis hears each one.

    A publish goes to Redis only; this process hears its own events back through its
    subscription, like every other process does. The subscription is opened when the first
    feed is (a process that only publishes never subscribes).
    """

    def __init__(self, url: str, clock: Clock | None = None, queue_size: int = 256) -> None:
        super().__init__(clock, queue_size)
        from redis.asyncio import Redis

        self.redis = Redis.from_url(url)
        self._reader: asyncio.Task[None] | None = None
        self._opening = asyncio.Lock()

    async def send(self, event: CustomerChanged) -> None:
        await self.redis.publish(CHANNEL, event.to_json())

    async def ready(self) -> None:
        async with self._opening:
            if self._reader is None or self._reader.done():
                pubsub = self.redis.pubsub()
                await pubsub.subscribe(CHANNEL)  # a Redis that is down fails the listener now
                self._reader = asyncio.create_task(self._read(pubsub), name="c360-events")

    async def _read(self, pubsub: PubSub) -> None:
        from redis.exceptions import ConnectionError as RedisConnectionError

        try:
            while True:
                try:
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._received(message["data"])
                except (RedisConnectionError, OSError) as exc:
                    # the client reconnects and subscribes again on the next read
                    name = type(exc).__name__
                    logger.warning("the event bus lost Redis (%s); reconnecting", name)
                    await self.clock.sleep(1.0)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call, unused-ignore]

    def _received(self, data: bytes) -> None:
        try:
            event = CustomerChanged.from_json(data)
        except (ValueError, KeyError, TypeError):
            logger.warning("an unreadable event on %s was ignored", CHANNEL)
            return
        self.deliver(event)

    async def aclose(self) -> None:
        await super().aclose()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        await self.redis.aclose()


def open_bus(backend: str, clock: Clock | None = None) -> EventBus:
    """The bus for the cache backend: Redis pub/sub over the same Redis, else in-process."""
    if backend.startswith(("redis://", "rediss://")):
        return RedisEventBus(backend, clock)
    return EventBus(clock)
