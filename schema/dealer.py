"""Vehicles, the dealers who serve them, and workshop visits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from gateway.customer import CustomerView
from model.records import Record
from schema.values import as_date, as_decimal, as_int, as_str

__all__ = ["Dealer", "ServiceVisit", "Vehicle"]


@strawberry.type(description="A partner dealer.")
class Dealer:
    id: strawberry.ID = strawberry.field(description="The dealer's own id.")
    source: str
    name: str | None
    city: str | None
    phone: str | None
    record: strawberry.Private[Record]

    @classmethod
    def of(cls, record: Record) -> Dealer:
        d = record.data
        return cls(
            id=strawberry.ID(record.key),
            source=record.source,
            name=as_str(d.get("name")),
            city=as_str(d.get("city")),
            phone=as_str(d.get("phone")),
            record=record,
        )


@strawberry.type(description="A workshop visit of a vehicle.")
class ServiceVisit:
    id: strawberry.ID
    source: str
    visited_at: date | None
    mileage: int | None
    description: str | None
    amount: Decimal | None
    dealer_id: str | None
    record: strawberry.Private[Record]

    @classmethod
    def of(cls, record: Record) -> ServiceVisit:
        d = record.data
        return cls(
            id=strawberry.ID(f"{record.source}:{record.key}"),
            source=record.source,
            visited_at=as_date(d.get("visited_at")),
            mileage=as_int(d.get("mileage")),
            description=as_str(d.get("description")),
            amount=as_decimal(d.get("amount")),
            dealer_id=as_str(d.get("dealer_ref")),
            record=record,
        )


@strawberry.type(description="A vehicle the customer owns.")
class Vehicle:
    vin: str
    source: str
    make: str | None
    model: str | None
    year: int | None
    purchased_at: date | None
    dealer_id: str | None
    record: strawberry.Private[Record]
    view: strawberry.Private[CustomerView]

    @classmethod
    def of(cls, record: Record, view: CustomerView) -> Vehicle:
        d = record.data
        return cls(
            vin=record.key,
            source=record.source,
            make=as_str(d.get("make")),
            model=as_str(d.get("model")),
            year=as_int(d.get("year")),
            purchased_at=as_date(d.get("purchased_at")),
            dealer_id=as_str(d.get("dealer_ref")),
            record=record,
            view=view,
        )

    @strawberry.field(description="Workshop visits, newest first.")
    async def service_visits(self) -> list[ServiceVisit]:
        visits = [
            ServiceVisit.of(r) for r in await self.view.related("service_visit", [self.record])
        ]
        return sorted(visits, key=lambda v: (v.visited_at is not None, v.visited_at), reverse=True)
