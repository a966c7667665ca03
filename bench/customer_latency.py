"""Whole-customer query latency on the demo, every served system at 50 ms per call.

    python bench/customer_latency.py [customers-to-ask] [latency]

Starts ``c360 demo --latency 50ms`` (its own estate and ports), then asks the whole-customer
query for N different customers once each (cold cache: every answer fetched), and then the same
N customers again several times (warm: every answer from cache). Prints latency percentiles
and, for the cold run, the expansion rounds each customer took, to compare with the expected
(rounds + 1) x latency rather than the sum of all calls.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import httpx
from _demo import running_demo

QUERY = """query ($key: String!) { customer(sourceKey: {source: "crm", key: $key}) {
  id name { full } email phone address { city } identities { source key }
  resolution { rounds }
  orders(first: 10) { totalCount edges { node { number total lines { sku } } } }
  tickets { number status notes { body } } loyalty { tier points } consents { channel granted }
  vehicles { vin serviceVisits { visitedAt } } dealers { name }
  timeline(first: 20) { totalCount edges { node { at kind } } } } }"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    latency = sys.argv[2] if len(sys.argv) > 2 else "50ms"
    with (
        running_demo(18000, 18101, "--latency", latency) as (url, estate),
        httpx.Client(timeout=60) as client,
    ):
        contacts = json.loads((estate / "crm.json").read_text())["contacts"]
        keys = [c["id"] for c in contacts[:count]]

        def ask(key: str) -> tuple[float, dict]:
            started = time.perf_counter()
            body = client.post(url, json={"query": QUERY, "variables": {"key": key}}).json()
            elapsed = time.perf_counter() - started
            assert "errors" not in body, body["errors"]
            return elapsed * 1000, body["data"]["customer"]

        cold, rounds = [], []
        for key in keys:
            ms, customer = ask(key)
            cold.append(ms)
            rounds.append(customer["resolution"]["rounds"])
        warm = [ask(key)[0] for _ in range(5) for key in keys]
    step = float(latency.rstrip("ms")) if latency.endswith("ms") else float(latency) * 1000
    expected = [(r + 1) * step for r in rounds]
    print(f"customers: {count}, served systems at {latency} per call")
    print(
        f"cold: p50 {percentile(cold, 0.5):.0f} ms, p90 {percentile(cold, 0.9):.0f} ms, "
        f"max {max(cold):.0f} ms; rounds p50 {statistics.median(rounds):.0f}; "
        f"(rounds + 1) x {step:.0f} ms p50 {statistics.median(expected):.0f} ms"
    )
    print(
        f"warm: p50 {percentile(warm, 0.5):.1f} ms, p90 {percentile(warm, 0.9):.1f} ms, "
        f"max {max(warm):.1f} ms over {len(warm)} queries"
    )


if __name__ == "__main__":
    main()
