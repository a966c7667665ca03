"""What a failing source tells a client: its name and the kind of failure, nothing of the
customer; what ``extensions.sources`` tells a row-scoped caller: nothing; and that a source's
status always agrees with the errors of that source."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.gateway.test_security import ask, new_key, owners, secured
from tests.support.demo_estate import DemoEstate
from tests.support.gateway import gateway, settings_from
from tests.support.runtime import Gateway

BY_DEALER_KEY = """query ($k: String!) {
  customer(sourceKey: {source: "dealer", key: $k}, maxAge: 0) { id name { full } phone } }"""


@contextmanager
def failing(demo: DemoEstate, source: str) -> Iterator[None]:
    """The served system answers every call 503 (its ``PUT /_chaos``), until the block ends."""
    url = demo.settings.sources[source].config.base_url  # type: ignore[attr-defined]
    httpx.put(f"{url}/_chaos", json={"fail_rate": 1.0}).raise_for_status()
    try:
        yield
    finally:
        httpx.put(f"{url}/_chaos", json={"fail_rate": 0.0}).raise_for_status()


def people_of(demo: DemoEstate, dealer: str) -> list[dict[str, Any]]:
    """The dealer's owners that the CRM also holds, with their dealer phone and CRM email."""
    phones = {
        o["ownerId"]: o["phone"]
        for o in json.loads((demo.folder / "dealer.json").read_text())["owners"]
    }
    crm = {c["id"]: c for c in json.loads((demo.folder / "crm.json").read_text())["contacts"]}
    return [
        {
            "owner": p["dealer"][0],
            "phone": phones[p["dealer"][0]],
            "email": (crm[p["crm"][0]].get("emailAddress") or "").strip(),
        }
        for p in owners(demo)[dealer]
        if re.sub(r"\D", "", phones[p["dealer"][0]] or "").strip("0")
    ]


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)[-10:]


async def test_a_failing_crm_gives_away_nothing_of_another_dealers_customer(
    demo_estate: DemoEstate, tmp_path: Path
) -> None:
    mine, theirs = people_of(demo_estate, "D001"), people_of(demo_estate, "D002")
    async with gateway(secured(demo_estate, tmp_path)) as client:
        d1 = {"X-API-Key": await new_key(tmp_path, "dealer", "D001")}
        with failing(demo_estate, "crm"):
            other = [await ask(client, BY_DEALER_KEY, d1, k=p["owner"]) for p in theirs[:5]]
            own = await ask(client, BY_DEALER_KEY, d1, k=mine[0]["owner"])
    for answer, person in zip(other, theirs, strict=False):
        assert answer.json() == {"data": {"customer": None}}, answer.text
        assert digits(person["phone"]) not in re.sub(r"\D", "", answer.text)
        assert not person["email"] or person["email"].lower() not in answer.text.lower()
    errors = own.json()["errors"]
    assert errors and all(e["extensions"]["source"] == "crm" for e in errors), own.text
    for error in errors:  # the kind of failure: no URL, no phone, no digit at all
        assert error["message"].startswith("crm: ") and not re.search(r"[\d/?=]", error["message"])
    lines = [json.loads(line) for line in (tmp_path / "audit.log").read_text().splitlines()]
    assert len(lines) == 6  # every request that touched personal data, failed ones too
    assert lines[-1]["outcome"] == "error" and "Query.customer" in lines[-1]["fields"]


async def test_sources_status_is_withheld_from_row_scoped_roles(
    demo_estate: DemoEstate, tmp_path: Path
) -> None:
    theirs = people_of(demo_estate, "D002")[0]["owner"]
    settings = secured(demo_estate, tmp_path)
    roles = settings.security.roles
    told = roles["dealer"].model_copy(update={"source_status": True})
    settings = secured(demo_estate, tmp_path, roles={**roles, "told_dealer": told})
    async with gateway(settings) as client:
        dealer = {"X-API-Key": await new_key(tmp_path, "dealer", "D001")}
        opted_in = {"X-API-Key": await new_key(tmp_path, "told_dealer", "D001")}
        agent = {"X-API-Key": await new_key(tmp_path, "agent")}
        someone_elses = await ask(client, BY_DEALER_KEY, dealer, k=theirs)
        nobodys = await ask(client, BY_DEALER_KEY, dealer, k="OW-999999")
        configured = await ask(client, BY_DEALER_KEY, opted_in, k=theirs)
        agents = await ask(client, BY_DEALER_KEY, agent, k=theirs)
    assert someone_elses.json() == nobodys.json() == {"data": {"customer": None}}
    assert "sources" in configured.json()["extensions"]
    assert agents.json()["extensions"]["sources"]["dealer"]["status"] == "ok"


MISCONFIGURED = """\
sources:
  crm:
    kind: tests.support.memory_sources:MemorySource
    rows: {person: [{id: C1, mail: ann@example.com}]}
    entities:
      person: {fields: {key: id, email: mail}, lookups_by: [email]}
  billing:
    kind: tests.support.memory_sources:MisconfiguredSource
    entities:
      person: {fields: {key: id, email: mail}, lookups_by: [email]}
identity:
  identifiers: {email: {normalize: email}}
"""


async def statuses_of(tmp_path: Path, query: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    gateway = Gateway(settings_from(tmp_path, MISCONFIGURED))
    try:
        result = await gateway.schema.execute(query, context_value=gateway.context())
    finally:
        await gateway.aclose()
    errors = [{"message": e.message, **(e.extensions or {})} for e in result.errors or []]
    return errors, (result.extensions or {})["sources"]


async def test_a_misconfigured_source_asked_in_a_field_is_never_ok(tmp_path: Path) -> None:
    errors, sources = await statuses_of(
        tmp_path, '{ record(source: "billing", entity: "person", key: "B1") { key } }'
    )
    assert [(e["code"], e["source"]) for e in errors] == [("SOURCE_MISCONFIGURED", "billing")]
    assert sources["billing"] == {"status": "source_misconfigured", "calls": 1}
    assert sources["crm"]["status"] == "not_asked"


async def test_a_misconfigured_source_behind_an_answer_is_named_once(tmp_path: Path) -> None:
    errors, sources = await statuses_of(
        tmp_path, '{ customer(sourceKey: {source: "crm", key: "C1"}) { id email } }'
    )
    assert [(e["code"], e["source"]) for e in errors] == [("SOURCE_MISCONFIGURED", "billing")]
    assert sources["billing"]["status"] == "source_misconfigured"
    assert sources["crm"]["status"] == "ok"
