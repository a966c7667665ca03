"""A document of several operations runs the one operationName names, never a guessed one."""

from __future__ import annotations

from pathlib import Path

from tests.support.gateway import gateway, settings_from

LOYALTY = """\
sources:
  loyalty:
    kind: csv
    entities: {person: {file: members.csv, fields: {key: ID}}}
"""

TWO = "query A { __typename } query B { sources { name } }"


async def test_two_operations_without_a_name_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "members.csv").write_text("ID\n1\n")
    async with gateway(settings_from(tmp_path, LOYALTY)) as client:
        unnamed = await client.post("/graphql", json={"query": TWO})
        again = await client.post("/graphql", json={"query": TWO})
        named = await client.post("/graphql", json={"query": TWO, "operationName": "B"})
    for response in (unnamed, again):
        body = response.json()
        assert body["data"] is None
        assert [e["message"] for e in body["errors"]] == [
            "Must provide operation name if query contains multiple operations."
        ]
    assert named.json()["data"] == {"sources": [{"name": "loyalty"}]}


async def test_one_operation_needs_no_name(tmp_path: Path) -> None:
    (tmp_path / "members.csv").write_text("ID\n1\n")
    async with gateway(settings_from(tmp_path, LOYALTY)) as client:
        response = await client.post("/graphql", json={"query": "query A { __typename }"})
    assert response.json()["data"] == {"__typename": "Query"}
