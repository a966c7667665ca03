"""Python's cyclic garbage collector in a serving process, set once the gateway has started.

A request's objects are freed by reference counting when it ends (no layer of the request path
keeps a reference cycle, see ``tests/gateway/test_collector.py``), so the collector finds
nothing to free in them; with Python's default young-generation threshold (700) it still walks
every in-flight request's objects several times per request (1.25 against 1.06 ms of CPU per
uncached request of the peer benchmark, bench/RESULTS.md). What the process holds at start-up
(modules, the schema, the config) is moved out of the collector's sight with :func:`gc.freeze`.
"""

from __future__ import annotations

import gc

__all__ = ["tune_collector"]


def tune_collector(threshold: int) -> None:
    """Freeze what start-up built and collect the young generation every ``threshold``
    allocations (``server.gc_threshold``); the older generations keep Python's ratios."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(threshold, middle, old)
