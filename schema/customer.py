"""The customer: one person across every system, attributes settled, history merged."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import strawberry
from graphql import GraphQLError

import schema.commerce  # noqa: F401 (its @named types)
from connectors.errors import SourceError
from gateway.customer import CustomerView
from gateway.customer_fields import ATTRIBUTES, RELATED, Attribute, Related
from gateway.provenance import Provenance, derived, from_record
from model.records import Record
from schema.arguments import max_age_seconds
from schema.contact import ContactPoint, CustomerIdentifier
from schema.dealer import Dealer, Vehicle
from schema.identity import FieldProvenance, Resolution, SourceIdentity, SourceRef
from schema.marketing import Consent, Loyalty, consents_of
from schema.named import named_type
from schema.pagination import Connection, paginate
from schema.service import Ticket, TicketStatus
from schema.timeline import Channel, TimelineEvent, timeline_of

__all__ = ["Customer"]


_ATTRIBUTES = {a.name: a for a in ATTRIBUTES}
_SHOWN = [a.graphql_name for a in ATTRIBUTES]


class Customer:
    """One customer. Its attributes and its built related fields are added below, from the
    declarations of :mod:`gateway.customer_fields`; then it becomes a strawberry type."""

    view: strawberry.Private[CustomerView]

    if TYPE_CHECKING:  # the dataclass __init__ strawberry.type gives it

        def __init__(self, view: CustomerView) -> None: ...

    def provenance_of(self, name: str, infos: dict[Any, Any]) -> Provenance:
        """Where one of the customer's own leaves came from (``extensions.provenance``)."""
        if name == "id":
            return from_record(self.view.identity.anchor, "key", infos)
        found = self.view.provenance(name, infos) if name in _ATTRIBUTES else None
        return found if found is not None else derived(self.view.people())

    @strawberry.field(
        description="`<source>:<key>` of the customer's anchor record; any linked "
        "record finds the same customer with the same id."
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.view.id)

    @strawberry.field(
        description="Where one settled attribute came from: "
        f"{', '.join(f'`{name}`' for name in _SHOWN)} (for clients that cannot read `extensions`)."
    )
    def provenance(self, info: strawberry.Info, field: str) -> FieldProvenance | None:
        declared = _ATTRIBUTES.get(field) or _ATTRIBUTES.get(_snake(field))
        if declared is None:
            raise GraphQLError(
                f"no attribute {field[:60]!r} ({', '.join(sorted(_SHOWN))})",
                extensions={"code": "BAD_USER_INPUT"},
            )
        context = info.context
        found = self.view.provenance(declared.name, context.recording.info)
        return FieldProvenance.of(found, context.clock.now()) if found is not None else None

    @strawberry.field(description="Every distinct email, with the records that hold it.")
    def emails(self) -> list[ContactPoint]:
        return _points(self.view, "email")

    @strawberry.field(description="Every distinct phone number, with the records that hold it.")
    def phones(self) -> list[ContactPoint]:
        return _points(self.view, "phone")

    @strawberry.field(
        description="Every value of each person attribute the config declares under"
        " `attributes:` (national ids, membership numbers), with the records that hold it."
    )
    def identifiers(self) -> list[CustomerIdentifier]:
        return [
            CustomerIdentifier(
                kind=kind,
                value=value,
                sources=[SourceRef(source=r.source, key=r.key) for r in records],
                records=records,
            )
            for kind, value, records in self.view.identifiers()
        ]

    @strawberry.field(description="Each linked record and why it was linked.")
    def identities(self) -> list[SourceIdentity]:
        return [SourceIdentity.of(link) for link in self.view.identity.links]

    @strawberry.field(description="Whether identity resolution finished, and what it noted.")
    def resolution(self) -> Resolution:
        return Resolution.of(self.view.identity)

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


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _attribute(declared: Attribute) -> Any:
    """``Customer.<attribute>``: the surviving value, shown by its schema type if it has one."""
    shown = named_type(declared.type_name) if declared.type_name else None

    def resolve(self: Customer) -> Any:
        choice = self.view.choice(declared.name)
        if choice is None:
            return None
        return shown.of(choice.value, choice) if shown is not None else choice.value

    resolve.__annotations__ = {"return": (shown or declared.scalar) | None}
    return strawberry.field(resolver=resolve, description=declared.description)


def _related(declared: Related) -> Any:
    """``Customer.<related>``: a connection of the related records, newest first; null when
    every system serving them failed."""
    item = named_type(str(declared.type_name))
    entity, newest = str(declared.entity), str(declared.newest)

    def newest_first(found: Any) -> tuple[bool, Any, str]:
        value = getattr(found, newest)
        return value is not None, value, found.id

    async def resolve(
        self: Customer, first: int | None = 20, after: str | None = None, max_age: int | None = None
    ) -> Any:
        records = await self.view.related_or_none(entity, max_age=max_age_seconds(max_age))
        if records is None:
            return None
        found = sorted((item.of(r, self.view) for r in records), key=newest_first, reverse=True)
        return paginate(found, first, after)

    # the item type is known only here, so the annotations strawberry reads are set here
    resolve.__annotations__ = {
        "first": int | None,
        "after": str | None,
        "max_age": int | None,
        "return": Connection[item] | None,  # type: ignore[valid-type]
    }
    return strawberry.field(resolver=resolve, description=declared.description)


for _declared in ATTRIBUTES:
    setattr(Customer, _declared.name, _attribute(_declared))
for _built in RELATED:
    if _built.built:
        setattr(Customer, _built.name, _related(_built))
strawberry.type(
    Customer, description="One customer, as every system that knows them sees them together."
)


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
            answers = await view.context.batcher.fetch(source, "dealer", "key", keys)
        except SourceError:
            return []  # recorded by the pipeline
        return [r for found in answers for r in found]

    answers = await asyncio.gather(*(ask(s, sorted(keys)) for s, keys in wanted.items()))
    unique = {(r.source, r.key): r for found in answers for r in found}
    return sorted(unique.values(), key=lambda r: (r.source, r.key))
