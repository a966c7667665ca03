from __future__ import annotations

import pytest

from forms.names import (
    NameParts,
    NamePattern,
    family_core,
    family_form,
    given_form,
    plain,
    split_name,
)


def test_plain_drops_case_accents_and_punctuation() -> None:
    assert plain("  Zoë  O'Brien-Smith ") == "zoe obrien smith"
    assert plain("JOSÉ Ñúñez") == "jose nunez"
    assert plain("O\u2019Brien") == plain("O'Brien") == "obrien"
    assert plain("...") == ""


def test_family_names_with_particles_or_hyphens_agree_however_spaced() -> None:
    assert family_form("Van der Berg") == family_form("vanderberg") == "vanderberg"
    assert family_form("Smith-Jones") == family_form("SMITH JONES")
    assert family_core("de la Cruz") == "cruz"
    assert family_core("Van") == "van"  # a name made only of a particle stays whole


def test_multi_part_given_names_are_each_kept() -> None:
    assert given_form("Jean-Pierre") == ("jean", "pierre")
    assert given_form("Mary Ann") == ("mary", "ann")


def test_family_first_with_a_comma() -> None:
    assert split_name("O'BRIEN, Mary Ann", "{family}, {given}") == NameParts(
        "Mary Ann", None, "O'BRIEN"
    )


def test_given_middle_family_with_particles() -> None:
    pattern = "{given} {middle} {family}"
    assert split_name("Mary Ann van der Berg", pattern) == NameParts("Mary", "Ann", "van der Berg")
    assert split_name("Mary Berg", pattern) == NameParts("Mary", None, "Berg")
    assert split_name("Jean de la Fontaine", "{given} {family}") == NameParts(
        "Jean", None, "de la Fontaine"
    )


def test_family_name_first_without_a_comma() -> None:
    assert split_name("KIM Min-jun", "{family} {given}") == NameParts("Min-jun", None, "KIM")
    assert split_name("van der Berg, Jan Piet", "{family}, {given} {middle}") == NameParts(
        "Jan", "Piet", "van der Berg"
    )


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("Smith", "{family}, {given}"),  # no comma: which part is it?
        ("Smith, ", "{family}, {given}"),
        ("Madonna", "{given} {family}"),
        ("", "{given} {middle} {family}"),
    ],
)
def test_a_value_that_does_not_fit_its_pattern_is_not_split(text: str, pattern: str) -> None:
    assert split_name(text, pattern) is None


@pytest.mark.parametrize(
    "pattern",
    [
        "{given}",
        "{family}{given}",
        "{family}, {family}",
        "Mr {given} {family}",
        "{name}, {given}",
        "{given} {family} {middle}x",
        "{given} {family} {middle}",
    ],
)
def test_unusable_patterns_are_refused_with_a_reason(pattern: str) -> None:
    with pytest.raises(ValueError, match="pattern|need|part|first|nothing|must|space"):
        NamePattern.parse(pattern)
