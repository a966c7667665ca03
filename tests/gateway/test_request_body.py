"""Bodies that are not one GraphQL request get a 400 GraphQL error, never a 500 or a text line."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from gateway.request_body import MAX_JSON_DEPTH
from tests.support.bad_bodies import BAD_BODIES, QUERY
from tests.support.gateway import gateway, settings_from

LOYALTY = """\
sources:
  loyalty:
    kind: csv
    entities: {person: {file: members.csv, by: {email: EMAIL}, fields: {key: ID, email: EMAIL}}}
"""


async def post(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await client.post("/graphql", content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
async def test_a_bad_body_is_a_graphql_400(case: str, tmp_path: Path) -> None:
    (tmp_path / "members.csv").write_text("ID,EMAIL\n1,a@example.com\n")
    async with gateway(settings_from(tmp_path, LOYALTY)) as client:
        response = await post(client, BAD_BODIES[case])
        after = await post(client, QUERY + b"}")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST"}
    assert "data" not in response.json()
    assert after.json()["data"] == {"__typename": "Query"}


async def test_depth_is_counted_to_the_limit(tmp_path: Path) -> None:
    (tmp_path / "members.csv").write_text("ID,EMAIL\n1,a@example.com\n")
    nest = MAX_JSON_DEPTH - 2  # the body object and its variables object are two levels
    ok = QUERY + b', "variables": {"a": ' + b"[" * nest + b"]" * nest + b"}}"
    deep = QUERY + b', "variables": {"a": ' + b"[" * (nest + 1) + b"]" * (nest + 1) + b"}}"
    async with gateway(settings_from(tmp_path, LOYALTY)) as client:
        accepted = await post(client, ok)
        refused = await post(client, deep)
    assert accepted.json()["data"] == {"__typename": "Query"}
    assert refused.json()["errors"][0]["message"] == (
        f"the body nests deeper than {MAX_JSON_DEPTH} levels"
    )


async def test_every_refusal_of_the_view_is_graphql_shaped(tmp_path: Path) -> None:
    (tmp_path / "members.csv").write_text("ID,EMAIL\n1,a@example.com\n")
    async with gateway(settings_from(tmp_path, LOYALTY)) as client:
        batch = await post(client, b'[{"query": "{ __typename }"}]')
        form = await client.post(
            "/graphql", content=b"query={}", headers={"content-type": "text/plain"}
        )
        get_variables = await client.get(
            "/graphql", params={"query": "{ __typename }", "variables": "1"}
        )
        unknown = await post(client, b'{"query": "query A { __typename }", "operationName": "B"}')
    assert batch.json() == {
        "errors": [
            {
                "message": "batched operations are not accepted: send one per request",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }
    for response in (form, get_variables, unknown):
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}
    assert unknown.json()["errors"][0]["message"] == 'Unknown operation named "B".'
