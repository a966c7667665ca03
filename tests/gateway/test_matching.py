"""Probabilistic matching at query time over real (CSV) sources: custom identifiers,
duplicates inside one system, rivals, and the waterfall every link carries."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest

from gateway.config import load_settings
from gateway.identity import Identity, Seed
from gateway.recorded import Recording
from gateway.runtime import Runtime, batch_settings
from gateway.security.settings import SecuritySettings
from tests.gateway.test_security import ask, new_key
from tests.support.gateway import gateway, graphql

FILES = {
    "crm.csv": [
        "ID,FIRST,LAST,BORN,POSTCODE,NATID",
        "C1,Katherine,Zbyszewski,1980-02-03,62701,AB123456",
        "C2,Kathy,Zbyszewski,1980-02-03,62701,",  # a duplicate contact of C1
        "C3,Mike,Park,1975-05-05,10001,",
        "C4,Ann,Lee,1990-01-01,80202,",
        "C5,Peter,Lee,1962-07-30,80202,",  # Ann's father: same address, not her
        "C6,Jo,Kim,,,",  # a name and nothing else
    ],
    "tax.csv": [
        "TAXREF,GIVEN,FAMILY,NATID",
        "T1,K.,Zbyszewska,AB123456",  # only the national id is shared
    ],
    "loyalty.csv": [
        "NUM,FIRST,LAST,BORN,POSTCODE",
        "L1,Michael,Park,1975-05-05,10001",
        "L2,Michael,Park,1975-05-05,10001",  # twins of the export: one person twice
    ],
    "shop.csv": [
        "NUM,FIRST,LAST,BORN,POSTCODE",
        "S1,Jo,Kim,1981-03-04,30301",  # two people of that name, told apart by the rest
        "S2,Jo,Kim,1959-11-30,99501",
    ],
}

CONFIG = """
attributes:
  national_id: {description: National identity number}
sources:
  crm:
    kind: csv
    entities:
      person:
        file: crm.csv
        by: {postcode: POSTCODE, national_id: {column: NATID, match: casefold}}
        fields: {key: ID, given_name: FIRST, family_name: LAST, birth_date: BORN,
                 postcode: POSTCODE, national_id: NATID}
  tax:
    kind: csv
    entities:
      person:
        file: tax.csv
        by: {national_id: {column: NATID, match: casefold}}
        fields: {key: TAXREF, given_name: GIVEN, family_name: FAMILY, national_id: NATID}
  loyalty:
    kind: csv
    entities:
      person:
        file: loyalty.csv
        by: {postcode: POSTCODE}
        fields: {key: NUM, given_name: FIRST, family_name: LAST, birth_date: BORN,
                 postcode: POSTCODE}
  shop:
    kind: csv
    entities:
      person:
        file: shop.csv
        by: {family_name: LAST}
        fields: {key: NUM, given_name: FIRST, family_name: LAST, birth_date: BORN,
                 postcode: POSTCODE}
identity:
  identifiers:
    national_id: {normalize: casefold}
  matching:
    link_at: 0.95
    margin: 3
    comparisons:
      given_name: {kind: name}
      family_name: {kind: name}
      birth_date: {kind: date}
      postcode: {kind: code}
    blocking:
      - {source: crm, by: [postcode]}
      - {source: loyalty, by: [postcode, birth_year]}
      - {source: shop, by: [family_name]}
"""


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    for name, lines in FILES.items():
        (tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "c360.yaml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


async def resolve(estate: Path, source: str, key: str) -> tuple[Identity, Recording]:
    settings = load_settings(estate / "c360.yaml", environ={})
    async with Runtime(batch_settings(settings)) as runtime:
        context = runtime.context()
        identity = await context.resolver.resolve(Seed(source=source, key=key))
        assert identity is not None
        return identity, context.recording


async def test_a_custom_identifier_links_two_sources(estate: Path) -> None:
    identity, _ = await resolve(estate, "crm", "C1")
    links = {(link.record.source, link.record.key): link.match for link in identity.links}
    assert links[("tax", "T1")].rule == "identifier"
    assert (links[("tax", "T1")].identifier, links[("tax", "T1")].value) == (
        "national_id",
        "ab123456",
    )


async def test_a_duplicate_inside_one_system_links(estate: Path) -> None:
    identity, _ = await resolve(estate, "crm", "C1")
    match = {link.record.key: link.match for link in identity.links}["C2"]
    assert match.rule == "model" and match.via == ("crm", "C1")
    assert match.score is not None and match.score >= 0.95
    parts = {p.comparison: p.level for p in match.waterfall.parts} if match.waterfall else {}
    assert parts == {
        "given_name": "nickname",
        "family_name": "exact",
        "birth_date": "exact",
        "postcode": "exact",
    }


async def test_records_that_match_each_other_link_together(estate: Path) -> None:
    identity, _ = await resolve(estate, "crm", "C3")
    assert set(identity.keys()) == {("crm", "C3"), ("loyalty", "L1"), ("loyalty", "L2")}


async def test_a_household_at_one_address_is_not_merged(estate: Path) -> None:
    identity, _ = await resolve(estate, "crm", "C4")
    assert set(identity.keys()) == {("crm", "C4")}


async def test_rivals_without_a_clear_margin_link_neither(estate: Path) -> None:
    identity, _ = await resolve(estate, "crm", "C6")
    assert set(identity.keys()) == {("crm", "C6")}
    assert (
        "matching: 2 records of shop resemble the customer but not each other, none by a"
        " clear margin; none linked" in identity.notes
    )


async def test_every_waterfall_adds_up_and_names_the_model(estate: Path) -> None:
    identity, _ = await resolve(estate, "loyalty", "L1")
    scored = [link.match for link in identity.links if link.match.rule == "model"]
    assert scored
    for match in scored:
        waterfall = match.waterfall
        assert waterfall is not None and waterfall.model_version == "default-1"
        assert waterfall.weight == pytest.approx(
            waterfall.prior + sum(p.weight for p in waterfall.parts)
        )
        assert match.score == pytest.approx(waterfall.probability, abs=1e-6)


async def test_a_round_asks_each_source_and_look_up_once(estate: Path) -> None:
    _, fetcher = await resolve(estate, "crm", "C3")
    asked = [key for key in fetcher.calls if key[2] == "postcode"]
    assert sorted(asked) == sorted(set(asked))  # one batched call per (source, look-up)


async def test_custom_attributes_are_listed_on_the_customer(estate: Path) -> None:
    settings = load_settings(estate / "c360.yaml", environ={})
    query = """{ customer(sourceKey: {source: "crm", key: "C1"}) {
        identifiers { kind value sources { source key } }
        identities { key matchedBy { rule weight probability modelVersion
          comparisons { comparison level weight } } } } }"""
    async with gateway(settings) as client:
        answer = await graphql(client, query)
    customer = answer["data"]["customer"]
    assert customer["identifiers"] == [
        {
            "kind": "national_id",
            "value": "ab123456",
            "sources": [{"source": "crm", "key": "C1"}, {"source": "tax", "key": "T1"}],
        }
    ]
    scored = {i["key"]: i["matchedBy"] for i in customer["identities"]}["C2"]
    assert scored["rule"] == "model" and scored["modelVersion"] == "default-1"
    assert [c["level"] for c in scored["comparisons"]] == ["nickname", "exact", "exact", "exact"]
    assert scored["weight"] == pytest.approx(
        sum(c["weight"] for c in scored["comparisons"]) + math.log2(0.02 / 0.98), abs=1e-3
    )


async def test_a_value_from_a_model_link_names_the_model_in_its_provenance(estate: Path) -> None:
    config = estate / "c360.yaml"
    config.write_text(
        config.read_text() + "survivorship:\n  attributes:\n"
        "    birth_date: {priority: [loyalty, crm]}\n",
        encoding="utf-8",
    )
    query = """query Born @provenance {
        customer(sourceKey: {source: "crm", key: "C3"}) { birthDate } }"""
    async with gateway(load_settings(config, environ={})) as client:
        answer = await graphql(client, query)
    entry = answer["extensions"]["provenance"]["customer.birthDate"]
    assert entry["source"] == "loyalty"
    assert entry["linkedBy"]["rule"] == "model"
    assert entry["linkedBy"]["modelVersion"] == "default-1"
    assert entry["linkedBy"]["probability"] >= 0.95


async def test_a_mask_on_a_custom_attribute_follows_its_value(estate: Path, tmp_path: Path) -> None:
    security = SecuritySettings.model_validate(
        {
            "enabled": True,
            "api_keys": {"store": f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}"},
            "audit": {"path": str(tmp_path / "audit.log"), "queue": 16},
            "roles": {"agent": {"sources": "*", "mask": {"Customer.national_id": "last4"}}},
        }
    )
    settings = dataclasses.replace(
        load_settings(estate / "c360.yaml", environ={}), security=security
    )
    query = """{ customer(sourceKey: {source: "tax", key: "T1"}) {
        identifiers { kind value } identities { key matchedBy { identifier value } } }
      record(source: "tax", entity: "person", key: "T1") { data } }"""
    async with gateway(settings) as client:
        headers = {"X-API-Key": await new_key(tmp_path, "agent")}
        answer = await ask(client, query, headers)
    assert "errors" not in answer.json(), answer.text
    text = json.dumps(answer.json()["data"])
    assert "ab123456" not in text.lower()
    assert "3456" in text  # shown masked, not dropped
    assert answer.json()["data"]["customer"]["identifiers"][0]["value"].startswith("*")
