"""One gateway process against two on this machine, side by side, and the shared work a
request costs a fleet (Redis commands, PostgreSQL transactions).

    python bench/fleet_scaling.py                  # 3 rounds of each, 10 s of load per round
    python bench/fleet_scaling.py --rounds 2 --seconds 5

Starts Redis and PostgreSQL (tests/support), the demo's served systems as processes over a
generated estate, and ``c360 serve`` over deploy/'s fleet config (cache, rate limits and
revocations in Redis, API keys in PostgreSQL). Each round starts the gateway anew, once as one
process and once with ``--workers 2`` in turn, warms the cache with every query of the load,
then drives ``wrk`` (Debian's package) at it: the whole-customer query for random customers,
each request with one of many agent keys (10/s each, so that the rate limit is no bound).
Then, with one process, counts Redis commands and PostgreSQL transactions per request, warm
and cold.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demo.estate import generate  # noqa: E402
from demo.services.systems import DEFAULT_DEALER_KEY  # noqa: E402
from gateway.security.keys import KeyStore  # noqa: E402
from tests.support.fleet import FLEET_CONFIG, wait_until_ready  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402
from tests.support.redis import RedisServer  # noqa: E402
from tests.support.servers import free_port  # noqa: E402

QUERY = (
    '{{ customer(email: "{email}") {{ id name {{ full }} email phone '
    "orders(first: 5) {{ edges {{ node {{ total }} }} }} tickets {{ subject status }} }} }}"
)
SYSTEMS = {"crm": "CRM_URL", "service_desk": "SERVICE_DESK_URL", "dealer": "DEALER_URL",
           "campaigns": "CAMPAIGNS_URL"}  # fmt: skip


def lua(bodies: list[str], keys: list[str]) -> str:
    quoted = ",\n".join(json.dumps(b) for b in bodies)
    key_list = ",".join(json.dumps(k) for k in keys)
    return f"""
local bodies = {{{quoted}}}
local keys = {{{key_list}}}
math.randomseed(os.time())
request = function()
  local headers = {{["Content-Type"] = "application/json",
                   ["X-API-Key"] = keys[math.random(#keys)]}}
  return wrk.format("POST", "/graphql", headers, bodies[math.random(#bodies)])
end
"""


def redis_info(redis: RedisServer) -> tuple[int, float, dict[str, int]]:
    """Commands processed, Redis's CPU seconds (user + system), and calls per command."""
    out = subprocess.run(
        [_tool("redis-cli"), "-p", str(redis.port), "info", "all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    total = int(re.search(r"total_commands_processed:(\d+)", out).group(1))  # type: ignore[union-attr]
    cpu = sum(float(v) for v in re.findall(r"used_cpu_(?:user|sys):([\d.]+)", out))
    calls = {m[0]: int(m[1]) for m in re.findall(r"cmdstat_(\w+):calls=(\d+)", out)}
    return total, cpu, calls


def pg_transactions(pg: PostgresServer) -> int:
    out = subprocess.run(
        [
            *(_tool("psql"), "-h", "127.0.0.1", "-p", str(pg.port), "-U", "c360", "-d", "postgres"),
            *(
                "-At",
                "-c",
                "select xact_commit + xact_rollback from pg_stat_database"
                " where datname = 'postgres'",
            ),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(out.strip())


def ask(url: str, body: str, key: str) -> int:
    headers = {"Content-Type": "application/json", "X-API-Key": key}
    answer = httpx.post(f"{url}/graphql", content=body, headers=headers, timeout=30)
    answer.raise_for_status()
    return answer.status_code


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        sys.exit(f"{name} not found: install it with apt-get (wrk, redis-tools, postgresql)")
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children that are still running (workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total = 0.0
    for each in [pid, *map(int, children)]:
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def wrk(url: str, script: Path, seconds: int) -> tuple[float, int]:
    out = subprocess.run(
        [_tool("wrk"), "-t1", "-c32", f"-d{seconds}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, int(bad.group(1)) if bad else 0


def serve(
    environ: dict[str, str], folder: Path, workers: int
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gateway.cli", "serve", "--config", str(FLEET_CONFIG)),
            *("--port", str(port), "--log-level", "warning", "--workers", str(workers)),
        ],
        cwd=folder,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_ready(f"{url}/readyz", process)
    return process, url


async def make_keys(url: str, count: int) -> list[str]:
    store = KeyStore.open(url, Path("."))
    try:
        return [(await store.create("agent", f"bench {n}"))[1] for n in range(count)]
    finally:
        await store.aclose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--asked", type=int, default=300, help="distinct customers in the load")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="c360-fleet-bench-"))
    redis, pg = RedisServer(), PostgresServer()
    redis.start()
    pg.start()
    systems: list[subprocess.Popen[bytes]] = []
    try:
        generate(folder / "estate", args.customers, 7)
        environ = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "C360_DEMO_DATA": str(folder / "estate"),
            "REDIS_URL": redis.url,
            "DATABASE_URL": pg.url,
            "JWT_SECRET": "a-jwt-secret-of-the-fleet-bench-32-chars",
            "DEALER_API_KEY": DEFAULT_DEALER_KEY,
        }
        for name, variable in SYSTEMS.items():
            port = free_port()
            systems.append(
                subprocess.Popen(
                    [sys.executable, "-m", "demo.services", name, "--data", str(folder / "estate"),
                     "--port", str(port)],
                    env=environ,
                )
            )  # fmt: skip
            environ[variable] = f"http://127.0.0.1:{port}"
            wait_until_ready(f"http://127.0.0.1:{port}/_stats", systems[-1])
        contacts = json.loads((folder / "estate" / "crm.json").read_text("utf-8"))["contacts"]
        rng = random.Random(1)
        emails = [c["emailAddress"] for c in rng.sample(contacts, args.asked)]
        bodies = [json.dumps({"query": QUERY.format(email=e)}) for e in emails]
        keys = asyncio.run(make_keys(pg.url, 200))
        script = folder / "load.lua"
        script.write_text(lua(bodies, keys))
        print(f"estate {args.customers} customers; {len(bodies)} asked; {len(keys)} keys")

        # (requests/s, answers not 2xx, gateway CPU ms per request) per round
        results: dict[int, list[tuple[float, int, float]]] = {1: [], 2: []}
        for round_ in range(args.rounds):
            for workers in (1, 2):
                redis.flush()  # each round starts cold, then is warmed
                process, url = serve(environ, folder, workers)
                try:
                    for n, body in enumerate(bodies):
                        ask(url, body, keys[n % len(keys)])
                    before = cpu_seconds(process.pid)
                    rate, bad = wrk(url, script, args.seconds)
                    cpu_ms = (cpu_seconds(process.pid) - before) * 1000 / (rate * args.seconds)
                    results[workers].append((rate, bad, round(cpu_ms, 1)))
                finally:
                    process.terminate()
                    process.wait(60)
                print(f"round {round_ + 1}, {workers} process(es): {results[workers][-1]}")

        redis.flush()
        process, url = serve(environ, folder, 1)
        try:
            shared = {}
            for label in ("cold", "warm"):  # the first pass fills the cache, the second reads it
                (r0, c0, k0), p0 = redis_info(redis), pg_transactions(pg)
                for n, body in enumerate(bodies):
                    ask(url, body, keys[n % len(keys)])
                (r1, c1, k1), p1 = redis_info(redis), pg_transactions(pg)
                asked = len(bodies)
                shared[label] = {
                    "redis_commands": round((r1 - r0) / asked, 1),
                    "redis_cpu_ms": round((c1 - c0) * 1000 / asked, 3),
                    "pg_transactions": round((p1 - p0) / asked, 2),
                    "by_command": {
                        name: round((k1[name] - k0.get(name, 0)) / asked, 1)
                        for name in k1
                        if k1[name] != k0.get(name, 0)
                    },
                }
        finally:
            process.terminate()
            process.wait(60)
        print(json.dumps({"throughput": results, "shared_per_request": shared}, indent=1))
    finally:
        for system in systems:
            system.terminate()
            system.wait(20)
        redis.stop()
        pg.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
