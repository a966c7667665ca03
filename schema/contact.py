"""A customer's name, address and contact points."""

from __future__ import annotations

import strawberry

from gateway.customer import AddressValue
from gateway.names import PersonName as NameValue
from schema.identity import SourceRef

__all__ = ["Address", "ContactPoint", "PersonName"]


@strawberry.type(description="A person's name as the surviving record holds it.")
class PersonName:
    given: str | None
    family: str | None
    full: str

    @classmethod
    def of(cls, name: NameValue) -> PersonName:
        return cls(given=name.given, family=name.family, full=name.full)


@strawberry.type(description="A postal address, taken whole from one record.")
class Address:
    line1: str | None
    line2: str | None
    city: str | None
    postcode: str | None
    region: str | None
    country: str | None

    @classmethod
    def of(cls, value: AddressValue) -> Address:
        return cls(
            line1=value.line1,
            line2=value.line2,
            city=value.city,
            postcode=value.postcode,
            region=value.region,
            country=value.country,
        )


@strawberry.type(description="One distinct email or phone (normalised) and the records holding it.")
class ContactPoint:
    value: str
    sources: list[SourceRef]
