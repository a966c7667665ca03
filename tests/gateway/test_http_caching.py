"""HTTP caching of GET queries: Cache-Control from the answer, ETag and If-None-Match -> 304,
no-store for errors and for refusals, mutations never over GET."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from gateway.clock import ManualClock
from gateway.http_caching import HttpCacheSettings, cache_control
from tests.gateway.test_security import new_key, owners, secured
from tests.support.demo_estate import DemoEstate
from tests.support.gateway import gateway, settings_from

CRM = """\
sources:
  crm:
    kind: tests.support.memory_sources:MemorySource
    cache: {ttl: 2m}
    rows: {person: [{id: C1, mail: ann@example.com, first: Ann}]}
    entities:
      person: {lookups_by: [email], fields: {key: id, email: mail, given_name: first}}
"""
ANN = '{ customer(email: "ann@example.com") { id email name { given } } }'


async def get(client: httpx.AsyncClient, query: str, etag: str = "") -> httpx.Response:
    headers = {"if-none-match": etag} if etag else {}
    return await client.get("/graphql", params={"query": query}, headers=headers)


async def test_a_get_query_is_answered_with_an_etag_then_304(tmp_path: Path) -> None:
    clock = ManualClock()
    async with gateway(settings_from(tmp_path, CRM), clock=clock) as client:
        first = await get(client, ANN)
        clock.advance(30)
        again = await get(client, ANN, etag=first.headers["etag"])
        other = await get(client, ANN, etag='W/"something-else"')
    assert first.status_code == 200
    assert first.json()["data"]["customer"]["email"] == "ann@example.com"
    assert first.headers["etag"].startswith('W/"')
    # the record came from the source now: fresh for the source's whole TTL
    assert first.headers["cache-control"] == "private, max-age=120"
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == "private, max-age=90"  # 30 s of it gone
    assert other.status_code == 200
    assert other.headers["etag"] == first.headers["etag"]  # same answer, from cache this time


async def test_personal_data_is_private_and_the_rest_public(tmp_path: Path) -> None:
    async with gateway(settings_from(tmp_path, CRM)) as client:
        personal = await get(client, ANN)
        schema_only = await get(client, "{ __typename }")
    assert personal.headers["cache-control"].startswith("private, ")
    # no record used: nothing bounds its freshness, so it is kept but asked again each time
    assert schema_only.headers["cache-control"] == "public, no-cache"
    assert "etag" in schema_only.headers


async def test_errors_and_refusals_are_no_store(tmp_path: Path) -> None:
    async with gateway(settings_from(tmp_path, CRM)) as client:
        invalid = await get(client, "{ customer(email: 1) { id } }")
        mutation = await get(client, "mutation { __typename }")
    for response in (invalid, mutation):
        assert response.headers["cache-control"] == "no-store"
        assert "etag" not in response.headers
    assert mutation.status_code == 400
    assert "mutations are not allowed" in mutation.json()["errors"][0]["message"]


async def test_post_answers_carry_no_caching_headers(tmp_path: Path) -> None:
    async with gateway(settings_from(tmp_path, CRM)) as client:
        response = await client.post("/graphql", json={"query": ANN})
    assert response.status_code == 200
    assert "etag" not in response.headers
    assert "cache-control" not in response.headers


@pytest.mark.parametrize(
    ("settings", "facts", "expected"),
    [
        (HttpCacheSettings(), {"freshness": 42.7}, "private, max-age=42"),
        (HttpCacheSettings(), {"freshness": 9999.0}, "private, max-age=300"),  # capped
        (HttpCacheSettings(), {"freshness": 0.0}, "private, no-cache"),
        (HttpCacheSettings(), {"personal": False}, "public, max-age=60"),
        (HttpCacheSettings(), {"errors": True}, "no-store"),
        (HttpCacheSettings(), {"row_scoped": True}, "no-store"),
        (HttpCacheSettings(row_scoped=True), {"row_scoped": True}, "private, max-age=60"),
        (
            HttpCacheSettings(row_scoped=True),
            {"row_scoped": True, "personal": False},
            "private, max-age=60",
        ),
        (HttpCacheSettings(enabled=False), {}, "no-store"),
    ],
)
def test_cache_control_rules(
    settings: HttpCacheSettings, facts: dict[str, object], expected: str
) -> None:
    given: dict[str, object] = {
        "errors": False,
        "personal": True,
        "row_scoped": False,
        "freshness": 60.0,
        **facts,
    }
    assert cache_control(settings, **given) == expected  # type: ignore[arg-type]


async def test_a_dealers_answers_are_no_store_and_an_agents_private(
    demo_estate: DemoEstate, tmp_path: Path
) -> None:
    dealer_id, people = sorted(owners(demo_estate).items())[0]
    dealer_key = people[0]["dealer"][0]
    query = f'{{ customer(sourceKey: {{source: "dealer", key: "{dealer_key}"}}) {{ id }} }}'
    async with gateway(secured(demo_estate, tmp_path)) as client:
        as_dealer = {"X-API-Key": await new_key(tmp_path, "dealer", dealer_id)}
        as_agent = {"X-API-Key": await new_key(tmp_path, "agent")}
        dealer = await client.get("/graphql", params={"query": query}, headers=as_dealer)
        agent = await client.get("/graphql", params={"query": query}, headers=as_agent)
    assert dealer.json()["data"]["customer"]["id"]
    assert agent.json()["data"]["customer"]["id"]
    assert dealer.headers["cache-control"] == "no-store"  # a row-scoped role
    assert "etag" not in dealer.headers
    assert agent.headers["cache-control"].startswith("private, ")
    assert "X-Api-Key" in agent.headers["vary"]  # a browser keeps one answer per credential
