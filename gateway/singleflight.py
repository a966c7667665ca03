"""Concurrent requests for the same missing answer wait on one fetch.

Shared by every request of one gateway process: when a hundred call-center screens open the
same customer at once on a cold cache, the source is asked once per distinct value.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

__all__ = ["SingleFlight"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    def __init__(self) -> None:
        self._flights: dict[K, asyncio.Future[V]] = {}

    async def run(
        self, keys: Sequence[K], fetch: Callable[[list[K]], Awaitable[dict[K, V]]]
    ) -> dict[K, V]:
        """The value of each key: fetched for the keys nobody is fetching, awaited for the rest.
        A failure reaches every waiter of the keys it concerned."""
        loop = asyncio.get_running_loop()
        waiting = {key: self._flights[key] for key in keys if key in self._flights}
        mine = [key for key in dict.fromkeys(keys) if key not in waiting]
        futures = {key: loop.create_future() for key in mine}
        self._flights.update(futures)
        try:
            if mine:
                try:
                    fetched = await fetch(mine)
                except BaseException as exc:
                    for future in futures.values():
                        future.set_exception(exc)
                        future.exception()  # retrieved: nobody else may be waiting
                    raise
                for key, future in futures.items():
                    future.set_result(fetched[key])
        finally:
            for key in mine:
                self._flights.pop(key, None)
        result = {key: futures[key].result() for key in mine}
        for key, future in waiting.items():
            result[key] = await asyncio.shield(future)
        return result
