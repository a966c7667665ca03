"""A mask follows the value: match explanations, contact points, provenance, raw records."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.gateway.test_security import ask, new_key, secured
from tests.gateway.test_source_errors import digits, people_of
from tests.support.demo_estate import DemoEstate
from tests.support.gateway import gateway

EVERYWHERE = """query ($k: String!) @provenance {
  customer(sourceKey: {source: "dealer", key: $k}) {
    phone phones { value }
    identities { source key matchedBy { identifier value } }
    provenance(field: "phone") { conflicts { value } } } }"""


async def test_a_masked_phone_is_masked_wherever_it_appears(
    demo_estate: DemoEstate, tmp_path: Path
) -> None:
    crm = {
        c["id"]: c for c in json.loads((demo_estate.folder / "crm.json").read_text())["contacts"]
    }
    async with gateway(secured(demo_estate, tmp_path)) as client:
        dealer = {"X-API-Key": await new_key(tmp_path, "dealer", "D001")}
        answers = [
            (person, await ask(client, EVERYWHERE, dealer, k=person["owner"]))
            for person in people_of(demo_estate, "D001")[:8]
        ]
    by_phone = 0
    for person, answer in answers:
        customer = answer.json()["data"]["customer"]
        raw = {digits(person["phone"])} | {
            digits(crm[i["key"]]["phoneNumber"] or "")
            for i in customer["identities"]
            if i["source"] == "crm"
        }
        text = re.sub(r"\D", "", json.dumps(answer.json()["data"]))
        assert all(len(r) < 7 or r not in text for r in raw), answer.text
        assert customer["phone"] is None or customer["phone"].startswith("****")
        by_phone += any(i["matchedBy"]["identifier"] == "phone" for i in customer["identities"])
    assert by_phone, "no customer was linked by phone: the test proves nothing"


async def test_raw_records_are_masked_like_the_customer(
    demo_estate: DemoEstate, tmp_path: Path
) -> None:
    contact = json.loads((demo_estate.folder / "crm.json").read_text())["contacts"][0]
    settings = secured(demo_estate, tmp_path)
    masked = settings.security.roles["agent"].model_copy(
        update={"mask": {"Customer.phone": "last4", "Customer.email": "domain"}}
    )
    settings = secured(demo_estate, tmp_path, roles={**settings.security.roles, "masked": masked})
    query = """query ($k: String!) { record(source: "crm", entity: "person", key: $k) {
      data fields { name value } } }"""
    async with gateway(settings) as client:
        headers = {"X-API-Key": await new_key(tmp_path, "masked")}
        answer = await ask(client, query, headers, k=contact["id"])
    record = answer.json()["data"]["record"]
    values = {f["name"]: f["value"] for f in record["fields"]}
    assert record["data"]["phone"].startswith("***") and values["phone"].startswith("***")
    assert record["data"]["email"].startswith("***@") and values["email"].startswith("***@")
    assert digits(contact["phoneNumber"]) not in re.sub(r"\D", "", answer.text)
    assert contact["emailAddress"].strip().split("@")[0] not in answer.text


async def test_a_masked_name_or_address_masks_each_of_its_parts(
    demo_estate: DemoEstate, tmp_path: Path
) -> None:
    settings = secured(demo_estate, tmp_path)
    masked = settings.security.roles["agent"].model_copy(
        update={"mask": {"Customer.name": "redact", "Customer.address": "redact"}}
    )
    settings = secured(demo_estate, tmp_path, roles={**settings.security.roles, "masked": masked})
    query = """query @provenance { customer(id: "crm:C-000001") {
      name { given family full } address { line1 city postcode } } }"""
    async with gateway(settings) as client:
        headers = {"X-API-Key": await new_key(tmp_path, "masked")}
        answer = (await ask(client, query, headers)).json()
    assert "errors" not in answer, answer["errors"]
    customer = answer["data"]["customer"]
    assert set(customer["name"].values()) <= {"***", None}
    assert set(customer["address"].values()) <= {"***", None}
    for entry in answer["extensions"]["provenance"].values():
        assert all(c["value"] == "***" for c in entry.get("conflicts", []))
