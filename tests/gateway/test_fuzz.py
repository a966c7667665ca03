"""The demo gateway fuzzed: operations generated from its own schema never get a 5xx, and
bodies that are not one GraphQL request get a 400 GraphQL error. Both over a real socket."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.graphql.schemas import GraphQLSchema

from gateway.app import create_app
from tests.support.bad_bodies import BAD_BODIES
from tests.support.demo_estate import DemoEstate
from tests.support.servers import serve

EXAMPLES = 40  # per root field of Query and Mutation


@pytest.fixture(scope="module")
def demo_gateway(demo_estate: DemoEstate) -> Iterator[str]:
    with serve(create_app(demo_estate.settings)) as url:
        yield url


@pytest.fixture(scope="module")
def demo_graphql(demo_gateway: str) -> GraphQLSchema:
    return schemathesis.graphql.from_url(f"{demo_gateway}/graphql")


fuzzed = schemathesis.pytest.from_fixture("demo_graphql")


@fuzzed.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_generated_operation_gets_a_5xx(case: schemathesis.Case) -> None:
    response = case.call(timeout=30)
    assert response.status_code < 500, (case.body, response.text[:500])
    assert set(response.json()) & {"data", "errors"}  # a GraphQL answer, even when refused


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_a_bad_body_gets_a_graphql_400(demo_gateway: str, case: str) -> None:
    response = httpx.post(
        f"{demo_gateway}/graphql",
        content=BAD_BODIES[case],
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
