"""Compiled operation plans: the second request for a document is answered by its plan, with
the general executor's bytes and backend calls; anything a plan does not cover falls back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gateway.planned import PlanStore
from schema import query as query_module
from tests.support.gateway import gateway, settings_from
from tests.support.legacy_rest import LegacyRest
from tests.support.plan_check import PlanCheck

# the legacy REST system's orders, as a config's entity (under sources.crm.entities)
ORDER_ENTITY = """\
      order:
        get: /orders/{key}
        children:
          customer_no: /customers/{value}/orders
        belongs_to: {entity: person, by: customer_no}
        items: items
        fields: {key: orderId, customer_ref: customerId, total: total.amount,
                 currency: total.currency, placed_at: placedAt}
"""

CONFIG = (
    """\
cache:
  enabled: false
sources:
  crm:
    kind: rest
    base_url: ${CRM_URL}
    entities:
      person:
        batch: /contacts?ids={keys}
        lookup:
          email: /contacts?email={value}
        items: items
        fields: {key: id, given_name: name.first, family_name: name.last,
                 email: emailAddress, updated_at: lastModified}
"""
    + ORDER_ENTITY
)

CUSTOMER = """query Q($k: String!) { customer(sourceKey: {source: "crm", key: $k}) {
  __typename id name { full } email ...Sales } }
fragment Sales on Customer { orders(first: 2) { totalCount edges { node { number total } } } }"""


@pytest.fixture
def check(monkeypatch: pytest.MonkeyPatch) -> PlanCheck:
    """A check of this test's own requests."""
    fresh = PlanCheck()
    monkeypatch.setattr(PlanStore, "observer", fresh)
    return fresh


def _plans(client: Any) -> PlanStore:
    """The plans of the app behind the test client."""
    graphql = next(r for r in client._transport.app.routes if r.path == "/graphql").app
    store: PlanStore = graphql.schema.plans
    return store


async def _post(client: Any, query: str, **variables: Any) -> bytes:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200
    return bytes(response.content)


async def test_the_second_request_is_planned_with_the_same_answer_and_calls(
    tmp_path: Path, rest_system: LegacyRest, check: PlanCheck
) -> None:
    settings = settings_from(tmp_path, CONFIG, CRM_URL=rest_system.base_url)
    async with gateway(settings) as client:
        first = await _post(client, CUSTOMER, k="P-1")
        calls_first = sum(rest_system.calls.values())
        second = await _post(client, CUSTOMER, k="P-1")
    assert second == first
    assert sum(rest_system.calls.values()) == 2 * calls_first
    # the first request compared against its plan, the second against the general executor
    assert (check.requests, check.compared, check.mismatches) == (2, 2, [])
    assert b'"number":"O-1"' in first


async def test_provenance_is_planned_with_the_general_executors_bytes(
    tmp_path: Path, rest_system: LegacyRest, check: PlanCheck
) -> None:
    traced = CUSTOMER.replace("query Q($k: String!)", "query Q($k: String!) @provenance")
    settings = settings_from(tmp_path, CONFIG, CRM_URL=rest_system.base_url)
    async with gateway(settings) as client:
        store = _plans(client)
        first = await _post(client, traced, k="P-1")
        plan = store.get(traced, None)
        second = await _post(client, traced, k="P-1")
    assert plan is not None and plan.traced
    assert second == first
    # an order's record said once, on its object's path; its fields name their source field
    assert b'"customer.orders.edges.0.node":{"source":"crm","record":"O-2"' in second
    assert b'"customer.orders.edges.0.node.total":{"field":"total.amount"}' in second
    assert (check.requests, check.compared, check.mismatches) == (2, 2, [])


async def test_a_failing_source_is_left_to_the_general_executor(
    tmp_path: Path, check: PlanCheck
) -> None:
    settings = settings_from(tmp_path, CONFIG, CRM_URL="http://127.0.0.1:9")
    async with gateway(settings) as client:
        await _post(client, CUSTOMER, k="P-1")
        answer = await _post(client, CUSTOMER, k="P-1")
    assert b'"code":"SOURCE_UNAVAILABLE"' in answer and b'"source":"crm"' in answer
    assert check.compared == 0
    assert sum(check.declined.values()) == 2


@pytest.mark.parametrize(
    "document",
    [
        "query Q($k: String!) @provenance { customer(id: $k) { email @skip(if: false) } }",
        "query Q($k: String!) { customer(id: $k) { email @include(if: true) } }",
        "query Q($k: String!) { customer(id: $k) { __schema { description } email } }",
        'query Q($k: String!) { customer(id: $k) { provenance(field: "email") { source } } }',
        'query Q($n: Int) { customer(id: "crm:P-1") { orders(first: $n) { totalCount } } }',
        'mutation M { invalidate(source: "crm", entity: "person", key: "P-1") }',
    ],
)
def test_what_plans_do_not_cover(document: str) -> None:
    from schema.build import build_schema

    store = build_schema().plans
    assert store.learn(document, None) is None


def test_a_directive_of_another_operation_leaves_this_one_planned() -> None:
    from schema.build import build_schema

    store = build_schema().plans
    alone = 'query A { customer(id: "crm:P-1") { email } }'
    both = alone + ' query B @provenance { customer(id: "crm:P-1") { email } }'
    plain, traced = store.learn(both, "A"), store.learn(both, "B")
    assert plain is not None and not plain.traced
    assert traced is not None and traced.traced


async def test_the_check_finds_a_plan_that_answers_differently(
    tmp_path: Path,
    rest_system: LegacyRest,
    check: PlanCheck,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def wrong(selected: Any) -> Any:
        right = query_module.planned_customer(selected)
        return lambda context, arguments: right(
            context,
            {**arguments, "source_key": query_module.SourceKeyInput(source="crm", key="P-2")},
        )

    monkeypatch.setitem(query_module.PLANNED_ROOTS, "customer", wrong)
    settings = settings_from(tmp_path, CONFIG, CRM_URL=rest_system.base_url)
    async with gateway(settings) as client:
        with pytest.raises(AssertionError, match="plan mismatch"):
            await _post(client, CUSTOMER, k="P-1")
    assert len(check.mismatches) == 1
