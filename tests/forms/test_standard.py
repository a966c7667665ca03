from __future__ import annotations

from forms.standard import standard_form


def test_each_field_by_its_own_form() -> None:
    assert standard_form("postcode", "sw1a1aa", country="GB") == "SW1A 1AA"
    assert standard_form("address_line1", "12 High Street") == "12 high st"
    assert standard_form("birth_date", "1984-03-07") == "1984-03-07"
    assert standard_form("email", "Ann.Lee+x@gmail.com") == "annlee@gmail.com"
    assert standard_form("family_name", "Van der Berg") == "vanderberg"
    assert standard_form("country", "United Kingdom") == "GB"


def test_other_fields_are_compared_plain() -> None:
    assert standard_form("city", "  SÃO  Paulo ") == "sao paulo"


def test_nothing_to_compare_is_none() -> None:
    assert standard_form("postcode", None) is None
    assert standard_form("postcode", "ABC", country="US") is None
    assert standard_form("birth_date", "not a date") is None
    assert standard_form("city", "--") is None
