from __future__ import annotations

import pytest

from forms.emails import EmailProvider, email_form


def test_case_and_spaces_never_matter() -> None:
    assert email_form("  Ann.Lee@Example.COM ") == "ann.lee@example.com"


def test_a_provider_that_ignores_dots_and_tags() -> None:
    assert email_form("Ann.Lee+shop@gmail.com") == "annlee@gmail.com"
    assert email_form("annlee@GoogleMail.com") == "annlee@gmail.com"


def test_other_providers_keep_dots_and_tags() -> None:
    assert email_form("ann.lee+shop@example.com") == "ann.lee+shop@example.com"
    assert email_form("ann.lee+shop@outlook.com") == "ann.lee@outlook.com"
    assert email_form("ann.lee@hotmail.com") == "ann.lee@outlook.com"


def test_the_provider_table_is_configurable() -> None:
    ours = {"corp.example": EmailProvider(dots=False, tag="-")}
    assert email_form("ann.lee-sales@corp.example", ours) == "annlee@corp.example"
    assert email_form("ann.lee+x@gmail.com", ours) == "ann.lee+x@gmail.com"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "ann",
        "ann@",
        "@example.com",
        "ann@example",
        "a b@x.com",
        "a@b@c.com",
        None,
        "+tag@gmail.com",
    ],
)
def test_what_is_not_an_address_is_none(value: object) -> None:
    assert email_form(value) is None
