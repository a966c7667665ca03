"""Update latency from an invalidation webhook to a live subscriber.

    python bench/live_updates.py [events] [transport]

Starts ``c360 demo`` (its own estate and ports), subscribes to ``customerChanged`` for one
customer over graphql-transport-ws (``ws``, the default) or GraphQL over SSE (``sse``), then
sends N signed ``POST /hooks/invalidate/crm`` for that customer's CRM record, one at a time:
each latency is from just before the hook is sent to the subscriber holding the re-resolved
customer. Prints p50, p99 and the maximum, and what the re-resolution asked of the sources.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections.abc import AsyncIterator

import httpx
from _demo import running_demo
from websockets.asyncio.client import connect

from gateway.hooks import signature

SECRET = "demo-crm-webhook-secret"  # noqa: S105 (the demo config's default)
QUERY = """subscription ($id: ID!) { customerChanged(id: $id) {
  id name { full } email phone orders(first: 5) { totalCount } tickets { number } } }"""


async def over_ws(url: str, customer: str) -> AsyncIterator[dict[str, object]]:
    async with connect(url.replace("http", "ws", 1), subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        await ws.recv()
        payload = {"query": QUERY, "variables": {"id": customer}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] == "next":
                yield message["payload"]


async def over_sse(url: str, customer: str) -> AsyncIterator[dict[str, object]]:
    body = {"query": QUERY, "variables": {"id": customer}}
    async with (
        httpx.AsyncClient(timeout=60) as client,
        client.stream("POST", url, json=body, headers={"accept": "text/event-stream"}) as r,
    ):
        async for line in r.aiter_lines():
            if line.startswith("data:") and line[5:].strip():
                yield json.loads(line[5:])


async def measure(url: str, events: int, transport: str) -> tuple[list[float], dict[str, object]]:
    customer = "crm:C-000001"
    hook = url.replace("/graphql", "/hooks/invalidate/crm")
    updates = (over_ws if transport == "ws" else over_sse)(url, customer)
    latencies: list[float] = []
    last: dict[str, object] = {}
    async with httpx.AsyncClient() as client:
        await anext(updates)  # the customer as it is now
        for n in range(events):
            # a signature is good once: a second key, unknown to the CRM, makes each hook new
            keys = ["C-000001", f"bench-{n}"]
            body = json.dumps({"entity": "person", "keys": keys}).encode()
            started = time.perf_counter()
            sent = client.post(
                hook, content=body, headers={"X-C360-Signature": signature(SECRET, body)}
            )
            answer, last = await asyncio.gather(sent, anext(updates))
            latencies.append(time.perf_counter() - started)
            answer.raise_for_status()
    await updates.aclose()  # type: ignore[attr-defined]
    return latencies, last


def main() -> None:
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    transport = sys.argv[2] if len(sys.argv) > 2 else "ws"
    with running_demo(18620, 18721) as (url, _):
        latencies, last = asyncio.run(measure(url, events, transport))
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, round(0.99 * len(ms)) - 1)]
    print(
        f"{transport}: {events} events; webhook -> subscriber p50 {statistics.median(ms):.1f} ms, "
        f"p99 {p99:.1f} ms, max {ms[-1]:.1f} ms"
    )
    print("sources asked by the last re-resolution:", json.dumps(last.get("extensions", {})))


if __name__ == "__main__":
    main()
