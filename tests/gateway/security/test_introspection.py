"""Roles without introspection get neither the schema nor suggestions of its names."""

from __future__ import annotations

from pathlib import Path

from tests.gateway.test_security import ask, new_key, secured
from tests.support.demo_estate import DemoEstate
from tests.support.gateway import gateway

GUESSES = [
    '{ customer(id: "crm:C-000001") { phon } }',
    '{ customer(id: "crm:C-000001") { timeline(channels: [DEALR]) { totalCount } } }',
    '{ custom(id: "crm:C-000001") { id } }',
]


async def test_no_suggestions_for_a_role_without_introspection(
    demo_estate: DemoEstate, tmp_path: Path
) -> None:
    async with gateway(secured(demo_estate, tmp_path)) as client:
        dealer = {"X-API-Key": await new_key(tmp_path, "dealer", "D001")}
        agent = {"X-API-Key": await new_key(tmp_path, "agent")}
        for query in GUESSES:
            refused = (await ask(client, query, dealer)).json()["errors"]
            helped = (await ask(client, query, agent)).json()["errors"]
            assert "Did you mean" in " ".join(e["message"] for e in helped), query
            assert "Did you mean" not in " ".join(e["message"] for e in refused), query
            assert all(
                e["message"].startswith(("Cannot query", "Value", "Unknown")) for e in refused
            )
        schema = await ask(client, "{ __schema { types { name } } }", dealer)
    assert schema.status_code == 403
    assert schema.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
