"""A bounded load of mixed reads and writes, one system failing a share of its writes.

    python bench/writeback_load.py [seconds] [concurrency] [write-fail-rate] [write-share]

Starts ``c360 demo`` (its own estate and ports), tells the CRM to answer a share of its writes
with HTTP 503 (``PUT /_chaos`` ``write_fail_rate``), then for ``seconds`` sends, from
``concurrency`` clients, whole-customer reads and ``updateContact`` phone changes (a share
``write-share`` of the requests; one write in twenty repeats an earlier idempotency key).
When the load stops it waits for the outbox to drain (the courier retries the CRM), then
compares the outbox with the systems' own counts: for each system, the writes the outbox
settled as written against the writes the system applied (its ``/_stats`` ``writes``; for
billing the rows its trigger logged). Lost writes = writes still unsettled + any difference.
It reports HTTP statuses (5xx must be 0), outcomes, and those counts; it stops by itself.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
from _demo import running_demo

READ = """query Card($id: ID!) { customer(id: $id) { id name { full } email phone
  address { city } identities { source key } orders(first: 3) { totalCount } } }"""

WRITE = """mutation Edit($id: ID!, $phone: String!, $key: String!) {
  updateContact(customerId: $id, phone: $phone, idempotencyKey: $key) {
    replayed systems { source status code } } }"""

SERVICES = {"crm": 0, "service_desk": 1, "dealer": 2}


async def load(
    url: str, ids: list[str], seconds: float, concurrency: int, share: float
) -> dict[str, object]:
    statuses: Counter[int] = Counter()
    outcomes: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    keys: list[str] = []
    stop = time.perf_counter() + seconds
    rng = random.Random(11)

    async def client_loop() -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            while time.perf_counter() < stop:
                customer = rng.choice(ids)
                if rng.random() < share:
                    if keys and rng.random() < 0.05:
                        key = rng.choice(keys)  # a client retrying: must not write again
                        kinds["write (repeated key)"] += 1
                        # the same key must carry the same change: ask what it was
                        customer, phone = key.split("|")[1:3]
                    else:
                        phone = f"(312) 555-{rng.randrange(10000):04d}"
                        key = f"bench|{customer}|{phone}|{len(keys)}"
                        keys.append(key)
                        kinds["write"] += 1
                    body = {
                        "query": WRITE,
                        "variables": {"id": customer, "phone": phone, "key": key},
                    }
                else:
                    kinds["read"] += 1
                    body = {"query": READ, "variables": {"id": customer}}
                response = await client.post(url, json=body)
                statuses[response.status_code] += 1
                answer = response.json()
                edit = (answer.get("data") or {}).get("updateContact")
                for system in edit["systems"] if edit else []:
                    outcomes[f"{system['source']}:{system['status'].lower()}"] += 1
                for error in answer.get("errors", []):
                    outcomes[f"error:{error.get('extensions', {}).get('code')}"] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    total = sum(kinds.values())
    return {
        "seconds": round(elapsed, 1),
        "requests": total,
        "per_second": round(total / elapsed, 1),
        "kinds": dict(kinds),
        "statuses": dict(statuses),
        "outcomes": dict(sorted(outcomes.items())),
    }


def outbox_counts(estate: Path) -> dict[str, dict[str, int]]:
    with sqlite3.connect(estate / "outbox.db") as db:
        rows = db.execute("SELECT source, status, count(*) FROM c360_writes GROUP BY 1, 2")
        found: dict[str, dict[str, int]] = {}
        for source, status, count in rows:
            found.setdefault(source, {})[status] = count
    return found


def drained(estate: Path, limit: float) -> float:
    """Seconds until no write is queued or being sent (at most ``limit``)."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        counts = outbox_counts(estate)
        if not any(c.get("queued") or c.get("sending") for c in counts.values()):
            break
        time.sleep(0.5)
    return round(time.perf_counter() - started, 1)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    fail_rate = float(sys.argv[3]) if len(sys.argv) > 3 else 0.2
    share = float(sys.argv[4]) if len(sys.argv) > 4 else 0.3
    services = 18601
    with running_demo(18600, services) as (url, estate):
        base = f"http://127.0.0.1:{services}"
        httpx.put(f"{base}/_chaos", json={"write_fail_rate": fail_rate}).raise_for_status()
        contacts = json.loads((estate / "crm.json").read_text("utf-8"))["contacts"]
        ids = [f"crm:{c['id']}" for c in contacts[:400]]
        result = asyncio.run(load(url, ids, seconds, concurrency, share))
        result["drain_seconds"] = drained(estate, 300)
        applied = {
            name: httpx.get(f"http://127.0.0.1:{services + offset}/_stats").json()
            for name, offset in SERVICES.items()
        }
        with sqlite3.connect(estate / "billing.db") as db:
            [(billing,)] = db.execute("SELECT count(*) FROM account_changes")
    outbox = outbox_counts(estate)
    systems = {name: stats["writes"] for name, stats in applied.items()} | {"billing": billing}
    lost = 0
    compared = {}
    for name, count in sorted(systems.items()):
        held = outbox.get(name, {})
        unsettled = held.get("queued", 0) + held.get("sending", 0)
        lost += unsettled + abs(held.get("written", 0) - count)
        compared[name] = {"outbox": held, "system_applied": count}
    result["crm_writes_failed_by_injection"] = applied["crm"]["writes_failed"]
    result["compared"] = compared
    result["lost_writes"] = lost
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
