"""updateContact's arguments come from the attributes declared writable."""

from __future__ import annotations

import dataclasses

import pytest
import strawberry

import schema.writes
from gateway.customer_fields import WRITABLE, attribute, field_of
from schema.query import Query


def test_an_attribute_declared_writable_becomes_an_argument(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    birth_date = dataclasses.replace(attribute("birth_date"), writes=field_of("birth_date"))
    monkeypatch.setattr(schema.writes, "WRITABLE", (*WRITABLE, birth_date))

    @strawberry.type
    class Mutation:
        update_contact = strawberry.mutation(schema.writes.update_contact())

    printed = str(strawberry.Schema(query=Query, mutation=Mutation))
    line = next(x for x in printed.splitlines() if "updateContact(" in x)
    assert "birthDate: Date = null" in line
    assert "email: String = null" in line and "address: AddressInput = null" in line
