"""Identity resolution over real (CSV) sources: expansion, guards, fuzzy rules, explanations."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from gateway.config import CacheSettings, load_settings
from gateway.identity import Identity, Seed
from gateway.rules import IdentitySettings
from gateway.runtime import Runtime

PEOPLE = {
    "crm.csv": [
        "ID,FIRST,LAST,EMAIL,PHONE,POSTCODE",
        "C1,Ann,Lee, Ann.Lee@Example.com ,(217) 555-0101,62701",
        "C2,Bob,Lee,bob.lee@example.com,217-555-0101,62701",  # Ann's husband: same phone
        "C3,Zoe,Ng,noreply@example.com,+1 303 555 0199,80202",
        "C4,Max,Roe,noreply@example.com,303 555 0177,80202",
        "C5,Kim,Sun,kim@example.com,000-000-0000,10001",
    ],
    "billing.csv": [
        "ID,FIRST,LAST,EMAIL,PHONE,POSTCODE",
        "B1,Ann,Lee,ann.lee@example.com,2175550101,62701",
        "B3,Zoe,Ng,zoe.ng@example.com,3035550199,80202",
        "B5,Kimberly,Sun,kim.sun@example.com,0000000000,10001",
    ],
    "dealer.csv": [
        "ID,NAME,PHONE,POSTCODE",
        'D1,"Lee, Annie",,62701',  # no phone: only a fuzzy rule finds her
        'D3,"Ng, Zoë",303.555.0199,80202',
        'D8,"Sun, Kim",,10001',  # two namesakes at one postcode
        'D9,"Sun, Kim",,10001',
    ],
    "vehicles.csv": ["VIN,OWNER", "VIN0001,D3"],
}

CONFIG = """
sources:
  crm:
    kind: csv
    reload_check: 0
    entities:
      person:
        file: crm.csv
        by: {email: {column: EMAIL, match: casefold}, phone: {column: PHONE, match: phone},
             postcode: POSTCODE}
        fields: {key: ID, given_name: FIRST, family_name: LAST, email: EMAIL, phone: PHONE,
                 postcode: POSTCODE}
  billing:
    kind: csv
    entities:
      person:
        file: billing.csv
        by: {email: {column: EMAIL, match: casefold}, phone: {column: PHONE, match: phone}}
        fields: {key: ID, given_name: FIRST, family_name: LAST, email: EMAIL, phone: PHONE,
                 postcode: POSTCODE}
  dealer:
    kind: csv
    entities:
      person:
        file: dealer.csv
        by: {phone: {column: PHONE, match: phone}, postcode: POSTCODE}
        fields: {key: ID, full_name: NAME, phone: PHONE, postcode: POSTCODE}
      vehicle:
        file: vehicles.csv
        by: {owner_no: OWNER}
        belongs_to: {entity: person, by: owner_no, ref: owner_ref}
        fields: {key: VIN, owner_ref: OWNER}
identity:
  identifiers:
    email: {normalize: email, blocked: ["^no-?reply@"]}
    phone: {normalize: phone, blocked: ["^\\\\+10+$"], corroborate: true, conflicts: true}
  name_threshold: 0.9
  fuzzy:
    - {name: dealer_postcode, source: dealer, block_by: postcode, threshold: 0.9,
       weights: {name: 0.7, postcode: 0.3}}
"""


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    for name, lines in PEOPLE.items():
        (tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


async def resolve(
    estate: Path, seed: Seed, config: str = CONFIG, **overrides: Any
) -> Identity | None:
    path = estate / "c360.yaml"
    path.write_text(config, encoding="utf-8")
    settings = load_settings(path, environ={})
    if overrides:
        rules = IdentitySettings.model_validate({**settings.identity.model_dump(), **overrides})
        settings = dataclasses.replace(settings, identity=rules)
    uncached = dataclasses.replace(settings, cache=CacheSettings(enabled=False))
    async with Runtime(uncached) as runtime:
        return await runtime.context().resolver.resolve(seed)


def keys(identity: Identity | None) -> set[tuple[str, str]]:
    assert identity is not None
    return set(identity.keys())


async def test_messy_identifiers_link_across_systems_and_explain_themselves(estate: Path) -> None:
    identity = await resolve(estate, Seed(source="crm", key="C1"))
    assert keys(identity) == {("crm", "C1"), ("billing", "B1"), ("dealer", "D1")}
    assert identity is not None and identity.id == "crm:C1" and identity.complete
    links = {(link.record.source, link.record.key): link.match for link in identity.links}
    assert links[("billing", "B1")].identifier == "email"
    assert links[("billing", "B1")].value == "ann.lee@example.com"
    assert links[("billing", "B1")].via == ("crm", "C1")
    assert links[("dealer", "D1")].rule == "fuzzy:dealer_postcode"
    assert links[("dealer", "D1")].score == 1.0


async def test_a_family_phone_does_not_merge_husband_and_wife(estate: Path) -> None:
    bob = await resolve(estate, Seed(source="crm", key="C2"))
    assert keys(bob) == {("crm", "C2")}


async def test_placeholders_never_link(estate: Path) -> None:
    zoe = await resolve(estate, Seed(source="crm", key="C3"))
    assert ("crm", "C4") not in keys(zoe)  # both hold noreply@example.com
    assert keys(zoe) == {("crm", "C3"), ("billing", "B3"), ("dealer", "D3")}
    assert await resolve(estate, Seed(identifier="email", value="NoReply@example.com")) is None
    kim = await resolve(estate, Seed(source="crm", key="C5"))
    assert ("billing", "B5") not in keys(kim)  # both hold 000-000-0000


async def test_namesakes_at_one_postcode_link_neither(estate: Path) -> None:
    kim = await resolve(estate, Seed(source="crm", key="C5"))
    assert keys(kim) == {("crm", "C5")}
    assert kim is not None
    assert (
        "fuzzy rule dealer_postcode: 2 records of dealer match equally; no fuzzy link made"
        in kim.notes
    )


async def test_every_start_gives_the_same_customer(estate: Path) -> None:
    starts = [
        Seed(source="crm", key="C3"),
        Seed(source="billing", key="B3"),
        Seed(source="dealer", key="D3"),
        Seed(source="dealer", entity="vehicle", key="VIN0001"),
        Seed(identifier="phone", value="(303) 555-0199"),
        Seed(identifier="email", value=" ZOE.NG@example.com"),
    ]
    found = [await resolve(estate, seed) for seed in starts]
    assert {i.id for i in found if i} == {"crm:C3"}
    assert len({frozenset(keys(i)) for i in found}) == 1


async def test_a_family_number_links_only_the_one_whose_name_agrees(estate: Path) -> None:
    annie = await resolve(estate, Seed(source="billing", key="B1"))
    assert ("crm", "C2") not in keys(annie)
    ann = await resolve(estate, Seed(identifier="phone", value="+12175550101"))
    assert {("crm", "C1"), ("billing", "B1")} <= keys(ann) and ("crm", "C2") not in keys(ann)
    assert ann is not None
    assert (
        "phone +12175550101 is shared by 2 people; answered with the one most systems know"
        in ann.notes
    )


async def test_too_common_values_and_the_overall_cap(estate: Path) -> None:
    common = await resolve(
        estate,
        Seed(source="crm", key="C1"),
        identifiers={"email": {"normalize": "email", "max_records": 1}},
    )
    assert common is not None and any("too common" in n for n in common.notes)
    capped = await resolve(estate, Seed(source="crm", key="C1"), max_records=2)
    assert capped is not None and not capped.complete and len(capped.links) == 2
    assert "stopped at 2 linked records (identity.max_records)" in capped.notes


async def test_a_source_down_costs_only_its_records(estate: Path) -> None:
    (estate / "billing.csv").unlink()
    zoe = await resolve(estate, Seed(source="crm", key="C3"))
    assert keys(zoe) == {("crm", "C3"), ("dealer", "D3")}
    assert zoe is not None and "billing" in zoe.failed


async def test_unknown_starts_find_nothing(estate: Path) -> None:
    for seed in (
        Seed(source="crm", key="nope"),
        Seed(source="nowhere", key="C1"),
        Seed(identifier="email", value="nobody@example.com"),
        Seed(identifier="phone", value="not a number"),
    ):
        assert await resolve(estate, seed) is None
