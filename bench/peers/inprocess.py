"""CPU per request of the ASGI app alone on the peer query: the quick loop behind run.sh.

    python bench/peers/inprocess.py                    # uncached, 2,000 requests, 32 at a time
    python bench/peers/inprocess.py --cache --requests 4000
    python bench/peers/inprocess.py --profile out.prof # and a cProfile of the timed part

Starts the peer backend (``../shared/peerbench/backend.py``) on a free port, builds the app
from ``bench/peers/c360.yaml`` pointed at it, and sends the peer query for random customers
straight to the ASGI app (no HTTP server, no client library), ``--concurrency`` at a time.
Prints the process CPU per request and the backend calls per request. With ``--cache``,
every customer is asked once before the timed part.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# ../shared/peerbench beside the checkout, or beside the folder holding it
_NEAR = [p / "shared" / "peerbench" for p in (ROOT.parent, ROOT.parents[1])]
PEERBENCH = Path(
    os.environ.get("PEERBENCH_DIR") or next((p for p in _NEAR if p.is_dir()), _NEAR[0])
)
QUERY = ROOT / "bench" / "peers" / "c360-query.json"  # the peer query, variable k = the id
sys.path.insert(0, str(ROOT))

from gateway.app import create_app  # noqa: E402
from gateway.config import load_settings  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _backend_calls(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stats") as answer:
        return int(json.load(answer)["n"])


async def _post(app: Any, body: bytes) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"c360.bench"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8801),
    }
    sent = False
    status, chunks = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def _drive(app: Any, query: dict[str, Any], ids: list[int], concurrency: int) -> None:
    queue = list(ids)

    async def client() -> None:
        while queue:
            key = queue.pop()
            body = json.dumps({**query, "variables": {"k": str(key)}}).encode()
            status, answer = await _post(app, body)
            if status != 200 or b'"errors"' in answer or b"Customer" not in answer:
                raise SystemExit(f"bad answer for {key}: {status} {answer[:300]!r}")

    await asyncio.gather(*(client() for _ in range(concurrency)))


async def _main(args: argparse.Namespace, port: int) -> None:
    text = (ROOT / "bench" / "peers" / "c360.yaml").read_text()
    text = text.replace("127.0.0.1:9001", f"127.0.0.1:{port}")
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "c360.yaml"
        config.write_text(text)
        os.environ["C360_CACHE"] = "true" if args.cache else "false"
        app = create_app(load_settings(str(config)))
    query = json.loads(QUERY.read_text())
    rng = random.Random(7)
    async with app.router.lifespan_context(app):
        await _drive(app, query, list(range(1, 1001)) if args.cache else [42] * 50, 32)
        ids = [rng.randint(1, 1000) for _ in range(args.requests)]
        before = _backend_calls(port)
        profile = cProfile.Profile() if args.profile else None
        started, cpu = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        await _drive(app, query, ids, args.concurrency)
        if profile:
            profile.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - started
        calls = _backend_calls(port) - before
    print(
        f"{'warm cache' if args.cache else 'uncached'}: {args.requests} requests, "
        f"{cpu / args.requests * 1000:.2f} ms CPU per request, "
        f"{args.requests / wall:.0f} req/s in-process, "
        f"{calls / args.requests:.2f} backend calls per request"
    )
    if profile:
        profile.dump_stats(args.profile)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--cache", action="store_true")
    parser.add_argument("--profile", metavar="FILE")
    args = parser.parse_args()
    port = _free_port()
    server = ["uvicorn", "--app-dir", str(PEERBENCH), "backend:app", "--no-access-log"]
    server += ["--log-level", "warning"]
    backend = subprocess.Popen(
        [sys.executable, "-m", *server, "--host", "127.0.0.1", "--port", str(port)]
    )
    try:
        for _ in range(100):
            try:
                _backend_calls(port)
                break
            except OSError:
                time.sleep(0.1)
        asyncio.run(_main(args, port))
    finally:
        backend.terminate()
        backend.wait()


if __name__ == "__main__":
    main()
