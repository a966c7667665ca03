"""Loyalty memberships, marketing consents and campaign responses."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry

from gateway.customer import CustomerView
from model.records import Record
from schema.named import named
from schema.values import as_date, as_datetime, as_int, as_str

__all__ = ["CampaignResponse", "Consent", "ConsentChannel", "Loyalty", "consents_of"]


@strawberry.type(description="A loyalty membership.")
class Loyalty:
    id: strawberry.ID
    source: str
    number: str
    tier: str | None
    points: int | None
    segment: str | None
    enrolled_at: date | None
    record: strawberry.Private[Record]

    @classmethod
    def of(cls, record: Record) -> Loyalty:
        d = record.data
        return cls(
            id=strawberry.ID(f"{record.source}:{record.key}"),
            source=record.source,
            number=record.key,
            tier=as_str(d.get("tier")),
            points=as_int(d.get("points")),
            segment=as_str(d.get("segment")),
            enrolled_at=as_date(d.get("enrolled_at")),
            record=record,
        )


@strawberry.enum
class ConsentChannel(Enum):
    EMAIL = "email"
    SMS = "sms"
    POST = "post"


@strawberry.type(description="The customer's answer about marketing on one channel.")
class Consent:
    channel: ConsentChannel
    granted: bool
    at: date | None
    source: str
    record_key: str = strawberry.field(name="record", description="The record stating it.")
    record: strawberry.Private[Record]

    def provenance_field(self, name: str) -> str | None:
        """The canonical field a GraphQL field of this consent comes from."""
        mapped = {
            "granted": f"{self.channel.value}_opt_in",
            "at": f"{self.channel.value}_opt_in_at",
            "record_key": "key",
        }
        return mapped.get(name)


_YES = {"y", "yes", "true", "1", "opt-in", "granted"}
_NO = {"n", "no", "false", "0", "opt-out", "refused"}


def consents_of(record: Record) -> list[Consent]:
    """The consents a loyalty record states; a channel left blank states nothing."""
    found = []
    for channel in ConsentChannel:
        answer = str(record.data.get(f"{channel.value}_opt_in") or "").strip().casefold()
        if answer in _YES or answer in _NO:
            found.append(
                Consent(
                    channel=channel,
                    granted=answer in _YES,
                    at=as_date(record.data.get(f"{channel.value}_opt_in_at")),
                    source=record.source,
                    record_key=record.key,
                    record=record,
                )
            )
    return found


@named
@strawberry.type(description="What the customer did with one marketing campaign sent to them.")
class CampaignResponse:
    id: strawberry.ID
    source: str
    campaign: str | None
    channel: str | None
    sent_at: datetime | None
    outcome: str | None = strawberry.field(
        description="opened, clicked, converted, unsubscribed; null when nothing came back."
    )
    responded_at: datetime | None
    record: strawberry.Private[Record]

    @classmethod
    def of(cls, record: Record, view: CustomerView | None = None) -> CampaignResponse:
        d = record.data
        return cls(
            id=strawberry.ID(f"{record.source}:{record.key}"),
            source=record.source,
            campaign=as_str(d.get("campaign")),
            channel=as_str(d.get("channel")),
            sent_at=as_datetime(d.get("sent_at")),
            outcome=as_str(d.get("outcome")),
            responded_at=as_datetime(d.get("responded_at")),
            record=record,
        )
