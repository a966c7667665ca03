"""One contract, every connector kind, each against a real backend."""

from __future__ import annotations

from datetime import datetime

import pytest

from connectors.base import Connector
from connectors.errors import SourceError, UnsupportedLookup
from tests.support.dataset import HOSTILE, HUGE


async def test_get_by_key_maps_fields(connector: Connector) -> None:
    found = await connector.fetch("person", "key", ["P-1"])
    [ann] = found["P-1"]
    assert ann.source == "estate" and ann.entity == "person" and ann.key == "P-1"
    assert ann.data["given_name"] == "Ann"
    assert ann.data["family_name"] == "Lee"
    assert ann.data["email"] == "ann@example.com"
    assert ann.data["city"] == "Springfield"
    assert ann.updated_at is not None
    assert ann.updated_at.replace(tzinfo=None) == datetime(2026, 1, 2, 10, 0)
    assert set(ann.source_fields) >= {"key", "given_name", "email", "city"}


async def test_batch_answers_every_value(connector: Connector) -> None:
    found = await connector.fetch("person", "key", ["P-1", "P-2", "P-ü", "P-404", "P-1"])
    assert set(found) == {"P-1", "P-2", "P-ü", "P-404"}
    assert [r.data["given_name"] for r in found["P-ü"]] == ["Zoë"]
    assert found["P-ü"][0].data["family_name"] == "Müller"
    assert found["P-2"][0].data["given_name"] == "Bob"
    assert found["P-404"] == []


async def test_lookup_by_identifier_finds_every_match(connector: Connector) -> None:
    found = await connector.fetch("person", "email", ["ann@example.com", "nobody@example.com"])
    assert sorted(r.key for r in found["ann@example.com"]) == ["P-1", "P-4"]
    assert found["nobody@example.com"] == []


async def test_children_by_parent_key(connector: Connector) -> None:
    found = await connector.fetch("order", "customer_no", ["P-1", "P-2", "P-ü"])
    assert sorted(r.key for r in found["P-1"]) == ["O-1", "O-2"]
    [bobs] = found["P-2"]
    assert str(bobs.data["total"]) in ("120.00", "120")
    assert bobs.data["currency"] == "USD"
    assert found["P-ü"] == []


@pytest.mark.parametrize("value", HOSTILE)
async def test_hostile_values_find_nothing_and_change_nothing(
    connector: Connector, value: str
) -> None:
    for by in ("key", "email"):
        found = await connector.fetch("person", by, [value])
        assert found == {value: []}
    again = await connector.fetch("person", "key", ["P-1", "P-2"])
    assert len(again["P-1"]) == 1 and len(again["P-2"]) == 1


async def test_huge_value_finds_nothing_or_fails_cleanly(connector: Connector) -> None:
    try:
        found = await connector.fetch("person", "key", [HUGE])
    except SourceError as exc:
        assert exc.source == "estate"
        assert len(str(exc)) < 500
    else:
        assert found == {HUGE: []}


async def test_entities_declare_what_they_accept(connector: Connector) -> None:
    assert connector.entities["person"].by == {"key", "email"}
    assert connector.entities["order"].by == {"key", "customer_no"}


async def test_unserved_lookups_are_refused_by_name(connector: Connector) -> None:
    with pytest.raises(UnsupportedLookup, match="estate: cannot look up person by 'vin'"):
        await connector.fetch("person", "vin", ["x"])
    with pytest.raises(UnsupportedLookup, match="does not serve entity 'ticket'"):
        await connector.fetch("ticket", "key", ["x"])


async def test_health(connector: Connector) -> None:
    assert (await connector.health()).ok


async def test_empty_request_costs_nothing(connector: Connector) -> None:
    assert await connector.fetch("person", "key", []) == {}
