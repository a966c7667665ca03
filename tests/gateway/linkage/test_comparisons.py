"""Every level of every kind of comparison, and null as no evidence."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from forms import NameVariants
from gateway.linkage.comparisons import KINDS, Comparison, ComparisonKind


def level(kind: ComparisonKind, field: str, a: dict[str, Any], b: dict[str, Any]) -> str:
    comparison = Comparison.of(field, field, kind)
    found = comparison.level(comparison.prepare(a), comparison.prepare(b), comparison.tests())
    return comparison.labels[found]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Zoë", "ZOE", "exact"),
        ("Bob", "Robert", "nickname"),
        ("Katherine", "Katharine", "levenshtein:1"),
        ("Jonathan", "Jonathon", "levenshtein:1"),
        ("Christina", "Christinea", "levenshtein:1"),
        ("Sean", "Shaun", "levenshtein:2"),
        ("Alexandra", "Alexandrina", "jaro_winkler:0.92"),
        ("Mitchell", "Mitchel-Smith", "jaro_winkler:0.8"),
        ("Ann", "Peter", "else"),
    ],
)
def test_given_name_levels(a: str, b: str, expected: str) -> None:
    assert level("name", "given_name", {"given_name": a}, {"given_name": b}) == expected


def test_the_nickname_level_uses_the_configured_name_variants() -> None:
    comparison = Comparison.of("given_name", "given_name", "name")
    ours = NameVariants.built_in().extended([["zebulon", "zeb"]])
    a, b = {"given_name": "Zeb"}, {"given_name": "Zebulon"}
    shipped = comparison.level(comparison.prepare(a), comparison.prepare(b), comparison.tests())
    found = comparison.level(
        comparison.prepare(a, ours), comparison.prepare(b, ours), comparison.tests()
    )
    assert comparison.labels[shipped] != "nickname"
    assert comparison.labels[found] == "nickname"


def test_jaro_winkler_band_between_the_edit_levels() -> None:
    a, b = {"family_name": "Zbyszewski"}, {"family_name": "Zbyszewskaya"}
    assert level("name", "family_name", a, b) == "jaro_winkler:0.92"


def test_given_and_family_swapped() -> None:
    a = {"given_name": "Lee", "family_name": "Ann"}
    b = {"given_name": "Ann", "family_name": "Lee"}
    assert level("name", "given_name", a, b) == "swapped"
    assert level("name", "family_name", a, b) == "swapped"


def test_names_from_one_full_name_field() -> None:
    assert (
        level("name", "family_name", {"full_name": "O'BRIEN, Robert"}, {"family_name": "Obrien"})
        == "exact"
    )
    assert (
        level("name", "given_name", {"full_name": "Bob O'Brien"}, {"given_name": "Robert"})
        == "nickname"
    )


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1956-04-09", date(1956, 4, 9), "exact"),
        ("19560409", "1956-04-08", "levenshtein:1"),
        ("1956-04-09", "1956-09-04", "day_month_swapped"),
        ("09/04/1956", "1956-04-09", "exact"),
        ("1956-04-09", "1956-12-30", "same_year"),
        ("1956-04-09", "1971-12-30", "else"),
    ],
)
def test_date_levels(a: Any, b: Any, expected: str) -> None:
    assert level("date", "birth_date", {"birth_date": a}, {"birth_date": b}) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("SW1A 1AA", "sw1a1aa", "exact"),
        ("4220", "4221", "levenshtein:1"),
        ("1804974", "1809474", "levenshtein:2"),
        ("2119", "7310", "else"),
    ],
)
def test_code_levels(a: str, b: str, expected: str) -> None:
    assert level("code", "postcode", {"postcode": a}, {"postcode": b}) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Wallaby Place", "wallaby  place", "exact"),
        ("pridhamstreet", "pridham street", "exact"),
        ("hoseason street", "hoseason stret", "levenshtein:1"),
        ("kent street", "yuranigh court", "else"),
    ],
)
def test_text_levels(a: str, b: str, expected: str) -> None:
    assert level("text", "address_line1", {"address_line1": a}, {"address_line1": b}) == expected


def test_a_missing_value_is_the_null_level() -> None:
    for kind, field in (("name", "given_name"), ("date", "birth_date"), ("exact", "email")):
        assert level(kind, field, {field: "x1"}, {}) == "null"
        assert level(kind, field, {field: "  "}, {field: "x1"}) == "null"


def test_every_kind_ends_with_else_and_unknown_levels_are_refused() -> None:
    assert all(levels[-1] == "else" for levels in KINDS.values())
    assert Comparison.of("n", "postcode", "code", ["exact"]).levels == ("exact", "else")
    with pytest.raises(ValueError, match="unknown level 'soundex'"):
        Comparison.of("n", "postcode", "code", ["soundex"])
