"""c360 as a Federation 2 subgraph, over the demo estate: the SDL composition reads, entities
resolved in one batched pass, and the same policies, masks, row scope and audit as any query."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.config import Settings
from gateway.context import GatewayContext
from gateway.security.keys import KeyStore
from gateway.security.settings import SecuritySettings
from schema.build import build_schema
from tests.support.demo_estate import DemoEstate
from tests.support.gateway import gateway
from tests.support.runtime import Gateway

ENTITIES = """query ($r: [_Any!]!) { _entities(representations: $r) {
  ... on Customer { id phone name { family } }
  ... on Vehicle { vin dealerId }
  ... on Order { id total } } }"""


def federated(settings: Settings, **security: Any) -> Settings:
    server = settings.server.model_copy(update={"federation": True})
    if not security:
        return dataclasses.replace(settings, server=server)
    return dataclasses.replace(
        settings, server=server, security=SecuritySettings.model_validate(security)
    )


def secured(demo: DemoEstate, folder: Path) -> Settings:
    return federated(
        demo.settings,
        enabled=True,
        api_keys={"store": f"sqlite+aiosqlite:///{folder / 'keys.db'}"},
        audit={"path": str(folder / "audit.log"), "queue": 16},
        roles={
            "dealer": {
                "sources": ["dealer", "crm"],
                "row_scope": "dealer",
                "deny": ["Customer.birthDate"],
                "mask": {"Customer.phone": "last4"},
            },
            "analyst": {"deny": ["Query._entities"]},
        },
    )


async def dealer_key(folder: Path, dealer: str | None, role: str = "dealer") -> dict[str, str]:
    store = KeyStore.open(f"sqlite+aiosqlite:///{folder / 'keys.db'}", folder)
    try:
        return {"X-API-Key": (await store.create(role, f"{role} {dealer}", dealer))[1]}
    finally:
        await store.aclose()


def estate(demo: DemoEstate, name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((demo.folder / name).read_text())
    return loaded


async def run(settings: Settings, query: str, **variables: Any) -> tuple[Any, GatewayContext]:
    gateway_ = Gateway(settings)
    gateway_.schema = build_schema(federation=True)
    try:
        context = gateway_.context()
        result = await gateway_.schema.execute(
            query, variable_values=variables, context_value=context
        )
    finally:
        await gateway_.aclose()
    assert result.errors is None, result.errors
    return result.data, context


async def test_the_sdl_declares_keys_and_links_the_federation_spec(
    demo_estate: DemoEstate,
) -> None:
    data, _ = await run(federated(demo_estate.settings), "{ _service { sdl } }")
    sdl = data["_service"]["sdl"]
    assert sdl.startswith(
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])'
    )
    assert 'type Customer @key(fields: "id")' in sdl
    assert 'type Order @key(fields: "id")' in sdl
    assert 'type Vehicle @key(fields: "vin")' in sdl
    assert "_entities" not in sdl and "_Any" not in sdl and "_Service" not in sdl
    assert "_entities" not in build_schema().as_str()  # off by default


async def test_many_representations_resolve_in_one_batched_pass(
    demo_estate: DemoEstate,
) -> None:
    settings = federated(demo_estate.settings)
    contacts = [c["id"] for c in estate(demo_estate, "crm.json")["contacts"][:30]]
    one, single = await run(
        settings, ENTITIES, r=[{"__typename": "Customer", "id": f"crm:{contacts[0]}"}]
    )
    many, batched = await run(
        settings, ENTITIES, r=[{"__typename": "Customer", "id": f"crm:{c}"} for c in contacts]
    )
    found = many["_entities"]
    assert len(found) == 30 and all(found)
    assert found[0] == one["_entities"][0]
    assert batched.recording.calls[("crm", "person", "key")] == 1  # the 30 seeds: one call
    # each kind of look-up of the 30 customers shares its round's batch: at most one call
    # per resolution round, where 30 requests would have made 30 calls per round
    rounds = settings.identity.max_rounds
    assert max(batched.recording.calls.values()) <= rounds
    assert sum(batched.recording.calls.values()) <= rounds * sum(single.recording.calls.values())


async def test_orders_and_vehicles_are_entities_too(demo_estate: DemoEstate) -> None:
    vehicle = estate(demo_estate, "dealer.json")["vehicles"][0]
    with sqlite3.connect(demo_estate.folder / "billing.db") as db:
        order, total = db.execute("SELECT order_id, total FROM orders LIMIT 1").fetchone()
    data, _ = await run(
        federated(demo_estate.settings),
        ENTITIES,
        r=[
            {"__typename": "Vehicle", "vin": vehicle["vin"]},
            {"__typename": "Vehicle", "vin": "NO-SUCH-VIN"},
            {"__typename": "Order", "id": f"billing:{order}"},
            {"__typename": "Order", "id": "billing:SO-0"},
            {"__typename": "Order", "id": f"nowhere:{order}"},
        ],
    )
    assert data["_entities"][:2] == [{"vin": vehicle["vin"], "dealerId": vehicle["dealerId"]}, None]
    assert data["_entities"][2:] == [{"id": f"billing:{order}", "total": str(total)}, None, None]


@pytest.fixture
async def dealer_gateway(
    demo_estate: DemoEstate, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway(secured(demo_estate, tmp_path)) as client:
        yield client


async def test_a_dealer_cannot_reach_another_dealers_customer_by_representation(
    demo_estate: DemoEstate, dealer_gateway: httpx.AsyncClient, tmp_path: Path
) -> None:
    dealer = estate(demo_estate, "dealer.json")
    mine, theirs = (
        dealer["owners"][0],
        next(o for o in dealer["owners"] if o["dealerId"] != dealer["owners"][0]["dealerId"]),
    )
    vins = {
        o["ownerId"]: v["vin"]
        for v in dealer["vehicles"]
        for o in (mine, theirs)
        if v["ownerId"] == o["ownerId"]
    }
    headers = await dealer_key(tmp_path, mine["dealerId"])
    representations = [
        {"__typename": "Customer", "id": f"dealer:{theirs['ownerId']}"},
        {"__typename": "Vehicle", "vin": vins[theirs["ownerId"]]},
        {"__typename": "Customer", "id": f"dealer:{mine['ownerId']}"},
        {"__typename": "Vehicle", "vin": vins[mine["ownerId"]]},
    ]
    response = await dealer_gateway.post(
        "/graphql",
        json={"query": ENTITIES, "variables": {"r": representations}},
        headers=headers,
    )
    body = response.json()
    assert "errors" not in body, body
    theirs_customer, theirs_vehicle, my_customer, my_vehicle = body["data"]["_entities"]
    assert theirs_customer is None and theirs_vehicle is None
    assert my_customer["name"]["family"] and my_vehicle["dealerId"] == mine["dealerId"]
    phone = my_customer["phone"]
    assert phone is None or set(phone[:-4]) == {"*"}  # masked as in any query
    assert theirs["ownerId"] not in json.dumps(body)


async def test_entities_follow_field_policies_and_are_audited(
    demo_estate: DemoEstate, tmp_path: Path
) -> None:
    owner = estate(demo_estate, "dealer.json")["owners"][0]
    headers = await dealer_key(tmp_path, owner["dealerId"])
    variables = {"r": [{"__typename": "Customer", "id": f"dealer:{owner['ownerId']}"}]}
    birth = (
        "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { birthDate } } }"
    )
    async with gateway(secured(demo_estate, tmp_path)) as client:
        denied = await client.post(
            "/graphql", json={"query": birth, "variables": variables}, headers=headers
        )
        allowed = await client.post(
            "/graphql", json={"query": ENTITIES, "variables": variables}, headers=headers
        )
        analyst = await client.post(
            "/graphql",
            json={"query": ENTITIES, "variables": variables},
            headers=await dealer_key(tmp_path, None, "analyst"),
        )
    assert analyst.status_code == 403 and "Query._entities" in analyst.text
    assert denied.status_code == 403
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    customer = allowed.json()["data"]["_entities"][0]
    audit = [json.loads(line) for line in (tmp_path / "audit.log").read_text().splitlines()]
    [entry] = [e for e in audit if customer["id"] in e["customers"]]
    assert "Customer.phone" in entry["fields"] and entry["role"] == "dealer"


async def test_bad_representations_are_named_one_by_one(demo_estate: DemoEstate) -> None:
    gateway_ = Gateway(federated(demo_estate.settings))
    gateway_.schema = build_schema(federation=True)
    try:
        result = await gateway_.schema.execute(
            ENTITIES,
            variable_values={
                "r": [{"__typename": "Invoice", "id": "x"}, {"__typename": "Customer"}, "x"]
            },
            context_value=gateway_.context(),
        )
    finally:
        await gateway_.aclose()
    assert result.data == {"_entities": [None, None, None]}
    messages = sorted(str(e.message) for e in result.errors or [])
    assert "representation 0: __typename must be one of Customer, Order, Vehicle" in messages
    assert "representation 1: Customer.id must be a non-empty string" in messages
    assert "representation 2 is not an object" in messages


def test_the_cli_prints_the_subgraph_schema(capsys: pytest.CaptureFixture[str]) -> None:
    from gateway.cli import main

    assert main(["schema", "--federation"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("extend schema @link(") and '@key(fields: "vin")' in printed
