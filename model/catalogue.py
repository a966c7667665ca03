"""The canonical entity catalogue: the names every connector maps its systems' fields onto.

Each source's config maps canonical field names (left) to its own field names (right); the config
validator checks the left side against this catalogue, so a typo such as ``emial`` is an error
at load time instead of a field that silently never resolves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

__all__ = ["CATALOGUE", "CanonicalEntity", "FieldType", "entity_names"]


class FieldType(Enum):
    STRING = "string"
    DATE = "date"
    DATETIME = "datetime"
    DECIMAL = "decimal"
    INTEGER = "integer"
    LIST = "list"


@dataclass(frozen=True, slots=True)
class CanonicalEntity:
    """One kind of thing the gateway knows, with its canonical fields and their types.

    Every entity has ``key`` (the record's identifier in its own system) and may have
    ``updated_at`` (its last-update time, used by survivorship rules such as ``most_recent``).
    """

    name: str
    description: str
    fields: Mapping[str, FieldType]

    def has_field(self, name: str) -> bool:
        return name in self.fields


def _entity(name: str, summary: str, /, **fields: FieldType) -> CanonicalEntity:
    every = {"key": FieldType.STRING, **fields, "updated_at": FieldType.DATETIME}
    return CanonicalEntity(name, summary, MappingProxyType(every))


_S, _D, _DT, _N, _I, _L = (
    FieldType.STRING,
    FieldType.DATE,
    FieldType.DATETIME,
    FieldType.DECIMAL,
    FieldType.INTEGER,
    FieldType.LIST,
)

CATALOGUE: Mapping[str, CanonicalEntity] = MappingProxyType(
    {
        e.name: e
        for e in (
            _entity(
                "person",
                "A person as one system knows them.",
                given_name=_S,
                middle_name=_S,
                family_name=_S,
                full_name=_S,
                email=_S,
                phone=_S,
                birth_date=_D,
                address_line1=_S,
                address_line2=_S,
                city=_S,
                postcode=_S,
                region=_S,
                country=_S,
                dealer_ref=_S,
            ),
            _entity(
                "order",
                "An order placed by a customer.",
                customer_ref=_S,
                placed_at=_DT,
                status=_S,
                total=_N,
                currency=_S,
                lines=_L,
            ),
            _entity(
                "order_line",
                "One line of an order.",
                order_ref=_S,
                customer_ref=_S,
                sku=_S,
                description=_S,
                quantity=_I,
                unit_price=_N,
                amount=_N,
            ),
            _entity(
                "invoice",
                "An invoice sent to a customer.",
                customer_ref=_S,
                order_ref=_S,
                issued_at=_DT,
                due_at=_D,
                amount=_N,
                currency=_S,
                status=_S,
            ),
            _entity(
                "payment",
                "A payment against an invoice.",
                invoice_ref=_S,
                paid_at=_DT,
                amount=_N,
                method=_S,
            ),
            _entity(
                "ticket",
                "A service case opened by or for a customer.",
                customer_ref=_S,
                subject=_S,
                status=_S,
                channel=_S,
                priority=_S,
                opened_at=_DT,
                closed_at=_DT,
            ),
            _entity(
                "ticket_note",
                "A note on a service case.",
                ticket_ref=_S,
                customer_ref=_S,
                author=_S,
                body=_S,
                created_at=_DT,
            ),
            _entity(
                "loyalty",
                "A loyalty membership, with the member's marketing consents per channel.",
                customer_ref=_S,
                tier=_S,
                points=_I,
                segment=_S,
                enrolled_at=_D,
                email_opt_in=_S,
                email_opt_in_at=_D,
                sms_opt_in=_S,
                sms_opt_in_at=_D,
                post_opt_in=_S,
                post_opt_in_at=_D,
            ),
            _entity(
                "campaign_response",
                "What a customer did with one marketing campaign sent to them.",
                customer_ref=_S,
                campaign=_S,
                channel=_S,
                sent_at=_DT,
                outcome=_S,
                responded_at=_DT,
            ),
            _entity(
                "vehicle",
                "A vehicle, by its VIN.",
                owner_ref=_S,
                dealer_ref=_S,
                make=_S,
                model=_S,
                year=_I,
                purchased_at=_D,
            ),
            _entity(
                "dealer",
                "A partner dealer.",
                name=_S,
                city=_S,
                phone=_S,
            ),
            _entity(
                "service_visit",
                "A visit of a vehicle to a dealer's workshop.",
                vehicle_ref=_S,
                dealer_ref=_S,
                visited_at=_D,
                mileage=_I,
                description=_S,
                amount=_N,
            ),
        )
    }
)


def entity_names() -> list[str]:
    return sorted(CATALOGUE)
