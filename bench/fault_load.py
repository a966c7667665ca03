"""A bounded load test on loopback with one served system failing part of its calls.

    python bench/fault_load.py [seconds] [concurrency] [fail-rate] [system]

Starts ``c360 demo`` (its own estate and ports), tells one served system (the CRM by default)
to answer a share of its calls with HTTP 503 (``PUT /_chaos``), then sends whole-customer
queries for random customers from ``concurrency`` clients for ``seconds``, and reports: HTTP
statuses (5xx must be 0), answers that are not valid GraphQL responses (must be 0), error codes
by source, throughput and latency percentiles. It stops by itself.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections import Counter

import httpx
from _demo import running_demo

QUERY = """query Card($key: String!) { customer(sourceKey: {source: "billing", key: $key}) {
  id name { full } email phone address { city } identities { source key }
  orders(first: 5) { totalCount edges { node { number total } } }
  tickets { number status } loyalty { tier } vehicles { vin } } }"""


async def load(url: str, keys: list[str], seconds: float, concurrency: int) -> dict[str, object]:
    statuses: Counter[int] = Counter()
    codes: Counter[str] = Counter()
    invalid = 0
    latencies: list[float] = []
    stop = time.perf_counter() + seconds
    rng = random.Random(7)

    async def client_loop() -> None:
        nonlocal invalid
        async with httpx.AsyncClient(timeout=30) as client:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                response = await client.post(
                    url, json={"query": QUERY, "variables": {"key": rng.choice(keys)}}
                )
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] += 1
                try:
                    body = response.json()
                    valid = isinstance(body, dict) and ("data" in body or "errors" in body)
                except ValueError:
                    valid = False
                invalid += not valid
                for error in body.get("errors", []) if valid else []:
                    ext = error.get("extensions", {})
                    codes[f"{ext.get('source', '-')}:{ext.get('code', '-')}"] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 1),
        "per_second": round(len(latencies) / elapsed, 1),
        "statuses": dict(statuses),
        "invalid": invalid,
        "errors": dict(codes),
        "p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
        "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99)], 1),
    }


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    fail_rate = float(sys.argv[3]) if len(sys.argv) > 3 else 0.2
    system = sys.argv[4] if len(sys.argv) > 4 else "crm"
    services = 18501
    with running_demo(18400, services) as (url, estate):
        offset = {"crm": 0, "service_desk": 1, "dealer": 2}[system]
        httpx.put(
            f"http://127.0.0.1:{services + offset}/_chaos", json={"fail_rate": fail_rate}
        ).raise_for_status()
        import sqlite3

        with sqlite3.connect(estate / "billing.db") as db:
            keys = [str(r[0]) for r in db.execute("SELECT account_no FROM accounts")]
        result = asyncio.run(load(url, keys, seconds, concurrency))
        stats = httpx.get(f"http://127.0.0.1:{services + offset}/_stats").json()
    result[f"{system}_calls"] = stats["calls"] + stats["failed"]
    result[f"{system}_failed"] = stats["failed"]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
