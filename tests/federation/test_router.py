"""c360 in a supergraph: composed with a second subgraph by Apollo's composition library and
served by Hive Gateway, both from npm, on 127.0.0.1."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from tests.federation.node_tools import compose, hive_gateway, require_node_tools
from tests.federation.referrals import referrals_app
from tests.support.gateway import settings_from
from tests.support.legacy_rest import REST_SOURCE, LegacyRest
from tests.support.servers import free_port, serve

CODES = {"R-BOB": "crm:P-2"}
COUNTS = {"crm:P-2": 3, "crm:P-1": 1}


@pytest.fixture(scope="module")
def supergraph(
    legacy_rest: LegacyRest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, LegacyRest]]:
    """The router's URL, over c360 (as a subgraph) and the referrals subgraph."""
    node = require_node_tools()
    folder = tmp_path_factory.mktemp("supergraph")
    crm = {**copy.deepcopy(REST_SOURCE), "base_url": legacy_rest.base_url}  # type: ignore[attr-defined]
    config = json.dumps({"server": {"federation": True}, "sources": {"crm": crm}})
    settings = settings_from(folder, config)
    with (
        serve(create_app(settings)) as c360,
        serve(referrals_app(CODES, COUNTS)) as referrals,
    ):
        sdl = compose(node, {"c360": f"{c360}/graphql", "referrals": f"{referrals}/graphql"})
        path = folder / "supergraph.graphql"
        path.write_text(sdl, encoding="utf-8")
        with hive_gateway(path, free_port()) as router:
            yield router, legacy_rest


def ask(url: str, query: str, **variables: Any) -> dict[str, Any]:
    response = httpx.post(url, json={"query": query, "variables": variables}, timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_customer_from_c360_with_a_field_of_another_subgraph(
    supergraph: tuple[str, LegacyRest],
) -> None:
    router, _ = supergraph
    body = ask(
        router,
        "query ($email: String!) { customer(email: $email) "
        "{ id email name { given family } referralCount } }",
        email="bob@example.com",
    )
    assert "errors" not in body, body
    assert body["data"]["customer"] == {
        "id": "crm:P-2",
        "email": "bob@example.com",
        "name": {"given": "Bob", "family": "Ng"},
        "referralCount": 3,
    }


def test_another_subgraph_references_a_customer_by_id(
    supergraph: tuple[str, LegacyRest],
) -> None:
    router, crm = supergraph
    crm.reset()
    body = ask(
        router,
        '{ referral(code: "R-BOB") { code referrer { id email provenance(field: "email") '
        "{ source record } referralCount } } }",
    )
    assert "errors" not in body, body
    # c360 answers with extensions.sources; Hive Gateway keeps a subgraph's extensions to
    # itself, so provenance travels in the `provenance` field instead (docs/federation.md)
    assert "sources" not in body.get("extensions", {})
    referrer = body["data"]["referral"]["referrer"]
    assert referrer["email"] == "bob@example.com" and referrer["referralCount"] == 3
    assert referrer["provenance"] == {"source": "crm", "record": "P-2"}
    assert crm.calls["contacts"] >= 1
