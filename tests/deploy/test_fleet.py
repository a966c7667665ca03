"""Three ``c360 serve`` processes on 127.0.0.1 over deploy/'s config, sharing one Redis and one
PostgreSQL, behind haproxy with deploy/'s haproxy.cfg, against the served demo systems: the
fleet acts as one gateway."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from gateway.persisted import digest_of
from gateway.security.keys import KeyStore
from tests.support.demo_estate import DemoEstate, running_estate
from tests.support.fleet import Fleet
from tests.support.postgres import PostgresServer
from tests.support.redis import RedisServer

pytestmark = pytest.mark.postgres

JWT_SECRET = "a-jwt-secret-of-the-fleet-test-of-32-chars"


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoEstate]:
    """An estate of the fleet's own: its tests write to the systems."""
    yield from running_estate(tmp_path_factory.mktemp("fleet-estate"), customers=300, seed=11)


@pytest.fixture(scope="module")
def fleet(
    estate: DemoEstate,
    redis_server: RedisServer,
    postgres: PostgresServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Fleet]:
    redis_server.flush()
    environ = {
        **estate.environ,
        "REDIS_URL": redis_server.url,
        "DATABASE_URL": postgres.url,
        "JWT_SECRET": JWT_SECRET,
        "C360_REPLICAS": "3",
    }
    fleet = Fleet(environ, tmp_path_factory.mktemp("fleet"))
    try:
        fleet.start()
        yield fleet
    finally:
        fleet.stop()


@pytest.fixture
async def new_key(fleet: Fleet) -> AsyncIterator[KeyStore]:
    store = KeyStore.open(fleet.environ["DATABASE_URL"], fleet.folder)
    try:
        yield store
    finally:
        await store.aclose()


async def agent_key(store: KeyStore, name: str = "fleet test") -> str:
    _, key = await store.create("agent", name)
    return key


def customer_query(demo: DemoEstate, index: int) -> str:
    contacts = json.loads((demo.folder / "crm.json").read_text("utf-8"))["contacts"]
    email = contacts[index]["emailAddress"]
    return f'{{ customer(email: "{email}") {{ id name {{ full }} tickets {{ subject }} }} }}'


async def test_a_rate_limit_of_10_per_second_per_key_holds_across_the_fleet(
    fleet: Fleet, new_key: KeyStore
) -> None:
    key = await agent_key(new_key)
    statuses: list[int] = []
    started = time.monotonic()
    async with httpx.AsyncClient(headers={"X-API-Key": key}, timeout=30) as client:
        for round_ in range(20):  # one request to each gateway in turn, 60 in all
            for url in fleet.urls:
                answer = await client.get(f"{url}/graphql", params={"query": "{ __typename }"})
                statuses.append(answer.status_code)
        elapsed = time.monotonic() - started
    allowed = statuses.count(200)
    # one bucket of 10, refilled at 10/s, for the whole fleet: a bucket per gateway would
    # let the first 30 through at once
    assert allowed <= 10 + 10 * elapsed + 1, (allowed, elapsed)
    assert statuses[:10] == [200] * 10
    assert set(statuses) == {200, 429}


async def test_a_record_cached_through_one_gateway_is_served_by_the_others(
    fleet: Fleet, estate: DemoEstate, new_key: KeyStore
) -> None:
    query = customer_query(estate, 3)
    headers = {"X-API-Key": await agent_key(new_key)}
    async with httpx.AsyncClient(headers=headers, timeout=30) as client:
        first = await client.post(f"{fleet.urls[0]}/graphql", json={"query": query})
        estate.reset_counts()
        others = [
            await client.post(f"{url}/graphql", json={"query": query}) for url in fleet.urls[1:]
        ]
    calls = {name: i.calls for name, i in estate.instruments.items()}
    assert first.json()["data"]["customer"] is not None
    assert [o.json()["data"] for o in others] == [first.json()["data"]] * 2
    assert calls == {name: 0 for name in calls}


async def test_a_key_revoked_anywhere_is_refused_by_all_three_within_a_second(
    fleet: Fleet, new_key: KeyStore
) -> None:
    key = await agent_key(new_key)
    async with httpx.AsyncClient(headers={"X-API-Key": key}, timeout=30) as client:

        async def status(url: str) -> int:
            answer = await client.get(f"{url}/graphql", params={"query": "{ __typename }"})
            return answer.status_code

        assert [await status(url) for url in fleet.urls] == [200, 200, 200]
        revoked = fleet.c360("keys", "revoke", "--config", str(fleet.config), key.split("_")[1])
        assert revoked.returncode == 0, revoked.stderr
        since = time.monotonic()
        refused_after = []
        for url in fleet.urls:
            for _ in range(1000):  # each try is one request: bounded in count
                if await status(url) == 401:
                    break
            refused_after.append(time.monotonic() - since)
    assert all(seconds < 1.0 for seconds in refused_after), refused_after


async def test_a_persisted_query_registered_on_one_gateway_is_found_on_another(
    fleet: Fleet, estate: DemoEstate, new_key: KeyStore
) -> None:
    query = customer_query(estate, 5)
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest_of(query)}}
    headers = {"X-API-Key": await agent_key(new_key)}
    async with httpx.AsyncClient(headers=headers, timeout=30) as client:
        miss = await client.post(f"{fleet.urls[0]}/graphql", json={"extensions": persisted})
        registered = await client.post(
            f"{fleet.urls[0]}/graphql", json={"extensions": persisted, "query": query}
        )
        found = await client.get(
            f"{fleet.urls[2]}/graphql", params={"extensions": json.dumps(persisted)}
        )
    assert miss.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert found.json()["data"] == registered.json()["data"]
    assert found.json()["data"]["customer"] is not None


async def test_a_gateway_killed_under_load_loses_no_request(
    fleet: Fleet, estate: DemoEstate, new_key: KeyStore
) -> None:
    # 40 keys, so that 10/s per key is no bound on this load
    keys = [await agent_key(new_key, f"load {n}") for n in range(40)]
    queries = [customer_query(estate, n) for n in range(40)]
    statuses: list[int] = []
    killed = asyncio.Event()

    async def caller(client: httpx.AsyncClient, first: int) -> None:
        for n in range(first, 400, 8):
            answer = await client.get(
                f"{fleet.balancer}/graphql",
                params={"query": queries[n % 40]},
                headers={"X-API-Key": keys[n % 40]},
            )
            statuses.append(answer.status_code)
            if len(statuses) == 100 and not killed.is_set():
                killed.set()
                fleet.kill(1)  # mid-load: requests in flight on it are dropped

    try:
        async with httpx.AsyncClient(timeout=60) as client:
            await asyncio.gather(*(caller(client, first) for first in range(8)))
    finally:
        fleet.restart(1)
    assert killed.is_set() and len(statuses) == 400
    assert statuses.count(200) == 400, {s: statuses.count(s) for s in set(statuses)}


UPDATE = """
mutation ($id: ID!, $phone: String) {
  updateContact(customerId: $id, phone: $phone) { systems { source status } }
}"""


async def test_a_write_queued_by_a_gateway_that_dies_is_delivered_by_another(
    fleet: Fleet, estate: DemoEstate, new_key: KeyStore
) -> None:
    crm = estate.instruments["crm"]
    contact = json.loads((estate.folder / "crm.json").read_text("utf-8"))["contacts"][7]
    headers = {"X-API-Key": await agent_key(new_key)}
    written = crm.writes
    crm.write_fail_rate = 1.0  # the CRM refuses writes (503): the change is queued
    try:
        async with httpx.AsyncClient(headers=headers, timeout=60) as client:
            variables = {"id": f"crm:{contact['id']}", "phone": "312 555 0142"}
            answer = await client.post(
                f"{fleet.urls[0]}/graphql", json={"query": UPDATE, "variables": variables}
            )
        systems = answer.json()["data"]["updateContact"]["systems"]
        assert {s["source"]: s["status"] for s in systems}["crm"] == "QUEUED"
        fleet.kill(0)  # the gateway that queued it is gone
        crm.write_fail_rate = 0.0
        for _ in range(600):  # the others' couriers take due writes every 2 s
            if crm.writes > written:
                break
            await asyncio.sleep(0.05)
    finally:
        crm.write_fail_rate = 0.0
        fleet.restart(0)
    assert crm.writes == written + 1
