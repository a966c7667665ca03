"""Throughput of the whole-customer query on a warm cache, with and without ``@provenance``.

    python bench/provenance_overhead.py [seconds-per-run] [concurrency]

Starts ``c360 demo`` (no added latency), warms the cache with 20 customers, then for each
variant sends the query for those customers round-robin from ``concurrency`` concurrent
clients over HTTP for the given time, twice, alternating the variants, and prints queries per
second and the relative cost of provenance.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx
from _demo import running_demo

BODY = """customer(sourceKey: {source: "crm", key: $key}) {
  id name { full } email phone address { line1 city postcode } birthDate
  emails { value } identities { source key matchedBy { rule } }
  orders(first: 10) { totalCount edges { node { number placedAt total lines { sku amount } } } }
  tickets { number status subject notes { body } } loyalty { tier points }
  consents { channel granted } vehicles { vin serviceVisits { visitedAt } } dealers { name }
  timeline(first: 20) { edges { node { at kind title } } } }"""
PLAIN = "query Q($key: String!) { " + BODY + " }"
TRACED = "query Q($key: String!) @provenance { " + BODY + " }"


async def run(url: str, query: str, keys: list[str], seconds: float, concurrency: int) -> float:
    done = 0
    stop = time.perf_counter() + seconds

    async def client_loop(offset: int) -> None:
        nonlocal done
        async with httpx.AsyncClient(timeout=30) as client:
            i = offset
            while time.perf_counter() < stop:
                response = await client.post(
                    url, json={"query": query, "variables": {"key": keys[i % len(keys)]}}
                )
                assert response.status_code == 200 and "errors" not in response.json()
                done += 1
                i += 1

    started = time.perf_counter()
    await asyncio.gather(*(client_loop(n) for n in range(concurrency)))
    return done / (time.perf_counter() - started)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    with running_demo(18200, 18301) as (url, estate):
        contacts = json.loads((estate / "crm.json").read_text())["contacts"]
        keys = [c["id"] for c in contacts[:20]]
        for key in keys:  # warm the cache
            httpx.post(url, json={"query": PLAIN, "variables": {"key": key}}, timeout=30)
        size = len(httpx.post(url, json={"query": TRACED, "variables": {"key": keys[0]}}).content)
        results: dict[str, list[float]] = {"plain": [], "provenance": []}
        for _ in range(2):
            results["plain"].append(asyncio.run(run(url, PLAIN, keys, seconds, concurrency)))
            results["provenance"].append(asyncio.run(run(url, TRACED, keys, seconds, concurrency)))
    plain, traced = max(results["plain"]), max(results["provenance"])
    print(f"{concurrency} clients, {seconds:.0f} s per run, best of 2 runs each")
    print(
        f"without @provenance: {plain:.0f} queries/s (runs: "
        f"{', '.join(f'{r:.0f}' for r in results['plain'])})"
    )
    print(
        f"with @provenance:    {traced:.0f} queries/s (runs: "
        f"{', '.join(f'{r:.0f}' for r in results['provenance'])}); answer {size} bytes"
    )
    print(f"provenance costs {100 * (plain - traced) / plain:.1f} % of throughput")


if __name__ == "__main__":
    main()
