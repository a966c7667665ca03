"""The customer: one person across every system, attributes settled, history merged."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import strawberry
from graphql import GraphQLError

from connectors.errors import SourceError
from gateway.customer import CustomerView
from gateway.provenance import Provenance, derived, from_choice, from_record
from gateway.rules import ATTRIBUTES
from model.records import Record
from schema.arguments import max_age_seconds
from schema.commerce import Order
from schema.contact import Address, ContactPoint, PersonName
from schema.dealer import Dealer, Vehicle
from schema.identity import FieldProvenance, Resolution, SourceIdentity, SourceRef
from schema.marketing import Consent, Loyalty, consents_of
from schema.pagination import Connection, paginate
from schema.service import Ticket, TicketStatus
from schema.timeline import Channel, TimelineEvent, timeline_of

__all__ = ["Customer"]


@strawberry.type(description="One customer, as every system that knows them sees them together.")
class Customer:
    view: strawberry.Private[CustomerView]

    def provenance_of(self, name: str, infos: dict[Any, Any]) -> Provenance:
        """Where one of the customer's own leaves came from (``extensions.provenance``)."""
        if name == "id":
            return from_record(self.view.identity.anchor, "key", infos)
        choice = self.view.choice(name)
        return from_choice(choice, name, infos) if choice else derived(self.view.people())

    @strawberry.field(
        description="`<source>:<key>` of the customer's anchor record; any linked "
        "record finds the same customer with the same id."
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.view.id)

    @strawberry.field
    def name(self) -> PersonName | None:
        choice = self.view.choice("name")
        return PersonName.of(choice.value, choice) if choice else None

    @strawberry.field(description="The surviving email, normalised (trimmed, lower case).")
    def email(self) -> str | None:
        choice = self.view.choice("email")
        return choice.value if choice else None

    @strawberry.field(description="The surviving phone number, in E.164.")
    def phone(self) -> str | None:
        choice = self.view.choice("phone")
        return choice.value if choice else None

    @strawberry.field
    def address(self) -> Address | None:
        choice = self.view.choice("address")
        return Address.of(choice.value, choice) if choice else None

    @strawberry.field
    def birth_date(self) -> date | None:
        choice = self.view.choice("birth_date")
        return choice.value if choice else None

    @strawberry.field(
        description="Where one settled attribute came from: `name`, `email`, `phone`, "
        "`address` or `birthDate` (for clients that cannot read `extensions`)."
    )
    def provenance(self, info: strawberry.Info, field: str) -> FieldProvenance | None:
        attribute = {"birthDate": "birth_date"}.get(field, field)
        if attribute not in ATTRIBUTES:
            raise GraphQLError(
                f"no attribute {field[:60]!r} ({', '.join(sorted(_SHOWN))})",
                extensions={"code": "BAD_USER_INPUT"},
            )
        choice = self.view.choice(attribute)
        if choice is None:
            return None
        canonical = {"name": "given_name", "address": "address_line1"}.get(attribute, attribute)
        return FieldProvenance.of(from_choice(choice, canonical, info.context.fetcher.info))

    @strawberry.field(description="Every distinct email, with the records that hold it.")
    def emails(self) -> list[ContactPoint]:
        return _points(self.view, "email")

    @strawberry.field(description="Every distinct phone number, with the records that hold it.")
    def phones(self) -> list[ContactPoint]:
        return _points(self.view, "phone")

    @strawberry.field(description="Each linked record and why it was linked.")
    def identities(self) -> list[SourceIdentity]:
        return [SourceIdentity.of(link) for link in self.view.identity.links]

    @strawberry.field(description="Whether identity resolution finished, and what it noted.")
    def resolution(self) -> Resolution:
        return Resolution.of(self.view.identity)

    @strawberry.field(description="Orders from every system that sells, newest first.")
    async def orders(
        self, first: int | None = 20, after: str | None = None, max_age: int | None = None
    ) -> Connection[Order] | None:
        records = await self.view.related_or_none("order", max_age=max_age_seconds(max_age))
        if records is None:
            return None
        orders = [Order.of(r, self.view) for r in records]
        orders.sort(key=lambda o: (o.placed_at is not None, o.placed_at, o.id), reverse=True)
        return paginate(orders, first, after)

    @strawberry.field(description="Service cases from every service system, newest first.")
    async def tickets(
        self, status: TicketStatus | None = None, max_age: int | None = None
    ) -> list[Ticket] | None:
        records = await self.view.related_or_none("ticket", max_age=max_age_seconds(max_age))
        if records is None:
            return None
        tickets = [Ticket.of(r, self.view) for r in records]
        if status is not None:
            tickets = [t for t in tickets if t.status == status]
        return sorted(tickets, key=lambda t: (t.opened_at is not None, t.opened_at), reverse=True)

    @strawberry.field(description="The loyalty membership updated last, if any.")
    async def loyalty(self, max_age: int | None = None) -> Loyalty | None:
        records = await self.view.related("loyalty", max_age=max_age_seconds(max_age))
        latest = _latest(records)
        return Loyalty.of(latest) if latest else None

    @strawberry.field(description="Marketing consents per channel, from every membership.")
    async def consents(self, max_age: int | None = None) -> list[Consent] | None:
        records = await self.view.related_or_none("loyalty", max_age=max_age_seconds(max_age))
        if records is None:
            return None
        return [c for r in records for c in consents_of(r)]

    @strawberry.field(description="Vehicles the customer owns.")
    async def vehicles(self, max_age: int | None = None) -> list[Vehicle] | None:
        records = await self.view.related_or_none("vehicle", max_age=max_age_seconds(max_age))
        return None if records is None else [Vehicle.of(r, self.view) for r in records]

    @strawberry.field(description="The dealers that serve the customer or their vehicles.")
    async def dealers(self) -> list[Dealer]:
        vehicles = await self.view.related("vehicle")
        return [Dealer.of(r) for r in await _dealers(self.view, [*self.view.people(), *vehicles])]

    @strawberry.field(description="Everything that happened, from every system, newest first.")
    async def timeline(
        self,
        first: int | None = 20,
        after: str | None = None,
        channels: list[Channel] | None = None,
        max_age: int | None = None,
    ) -> Connection[TimelineEvent]:
        events = await timeline_of(self.view, max_age_seconds(max_age))
        if channels:
            events = [e for e in events if e.channel in channels]
        return paginate(events, first, after)


_SHOWN = ("name", "email", "phone", "address", "birthDate")


def _points(view: CustomerView, kind: str) -> list[ContactPoint]:
    return [
        ContactPoint(
            value=value,
            sources=[SourceRef(source=r.source, key=r.key) for r in records],
            records=records,
        )
        for value, records in view.contact_points(kind)
    ]


def _latest(records: list[Record]) -> Record | None:
    return max(records, key=lambda r: (r.updated_at is not None, r.updated_at), default=None)


async def _dealers(view: CustomerView, holders: list[Record]) -> list[Record]:
    """The dealer records named by ``dealer_ref`` on the holders, from the holders' own source
    where it serves dealers, else from every source that does."""
    serving = [n for n, c in view.context.sources.items() if "dealer" in c.entities]
    wanted: dict[str, set[str]] = {}
    for record in holders:
        ref = record.data.get("dealer_ref")
        if ref:
            for source in [record.source] if record.source in serving else serving:
                wanted.setdefault(source, set()).add(str(ref))

    async def ask(source: str, keys: list[str]) -> list[Record]:
        try:
            answers = await view.context.fetcher.fetch(source, "dealer", "key", keys)
        except SourceError as exc:
            view.context.failed.setdefault(source, exc)
            return []
        return [r for found in answers for r in found]

    answers = await asyncio.gather(*(ask(s, sorted(keys)) for s, keys in wanted.items()))
    unique = {(r.source, r.key): r for found in answers for r in found}
    return sorted(unique.values(), key=lambda r: (r.source, r.key))
