"""Awaiting several things at once, without a task where there is one thing or none.

``asyncio.gather`` wraps each awaitable in a task: a task per look-up is most of what a
request spends on the event loop's machinery, and most rounds of a request have one look-up to
make. One awaitable is awaited in the caller's own task; none costs nothing. The answers come
back in order, and the first failure is raised, as ``gather`` does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from typing import TypeVar

__all__ = ["concurrently"]

T = TypeVar("T")


async def concurrently(awaitables: Sequence[Awaitable[T]]) -> list[T]:
    """The answers of ``awaitables``, in order, run concurrently when there are several."""
    if len(awaitables) > 1:
        return list(await asyncio.gather(*awaitables))
    return [await awaitable for awaitable in awaitables]
