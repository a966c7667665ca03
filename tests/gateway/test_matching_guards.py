"""The matcher's guards on one block of candidates: a household is not the person, and a
record that someone else the look-ups found owns as well is not linked."""

from __future__ import annotations

from gateway.linkage.comparisons import Comparison
from gateway.linkage.model import ComparisonModel, LevelParameters, MatchModel
from gateway.linkage.settings import BlockingRule, MatchingSettings
from gateway.matching import Candidate, Matcher, asked_of, key_of
from model.records import Record

RULE = BlockingRule(source="crm", by=["postcode"])
# (field, kind, m and u of exact, m and u of else): near the demo's trained model
PARAMETERS = [
    ("given_name", "name", (0.9, 0.02), (0.1, 0.98)),
    ("family_name", "name", (0.99, 0.01), (0.01, 0.99)),
    ("address_line1", "text", (0.99, 0.001), (0.01, 0.999)),
    ("postcode", "code", (0.9, 0.001), (0.1, 0.999)),
    ("email", "exact", (0.85, 0.001), (0.15, 0.999)),
]


def matcher() -> Matcher:
    comparisons = tuple(
        ComparisonModel(
            Comparison.of(field, field, kind, ["exact"]),  # type: ignore[arg-type]
            (LevelParameters(*exact), LevelParameters(*other)),
        )
        for field, kind, exact, other in PARAMETERS
    )
    return Matcher(MatchingSettings(blocking=[RULE]), MatchModel(comparisons, 1e-4, "test-1"))


def person(source: str, key: str, given: str, street: str | None, email: str) -> Record:
    data = {"given_name": given, "family_name": "Taylor", "address_line1": street,
            "postcode": "99269", "email": email}  # fmt: skip
    return Record(source, "person", key, data, {})


CUSTOMER = person("crm", "C1", "Leon", "4556 Main St", "leon@a.example")


def decide(*found: Record) -> tuple[set[str], list[str]]:
    candidates = [Candidate(RULE, "99269", record) for record in found]
    links, notes = matcher().decide([CUSTOMER], candidates, {})
    return {scored.candidate.record.key for scored in links}, notes


def test_a_record_of_the_person_links() -> None:
    linked, _ = decide(person("loyalty", "L1", "Leon", None, "leon@a.example"))
    assert linked == {"L1"}


def test_a_spouse_at_the_address_is_the_household_not_the_person() -> None:
    linked, notes = decide(person("billing", "B1", "Sara", "4556 Main St", "sara@c.example"))
    assert linked == set()
    assert any("household shares" in note for note in notes)


def test_a_namesake_at_the_postcode_keeps_the_record_that_resembles_him() -> None:
    namesake = person("crm", "C2", "Leon", "9007 Harbor View", "leon@b.example")
    theirs = person("loyalty", "L2", "Leon", None, "leon@b.example")
    assert decide(theirs) == ({"L2"}, [])  # alone, name and postcode are enough
    linked, notes = decide(namesake, theirs)
    assert linked == set()
    assert any("resemble someone else" in note for note in notes)


def test_blocking_keys_are_the_standard_forms_the_look_ups_index() -> None:
    owner = {"full_name": "Meyer, Ann", "postcode": "sw1a 1aa", "country": "UK"}
    assert key_of(owner, "family_sound") == key_of({"family_name": "Maier"}, "family_sound")
    assert key_of(owner, "postcode") == "SW1A1AA"
    assert asked_of(owner, "family_sound") == "Meyer"  # the source derives the key itself
    assert asked_of(owner, "postcode") == "sw1a 1aa"  # and matches the postcode its own way
