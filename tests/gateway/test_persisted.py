"""Automatic persisted queries: miss -> register -> hit, shared over Redis; hashes checked;
the registry bounded; trusted_only roles still held to the trusted list."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.app import create_app
from gateway.clock import ManualClock
from gateway.config import CacheSettings, Settings
from gateway.persisted import (
    MemoryPersistedQueries,
    PersistedQuerySettings,
    RedisPersistedQueries,
    digest_of,
)
from tests.gateway.test_security import new_key
from tests.support.demo_estate import DemoEstate
from tests.support.gateway import gateway, settings_from
from tests.support.redis import RedisServer
from tests.support.servers import serve

APOLLO = Path(__file__).with_name("apollo")

CRM = """\
sources:
  crm:
    kind: tests.support.memory_sources:MemorySource
    rows: {person: [{id: C1, mail: ann@example.com}]}
    entities:
      person: {lookups_by: [email], fields: {key: id, email: mail}}
"""
QUERY = '{ customer(email: "ann@example.com") { id email } }'


def persisted(document: str, **extra: Any) -> dict[str, Any]:
    hashed = {"persistedQuery": {"version": 1, "sha256Hash": digest_of(document)}}
    return {"extensions": hashed, **extra}


def code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


def over_redis(settings: Settings, redis: RedisServer) -> Settings:
    return dataclasses.replace(settings, cache=CacheSettings(backend=redis.url))


async def test_miss_register_hit_shared_by_two_gateways_over_redis(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    redis_server.flush()
    settings = over_redis(settings_from(tmp_path, CRM), redis_server)
    async with gateway(settings) as first, gateway(settings) as second:
        miss = await first.post("/graphql", json=persisted(QUERY))
        registered = await first.post("/graphql", json=persisted(QUERY, query=QUERY))
        hit = await second.post("/graphql", json=persisted(QUERY))
        by_get = await second.get(
            "/graphql",
            params={"extensions": json.dumps(persisted(QUERY)["extensions"])},
            headers={"accept": "*/*"},  # fetch's default: not a browser asking for GraphiQL
        )
    assert code(miss) == "PERSISTED_QUERY_NOT_FOUND"
    assert miss.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    answer = {"customer": {"id": "crm:C1", "email": "ann@example.com"}}
    assert registered.json()["data"] == answer
    assert hit.json()["data"] == answer  # the other gateway: registered in the shared Redis
    assert by_get.status_code == 200
    assert by_get.json()["data"] == answer
    assert by_get.headers["cache-control"].startswith("private, ")


async def test_a_hash_that_is_not_the_texts_registers_nothing(tmp_path: Path) -> None:
    async with gateway(settings_from(tmp_path, CRM)) as client:
        lying = persisted("{ __typename }", query=QUERY)
        refused = await client.post("/graphql", json=lying)
        after = await client.post("/graphql", json=persisted("{ __typename }"))
        malformed = await client.post(
            "/graphql", json={"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "x"}}}
        )
    assert refused.status_code == 400
    assert code(refused) == "BAD_REQUEST"
    assert "data" not in refused.json() or refused.json()["data"] is None
    assert code(after) == "PERSISTED_QUERY_NOT_FOUND"
    assert code(malformed) == "BAD_REQUEST"


async def test_a_document_over_the_size_bound_runs_but_is_not_kept(tmp_path: Path) -> None:
    bounded = CRM + "server:\n  persisted_queries: {max_document_bytes: 256}\n"
    padded = "{ __typename " + "\n" * 300 + "}"
    async with gateway(settings_from(tmp_path, bounded)) as client:
        ran = await client.post("/graphql", json=persisted(padded, query=padded))
        again = await client.post("/graphql", json=persisted(padded))
    assert ran.json()["data"] == {"__typename": "Query"}
    assert code(again) == "PERSISTED_QUERY_NOT_FOUND"


async def test_the_memory_registry_keeps_the_newest_entries() -> None:
    registry = MemoryPersistedQueries(PersistedQuerySettings(max_entries=2), ManualClock())
    documents = ["{ a }", "{ b }", "{ c }"]
    for document in documents:
        assert await registry.put(digest_of(document), document)
    assert len(registry) == 2
    assert await registry.get(digest_of("{ a }")) is None
    assert await registry.get(digest_of("{ c }")) == "{ c }"


async def test_the_redis_registry_is_bounded_and_expires(redis_server: RedisServer) -> None:
    redis_server.flush()
    clock = ManualClock()
    settings = PersistedQuerySettings(max_entries=3, ttl=60)
    registry = RedisPersistedQueries(redis_server.url, settings, clock)
    try:
        documents = [f"{{ field{n} }}" for n in range(5)]
        for document in documents:
            clock.advance(1)
            assert await registry.put(digest_of(document), document)
        kept = [await registry.get(digest_of(d)) for d in documents]
        assert kept == [None, None, *documents[2:]]
        assert await registry.client.zcard(registry.order) == 3
        assert not await registry.put(digest_of("x" * 20_000), "x" * 20_000)
    finally:
        await registry.aclose()


TRUSTED = """\
security:
  enabled: true
  api_keys: {store: "sqlite+aiosqlite:///keys.db"}
  trusted_documents: trusted.json
  roles:
    agent: {}
    partner: {trusted_only: true}
"""


async def test_trusted_only_roles_run_only_the_trusted_list(tmp_path: Path) -> None:
    trusted = "{ __typename }"
    (tmp_path / "trusted.json").write_text(json.dumps([trusted]))
    settings = settings_from(tmp_path, CRM + TRUSTED)
    async with gateway(settings) as client:
        agent = {"x-api-key": await new_key(tmp_path, "agent")}
        partner = {"x-api-key": await new_key(tmp_path, "partner")}
        registered = await client.post(
            "/graphql", headers=agent, json=persisted(QUERY, query=QUERY)
        )
        agent_hit = await client.post("/graphql", headers=agent, json=persisted(QUERY))
        partner_hit = await client.post("/graphql", headers=partner, json=persisted(QUERY))
        partner_text = await client.post(
            "/graphql", headers=partner, json=persisted(QUERY, query=QUERY)
        )
        partner_trusted = await client.post("/graphql", headers=partner, json=persisted(trusted))
    assert registered.json()["data"]["customer"]["id"] == "crm:C1"
    assert agent_hit.json()["data"]["customer"]["id"] == "crm:C1"
    assert code(partner_hit) == "PERSISTED_QUERY_NOT_FOUND"  # registered is not trusted
    assert partner_text.status_code == 403 and code(partner_text) == "FORBIDDEN"
    assert partner_trusted.json()["data"] == {"__typename": "Query"}


async def test_hashes_are_refused_plainly_when_persisted_queries_are_off(tmp_path: Path) -> None:
    off = CRM + "server:\n  persisted_queries: {enabled: false}\n"
    async with gateway(settings_from(tmp_path, off)) as client:
        by_hash = await client.post("/graphql", json=persisted(QUERY))
        with_text = await client.post("/graphql", json=persisted(QUERY, query=QUERY))
    assert code(by_hash) == "PERSISTED_QUERY_NOT_SUPPORTED"
    assert with_text.json()["data"]["customer"]["id"] == "crm:C1"


def asked_by(app: ASGIApp, seen: list[tuple[str, bool]]) -> ASGIApp:
    """``app``, noting of each /graphql request its method and whether it carried the text."""

    async def noting(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/graphql":
            text = scope["method"] == "POST" or b"query=" in scope["query_string"]
            seen.append((scope["method"], text))
        await app(scope, receive, send)

    return noting


def test_apollo_clients_persisted_query_link(demo_estate: DemoEstate) -> None:
    node = shutil.which("node")
    if node is None or not (APOLLO / "node_modules" / "@apollo" / "client").is_dir():
        pytest.fail(
            f"this test needs node and @apollo/client in {APOLLO / 'node_modules'}: "
            "run scripts/install",
            pytrace=False,
        )
    contact = json.loads((demo_estate.folder / "crm.json").read_text("utf-8"))["contacts"][0]
    seen: list[tuple[str, bool]] = []
    with serve(asked_by(create_app(demo_estate.settings), seen)) as url:
        done = subprocess.run(
            [node, str(APOLLO / "persisted.mjs"), f"{url}/graphql", contact["id"]],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["customer"]["id"] for a in answers] == [f"crm:{contact['id']}"] * 2
    # by hash over GET (not found), with its text over POST (registered), then by hash again
    assert seen == [("GET", False), ("POST", True), ("GET", False)]
