"""A customer's name, address and contact points."""

from __future__ import annotations

import strawberry

from gateway.customer_fields import AddressValue
from gateway.names import PersonName as NameValue
from gateway.survivorship import Choice
from model.records import Record
from schema.identity import SourceRef
from schema.named import named

__all__ = ["Address", "ContactPoint", "CustomerIdentifier", "PersonName"]


@named
@strawberry.type(description="A person's name as the surviving record holds it.")
class PersonName:
    given: str | None
    family: str | None
    full: str
    choice: strawberry.Private[Choice | None] = None

    @classmethod
    def of(cls, name: NameValue, choice: Choice | None = None) -> PersonName:
        return cls(given=name.given, family=name.family, full=name.full, choice=choice)

    def provenance_field(self, name: str) -> str | None:
        if self.choice is not None and "full_name" in self.choice.record.source_fields:
            return "full_name"
        return {"given": "given_name", "family": "family_name", "full": "given_name+family_name"}[
            name
        ]


@named
@strawberry.type(description="A postal address, taken whole from one record.")
class Address:
    line1: str | None
    line2: str | None
    city: str | None
    postcode: str | None
    region: str | None
    country: str | None
    choice: strawberry.Private[Choice | None] = None

    def provenance_field(self, name: str) -> str | None:
        return {"line1": "address_line1", "line2": "address_line2"}.get(name, name)

    @classmethod
    def of(cls, value: AddressValue, choice: Choice | None = None) -> Address:
        return cls(
            choice=choice,
            line1=value.line1,
            line2=value.line2,
            city=value.city,
            postcode=value.postcode,
            region=value.region,
            country=value.country,
        )


@strawberry.type(
    description="One value of a person attribute the config declares (a national id, a"
    " membership number), and the records holding it."
)
class CustomerIdentifier:
    kind: str = strawberry.field(description="The attribute, as the config names it.")
    value: str
    sources: list[SourceRef]
    records: strawberry.Private[list[Record]]


@strawberry.type(description="One distinct email or phone (normalised) and the records holding it.")
class ContactPoint:
    value: str
    sources: list[SourceRef]
    records: strawberry.Private[list[Record]]
