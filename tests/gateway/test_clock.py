"""The manual clock the tests drive: it moves when told, and its timers run in order."""

from __future__ import annotations

from gateway.clock import ManualClock


def test_timers_run_in_order_when_the_clock_moves_past_them() -> None:
    clock = ManualClock(start=1000.0)
    fired: list[str] = []
    clock.call_later(2, lambda: fired.append("late"))
    clock.call_later(1, lambda: fired.append("early"))
    clock.call_later(1.5, lambda: fired.append("cancelled")).cancel()
    clock.advance(1)
    assert fired == ["early"]
    clock.advance(5)
    assert fired == ["early", "late"]
    assert (clock.now(), clock.monotonic()) == (1006.0, 6.0)


async def test_sleeping_moves_the_clock_instead_of_waiting() -> None:
    clock = ManualClock(start=0.0)
    await clock.sleep(30)
    assert clock.now() == 30.0
