"""Provenance obeys the role's allow / deny lists and its masks."""

from __future__ import annotations

from pathlib import Path

from tests.gateway.test_security import ask, new_key, secured
from tests.gateway.test_source_errors import people_of
from tests.support.demo_estate import DemoEstate
from tests.support.gateway import gateway

ASKED = """query ($k: String!, $f: String!) {
  customer(sourceKey: {source: "dealer", key: $k}) { id provenance(field: $f) { source } } }"""
TRACED = """query ($k: String!) @provenance {
  customer(sourceKey: {source: "dealer", key: $k}) { phone name { full } } }"""


async def test_provenance_of_a_denied_field_is_refused(
    demo_estate: DemoEstate, tmp_path: Path
) -> None:
    owner = people_of(demo_estate, "D001")[0]["owner"]
    async with gateway(secured(demo_estate, tmp_path)) as client:
        dealer = {"X-API-Key": await new_key(tmp_path, "dealer", "D001")}
        answers = {
            field: (await ask(client, ASKED, dealer, k=owner, f=field)).json()
            for field in ("birthDate", "birth_date", "phone")
        }
    for field in ("birthDate", "birth_date"):
        assert answers[field]["data"]["customer"]["provenance"] is None
        assert answers[field]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "errors" not in answers["phone"] and answers["phone"]["data"]["customer"]["provenance"]


async def test_extensions_provenance_shows_only_what_the_role_may_ask(
    demo_estate: DemoEstate, tmp_path: Path
) -> None:
    owner = people_of(demo_estate, "D001")[0]["owner"]
    settings = secured(demo_estate, tmp_path)
    roles = settings.security.roles
    narrow = roles["dealer"].model_copy(
        update={"deny": [*roles["dealer"].deny, "FieldProvenance.field", "ConflictInfo.value"]}
    )
    settings = secured(demo_estate, tmp_path, roles={**roles, "narrow": narrow})
    async with gateway(settings) as client:
        dealer = {"X-API-Key": await new_key(tmp_path, "dealer", "D001")}
        limited = {"X-API-Key": await new_key(tmp_path, "narrow", "D001")}
        full = (await ask(client, TRACED, dealer, k=owner)).json()["extensions"]["provenance"]
        cut = (await ask(client, TRACED, limited, k=owner)).json()["extensions"]["provenance"]
    assert full["customer.phone"]["field"] and "field" not in cut["customer.phone"]
    assert cut["customer.phone"]["source"] == full["customer.phone"]["source"]
    for conflict in cut["customer.phone"].get("conflicts", []):
        assert "value" not in conflict
    for conflict in full["customer.phone"].get("conflicts", []):
        assert str(conflict["value"]).startswith("*")
