"""The guard layer on its own, on a manual clock: retries, the breaker, the request deadline."""

from __future__ import annotations

import asyncio

import pytest

from connectors.errors import SourceBadResponse, SourceUnavailable
from connectors.options import ResiliencePolicy
from gateway.clock import ManualClock
from gateway.deadline import Deadline, DeadlineExceeded
from gateway.guarded import Guarded
from gateway.resilience import CircuitOpen, SourceGuard
from tests.support.memory_sources import FailingSource, HangingSource, memory_source

ROWS = [{"id": "C1", "mail": "ann@example.com"}]


def failing(*errors: Exception) -> FailingSource:
    source = memory_source(rows=ROWS, kind=FailingSource)
    assert isinstance(source, FailingSource)
    source.failures = list(errors)
    return source


async def test_a_passing_failure_is_tried_again_after_a_backoff() -> None:
    clock = ManualClock()
    source = failing(SourceBadResponse("crm", "HTTP 503", status=503))
    guarded = Guarded(source, SourceGuard("crm", ResiliencePolicy(backoff=1), clock), None)
    found = await guarded.fetch("person", "key", ["C1"])
    assert [r.key for r in found["C1"]] == ["C1"] and source.calls == 2
    assert clock.monotonic() <= 1  # the backoff, slept on the clock: at most ``backoff``


async def test_the_breaker_opens_and_asks_nothing_until_its_cooldown_passed() -> None:
    clock = ManualClock()
    source = failing(*(SourceUnavailable("crm", "refused") for _ in range(2)))
    policy = ResiliencePolicy(retries=0, failures=2, cooldown=15)
    guarded = Guarded(source, SourceGuard("crm", policy, clock), None)
    for _ in range(2):
        with pytest.raises(SourceUnavailable):
            await guarded.fetch("person", "key", ["C1"])
    with pytest.raises(CircuitOpen):
        await guarded.fetch("person", "key", ["C1"])
    assert source.calls == 2
    clock.advance(15)
    assert await guarded.fetch("person", "key", ["C1"]) and source.calls == 3


async def test_the_deadline_cuts_a_call_that_hangs_and_refuses_new_ones() -> None:
    clock = ManualClock()
    source = memory_source(rows=ROWS, kind=HangingSource)
    assert isinstance(source, HangingSource)
    deadline = Deadline(clock, 2.0)
    guarded = Guarded(source, SourceGuard("crm", ResiliencePolicy(), clock), deadline)
    call = asyncio.create_task(guarded.fetch("person", "key", ["C1"]))
    await source.waiting.wait()
    clock.advance(2.0)
    with pytest.raises(DeadlineExceeded) as cut:
        await call
    assert cut.value.source == "crm" and cut.value.code == "DEADLINE_EXCEEDED"
    with pytest.raises(DeadlineExceeded):
        await guarded.fetch("person", "key", ["C1"])
    assert source.calls == 1
