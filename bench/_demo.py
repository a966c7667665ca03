"""``c360 demo`` in a process of its own, for the benchmarks: started, waited for, stopped."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


@contextmanager
def running_demo(port: int, services: int, *extra: str) -> Iterator[tuple[str, Path]]:
    """Yields the gateway's /graphql URL and the estate's folder; ``extra`` goes to c360 demo."""
    folder = Path(tempfile.mkdtemp(prefix="c360-bench-")) / "estate"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gateway.cli",
            "demo",
            "--data",
            str(folder),
            "--port",
            str(port),
            "--services-port",
            str(services),
            "--log-level",
            "warning",
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz").raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/graphql", folder
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
