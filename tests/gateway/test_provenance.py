"""Per-field provenance on the demo estate, checked against the systems' own files."""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.options import CachePolicy
from demo.services.instruments import Instruments
from demo.services.systems import crm as crm_app
from gateway.clock import ManualClock
from model.timestamps import parse_timestamp
from tests.gateway.test_caching import CRM_RECORD, first_crm_key, with_crm
from tests.support.demo_estate import DemoEstate
from tests.support.raw_estate import RawEstate
from tests.support.runtime import Gateway
from tests.support.servers import free_port, serve

WHOLE = """query Whole($key: String!) @provenance {
  customer(sourceKey: {source: "crm", key: $key}) {
    id name { given family full } email phone birthDate
    address { line1 city postcode region country }
    emails { value sources { source key } } phones { value }
    identities { source key matchedBy { rule identifier value } }
    orders(first: 5) { totalCount edges { cursor node { id number placedAt status total currency
      lines { sku description quantity unitPrice amount } } } }
    tickets { number subject status channel priority openedAt closedAt notes { author body createdAt } }
    loyalty { number tier points segment enrolledAt }
    consents { channel granted at }
    vehicles { vin make model year purchasedAt serviceVisits { visitedAt mileage description amount } }
    dealers { id name city }
    recent: timeline(first: 5) { edges { node { at kind sources { source key } } } }
  } }"""


def leaves(data: Any, path: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        found: dict[str, Any] = {}
        for key, value in data.items():
            found.update(leaves(value, f"{path}.{key}" if path else key))
        return found
    if isinstance(data, list):
        found = {}
        for i, value in enumerate(data):
            found.update(leaves(value, f"{path}.{i}"))
        return found
    return {path: data}


def same(shown: Any, raw: Any, path: str) -> bool:
    if raw is None:
        return False
    if isinstance(shown, bool):
        return str(raw).strip().upper() in (
            ("Y", "YES", "TRUE", "1") if shown else ("N", "NO", "FALSE", "0")
        )
    a, b = str(shown).strip(), str(raw).strip()
    if a.casefold() == b.casefold() or a.endswith(f":{b}"):
        return True
    if path.endswith("phone"):
        return re.sub(r"\D", "", a)[-10:] == re.sub(r"\D", "", b)[-10:]
    try:
        if Decimal(a) == Decimal(b):
            return True
    except InvalidOperation:
        pass
    stamp_a, stamp_b = parse_timestamp(a), parse_timestamp(b)
    if stamp_a and stamp_b:
        return (
            stamp_a == stamp_b or stamp_a.date() == stamp_b.date() == stamp_b.replace(hour=0).date()
        )
    return False


def resolved(provenance: dict[str, Any], path: str) -> dict[str, Any]:
    """A leaf's entry with what it inherits from the nearest enclosing record entry."""
    entry = dict(provenance[path])
    parts = path.split(".")
    while "source" not in entry and "derived" not in entry and len(parts) > 1:
        parts = parts[:-1]
        entry = {**provenance.get(".".join(parts), {}), **entry}
    return entry


def combined(raw: RawEstate, entry: dict[str, Any], entity: str) -> Any:
    parts = [
        raw.value(entry["source"], entity, entry["record"], f) for f in entry["field"].split("+")
    ]
    return " ".join(str(p) for p in parts if p) if all(p is not None for p in parts) else None


ENTITY_OF = [
    ("orders", "order"),
    ("lines", "order_line"),
    ("tickets", "ticket"),
    ("notes", "ticket_note"),
    ("loyalty", "loyalty"),
    ("consents", "loyalty"),
    ("serviceVisits", "service_visit"),
    ("vehicles", "vehicle"),
    ("dealers", "dealer"),
    ("", "person"),
]


def entity_at(path: str) -> str:
    parts = path.split(".")
    for name, entity in ENTITY_OF:
        if name and name in parts[:-1]:
            last = max(i for i, p in enumerate(parts[:-1]) if p == name)
            # the innermost list wins: lines inside orders, notes inside tickets
            if all(other not in parts[last + 1 : -1] for other, _ in ENTITY_OF if other):
                return entity
    return "person"


async def test_every_value_names_a_record_that_holds_it(demo_estate: DemoEstate) -> None:
    raw = RawEstate(demo_estate.folder)
    gateway = Gateway(demo_estate.settings)
    try:
        data, _, extensions = await gateway.run_full(WHOLE, key=first_crm_key(demo_estate, 3))
    finally:
        await gateway.aclose()
    provenance = extensions["provenance"]
    values = {p: v for p, v in leaves(data).items() if v is not None}
    assert values and set(values) <= set(provenance), sorted(set(values) - set(provenance))[:5]
    checked = 0
    for path, shown in values.items():
        entry = resolved(provenance, path)
        if entry.get("derived"):
            continue
        assert entry["cache"] == "miss" and entry["ageSeconds"] < 60
        if "field" not in entry:
            assert str(shown) in (entry["source"], entry["record"]) or str(shown).endswith(
                entry["record"]
            ), path
            continue
        held = combined(raw, entry, entity_at(path))
        assert same(shown, held, path), (path, shown, entry, held)
        checked += 1
    assert checked >= 40


async def test_conflicts_name_the_losing_values_and_their_sources(demo_estate: DemoEstate) -> None:
    truth = [
        json.loads(line)
        for line in (demo_estate.folder / "ground_truth.jsonl").read_text().splitlines()
    ]
    gateway = Gateway(demo_estate.settings)
    query = """query ($key: String!) @provenance { customer(sourceKey: {source: "crm", key: $key}) {
      email address { line1 } } }"""
    moved = case = 0
    try:
        for person in [t for t in truth if "crm" in t and len(t) >= 4][:60]:
            data, _, ext = await gateway.run_full(query, key=person["crm"][0])
            shown = data["customer"]["email"]
            for path, entry in ext["provenance"].items():
                for conflict in entry.get("conflicts", []):
                    # every losing value names a record of the same person
                    assert (
                        conflict["source"] in person
                        and conflict["record"] in person[conflict["source"]]
                    )
                    if path.endswith("line1"):
                        moved += 1
                    value = str(conflict["value"])
                    if (
                        path.endswith("email")
                        and value != shown
                        and value.strip().casefold() == shown
                    ):
                        case += 1
    finally:
        await gateway.aclose()
    assert moved > 0, "some customers' systems disagree on the address"
    assert case > 0, "some systems write the same email in another case"


async def test_cache_states_miss_then_hit_then_stale(demo_estate: DemoEstate) -> None:
    port = free_port()
    instruments = Instruments()
    app = instruments.middleware(crm_app(demo_estate.folder, instruments))
    settings = with_crm(
        demo_estate.settings, f"http://127.0.0.1:{port}", CachePolicy(ttl=0.5, stale_for=3600)
    )
    clock = ManualClock()
    gateway = Gateway(settings, clock=clock)
    query = "query @provenance " + CRM_RECORD
    try:
        with serve(app, port):
            _, _, first = await gateway.run_full(query)
            clock.advance(0.2)
            _, _, second = await gateway.run_full(query)
        clock.advance(0.4)  # the CRM is down and the TTL has passed
        _, _, third = await gateway.run_full(query)
    finally:
        await gateway.aclose()
    states = [resolved(ext["provenance"], "record.key") for ext in (first, second, third)]
    assert [s["cache"] for s in states] == ["miss", "hit", "stale"]
    assert states[1]["ageSeconds"] >= 0.1 and states[2]["ageSeconds"] >= states[1]["ageSeconds"]
    assert (
        states[0]["source"] == "crm"
        and states[0]["record"] == "C-000001"
        and states[0]["field"] == "id"
    )


async def test_nothing_is_emitted_without_the_directive(demo_estate: DemoEstate) -> None:
    gateway = Gateway(demo_estate.settings)
    try:
        _, _, extensions = await gateway.run_full(CRM_RECORD)
    finally:
        await gateway.aclose()
    assert "provenance" not in extensions


async def test_typed_access_and_aliases(demo_estate: DemoEstate) -> None:
    gateway = Gateway(demo_estate.settings)
    query = """query @provenance { c: customer(sourceKey: {source: "crm", key: "C-000001"}) {
        mail: email where: provenance(field: "email") { source record field cache rule } } }"""
    try:
        data, _, extensions = await gateway.run_full(query)
        bad = await gateway.schema.execute(
            '{ customer(id: "crm:C-000001") { provenance(field: "shoeSize") { source } } }',
            context_value=gateway.context(),
        )
    finally:
        await gateway.aclose()
    typed = data["c"]["where"]
    emitted = extensions["provenance"]["c.mail"]
    assert (typed["source"], typed["record"], typed["field"], typed["rule"]) == (
        emitted["source"],
        emitted["record"],
        emitted["field"],
        emitted["rule"],
    )
    assert bad.errors and "no attribute 'shoeSize'" in bad.errors[0].message


async def test_conflicts_on_whole_values_show_the_part_asked(demo_estate: DemoEstate) -> None:
    gateway = Gateway(demo_estate.settings)
    query = """query ($key: String!) @provenance { customer(sourceKey: {source: "crm", key: $key}) {
      name { given family full } address { line1 city } } }"""
    truth = [
        json.loads(line)
        for line in (demo_estate.folder / "ground_truth.jsonl").read_text().splitlines()
    ]
    seen = 0
    try:
        for person in [t for t in truth if "crm" in t and len(t) >= 4][:80]:
            _, _, ext = await gateway.run_full(query, key=person["crm"][0])
            json.dumps(ext)  # every entry is plain JSON
            for entry in ext["provenance"].values():
                for conflict in entry.get("conflicts", []):
                    assert isinstance(conflict["value"], str | type(None))
                    seen += 1
    finally:
        await gateway.aclose()
    assert seen > 0


async def test_a_total_across_systems_lists_every_contributing_record(
    demo_estate: DemoEstate,
) -> None:
    gateway = Gateway(demo_estate.settings)
    query = """query ($key: String!) @provenance { customer(sourceKey: {source: "crm", key: $key}) {
      orders(first: 1) { totalCount } emails { value } } }"""
    try:
        for rank in range(10):
            data, _, ext = await gateway.run_full(query, key=first_crm_key(demo_estate, rank))
            total = data["customer"]["orders"]["totalCount"]
            if total > 1:
                break
    finally:
        await gateway.aclose()
    entry = ext["provenance"]["customer.orders.totalCount"]
    assert entry["derived"] is True and len(entry["sources"]) == total
    assert {s["source"] for s in entry["sources"]} <= {"billing"}
    points = ext["provenance"]["customer.emails.0.value"]
    assert points.get("derived") or points.get("source")


def test_entries_follow_the_answer_whatever_order_fields_resolved_in() -> None:
    from gateway.provenance import Provenance, derived
    from gateway.provenance_extension import in_answer_order

    order = Provenance("billing", "O-1", "order")
    entries = {
        "customer.orders.0.total": order.of_field(),
        "customer.email": Provenance("crm", "C-1", "person", "email"),
        "customer.orders.0": order,
        "customer.count": derived(),
        "elsewhere": derived(),  # not in the answer: kept, after the rest
    }
    data = {"customer": {"email": "a@x", "orders": [{"total": "1.00"}], "count": 1}}
    assert list(in_answer_order(entries, data)) == [
        "customer.email",
        "customer.orders.0",
        "customer.orders.0.total",
        "customer.count",
        "elsewhere",
    ]
