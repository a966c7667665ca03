"""Survivorship votes on names and addresses written differently: nicknames, case, typos."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.customer_fields import AddressValue
from gateway.names import PersonName
from gateway.survivorship import Candidate, pick
from gateway.voting import ADDRESS_LIKENESS, NAME_LIKENESS, proper_case
from model.records import Record

ORDER = ["crm", "billing", "loyalty", "dealer"]


def name(source: str, given: str, family: str, updated: str = "2026-01-01") -> Candidate:
    stamp = datetime.fromisoformat(updated).replace(tzinfo=UTC)
    return Candidate(PersonName(given, family), Record(source, "person", "1", {}, {}, stamp))


def test_a_typo_held_by_one_system_is_outvoted() -> None:
    candidates = [
        name("crm", "Mcihael", "Park", "2026-06-01"),  # the newest, and a typo
        name("billing", "Michael", "Park"),
        name("loyalty", "MICHAEL", "PARK"),
    ]
    choice = pick(candidates, "most_frequent", ORDER, likeness=NAME_LIKENESS)
    assert choice is not None and choice.value == PersonName("Michael", "Park")
    assert choice.record.source == "billing" and len(choice.agreeing) == 3


def test_all_capitals_are_shown_in_proper_case() -> None:
    candidates = [name("loyalty", "CHLOÉ", "PARK"), name("dealer", "Chloé", "PARK")]
    choice = pick(candidates, "most_frequent", ORDER, likeness=NAME_LIKENESS)
    assert choice is not None and choice.value == PersonName("Chloé", "Park")


def test_the_formal_given_name_is_shown_for_a_nickname() -> None:
    candidates = [name("crm", "Mike", "Park"), name("dealer", "Michael", "PARK")]
    choice = pick(candidates, "most_frequent", ORDER, likeness=NAME_LIKENESS)
    assert choice is not None and choice.value == PersonName("Michael", "Park")


def test_two_different_names_are_two_groups() -> None:
    candidates = [
        name("crm", "Ann", "Lee"),
        name("billing", "Ann", "Lee"),
        name("loyalty", "Bob", "Lee"),
    ]
    choice = pick(candidates, "most_frequent", ORDER, likeness=NAME_LIKENESS)
    assert choice is not None and choice.value == PersonName("Ann", "Lee")
    assert [c.value for c in choice.losers] == [PersonName("Bob", "Lee")]


def test_addresses_one_edit_apart_agree() -> None:
    def address(source: str, line1: str, postcode: str) -> Candidate:
        value = AddressValue(line1, None, "Springfield", postcode, None, None)
        return Candidate(value, Record(source, "person", "1", {}, {}, None))

    candidates = [
        address("crm", "12 Elm Stret", "62701"),
        address("billing", "12 Elm Street", "62701"),
        address("dealer", "12 ELM STREET", "62 701"),
    ]
    choice = pick(candidates, "most_frequent", ORDER, likeness=ADDRESS_LIKENESS)
    assert choice is not None and choice.value.line1 == "12 Elm Street"


def test_proper_case() -> None:
    assert proper_case("o'brien-smith") == "O'Brien-Smith"
    assert proper_case("PARK") == "Park"
