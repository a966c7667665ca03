"""README.md's queries and docs/caching.md's examples, run against the estate ``c360 demo`` serves by default (5,000 customers,
seed 42): each answers without an error, and what its comment promises holds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo.estate import DEFAULT_CUSTOMERS, DEFAULT_SEED
from gateway.names import normalize_name
from tests.docs.blocks import ROOT, fenced, patient
from tests.support.demo_estate import DemoEstate, running_estate
from tests.support.gateway import gateway, graphql


@pytest.fixture(scope="module")
def default_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoEstate]:
    folder = tmp_path_factory.mktemp("default-demo")
    yield from running_estate(folder, customers=DEFAULT_CUSTOMERS, seed=DEFAULT_SEED)


async def test_the_three_readme_queries(default_demo: DemoEstate) -> None:
    queries = fenced(ROOT / "README.md", "graphql")
    assert len(queries) == 3
    async with gateway(patient(default_demo.settings)) as client:
        one, two, three = [await graphql(client, query) for query in queries]
    for answer in (one, two, three):
        assert "errors" not in answer
        assert all(value not in (None, []) for value in answer["data"].values())
    customer = one["data"]["customer"]
    assert customer["phone"] == "+12176702732" and customer["orders"]["totalCount"] > 0
    assert len({s["source"] for s in customer["identities"]}) >= 3
    by_key = {two["data"][alias]["id"] for alias in ("byCrm", "byLoyalty", "byVin")}
    assert len(by_key) == 1, "a CRM id, a loyalty number and a VIN find the same customer"
    shown = [e["node"]["name"]["full"] for e in two["data"]["search"]["edges"]]
    assert shown == sorted(shown, key=normalize_name)
    assert three["data"]["record"]["key"] == "SD-000001"


async def test_the_caching_examples(default_demo: DemoEstate) -> None:
    queries = fenced(ROOT / "docs" / "caching.md", "graphql")
    assert len(queries) == 2
    async with gateway(patient(default_demo.settings)) as client:
        fresh, invalidated = [await graphql(client, query) for query in queries]
        metrics = (await client.get("/metrics")).text
    assert "errors" not in fresh and fresh["data"]["customer"]["tickets"] is not None
    assert "errors" not in invalidated and invalidated["data"]["invalidate"]["keys"] == 1
    assert 'c360_backend_calls_total{outcome="ok",source="crm"}' in metrics
    assert 'c360_cache_events_total{event="miss"}' in metrics


async def test_the_identity_example_finds_one_customer_three_ways(default_demo: DemoEstate) -> None:
    [document, *_] = fenced(ROOT / "docs" / "identity.md", "graphql")
    async with gateway(patient(default_demo.settings)) as client:
        answers = [
            (await client.post("/graphql", json={"query": document, "operationName": name})).json()
            for name in ("ByPhone", "ByVin", "ById")
        ]
    assert all("errors" not in answer for answer in answers)
    assert len({answer["data"]["customer"]["id"] for answer in answers}) == 1
