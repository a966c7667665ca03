"""The audit log: one JSON line per request that returned personal data.

Lines go through a bounded queue to a background writer: a full queue makes the request wait
(back-pressure) instead of dropping a line; closing the log writes everything queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from pathlib import Path
from typing import Any, TextIO

__all__ = ["AuditLog"]


class AuditLog:
    def __init__(self, path: str, queue_size: int = 10_000) -> None:
        self.path = path
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize=queue_size)
        self.written = 0
        self._task: asyncio.Task[None] | None = None
        self._file: TextIO | None = None

    def start(self) -> None:
        if self.path == "-":
            self._file = sys.stdout
        else:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (closed in aclose)
        self._task = asyncio.create_task(self._write())

    async def record(self, entry: dict[str, Any]) -> None:
        """Queue one line; waits while the queue is full."""
        await self.queue.put(json.dumps(entry, sort_keys=True, separators=(",", ":")))

    async def _write(self) -> None:
        assert self._file is not None
        while True:
            lines = [await self.queue.get()]
            while not self.queue.empty() and len(lines) < 1000:
                lines.append(self.queue.get_nowait())
            await asyncio.to_thread(self._flush, lines)
            for _ in lines:
                self.queue.task_done()

    def _flush(self, lines: list[str]) -> None:
        assert self._file is not None
        self._file.write("".join(line + "\n" for line in lines))
        self._file.flush()
        self.written += len(lines)

    async def aclose(self) -> None:
        """Write every queued line, then stop."""
        if self._task is not None:
            await self.queue.join()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._file is not None and self._file is not sys.stdout:
            self._file.close()
