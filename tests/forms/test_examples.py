"""The examples in the standard forms' docstrings, and the table in docs/identity.md, hold."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

import forms.dates
import forms.emails
import forms.names
import forms.nicknames
import forms.phonetic
import forms.postcodes
import forms.standard
import forms.streets
from forms import family_key, standard_form

MODULES = [
    forms.dates,
    forms.emails,
    forms.names,
    forms.nicknames,
    forms.phonetic,
    forms.postcodes,
    forms.standard,
    forms.streets,
]
DOCS = Path(__file__).parents[2] / "docs" / "identity.md"
ROW = re.compile(
    r"^\| (?P<form>[a-z ]+?)(?: \((?P<country>[A-Z]{2}|no country)\))? \| `(?P<written>[^`]+)` \| `(?P<standard>[^`]+)` \|$"
)
FIELDS = {
    "postcode": "postcode",
    "street": "address_line1",
    "family name": "family_name",
    "given name": "given_name",
    "email": "email",
    "birth date": "birth_date",
}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.failed == 0


def test_the_table_of_standard_forms_in_the_docs() -> None:
    rows = [m for line in DOCS.read_text(encoding="utf-8").splitlines() if (m := ROW.match(line))]
    assert len(rows) >= 12
    for row in rows:
        country = None if row["country"] in (None, "no country") else row["country"]
        if row["form"] == "family sound":
            found = family_key(row["written"])
        else:
            found = standard_form(FIELDS[row["form"]], row["written"], country=country)
        assert found == row["standard"], row.group(0)
