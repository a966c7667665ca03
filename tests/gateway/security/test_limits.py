"""Query limits: cost from variables and defaults, refusal before parsing and validating, and
always on, security or not."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from graphql import parse

from gateway.security.limits import measure
from gateway.security.settings import QueryLimits
from schema.build import build_schema
from schema.pagination import MAX_FIRST
from tests.gateway.test_security import ask, new_key, secured
from tests.support.demo_estate import DemoEstate
from tests.support.gateway import gateway

SCHEMA = build_schema()._schema
PAGES = """query ($n: Int) { customers(search: "Sm", first: %s) { edges { node {
  orders(first: %s) { edges { node { lines { sku } } } } } } } }"""


def cost(query: str, **variables: Any) -> int:
    return measure(SCHEMA, parse(query).definitions, variables, MAX_FIRST).cost


def test_cost_counts_a_variable_as_its_value() -> None:
    literal = cost(PAGES % ("100", "100"))
    assert cost(PAGES % ("$n", "$n"), n=100) == literal == 1 + 100 * (2 + 1 + 100 * 4)
    assert cost(PAGES % ("$n", "$n"), n=2) == cost(PAGES % ("2", "2"))


def test_cost_counts_an_omitted_page_as_the_schemas_default() -> None:
    omitted = PAGES.replace(", first: %s", "").replace("(first: %s)", "").replace("($n: Int) ", "")
    assert cost(omitted) == cost(PAGES % ("20", "20"))  # customers and orders page 20
    assert cost(PAGES % ("null", "null")) == cost(PAGES % (MAX_FIRST, MAX_FIRST))
    assert cost(PAGES.replace("$n: Int", "$n: Int = 7") % ("$n", "$n")) == cost(PAGES % (7, 7))


def test_a_fragment_bomb_is_measured_in_bounded_work() -> None:
    spreads = "\n".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40))
    query = "{ ...F0 }\n" + spreads + "\nfragment F40 on Query { __typename }"
    assert cost(query) > 10**9


async def test_cost_with_variables_is_refused_like_the_literal(
    demo_estate: DemoEstate, tmp_path: Path
) -> None:
    async with gateway(secured(demo_estate, tmp_path)) as client:
        dealer = {"X-API-Key": await new_key(tmp_path, "dealer", "D001")}
        literal = await ask(client, PAGES % ("100", "100"), dealer)
        variable = await ask(client, PAGES % ("$n", "$n"), dealer, n=100)
    for answer in (literal, variable):
        assert answer.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert literal.json()["errors"] == variable.json()["errors"]


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts graphql-core validation runs behind strawberry."""
    import strawberry.schema.schema as module

    runs: list[int] = []
    real = module.validate

    def counted(*args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "validate", counted)
    return runs


async def test_a_huge_query_is_refused_before_it_is_parsed_or_validated(
    demo_estate: DemoEstate, validations: list[int]
) -> None:
    wide = "{ " + " ".join(f'f{i}: customer(id: "crm:C-{i:06}") {{ id }}' for i in range(3000))
    repeated = '{ customer(id: "crm:C-000001") { ' + "id " * 3000 + "} }"
    async with gateway(demo_estate.settings) as client:  # security off: limits still on
        answers = [await ask(client, q + " }", {}) for q in (wide, repeated[:-2])]
    assert len(wide) > 120_000
    assert [a.json()["errors"][0]["extensions"]["code"] for a in answers] == [
        "QUERY_TOO_LARGE",
        "TOO_MANY_REPEATS",
    ]
    assert validations == []


async def test_limits_hold_with_security_off(demo_estate: DemoEstate) -> None:
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(40)) + " }"
    many = "{ " + " ".join(f"a{i}: __typename" for i in range(2000)) + " }"
    settings = demo_estate.settings
    assert not settings.security.enabled
    async with gateway(settings) as client:
        answers = [(await ask(client, q, {})).json() for q in (aliases, many)]
        body = await client.post(
            "/graphql",
            content=b"x" * 20_000_000,
            headers={"content-type": "application/json"},
        )
    assert answers[0]["errors"][0]["extensions"]["code"] == "TOO_MANY_ALIASES"
    assert answers[1]["errors"][0]["extensions"]["code"] == "QUERY_TOO_LARGE"
    assert body.status_code == 413


async def test_a_role_only_tightens_the_limits(demo_estate: DemoEstate, tmp_path: Path) -> None:
    settings = secured(demo_estate, tmp_path, limits={"aliases": 3})
    roles = settings.security.roles
    loose = roles["agent"].model_copy(
        update={"limits": roles["agent"].limits.model_copy(update={"aliases": 100})}
    )
    settings = dataclasses.replace(
        settings,
        security=settings.security.model_copy(update={"roles": {**roles, "agent": loose}}),
    )
    assert settings.security.limits == QueryLimits(aliases=3)
    four = "{ a: __typename b: __typename c: __typename d: __typename }"
    async with gateway(settings) as client:
        agent = {"X-API-Key": await new_key(tmp_path, "agent")}
        answer = (await ask(client, four, agent)).json()
    assert answer["errors"][0]["extensions"]["code"] == "TOO_MANY_ALIASES"


async def test_a_streamed_body_past_the_limit_is_refused(demo_estate: DemoEstate) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(2000):
            yield b" " * 1000

    async with gateway(demo_estate.settings) as client:
        answer = await client.post(
            "/graphql", content=chunks(), headers={"content-type": "application/json"}
        )
    assert answer.status_code == 413
