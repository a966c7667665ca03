"""Per-source parsing: each declared form read into the canonical one, failures counted."""

from __future__ import annotations

from datetime import date
from types import MappingProxyType
from typing import Any

import pytest
from prometheus_client import REGISTRY
from pydantic import ValidationError

from connectors._mapping import build_record
from connectors.base import EntitySpec
from connectors.options import EntityConfig


def spec(fields: dict[str, str], parse: dict[str, Any]) -> EntitySpec:
    config = EntityConfig.model_validate({"fields": fields, "parse": parse})
    return EntitySpec(
        "person",
        frozenset({"key"}),
        MappingProxyType(config.fields),
        None,
        MappingProxyType(config.parse),
    )


def failures(source: str, field: str) -> float:
    found = REGISTRY.get_sample_value(
        "c360_parse_failures_total", {"source": source, "entity": "person", "field": field}
    )
    return found or 0.0


def test_dates_in_any_declared_format() -> None:
    person = spec({"key": "ID", "birth_date": "DOB"}, {"birth_date": ["%d/%m/%Y", "%Y%m%d"]})
    one = build_record("s", person, {"ID": "1", "DOB": "07/03/1984"})
    other = build_record("s", person, {"ID": "2", "DOB": "19840307"})
    assert one is not None and other is not None
    assert one.data["birth_date"] == other.data["birth_date"] == date(1984, 3, 7)


def test_a_date_no_format_reads_is_left_out_and_counted() -> None:
    person = spec({"key": "ID", "birth_date": "DOB"}, {"birth_date": "%d/%m/%Y"})
    before = failures("dates_src", "birth_date")
    record = build_record("dates_src", person, {"ID": "1", "DOB": "1984-03-07"})
    assert record is not None and "birth_date" not in record.data
    assert failures("dates_src", "birth_date") == before + 1


def test_a_whole_name_split_by_its_pattern_keeps_the_raw_value() -> None:
    person = spec({"key": "ID", "full_name": "NAME"}, {"full_name": "{family}, {given} {middle}"})
    record = build_record("s", person, {"ID": "1", "NAME": "van der BERG, Jan Piet"})
    assert record is not None
    assert record.data["full_name"] == "van der BERG, Jan Piet"
    assert (record.data["given_name"], record.data["middle_name"], record.data["family_name"]) == (
        "Jan",
        "Piet",
        "van der BERG",
    )
    assert record.source_fields["family_name"] == record.source_fields["given_name"] == "NAME"


def test_a_name_that_does_not_fit_is_left_out_and_counted() -> None:
    person = spec({"key": "ID", "full_name": "NAME"}, {"full_name": "{family}, {given}"})
    before = failures("names_src", "full_name")
    record = build_record("names_src", person, {"ID": "1", "NAME": "Cher"})
    assert record is not None and not {"full_name", "given_name", "family_name"} & set(record.data)
    assert failures("names_src", "full_name") == before + 1


def test_phones_read_in_the_source_region() -> None:
    person = spec({"key": "ID", "phone": "TEL"}, {"phone": {"region": "GB"}})
    record = build_record("s", person, {"ID": "1", "TEL": "020 7946 0018"})
    assert record is not None and record.data["phone"] == "+442079460018"
    before = failures("phones_src", "phone")
    bad = build_record("phones_src", person, {"ID": "2", "TEL": "call me"})
    assert bad is not None and "phone" not in bad.data
    assert failures("phones_src", "phone") == before + 1


def test_postcodes_in_the_source_country() -> None:
    person = spec({"key": "ID", "postcode": "PC"}, {"postcode": {"country": "GB"}})
    record = build_record("s", person, {"ID": "1", "PC": "sw1a1aa"})
    assert record is not None and record.data["postcode"] == "SW1A 1AA"
    before = failures("pc_src", "postcode")
    bad = build_record("pc_src", person, {"ID": "2", "PC": "12345"})
    assert bad is not None and "postcode" not in bad.data
    assert failures("pc_src", "postcode") == before + 1


@pytest.mark.parametrize(
    ("parse", "message"),
    [
        ({"birth_date": "DD/MM/YYYY"}, "no % directive"),
        ({"full_name": "{family} {family}"}, "once"),
        ({"phone": {"region": "Britain"}}, "pattern"),
        ({"phone": {"region": "GB", "country": "GB"}}, "one of"),
        ({"phone": {}}, "one of"),
    ],
)
def test_declarations_are_checked(parse: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        EntityConfig.model_validate({"fields": {"key": "ID"}, "parse": parse})
