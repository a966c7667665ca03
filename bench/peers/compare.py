"""Two or more variants of the gateway on the peer query, in one process, in alternating
blocks: the lever-by-lever figures behind bench/RESULTS.md ("Against Hive Gateway").

    python bench/peers/compare.py http_client=aiohttp http_client=builtin
    python bench/peers/compare.py gc=700 gc=20000
    python bench/peers/compare.py tasks=gather tasks=concurrently
    python bench/peers/compare.py provenance=off provenance=on
    python bench/peers/compare.py --blocks 10 --requests 600 gc=700 gc=20000

A variant is ``lever=value``: ``http_client`` (the peer source's client: ``builtin``,
``aiohttp``, ``httpx``), ``gc`` (the young-generation threshold of the collector, with what
start-up built frozen above 700, as ``c360 serve`` does), ``tasks`` (``gather``: every
concurrent look-up in a task of its own, as before ``gateway.concurrently``), ``provenance``
(``on``: the peer query with ``@provenance``), ``concurrency`` (the source's calls at once).
Each variant is an
app of its own over the same backend (``../shared/peerbench/backend.py``), driven through ASGI
as ``inprocess.py`` does, on uvloop as ``c360 serve`` runs; the blocks alternate so that the
machine's drift falls on every variant. Prints each variant's median and lowest CPU per request.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inprocess

from gateway import concurrently as concurrently_module
from gateway import identity, relations
from gateway.app import create_app
from gateway.config import load_settings

Hook = Callable[[bool], None]


async def _gathered(awaitables: Sequence[Awaitable[Any]]) -> list[Any]:
    return list(await asyncio.gather(*awaitables))


def _variant(spec: str) -> tuple[Callable[[str], str], Hook]:
    """The config change and the hook (on before its blocks, off after) of one variant."""
    lever, _, value = spec.partition("=")
    if lever == "http_client":
        line = "    timeout: 5s\n"
        return lambda text: text.replace(line, f"{line}    http_client: {value}\n"), _no_hook
    if lever == "provenance":
        return _same, _no_hook
    if lever == "concurrency":
        line = "    timeout: 5s\n"
        return lambda text: text.replace(line, f"{line}    concurrency: {value}\n"), _no_hook
    if lever == "gc":
        threshold = int(value)

        def collector(on: bool) -> None:
            if on and threshold != 700:
                gc.collect()
                gc.freeze()
            else:
                gc.unfreeze()
            gc.set_threshold(threshold if on else 700, 10, 10)

        return _same, collector
    if lever == "tasks":
        chosen = _gathered if value == "gather" else concurrently_module.concurrently

        def tasks(on: bool) -> None:
            used = chosen if on else concurrently_module.concurrently
            identity.concurrently = used  # type: ignore[assignment]
            relations.concurrently = used  # type: ignore[assignment]

        return _same, tasks
    raise SystemExit(f"unknown lever {lever!r}: http_client, gc or tasks")


def _same(text: str) -> str:
    return text


def _no_hook(on: bool) -> None:
    return None


async def _compare(port: int, specs: list[str], blocks: int, requests: int) -> None:
    base = (inprocess.ROOT / "bench" / "peers" / "c360.yaml").read_text()
    base = base.replace("127.0.0.1:9001", f"127.0.0.1:{port}")
    os.environ["C360_CACHE"] = "false"
    plain = json.loads(inprocess.QUERY.read_text())
    traced = {**plain, "query": plain["query"].replace(") {", ") @provenance {", 1)}
    queries = {s: traced if s == "provenance=on" else plain for s in specs}
    variants = {spec: _variant(spec) for spec in specs}
    figures: dict[str, list[float]] = {spec: [] for spec in specs}
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        apps = {}
        for n, (spec, (change, _)) in enumerate(variants.items()):
            config = Path(tmp) / f"variant-{n}.yaml"
            config.write_text(change(base))
            apps[spec] = create_app(load_settings(str(config)))
        async with AsyncExitStack() as stack:
            for spec, app in apps.items():
                await stack.enter_async_context(app.router.lifespan_context(app))
                await inprocess._drive(app, queries[spec], [42] * 50, 32)
            for block in range(blocks):
                order = specs if block % 2 == 0 else specs[::-1]
                for spec in order:
                    hook = variants[spec][1]
                    hook(True)
                    ids = [rng.randint(1, 1000) for _ in range(requests)]
                    cpu = time.process_time()
                    await inprocess._drive(apps[spec], queries[spec], ids, 32)
                    figures[spec].append((time.process_time() - cpu) / requests * 1000)
                    hook(False)
    for spec, cpu in figures.items():
        print(
            f"{spec:24s} median {statistics.median(cpu):.3f} ms  lowest {min(cpu):.3f} ms"
            f"  blocks: {' '.join(f'{c:.2f}' for c in cpu)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="+", metavar="lever=value")
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--requests", type=int, default=600, help="per block")
    args = parser.parse_args()
    port = inprocess._free_port()
    server = ["uvicorn", "--app-dir", str(inprocess.PEERBENCH), "backend:app"]
    server += ["--no-access-log", "--log-level", "warning", "--host", "127.0.0.1"]
    backend = subprocess.Popen([sys.executable, "-m", *server, "--port", str(port)])
    try:
        for _ in range(100):
            try:
                inprocess._backend_calls(port)
                break
            except OSError:
                time.sleep(0.1)
        uvloop.run(_compare(port, args.variants, args.blocks, args.requests))
    finally:
        backend.terminate()
        backend.wait()


if __name__ == "__main__":
    main()
