"""Invoices on the customer, from the demo's billing database: resolved, batched, prefetched and
traced to their rows."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from typing import Any

import pytest

import schema.query
from gateway.prefetch import Prefetcher
from model.records import Record
from tests.support.demo_estate import DemoEstate
from tests.support.raw_estate import RawEstate
from tests.support.runtime import Gateway

INVOICES = """query ($key: String!) @provenance {
  customer(sourceKey: {source: "billing", key: $key}) {
    invoices(first: 100) { totalCount edges { node {
      id number orderNumber issuedAt dueAt amount currency status } } } } }"""


@pytest.fixture
async def gateway(demo_estate: DemoEstate) -> AsyncIterator[Gateway]:
    opened = Gateway(demo_estate.settings)
    yield opened
    await opened.aclose()


def billed(demo: DemoEstate) -> dict[str, Any]:
    """A person whose billing accounts hold invoices, with the invoice numbers held."""
    lines = (demo.folder / "ground_truth.jsonl").read_text().splitlines()
    with closing(sqlite3.connect(demo.folder / "billing.db")) as db:
        for person in map(json.loads, lines):
            accounts = person.get("billing", [])
            marks = ",".join("?" * len(accounts))
            held = {
                row[0]
                for row in db.execute(
                    f"SELECT invoice_no FROM invoices WHERE account_no IN ({marks})",
                    [int(a) for a in accounts],
                )
            }
            if len(held) >= 2:
                return {**person, "invoices": held}
    raise AssertionError("the estate has no person with two invoices")


async def test_invoices_come_from_billing_newest_first(
    demo_estate: DemoEstate, gateway: Gateway
) -> None:
    person = billed(demo_estate)
    data, _ = await gateway.run(INVOICES, key=person["billing"][0])
    invoices = data["customer"]["invoices"]
    nodes = [e["node"] for e in invoices["edges"]]
    assert invoices["totalCount"] == len(person["invoices"])
    assert {n["number"] for n in nodes} == person["invoices"]
    assert all(n["id"] == f"billing:{n['number']}" and n["currency"] == "USD" for n in nodes)
    issued = [n["issuedAt"] for n in nodes]
    assert issued == sorted(issued, reverse=True)


async def test_a_page_of_customers_asks_billing_for_invoices_once(
    demo_estate: DemoEstate, gateway: Gateway
) -> None:
    query = """query ($term: String!) { customers(search: $term, first: 20) {
      edges { node { identities { source } invoices { totalCount } } } } }"""
    data, context = await gateway.run(query, term="an")
    customers = [e["node"] for e in data["customers"]["edges"]]
    billing = [c for c in customers if any(i["source"] == "billing" for i in c["identities"])]
    assert len(billing) >= 3
    assert sum(c["invoices"]["totalCount"] for c in billing) > 0
    assert context.recording.calls[("billing", "invoice", "customer_no")] == 1


async def test_invoices_are_fetched_while_the_customer_is_resolved(
    demo_estate: DemoEstate, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    early: list[str] = []

    class Watched(Prefetcher):
        async def _fetch(self, parents: list[Record], entity: str) -> None:
            early.append(entity)
            await super()._fetch(parents, entity)

    monkeypatch.setattr(schema.query, "Prefetcher", Watched)
    person = billed(demo_estate)
    data, context = await gateway.run(INVOICES, key=person["billing"][0])
    assert data["customer"]["invoices"]["totalCount"] == len(person["invoices"])
    assert early == ["invoice"] * early.count("invoice") and early
    # the field found them already loaded: billing was asked for them once
    assert context.recording.calls[("billing", "invoice", "customer_no")] == 1


async def test_every_invoice_value_names_the_row_that_holds_it(
    demo_estate: DemoEstate, gateway: Gateway
) -> None:
    raw = RawEstate(demo_estate.folder)
    person = billed(demo_estate)
    data, _, extensions = await gateway.run_full(INVOICES, key=person["billing"][0])
    provenance = extensions["provenance"]
    for i, edge in enumerate(data["customer"]["invoices"]["edges"]):
        path = f"customer.invoices.edges.{i}.node"
        record = provenance[path]
        assert (record["source"], record["record"]) == ("billing", edge["node"]["number"])
        for name, column in (("amount", "amount"), ("status", "status"), ("dueAt", "due_at")):
            field = provenance[f"{path}.{name}"]["field"]
            assert field == column
            assert str(raw.value("billing", "invoice", record["record"], field)) == str(
                edge["node"][name]
            )
        assert provenance[f"{path}.orderNumber"]["field"] == "order_id"
