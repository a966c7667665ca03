"""Live subscriptions: how many each principal may hold, and how often they hear a heartbeat.

``subscription { customerChanged(id: ...) }`` (:mod:`schema.subscription`) holds one slot of
its principal for as long as it runs; past ``server.live.per_principal`` a new one is refused
with ``TOO_MANY_SUBSCRIPTIONS``, before it costs anything::

    server:
      live:
        per_principal: 8       # live subscriptions one principal may hold in one process
        connections_per_principal: 32   # open websockets, subscribed or not
        heartbeat: 15s         # an idle connection hears from the gateway this often

A websocket past ``connections_per_principal`` is closed right after its
``connection_init`` with code 1013 (try again later): an idle connection costs the gateway
a socket and a heartbeat, so one caller cannot open them without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from types import FrameType

from graphql import GraphQLError
from pydantic import BaseModel, ConfigDict, Field
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from connectors.options import Duration
from gateway.events import EventBus
from gateway.security.principal import Principal

__all__ = ["TOO_MANY", "LiveSettings", "Subscribers", "ending_on_exit", "is_live"]

TOO_MANY = "TOO_MANY_SUBSCRIPTIONS"


class LiveSettings(BaseModel):
    """``server.live``: the bounds of live subscriptions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_principal: int = Field(default=8, ge=1, le=10_000)
    connections_per_principal: int = Field(default=32, ge=1, le=10_000)
    heartbeat: Duration = Field(default=15.0, gt=0, le=3600)


def _holder(principal: Principal | None, address: str) -> str:
    # callers without credentials of their own (security off, the anonymous role) are told
    # apart by their address, so that one of them cannot use up everyone's slots
    if principal is None or principal.is_anonymous:
        return f"address:{address}"
    return principal.label


class Subscribers:
    """The live subscriptions this process holds, counted per principal."""

    def __init__(self, per_principal: int, connections_per_principal: int = 32) -> None:
        self.per_principal = per_principal
        self.connections_per_principal = connections_per_principal
        self.held: Counter[str] = Counter()
        self.connections: Counter[str] = Counter()
        self._idle: asyncio.Event | None = None
        self._closed: asyncio.Event | None = None

    def check(self, principal: Principal | None, address: str = "") -> None:
        """Refuse now, with a clear error, when ``principal`` holds every slot it may."""
        if self.held[_holder(principal, address)] >= self.per_principal:
            raise GraphQLError(
                f"too many live subscriptions: at most {self.per_principal} at once per "
                "caller; end one before starting another",
                extensions={"code": TOO_MANY, "limit": self.per_principal},
            )

    @contextlib.contextmanager
    def hold(self, principal: Principal | None, address: str = "") -> Iterator[None]:
        """One slot of ``principal`` (or, without one, of the client ``address``) while the block
        runs; a clear error when none is left."""
        self.check(principal, address)
        holder = _holder(principal, address)
        self.held[holder] += 1
        try:
            yield
        finally:
            self.held[holder] -= 1
            if not self.held[holder]:
                del self.held[holder]
            if not self.held and self._idle is not None:
                self._idle.set()

    def open_connection(self, principal: Principal | None, address: str = "") -> str | None:
        """Count one more open websocket of ``principal`` (or the client ``address``); its
        holder, for :meth:`close_connection`, or None when it holds every one it may."""
        holder = _holder(principal, address)
        if self.connections[holder] >= self.connections_per_principal:
            return None
        self.connections[holder] += 1
        return holder

    def close_connection(self, holder: str) -> None:
        self.connections[holder] -= 1
        if self.connections[holder] <= 0:
            del self.connections[holder]
        if self._closed is not None:
            self._closed.set()

    async def connections_at_most(self, count: int) -> None:
        """Wait until this process holds at most ``count`` open websockets."""
        while sum(self.connections.values()) > count:
            self._closed = asyncio.Event()
            await self._closed.wait()

    async def idle(self) -> None:
        """Wait until this process holds no live subscription."""
        while self.held:
            self._idle = asyncio.Event()
            await self._idle.wait()

    def __len__(self) -> int:
        return sum(self.held.values())


def is_live(execution: ExecutionContext) -> bool:
    """Whether an operation is a subscription: each of its events is an answer of its own,
    which the extensions that finish an answer finish one by one (``on_stream_result``)."""
    if execution.graphql_document is None:
        return False
    try:
        return execution.operation_type is OperationType.SUBSCRIPTION
    except Exception:  # no such operation: a pre-execution error, answered once
        return False


@contextlib.contextmanager
def ending_on_exit(bus: EventBus) -> Iterator[None]:
    """While the block runs, SIGINT and SIGTERM first end every live subscription (each
    completes: an SSE stream with ``event: complete``, a websocket operation with
    ``complete``), then do what they did before (the server's graceful stop). The server waits
    for open responses before it stops the app, and an event stream would otherwise never end.
    Outside the main thread (a server run by tests in a thread) it changes nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def stop(sig: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(bus.end_feeds)
        previous = before[signal.Signals(sig)]
        if callable(previous):
            previous(sig, frame)
        elif previous == signal.SIG_DFL:
            signal.default_int_handler(sig, frame)

    for sig in before:
        signal.signal(sig, stop)
    try:
        yield
    finally:
        for sig, previous in before.items():
            signal.signal(sig, previous)
