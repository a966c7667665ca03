"""Service cases and their notes."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from gateway.customer import CustomerView
from model.records import Record
from schema.values import as_datetime, as_str

__all__ = ["Ticket", "TicketNote", "TicketStatus", "ticket_status"]


@strawberry.enum(description="Where a service case stands.")
class TicketStatus(Enum):
    OPEN = "open"
    PENDING = "pending"
    CLOSED = "closed"
    OTHER = "other"


def ticket_status(value: object) -> TicketStatus:
    text = str(value or "").strip().casefold()
    for status in TicketStatus:
        if status.value == text:
            return status
    return TicketStatus.OTHER


@strawberry.type(description="A note on a service case.")
class TicketNote:
    id: strawberry.ID
    author: str | None
    body: str | None
    created_at: datetime | None
    record: strawberry.Private[Record]

    @classmethod
    def of(cls, record: Record) -> TicketNote:
        d = record.data
        return cls(
            id=strawberry.ID(f"{record.source}:{record.key}"),
            author=as_str(d.get("author")),
            body=as_str(d.get("body")),
            created_at=as_datetime(d.get("created_at")),
            record=record,
        )


@strawberry.type(description="A service case opened by or for the customer.")
class Ticket:
    id: strawberry.ID
    source: str
    number: str
    subject: str | None
    status: TicketStatus
    raw_status: str | None = strawberry.field(description="The status as the system writes it.")
    channel: str | None
    priority: str | None
    opened_at: datetime | None
    closed_at: datetime | None
    record: strawberry.Private[Record]
    view: strawberry.Private[CustomerView]

    @classmethod
    def of(cls, record: Record, view: CustomerView) -> Ticket:
        d = record.data
        return cls(
            id=strawberry.ID(f"{record.source}:{record.key}"),
            source=record.source,
            number=record.key,
            subject=as_str(d.get("subject")),
            status=ticket_status(d.get("status")),
            raw_status=as_str(d.get("status")),
            channel=as_str(d.get("channel")),
            priority=as_str(d.get("priority")),
            opened_at=as_datetime(d.get("opened_at")),
            closed_at=as_datetime(d.get("closed_at")),
            record=record,
            view=view,
        )

    @strawberry.field(description="The case's notes, oldest first.")
    async def notes(self) -> list[TicketNote]:
        records = await self.view.related("ticket_note", [self.record])
        notes = [TicketNote.of(r) for r in records]
        return sorted(notes, key=lambda n: (n.created_at is None, n.created_at, n.id))
