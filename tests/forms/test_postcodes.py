from __future__ import annotations

import pytest

from forms.postcodes import country_code, postcode, postcode_key


@pytest.mark.parametrize(
    ("written", "country", "standard"),
    [
        ("sw1a1aa", "GB", "SW1A 1AA"),
        (" SW1A  1AA ", "GB", "SW1A 1AA"),
        ("m1 1ae", "GB", "M1 1AE"),
        ("k1a0b1", "CA", "K1A 0B1"),
        ("1012ab", "NL", "1012 AB"),
        ("d02x285", "IE", "D02 X285"),
        ("02134-1234", "US", "02134"),
        ("10001", "US", "10001"),
        ("11455", "SE", "114 55"),
        ("00950", "PL", "00-950"),
        ("75008", "FR", "75008"),
        ("ab-12 3", None, "AB123"),
        ("sw1a 1aa", None, "SW1A1AA"),
    ],
)
def test_standard_form_per_country(written: str, country: str | None, standard: str) -> None:
    assert postcode(written, country) == standard


@pytest.mark.parametrize(
    ("written", "country"),
    [
        ("ABC", "US"),
        ("1234", "US"),
        ("SW1A", "GB"),
        ("12345", "GB"),
        ("0123AB", "NL"),
        ("", "GB"),
        ("n/a", None),
    ],
)
def test_a_value_that_cannot_be_a_postcode_of_its_country_is_none(
    written: str, country: str | None
) -> None:
    assert postcode(written, country) is None
    assert postcode_key(written, country) is None


def test_the_look_up_key_is_compact() -> None:
    assert postcode_key("sw1a 1aa", "GB") == postcode_key("SW1A1AA", "GB") == "SW1A1AA"
    assert postcode_key("00-950", "PL") == "00950"


def test_countries_as_systems_write_them() -> None:
    assert country_code("United Kingdom") == country_code("uk") == country_code("GB") == "GB"
    assert country_code("U.S.A.") == "US"
    assert country_code("Atlantis") is None
    assert country_code(None) is None
