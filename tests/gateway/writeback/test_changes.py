"""What a mutation asks, checked and planned from the attributes' declarations alone."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.matching import normalize_phone
from gateway.customer_fields import AddressValue
from gateway.writeback.changes import InvalidChange, fingerprint, validated


def normalize(kind: str, value: Any) -> str | None:
    if kind == "phone":
        return normalize_phone(str(value))
    return str(value).strip().lower() if "@" in str(value) else None


def test_values_become_the_declared_person_fields() -> None:
    address = AddressValue("12 Elm St", None, "Springfield", "62704", "IL", "US")
    fields = validated({"phone": "(312) 555-0142", "address": address}, normalize, normalize)
    assert fields == {
        "phone": "+13125550142",
        "address_line1": "12 Elm St",
        "address_line2": None,
        "city": "Springfield",
        "postcode": "62704",
        "region": "IL",
        "country": "US",
    }


@pytest.mark.parametrize(
    ("values", "refused"),
    [
        ({"phone": "12"}, "phone"),
        ({"email": "no address"}, "email"),
        ({"birth_date": "1984-03-07"}, "birth_date"),  # declared without `writes`
        ({}, "input"),
    ],
)
def test_refusals_name_the_attribute(values: dict[str, Any], refused: str) -> None:
    with pytest.raises(InvalidChange) as raised:
        validated(values, normalize, normalize)
    assert raised.value.attribute == refused


def test_the_fingerprint_tells_changes_apart() -> None:
    one = fingerprint("updateContact", "crm:C-1", {"phone": "+13125550142"})
    assert one == fingerprint("updateContact", "crm:C-1", {"phone": "+13125550142"})
    assert one != fingerprint("updateContact", "crm:C-1", {"phone": "+13125550143"})
