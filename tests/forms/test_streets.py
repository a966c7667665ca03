from __future__ import annotations

import pytest

from forms.streets import StreetLine, split_street, street_form


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("12 High Street", "12 high st."),
        ("12 High Street, Apartment 4", "Apt. 4, 12 HIGH ST"),
        ("Flat 3, 12 High St", "12 High Street Apt 3"),
        ("4 Elm Avenue #5", "4 Elm Ave, Unit 5".replace("Unit", "Apt")),
        ("100 Main Street North", "100 Main St N"),
        ("221B Baker Street", "221 b Baker St"),
        ("12-14 Church Road", "12 - 14 Church Rd"),
        ("Saint James Street 1".replace(" 1", ""), "St James St"),
    ],
)
def test_one_address_written_two_ways_has_one_standard_form(one: str, other: str) -> None:
    assert street_form(one) == street_form(other)


def test_house_number_street_and_unit_are_split() -> None:
    assert split_street("12 High Street, Apartment 4") == StreetLine("12", "high st", "apt 4")
    assert split_street("221B Baker Street") == StreetLine("221b", "baker st", None)
    assert split_street("PO Box 12") == StreetLine(None, "po box 12", None)


def test_only_the_last_word_is_a_street_type() -> None:
    assert street_form("12 Avenue Road") == "12 avenue rd"
    assert street_form("1 St James Street") == "1 st james st"


def test_different_addresses_stay_different() -> None:
    assert street_form("12 High Street") != street_form("14 High Street")
    assert street_form("12 High Street") != street_form("12 High Road")
    assert street_form("12 High St Apt 3") != street_form("12 High St Apt 4")


@pytest.mark.parametrize("text", ["", "   ", ", ,", "Apt 4"])
def test_nothing_to_compare_is_none(text: str) -> None:
    assert split_street(text) is None
    assert street_form(text) is None
