"""Orders and their lines, from every system that sells; invoices, from every system that bills."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from gateway.customer import CustomerView
from model.records import Record
from schema.named import named
from schema.values import as_date, as_datetime, as_decimal, as_int, as_str

__all__ = ["Invoice", "Order", "OrderLine"]


@strawberry.type(description="One line of an order.")
class OrderLine:
    id: strawberry.ID
    sku: str | None
    description: str | None
    quantity: int | None
    unit_price: Decimal | None
    amount: Decimal | None
    record: strawberry.Private[Record]

    @classmethod
    def of(cls, record: Record) -> OrderLine:
        d = record.data
        return cls(
            id=strawberry.ID(f"{record.source}:{record.key}"),
            sku=as_str(d.get("sku")),
            description=as_str(d.get("description")),
            quantity=as_int(d.get("quantity")),
            unit_price=as_decimal(d.get("unit_price")),
            amount=as_decimal(d.get("amount")),
            record=record,
        )


@named
@strawberry.type(description="An order, as the system that took it holds it.")
class Order:
    id: strawberry.ID = strawberry.field(description="`<source>:<order number>`.")
    source: str
    number: str
    placed_at: datetime | None
    status: str | None
    total: Decimal | None
    currency: str | None
    record: strawberry.Private[Record]
    view: strawberry.Private[CustomerView]

    @classmethod
    def of(cls, record: Record, view: CustomerView) -> Order:
        d = record.data
        return cls(
            id=strawberry.ID(f"{record.source}:{record.key}"),
            source=record.source,
            number=record.key,
            placed_at=as_datetime(d.get("placed_at")),
            status=as_str(d.get("status")),
            total=as_decimal(d.get("total")),
            currency=as_str(d.get("currency")),
            record=record,
            view=view,
        )

    @strawberry.field(description="The order's lines, where its system keeps them.")
    async def lines(self) -> list[OrderLine]:
        records = await self.view.related("order_line", [self.record])
        return [OrderLine.of(r) for r in sorted(records, key=lambda r: r.key)]


@named
@strawberry.type(description="An invoice, as the system that billed it holds it.")
class Invoice:
    id: strawberry.ID = strawberry.field(description="`<source>:<invoice number>`.")
    source: str
    number: str
    order_number: str | None = strawberry.field(description="The order it bills, if any.")
    issued_at: datetime | None
    due_at: date | None
    amount: Decimal | None
    currency: str | None
    status: str | None = strawberry.field(description="As the system writes it (paid, open...).")
    record: strawberry.Private[Record]

    @classmethod
    def of(cls, record: Record, view: CustomerView) -> Invoice:
        d = record.data
        return cls(
            id=strawberry.ID(f"{record.source}:{record.key}"),
            source=record.source,
            number=record.key,
            order_number=as_str(d.get("order_ref")),
            issued_at=as_datetime(d.get("issued_at")),
            due_at=as_date(d.get("due_at")),
            amount=as_decimal(d.get("amount")),
            currency=as_str(d.get("currency")),
            status=as_str(d.get("status")),
            record=record,
        )

    def provenance_field(self, name: str) -> str | None:
        """The canonical field a GraphQL field of this invoice comes from."""
        return {"id": "key", "number": "key", "order_number": "order_ref"}.get(name, name)
