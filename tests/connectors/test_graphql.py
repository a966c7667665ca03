"""The GraphQL connector against a live GraphQL system (a strawberry app on 127.0.0.1)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from connectors.errors import SourceBadResponse, SourceUnavailable
from connectors.graphql import GraphqlConfig
from tests.support.build import make_connector
from tests.support.dataset import HOSTILE
from tests.support.legacy_graphql import GRAPHQL_SOURCE, PERSON_FIELDS, LegacyGraphql
from tests.support.servers import free_port

System = tuple[str, LegacyGraphql]


def block(url: str, **changes: Any) -> dict[str, Any]:
    found = copy.deepcopy(GRAPHQL_SOURCE)
    found["url"] = url
    found.update(changes)
    return found


def person_query(query: str, **extra: Any) -> dict[str, Any]:
    source = copy.deepcopy(GRAPHQL_SOURCE["entities"]["person"])
    source["queries"]["key"] = {"query": query, **extra}
    return source


async def test_a_list_argument_takes_many_keys_in_one_call(graphql_system: System) -> None:
    url, system = graphql_system
    async with make_connector("mkt", block(f"{url}/graphql")) as mkt:
        found = await mkt.fetch("person", "key", ["P-1", "P-2", "P-ü", "P-9"])
    assert [len(found[k]) for k in ("P-1", "P-2", "P-ü", "P-9")] == [1, 1, 1, 0]
    [body] = system.bodies
    assert body["variables"] == {"ids": ["P-1", "P-2", "P-ü", "P-9"]}
    assert "P-1" not in body["query"]


async def test_single_values_are_asked_together_under_aliases(graphql_system: System) -> None:
    url, system = graphql_system
    async with make_connector("mkt", block(f"{url}/graphql")) as mkt:
        found = await mkt.fetch("order", "key", ["O-1", "O-3", "O-404"])
    assert found["O-1"][0].data["total"] == "19.90"
    assert found["O-3"][0].data["currency"] == "USD"
    assert found["O-404"] == []
    [body] = system.bodies
    assert body["variables"] == {"v0": "O-1", "v1": "O-3", "v2": "O-404"}
    assert "v2: order(id: $v2)" in body["query"]


async def test_batch_size_chunks_the_calls(graphql_system: System) -> None:
    url, system = graphql_system
    async with make_connector("mkt", block(f"{url}/graphql", batch_size=2)) as mkt:
        found = await mkt.fetch("order", "key", ["O-1", "O-2", "O-3", "O-4", "O-5"])
    assert sorted(k for k, v in found.items() if v) == ["O-1", "O-2", "O-3"]
    assert system.calls == 3


async def test_hostile_values_only_ever_travel_as_variables(graphql_system: System) -> None:
    url, system = graphql_system
    async with make_connector("mkt", block(f"{url}/graphql")) as mkt:
        for by, entity in (("key", "person"), ("email", "person"), ("key", "order")):
            found = await mkt.fetch(entity, by, HOSTILE)
            assert all(found[v] == [] for v in HOSTILE)
    texts = {body["query"] for body in system.bodies}
    assert len(texts) == 3  # the text depends on the template and the number of values only
    assert not any(value in text for value in HOSTILE for text in texts)
    sent = [v for body in system.bodies for v in _values(body["variables"])]
    assert sorted(sent) == sorted(HOSTILE * 3)


def _values(variables: dict[str, Any]) -> list[str]:
    return [
        v for value in variables.values() for v in (value if isinstance(value, list) else [value])
    ]


async def test_a_remote_error_is_a_bad_response_with_its_message(graphql_system: System) -> None:
    url, _ = graphql_system
    entity = person_query(f"query ($id: ID!) {{ broken(id: $id) {{ {PERSON_FIELDS} }} }}")
    async with make_connector("mkt", block(f"{url}/graphql", entities={"person": entity})) as mkt:
        with pytest.raises(SourceBadResponse, match="contact store is being rebuilt") as caught:
            await mkt.fetch("person", "key", ["P-1", "P-2"])
    assert caught.value.source == "mkt" and caught.value.code == "SOURCE_BAD_RESPONSE"


async def test_partial_data_is_kept_where_the_remote_gave_it(graphql_system: System) -> None:
    url, _ = graphql_system
    entity = person_query(
        f"query ($ids: [ID!]!) {{ contacts(ids: $ids) {{ {PERSON_FIELDS} loyalty }} }}"
    )
    entity["fields"]["region"] = "loyalty"
    async with make_connector("mkt", block(f"{url}/graphql", entities={"person": entity})) as mkt:
        found = await mkt.fetch("person", "key", ["P-1", "P-2"])
    [ann], [bob] = found["P-1"], found["P-2"]
    assert ann.data["region"] == "gold"
    assert "region" not in bob.data and bob.data["email"] == "bob@example.com"


@pytest.mark.parametrize(("path", "said"), [("/html", "not JSON"), ("/array", "not a GraphQL")])
async def test_an_answer_that_is_not_graphql_is_refused(
    graphql_system: System, path: str, said: str
) -> None:
    url, _ = graphql_system
    async with make_connector("mkt", block(f"{url}{path}")) as mkt:
        with pytest.raises(SourceBadResponse, match=said):
            await mkt.fetch("person", "key", ["P-1"])
        assert not (await mkt.health()).ok


async def test_a_system_that_is_down_is_unavailable() -> None:
    async with make_connector("mkt", block(f"http://127.0.0.1:{free_port()}/graphql")) as mkt:
        with pytest.raises(SourceUnavailable, match="mkt: POST"):
            await mkt.fetch("person", "key", ["P-1"])


def test_templates_are_checked_with_the_config() -> None:
    entities = {
        "person": {
            "queries": {
                "key": {"query": "query ($a: ID!, $b: ID!) { c(id: $a) { id } }"},
                "email": {"query": "query ($e: String!) { a(e: $e) { id } b(e: $e) { id } }"},
                "phone": {"query": "query ($p: [String!]!) { c(p: $p) { id } }"},
                "search": {"query": "{ nope"},
            },
            "fields": {"key": "id"},
        },
        "order": {
            "queries": {"customer_no": {"query": "query ($v: ID) { o(id: $v) { id } }"}},
            "fields": {"key": "id"},
        },
    }
    config = GraphqlConfig.model_validate(
        {"kind": "graphql", "url": "http://x/", "entities": entities}
    )
    problems = {".".join(map(str, path)): message for path, message in config.problems()}
    assert "exactly one variable" in problems["entities.person.queries.key.query"]
    assert "exactly one" in problems["entities.person.queries.email.query"]
    assert "needs `match`" in problems["entities.person.queries.phone.match"]
    assert "not a GraphQL query" in problems["entities.person.queries.search.query"]
    assert "needs a `key` query" in problems["entities.order.queries"]
