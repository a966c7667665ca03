"""One estate written three ways links the same people as when it is written one way.

Three systems hold the same people. Written one way, every system has separate name fields,
ISO dates, full street types and spaced postcodes. Written three ways, the service desk holds
``FAMILY, Given`` in one field, ``DD/MM/YYYY`` dates, ``St``/``Rd`` and ``sw1a1aa``; the dealer
``Given Middle Family``, ``YYYYMMDD``, ``HIGH ST.`` and ``SW1A1AA``. The systems share no
identifier: fuzzy rules find the records, blocking by a standard-form postcode (export files
indexed at load) and by the sound of the family name (an SQL expression), then scoring name,
postcode, street and birth date in standard form. Everything goes through the gateway.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from tests.support.gateway import gateway, graphql, settings_from


@dataclass(frozen=True)
class Person:
    given: str
    middle: str
    family: str
    born: tuple[int, int, int]
    number: str
    street: str
    kind: str  # the street type, written in full
    postcode: str
    known_as: str = ""  # the given name the desk knows them by, where it differs


PEOPLE = {
    "p1": Person(
        "Margaret", "Ann", "van der Berg", (1961, 4, 9), "12", "High", "Street", "SW1A 1AA"
    ),
    "p2": Person("José", "", "Núñez", (1984, 3, 7), "4", "Elm", "Avenue", "M1 1AE"),
    "p3": Person("Siobhan", "Mary", "O'Brien", (1990, 12, 1), "221", "Baker", "Street", "NW1 6XE"),
    "p4": Person("Robert", "", "Meyer", (1975, 6, 30), "9", "Mill", "Road", "EH1 1YZ"),
    "p5": Person("Anna", "", "Meyer", (1978, 2, 14), "9", "Mill", "Road", "EH1 1YZ"),  # his wife
    "p6": Person("Tomasz", "Jan", "Kowalski", (1969, 11, 23), "3", "Church", "Lane", "B1 1AA"),
}
ABBREVIATED = {"Street": "St", "Avenue": "Ave", "Road": "Rd", "Lane": "Ln"}
# who each system knows: the CRM everyone, the desk and the dealer some
DESK = ["p1", "p2", "p3", "p4", "p5"]
DEALER = ["p1", "p3", "p4", "p6"]

CONFIG = """
sources:
  crm:
    kind: sql
    url: sqlite+aiosqlite:///crm.db
    entities:
      person:
        table: people
        by: {email: email, family_sound: {column: last, match: phonetic}}
        fields: {key: id, given_name: first, family_name: last, email: email, birth_date: dob,
                 address_line1: street, postcode: postcode}
  desk:
    kind: csv
    entities:
      person:
        file: desk.csv
        by: {postcode: {column: PC, match: postcode, country: GB}}
        fields: {key: ID, %(desk_name)s, birth_date: BORN, address_line1: ADDRESS, postcode: PC}
%(desk_parse)s
  dealer:
    kind: csv
    entities:
      person:
        file: dealer.csv
        by: {postcode: {column: POST, match: postcode, country: GB}}
        fields: {key: ID, %(dealer_name)s, birth_date: DOB, address_line1: ADDR, postcode: POST}
%(dealer_parse)s
identity:
  identifiers: {email: {normalize: email}}
  name_threshold: 0.9
  fuzzy:
    - {name: crm_sound, source: crm, block_by: family_sound, block_field: family_name,
       threshold: 0.95, weights: %(weights)s}
    - {name: desk_postcode, source: desk, block_by: postcode, threshold: 0.95,
       weights: %(weights)s}
    - {name: dealer_postcode, source: dealer, block_by: postcode, threshold: 0.95,
       weights: %(weights)s}
%(forms)s"""
WEIGHTS = "{name: 0.5, postcode: 0.2, address_line1: 0.2, birth_date: 0.1}"
ONE_WAY = {
    "desk_name": "given_name: FIRST, family_name: LAST",
    "dealer_name": "given_name: FIRST, family_name: LAST",
    "desk_parse": "",
    "dealer_parse": "",
    "weights": WEIGHTS,
    "forms": "",
}
THREE_WAYS = {
    "desk_name": "full_name: NAME",
    "dealer_name": "full_name: CUSTOMER",
    "desk_parse": '        parse: {full_name: "{family}, {given}", birth_date: "%d/%m/%Y"}',
    "dealer_parse": '        parse: {full_name: "{given} {middle} {family}", birth_date: "%Y%m%d"}',
    "weights": WEIGHTS,
    "forms": "",
}


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    lines = [",".join(header)] + [",".join(f'"{cell}"' for cell in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_estate(folder: Path, three_ways: bool, people: dict[str, Person] = PEOPLE) -> None:
    with sqlite3.connect(folder / "crm.db") as db:
        db.execute(
            "CREATE TABLE people (id TEXT, first TEXT, last TEXT, email TEXT, dob TEXT,"
            " street TEXT, postcode TEXT)"
        )
        db.executemany(
            "INSERT INTO people VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    f"C-{pid}",
                    p.given,
                    p.family,
                    f"{pid}@crm.example",
                    "{:04d}-{:02d}-{:02d}".format(*p.born),
                    f"{p.number} {p.street} {p.kind}",
                    p.postcode,
                )
                for pid, p in people.items()
            ],
        )
    desk, dealer = [], []
    for pid, p in people.items():
        y, m, d = p.born
        if not three_ways:
            row = [
                p.given,
                p.family,
                f"{y:04d}-{m:02d}-{d:02d}",
                f"{p.number} {p.street} {p.kind}",
                p.postcode,
            ]
            if pid in DESK:
                desk.append([f"D-{pid}", *row])
            if pid in DEALER:
                dealer.append([f"V-{pid}", *row])
            continue
        if pid in DESK:
            desk.append(
                [
                    f"D-{pid}",
                    f"{p.family.upper()}, {p.known_as or p.given}",
                    f"{d:02d}/{m:02d}/{y:04d}",
                    f"{p.number} {p.street} {ABBREVIATED[p.kind]}",
                    p.postcode.replace(" ", "").lower(),
                ]
            )
        if pid in DEALER:
            whole = " ".join(part for part in (p.given, p.middle, p.family) if part)
            dealer.append(
                [
                    f"V-{pid}",
                    whole,
                    f"{y:04d}{m:02d}{d:02d}",
                    f"{p.number} {p.street} {ABBREVIATED[p.kind]}.".upper(),
                    p.postcode.replace(" ", ""),
                ]
            )
    if three_ways:
        _csv(folder / "desk.csv", ["ID", "NAME", "BORN", "ADDRESS", "PC"], desk)
        _csv(folder / "dealer.csv", ["ID", "CUSTOMER", "DOB", "ADDR", "POST"], dealer)
    else:
        _csv(folder / "desk.csv", ["ID", "FIRST", "LAST", "BORN", "ADDRESS", "PC"], desk)
        _csv(folder / "dealer.csv", ["ID", "FIRST", "LAST", "DOB", "ADDR", "POST"], dealer)


QUERY = """query ($source: String!, $key: String!) {
  customer(sourceKey: {source: $source, key: $key}) { identities { source key } } }"""


async def link_sets(
    folder: Path, config: dict[str, str], people: dict[str, Person] = PEOPLE
) -> set[frozenset[str]]:
    """Each record's customer, as the set of its linked records, asked through the gateway."""
    settings = settings_from(folder, CONFIG % config)
    records = [("crm", f"C-{p}") for p in people]
    records += [("desk", f"D-{p}") for p in DESK if p in people]
    records += [("dealer", f"V-{p}") for p in DEALER if p in people]
    found: set[frozenset[str]] = set()
    async with gateway(settings) as client:
        for source, key in records:
            answer = await graphql(client, QUERY, source=source, key=key)
            assert "errors" not in answer, answer
            identities = answer["data"]["customer"]["identities"]
            found.add(frozenset(f"{i['source']}:{i['key']}" for i in identities))
    return found


def truth() -> set[frozenset[str]]:
    return {
        frozenset(
            {f"crm:C-{p}"}
            | ({f"desk:D-{p}"} if p in DESK else set())
            | ({f"dealer:V-{p}"} if p in DEALER else set())
        )
        for p in PEOPLE
    }


async def test_written_one_way_the_estate_links_every_person(tmp_path: Path) -> None:
    write_estate(tmp_path, three_ways=False)
    assert await link_sets(tmp_path, ONE_WAY) == truth()


async def test_written_three_ways_it_links_the_same_people(tmp_path: Path) -> None:
    one, three = tmp_path / "one", tmp_path / "three"
    one.mkdir(), three.mkdir()
    write_estate(one, three_ways=False)
    write_estate(three, three_ways=True)
    one_way, three_ways = await link_sets(one, ONE_WAY), await link_sets(three, THREE_WAYS)
    assert three_ways == one_way
    linked = [cluster for cluster in three_ways if len(cluster) > 1]
    assert len(linked) == 6 and sum(map(len, linked)) == 15  # 6 people, 15 records


async def test_without_the_declared_forms_the_links_are_lost(tmp_path: Path) -> None:
    write_estate(tmp_path, three_ways=True)
    undeclared = {**THREE_WAYS, "desk_parse": "", "dealer_parse": ""}
    found = await link_sets(tmp_path, undeclared)
    assert found != truth()
    assert all(len(cluster) == 1 for cluster in found if any(k.startswith("desk") for k in cluster))


async def test_a_nickname_file_from_the_config_links_a_pair_the_shipped_tables_do_not(
    tmp_path: Path,
) -> None:
    zeb = Person("Zebulon", "", "Pike", (1979, 1, 5), "7", "Quay", "Road", "PL1 2AB", "Zeb")
    people = {"p1": zeb}  # the CRM knows Zebulon, the desk (and the dealer) Zeb
    write_estate(tmp_path, three_ways=True, people=people)
    shipped = await link_sets(tmp_path, THREE_WAYS, people)
    assert frozenset({"crm:C-p1", "dealer:V-p1"}) in shipped  # Zebulon in both
    assert frozenset({"desk:D-p1"}) in shipped  # Zeb: no shipped table knows him
    (tmp_path / "nicknames.txt").write_text("zebulon, zeb, lon\n", encoding="utf-8")
    extended = {**THREE_WAYS, "forms": "forms:\n  nicknames: [nicknames.txt]\n"}
    linked = await link_sets(tmp_path, extended, people)
    assert linked == {frozenset({"crm:C-p1", "desk:D-p1", "dealer:V-p1"})}
