"""Everything that happened with a customer, from every system, newest first.

An event two systems both recorded (a workshop visit the dealer exports and billing also
invoiced as an order, same day, same amount) appears once, naming both sources.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from enum import Enum
from typing import Any

import strawberry

from gateway.customer import CustomerView
from model.records import Record
from schema.identity import SourceRef
from schema.values import as_date, as_datetime, as_decimal

__all__ = ["Channel", "TimelineEvent", "timeline_of"]


@strawberry.enum(description="The part of the business an event belongs to.")
class Channel(Enum):
    COMMERCE = "commerce"
    SERVICE = "service"
    MARKETING = "marketing"
    DEALER = "dealer"


@strawberry.type(description="One thing that happened, as one or more systems recorded it.")
class TimelineEvent:
    at: datetime
    channel: Channel
    kind: str = strawberry.field(
        description="order_placed, ticket_opened, ticket_closed, case_note, loyalty_enrolled, "
        "consent_given, consent_refused, vehicle_purchased, service_visit"
    )
    title: str
    sources: list[SourceRef]
    records: strawberry.Private[list[tuple[str, str]]]


@dataclass
class _Event:
    at: datetime
    channel: Channel
    kind: str
    title: str
    sources: list[tuple[str, str]]
    fingerprint: Hashable = None
    order: int = field(default=0)


def _at(value: Any) -> datetime | None:
    stamp = as_datetime(value)
    if stamp is None and (day := as_date(value)) is not None:
        stamp = datetime.combine(day, time(), tzinfo=UTC)
    return stamp


def _purchase(record: Record, when: datetime, amount_field: str) -> Hashable:
    amount = as_decimal(record.data.get(amount_field))
    return ("purchase", when.date(), amount.normalize()) if amount else None


def _events(kind: str, records: list[Record]) -> list[_Event]:
    found: list[_Event] = []
    for r in records:
        d, ref = r.data, [(r.source, r.key)]
        if kind == "order" and (at := _at(d.get("placed_at"))):
            total = f"{d.get('total', '')} {d.get('currency', '')}".strip()
            title = f"Order {r.key} ({d.get('status', 'unknown')}), {total}"
            found.append(
                _Event(at, Channel.COMMERCE, "order_placed", title, ref, _purchase(r, at, "total"))
            )
        elif kind == "ticket":
            if at := _at(d.get("opened_at")):
                title = f"Case {r.key} opened: {d.get('subject', '')}"
                found.append(_Event(at, Channel.SERVICE, "ticket_opened", title, ref))
            if at := _at(d.get("closed_at")):
                found.append(
                    _Event(at, Channel.SERVICE, "ticket_closed", f"Case {r.key} closed", ref)
                )
        elif kind == "ticket_note" and (at := _at(d.get("created_at"))):
            title = f"Note on case {d.get('ticket_ref', '')}: {d.get('body', '')}"
            found.append(_Event(at, Channel.SERVICE, "case_note", title, ref))
        elif kind == "loyalty":
            if at := _at(d.get("enrolled_at")):
                title = f"Joined the loyalty programme ({d.get('tier', 'no tier')})"
                found.append(_Event(at, Channel.MARKETING, "loyalty_enrolled", title, ref))
            for channel in ("email", "sms", "post"):
                answer = str(d.get(f"{channel}_opt_in") or "").strip().casefold()
                if answer in ("y", "n") and (at := _at(d.get(f"{channel}_opt_in_at"))):
                    given = answer == "y"
                    title = f"{'Agreed to' if given else 'Refused'} marketing by {channel}"
                    event_kind = "consent_given" if given else "consent_refused"
                    found.append(_Event(at, Channel.MARKETING, event_kind, title, ref))
        elif kind == "vehicle" and (at := _at(d.get("purchased_at"))):
            title = f"Bought a {d.get('make', '')} {d.get('model', '')} ({r.key})".replace(
                "  ", " "
            )
            found.append(_Event(at, Channel.DEALER, "vehicle_purchased", title, ref))
        elif kind == "service_visit" and (at := _at(d.get("visited_at"))):
            title = f"Workshop: {d.get('description', 'visit')} at dealer {d.get('dealer_ref', '')}"
            found.append(
                _Event(at, Channel.DEALER, "service_visit", title, ref, _purchase(r, at, "amount"))
            )
    return found


async def timeline_of(view: CustomerView, max_age: float | None = None) -> list[TimelineEvent]:
    orders, tickets, loyalty, vehicles = await asyncio.gather(
        view.related("order", max_age=max_age),
        view.related("ticket", max_age=max_age),
        view.related("loyalty", max_age=max_age),
        view.related("vehicle", max_age=max_age),
    )
    notes, visits = await asyncio.gather(
        view.related("ticket_note", tickets, max_age=max_age),
        view.related("service_visit", vehicles, max_age=max_age),
    )
    events: list[_Event] = []
    for kind, records in (
        ("service_visit", visits),
        ("order", orders),
        ("ticket", tickets),
        ("ticket_note", notes),
        ("loyalty", loyalty),
        ("vehicle", vehicles),
    ):
        events.extend(_events(kind, records))
    merged: dict[Hashable, _Event] = {}
    kept: list[_Event] = []
    for event in events:
        twin = merged.get(event.fingerprint) if event.fingerprint is not None else None
        if twin is not None and not {s for s, _ in twin.sources} & {s for s, _ in event.sources}:
            twin.sources.extend(event.sources)
            continue
        if event.fingerprint is not None:
            merged.setdefault(event.fingerprint, event)
        kept.append(event)
    kept.sort(key=lambda e: (e.at, e.kind, e.sources[0]), reverse=True)
    return [
        TimelineEvent(
            at=e.at,
            channel=e.channel,
            kind=e.kind,
            title=e.title,
            sources=[SourceRef(source=s, key=k) for s, k in e.sources],
            records=list(e.sources),
        )
        for e in kept
    ]
