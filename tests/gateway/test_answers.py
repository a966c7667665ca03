"""Whole answers kept: an identical request is answered without running anything while its
records are fresh and unchanged, and says its records came from cache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from gateway.clock import ManualClock
from gateway.events import CustomerChanged
from gateway.planned import PlanStore
from tests.gateway.test_plans import ORDER_ENTITY
from tests.support import legacy_rest
from tests.support.dataset import ORDERS, PEOPLE, Order
from tests.support.gateway import gateway, settings_from
from tests.support.legacy_rest import LegacyRest
from tests.support.plan_check import PlanCheck
from tests.support.runtime import Gateway

CONFIG = """\
cache:
  enabled: ${CACHE}
sources:
  crm:
    kind: rest
    base_url: ${CRM_URL}
    cache: {ttl: 60s}
    entities:
      person:
        batch: /contacts?ids={keys}
        items: items
        fields: {key: id, given_name: name.first, family_name: name.last,
                 email: emailAddress, updated_at: lastModified}
"""

QUERY = """query Q($k: String!) { customer(sourceKey: {source: "crm", key: $k}) {
  id name { full } email } }"""


@pytest.fixture
def check(monkeypatch: pytest.MonkeyPatch) -> PlanCheck:
    fresh = PlanCheck()
    monkeypatch.setattr(PlanStore, "observer", fresh)
    return fresh


async def _ask(client: Any, query: str = QUERY, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200
    body: dict[str, Any] = orjson.loads(response.content)
    return body


def _calls(system: LegacyRest) -> int:
    return sum(system.calls.values())


async def test_an_identical_request_is_answered_whole_from_cache(
    tmp_path: Path, rest_system: LegacyRest, check: PlanCheck
) -> None:
    settings = settings_from(tmp_path, CONFIG, CRM_URL=rest_system.base_url, CACHE="true")
    async with gateway(settings) as client:
        first = await _ask(client, k="P-1")
        await _ask(client, k="P-1")  # planned now, and kept
        calls = _calls(rest_system)
        kept = await _ask(client, k="P-1")
    assert _calls(rest_system) == calls == 1
    assert kept["data"] == first["data"]
    assert kept["extensions"]["sources"] == {"crm": {"status": "cache", "calls": 0}}
    # the kept answer is what the general executor answers over the record cache, bytewise
    assert (check.served_compared, check.mismatches) == (1, [])


async def test_a_kept_answer_with_provenance_says_cache_hit_and_the_age_when_served(
    tmp_path: Path, rest_system: LegacyRest, check: PlanCheck
) -> None:
    clock = ManualClock()
    settings = settings_from(tmp_path, CONFIG, CRM_URL=rest_system.base_url, CACHE="true")
    traced = QUERY.replace("query Q($k: String!)", "query Q($k: String!) @provenance")
    async with gateway(settings, clock=clock) as client:
        first = await _ask(client, traced, k="P-1")
        await _ask(client, traced, k="P-1")  # planned now, and kept
        calls = _calls(rest_system)
        clock.advance(12.34)
        kept = await _ask(client, traced, k="P-1")
        clock.advance(1)
        later = await _ask(client, traced, k="P-1")
    assert _calls(rest_system) == calls == 1
    email = first["extensions"]["provenance"]["customer.email"]
    assert (email["cache"], email["ageSeconds"]) == ("miss", 0.0)
    assert kept["extensions"]["provenance"]["customer.email"] == {
        **email,
        "cache": "hit",
        "ageSeconds": 12.3,
    }
    assert later["extensions"]["provenance"]["customer.email"]["ageSeconds"] == 13.3
    assert kept["data"] == later["data"] == first["data"]
    # each kept answer is what the general executor answers over the record cache, bytewise
    assert (check.served_compared, check.mismatches) == (2, [])


async def test_a_change_of_one_of_its_records_drops_the_answer(
    tmp_path: Path, rest_system: LegacyRest, check: PlanCheck
) -> None:
    settings = settings_from(tmp_path, CONFIG, CRM_URL=rest_system.base_url, CACHE="true")
    async with gateway(settings) as client:
        await _ask(client, k="P-1")
        await _ask(client, k="P-1")
        await _ask(
            client,
            'mutation { invalidate(source: "crm", entity: "person", keys: ["P-1"]) { dropped } }',
        )
        again = await _ask(client, k="P-1")
    assert again["extensions"]["sources"]["crm"] == {"status": "ok", "calls": 1}
    assert check.served_compared == 0


async def test_an_answer_lives_as_long_as_its_least_fresh_record(
    tmp_path: Path, rest_system: LegacyRest
) -> None:
    clock = ManualClock()
    settings = settings_from(tmp_path, CONFIG, CRM_URL=rest_system.base_url, CACHE="true")
    async with gateway(settings, clock=clock) as client:
        await _ask(client, k="P-1")
        await _ask(client, k="P-1")
        clock.advance(59)
        assert (await _ask(client, k="P-1"))["extensions"]["sources"]["crm"]["calls"] == 0
        clock.advance(2)
        assert (await _ask(client, k="P-1"))["extensions"]["sources"]["crm"]["calls"] == 1


async def test_nothing_is_kept_with_the_cache_off(tmp_path: Path, rest_system: LegacyRest) -> None:
    settings = settings_from(tmp_path, CONFIG, CRM_URL=rest_system.base_url, CACHE="false")
    async with gateway(settings) as client:
        for _ in range(3):
            await _ask(client, k="P-1")
    assert _calls(rest_system) == 3


async def test_a_request_begun_before_a_change_keeps_nothing(
    tmp_path: Path, rest_system: LegacyRest
) -> None:
    settings = settings_from(tmp_path, CONFIG, CRM_URL=rest_system.base_url, CACHE="true")
    gateway_ = Gateway(settings)
    try:
        _, context = await gateway_.run(QUERY, k="P-1")
        answers = gateway_.runtime.answers
        assert answers is not None
        begun = answers.generation
        answers.changed(CustomerChanged("crm", "person", ("P-9",)))
        assert answers.keep(b"body", context, begun, lambda _, ages: b"{}") is None
        assert answers.keep(b"body", context, answers.generation, lambda _, ages: b"{}") is not None
        answers.changed(CustomerChanged("crm", "person", ("P-2",)))  # not one of its records
        assert answers.get(b"body") is not None
        answers.changed(CustomerChanged("crm", "person", ("P-1",)))
        assert answers.get(b"body") is None
    finally:
        await gateway_.aclose()


ORDERS_CONFIG = CONFIG + ORDER_ENTITY
TRACED = """query Q($k: String!) @provenance {
  customer(sourceKey: {source: "crm", key: $k}) { email orders(first: 5) { totalCount } } }"""
FRAGMENT = """query Q($k: String!) @provenance { ...C }
fragment C on Query { customer(sourceKey: {source: "crm", key: $k}, maxAge: 0) { email } }"""


async def test_max_age_in_a_fragment_is_never_answered_from_a_kept_answer(
    tmp_path: Path, rest_system: LegacyRest, check: PlanCheck
) -> None:
    clock = ManualClock()
    settings = settings_from(tmp_path, CONFIG, CRM_URL=rest_system.base_url, CACHE="true")
    async with gateway(settings, clock=clock) as client:
        await _ask(client, FRAGMENT, k="P-2")
        await _ask(client, FRAGMENT, k="P-2")  # planned
        before = _calls(rest_system)
        clock.advance(5)
        third = await _ask(client, FRAGMENT, k="P-2")
    email = third["extensions"]["provenance"]["customer.email"]
    assert _calls(rest_system) > before  # maxAge: 0 asks the source every time
    assert (email["cache"], email["ageSeconds"]) == ("miss", 0.0)
    assert check.mismatches == []


async def test_a_kept_answer_lives_no_longer_than_a_not_found_it_used(
    tmp_path: Path, rest_system: LegacyRest, check: PlanCheck, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock()
    settings = settings_from(tmp_path, ORDERS_CONFIG, CRM_URL=rest_system.base_url, CACHE="true")
    async with gateway(settings, clock=clock) as client:
        await _ask(client, TRACED, k="P-\u00fc")  # no orders: "not found", cached 10s
        await _ask(client, TRACED, k="P-\u00fc")  # planned, and kept
        new = Order("O-9", "P-\u00fc", "7.00", "EUR", "2026-04-01")
        monkeypatch.setattr(legacy_rest, "ORDERS", [*ORDERS, new])
        clock.advance(11)
        later = await _ask(client, TRACED, k="P-\u00fc")
    assert later["data"]["customer"]["orders"]["totalCount"] == 1
    assert check.mismatches == []


async def test_a_record_answered_anew_drops_the_answers_built_from_its_older_copy(
    tmp_path: Path, rest_system: LegacyRest, check: PlanCheck, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock()
    plain = TRACED.replace(" orders(first: 5) { totalCount }", "")
    forced = plain.replace("query Q", "query R").replace("$k})", "$k}, maxAge: 0)")
    settings = settings_from(tmp_path, CONFIG, CRM_URL=rest_system.base_url, CACHE="true")
    async with gateway(settings, clock=clock) as client:
        await _ask(client, plain, k="P-2")
        await _ask(client, plain, k="P-2")  # planned, kept
        clock.advance(5)
        moved = [
            p if p.key != "P-2" else type(p)(**{**vars(p), "email": "bob@new.example"})
            for p in PEOPLE
        ]
        monkeypatch.setattr(legacy_rest, "PEOPLE", moved)
        assert (await _ask(client, forced, k="P-2"))["data"]["customer"]["email"] == (
            "bob@new.example"
        )  # the source asked again, without any webhook
        clock.advance(1)
        again = await _ask(client, plain, k="P-2")
    assert again["data"]["customer"]["email"] == "bob@new.example"
    assert again["extensions"]["provenance"]["customer.email"]["ageSeconds"] == 1.0
    assert check.mismatches == []
