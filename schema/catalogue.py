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
                sku=_S,
                description=_S,
                quantity=_I,
                unit_price=_N,
                amount=_N,
            ),
        )
    }
)


def entity_names() -> list[str]:
    return sorted(CATALOGUE)
