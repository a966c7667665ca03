"""The whole customer on the demo estate: five systems, batched calls, one id from any start."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.config import CacheSettings
from gateway.context import GatewayContext
from gateway.names import normalize_name
from gateway.runtime import Runtime
from schema.build import build_schema
from tests.support.demo_estate import DemoEstate

WHOLE = """
query ($start: SourceKeyInput!) {
  customer(sourceKey: $start) {
    id name { given family full } email phone address { line1 city postcode } birthDate
    emails { value sources { source key } } phones { value }
    identities { source key matchedBy { rule identifier value score } via { source key } }
    resolution { complete notes unavailableSources rounds }
    orders(first: 50) { totalCount edges { node { number total lines { sku amount } } } }
    tickets { number status subject notes { body } }
    loyalty { number tier points } consents { channel granted at }
    vehicles { vin make serviceVisits { visitedAt description amount } }
    dealers { id name }
    timeline(first: 100) { totalCount edges { node { at channel kind sources { source key } } } }
  }
}
"""


@pytest.fixture
async def sources(demo_estate: DemoEstate) -> AsyncIterator[Runtime]:
    uncached = dataclasses.replace(demo_estate.settings, cache=CacheSettings(enabled=False))
    async with Runtime(uncached) as runtime:
        yield runtime


async def run(
    demo: DemoEstate, sources: Runtime, query: str, **variables: Any
) -> tuple[dict[str, Any], GatewayContext]:
    context = sources.context()
    result = await build_schema().execute(query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data, context


def truth(demo: DemoEstate) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in (demo.folder / "ground_truth.jsonl").read_text().splitlines()
    ]


def billing_orders(demo: DemoEstate, accounts: list[str]) -> int:
    """How many orders the billing database itself holds for these accounts."""
    import sqlite3

    with sqlite3.connect(demo.folder / "billing.db") as db:
        marks = ",".join("?" * len(accounts))
        return int(
            db.execute(
                f"SELECT count(*) FROM orders WHERE account_no IN ({marks})",
                [int(a) for a in accounts],
            ).fetchone()[0]
        )


def everywhere(demo: DemoEstate) -> dict[str, Any]:
    """A person every system knows, with a vehicle that has visits and a ticket."""
    dealer = json.loads((demo.folder / "dealer.json").read_text())
    visits = (demo.folder / "service_visits.txt").read_text()
    for person in truth(demo):
        if {"crm", "billing", "service_desk", "loyalty", "dealer"} <= set(person):
            vins = [v["vin"] for v in dealer["vehicles"] if v["ownerId"] == person["dealer"][0]]
            if any(vin in visits for vin in vins):
                return {**person, "vins": vins}
    raise AssertionError("the estate has no such person")


async def test_one_query_returns_all_five_systems(
    demo_estate: DemoEstate, sources: Runtime
) -> None:
    person = everywhere(demo_estate)
    data, context = await run(
        demo_estate, sources, WHOLE, start={"source": "crm", "key": person["crm"][0]}
    )
    customer = data["customer"]
    linked = {(i["source"], i["key"]) for i in customer["identities"]}
    expected = {
        (s, k) for s in ("crm", "billing", "service_desk", "loyalty", "dealer") for k in person[s]
    }
    assert linked == expected
    assert customer["name"]["family"] and customer["email"] and customer["phone"].startswith("+1")
    assert customer["loyalty"]["number"] == person["loyalty"][0]  # loyalty export
    assert {v["vin"] for v in customer["vehicles"]} == set(person["vins"])  # dealer REST
    assert any(v["serviceVisits"] for v in customer["vehicles"])  # dealer fixed-width
    assert customer["tickets"] and customer["tickets"][0]["notes"]  # service desk SOAP
    assert customer["orders"]["totalCount"] == billing_orders(demo_estate, person["billing"])
    channels = {e["node"]["channel"] for e in customer["timeline"]["edges"]}
    assert {"SERVICE", "MARKETING", "DEALER"} <= channels
    # batching: each system asked at most once per (look-up, expansion round); each kind of
    # related record fetched in one batched call per system
    rounds = customer["resolution"]["rounds"]
    assert customer["resolution"]["complete"] and 1 <= rounds <= 4
    calls = context.recording.calls
    for (source, entity, by), count in calls.items():
        if entity == "person":
            assert count <= (1 if by == "key" else rounds), (source, by, count)
        else:
            assert count == 1, (source, entity, by, count)
    assert calls[("billing", "order", "customer_no")] == 1
    # lines and notes come by the customer's own key, with the orders and cases (shortcut_by)
    assert ("billing", "order_line", "customer_no") in calls
    assert ("billing", "order_line", "order_no") not in calls
    assert ("service_desk", "ticket_note", "ticket_no") not in calls
    assert calls[("service_desk", "ticket", "contact_no")] == 1
    assert calls[("dealer", "vehicle", "owner_no")] == 1


async def test_the_same_customer_from_any_identifier(
    demo_estate: DemoEstate, sources: Runtime
) -> None:
    person = everywhere(demo_estate)
    crm = json.loads((demo_estate.folder / "crm.json").read_text())["contacts"]
    phone = next(c["phoneNumber"] for c in crm if c["id"] == person["crm"][0])
    digits = "".join(ch for ch in phone if ch.isdigit())[-10:]
    query = """query ($start: SourceKeyInput, $phone: String) {
      customer(sourceKey: $start, phone: $phone) { id identities { source key } } }"""
    answers = []
    for variables in (
        {"start": {"source": "crm", "key": person["crm"][0]}},
        {"start": {"source": "loyalty", "key": person["loyalty"][0]}},
        {"start": {"source": "dealer", "entity": "vehicle", "key": person["vins"][0]}},
        {"phone": f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"},
        {"phone": f"+1.{digits[:3]}.{digits[3:6]}.{digits[6:]}"},
    ):
        data, _ = await run(demo_estate, sources, query, **variables)
        answers.append(data["customer"])
    assert len({json.dumps(a, sort_keys=True) for a in answers}) == 1, answers
    assert answers[0]["id"] == f"crm:{person['crm'][0]}"


async def test_a_visit_billed_twice_is_one_timeline_event(
    demo_estate: DemoEstate, sources: Runtime
) -> None:
    import sqlite3

    with sqlite3.connect(demo_estate.folder / "billing.db") as db:
        account = db.execute(
            "SELECT account_no FROM orders o JOIN order_lines l USING (order_id)"
            " WHERE l.sku = 'WORKSHOP' LIMIT 1"
        ).fetchone()[0]
    data, _ = await run(
        demo_estate, sources, WHOLE, start={"source": "billing", "key": str(account)}
    )
    events = [e["node"] for e in data["customer"]["timeline"]["edges"]]
    merged = [
        e for e in events if {s["source"] for s in e["sources"]} == {"dealer_visits", "billing"}
    ]
    assert merged and all(e["kind"] == "service_visit" for e in merged)
    seen = [(e["kind"], s["key"]) for e in events for s in e["sources"]]
    assert len(seen) == len(set(seen))  # no record shows twice as the same kind of event


async def test_search_groups_hits_into_customers(demo_estate: DemoEstate, sources: Runtime) -> None:
    family = json.loads((demo_estate.folder / "crm.json").read_text())["contacts"][0]["lastName"]
    query = """query ($term: String!, $after: String) { customers(search: $term, first: 5, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { id identities { source key } } } } }"""
    data, _ = await run(demo_estate, sources, query, term=family[:4].lower())
    page = data["customers"]
    seen = [(i["source"], i["key"]) for e in page["edges"] for i in e["node"]["identities"]]
    assert page["totalCount"] >= len(page["edges"]) > 0
    assert len(seen) == len(set(seen))  # a record belongs to one customer only
    if page["pageInfo"]["hasNextPage"]:
        data, _ = await run(
            demo_estate, sources, query, term=family[:4], after=page["pageInfo"]["endCursor"]
        )
        later = {e["node"]["id"] for e in data["customers"]["edges"]}
        assert later.isdisjoint({e["node"]["id"] for e in page["edges"]})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ('email: "a@b.c", phone: "1"', "give exactly one of id, email, phone, sourceKey"),
        ("", "give exactly one of id, email, phone, sourceKey"),
        ('id: "nosuchsource:1"', "not a customer id"),
    ],
)
async def test_bad_customer_arguments(
    demo_estate: DemoEstate, sources: Runtime, args: str, message: str
) -> None:
    context = sources.context()
    result = await build_schema().execute(
        f"{{ customer({args}) {{ id }} }}" if args else "{ customer { id } }", context_value=context
    )
    assert result.errors and message in result.errors[0].message


@pytest.mark.parametrize("term", ["an", "le", "ma", "sm"])
async def test_search_results_are_ordered_by_the_name_they_show(
    demo_estate: DemoEstate, sources: Runtime, term: str
) -> None:
    query = """query ($term: String!) { customers(search: $term, first: 100) {
      edges { node { id name { full } } } } }"""
    data, _ = await run(demo_estate, sources, query, term=term)
    shown = [
        (normalize_name((e["node"]["name"] or {}).get("full") or "~"), e["node"]["id"])
        for e in data["customers"]["edges"]
    ]
    assert len(shown) > 1 and shown == sorted(shown)
