"""The outbox and its courier: recorded before sent, taken by one gateway at a time, tried
again with a doubling backoff on the clock, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest

from connectors.base import Change, Connector
from connectors.errors import SourceUnavailable, WriteRejected
from connectors.options import SourceConfig
from gateway.clock import ManualClock
from gateway.writeback import Delivery, Outbox, OutboxWrite, WritebackSettings, WriteRequest
from tests.support.postgres import PostgresServer


class Flaky(Connector):
    """A system down for its first ``down`` writes, that refuses phones without digits."""

    config_model = SourceConfig

    def __init__(self, down: int) -> None:
        super().__init__(
            "crm", SourceConfig(kind="x", entities={"person": {"fields": {"key": "id"}}})
        )
        self.down = down
        self.received: list[Change] = []

    async def fetch(self, entity: str, by: str, values: object) -> Mapping[str, list[object]]:  # type: ignore[override]
        return {}

    async def write(self, entity: str, change: Change) -> None:
        if self.down > 0:
            self.down -= 1
            raise SourceUnavailable("crm", "connection refused")
        if not any(ch.isdigit() for ch in str(change.values.get("phone", "1"))):
            raise WriteRejected("crm", "phone: digits needed")
        self.received.append(change)


@pytest.fixture(params=["sqlite", "postgres"])
async def outbox(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Outbox]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        url = server.url  # each test its own rows: ids are random
    built = Outbox.open(url, tmp_path)
    try:
        yield built
    finally:
        await built.aclose()


def request_for(key: str | None = None) -> WriteRequest:
    return WriteRequest("updateContact", "crm:C-1", "api_key:k", "call", "f1", key)


def write(phone: str = "+12176702732") -> OutboxWrite:
    return OutboxWrite("crm", "person", f"C-{uuid.uuid4().hex[:6]}", {"phone": phone})


async def test_a_down_system_is_retried_with_a_doubling_backoff_until_written(
    outbox: Outbox,
) -> None:
    clock = ManualClock(start=1_000_000.0)
    crm = Flaky(down=2)
    settings = WritebackSettings(backoff=2, max_backoff=3)
    delivery = Delivery(outbox, {"crm": crm}, clock, settings)
    pending = write()
    await outbox.record(request_for(), [pending], clock.now(), settings.lease)
    first = await delivery.send(pending)
    assert (first.status, first.code) == ("queued", "SOURCE_UNAVAILABLE")
    assert [w.id for w in await delivery.deliver_due()] == []  # not due before its backoff
    clock.advance(2)
    [second] = await delivery.deliver_due()
    assert second.status == "queued"
    clock.advance(2)
    assert await delivery.deliver_due() == []  # the second wait is 3 s (capped), not 2
    clock.advance(1)
    [third] = await delivery.deliver_due()
    assert (third.status, third.attempts) == ("written", 3)
    assert [c.key for c in crm.received] == [pending.key]


async def test_a_refused_value_is_failed_with_the_system_message(outbox: Outbox) -> None:
    clock = ManualClock(start=1_000_000.0)
    delivery = Delivery(outbox, {"crm": Flaky(down=0)}, clock, WritebackSettings())
    pending = write(phone="none")
    request = request_for()
    await outbox.record(request, [pending], clock.now(), 60)
    settled = await delivery.send(pending)
    assert (settled.status, settled.code, settled.message) == (
        "failed",
        "WRITE_REJECTED",
        "crm: phone: digits needed",
    )
    [stored] = await outbox.writes(request.id)
    assert stored.status == "failed"


async def test_an_idempotency_key_records_once(outbox: Outbox) -> None:
    key = uuid.uuid4().hex
    assert await outbox.record(request_for(key), [write()], 1.0, 60) is not None
    assert await outbox.record(request_for(key), [write()], 2.0, 60) is None
    earlier = await outbox.request(key)
    assert earlier is not None
    assert len(await outbox.writes(earlier.id)) == 1


async def test_a_write_is_taken_by_one_gateway_and_by_another_once_its_lease_ends(
    outbox: Outbox,
) -> None:
    pending = write()
    await outbox.record(request_for(), [pending], 100.0, 60)
    taken = [w.id for w in await outbox.take_due(130.0, 60)]
    assert pending.id not in taken  # the gateway that recorded it is sending it
    assert pending.id in [w.id for w in await outbox.take_due(161.0, 60)]
    assert pending.id not in [w.id for w in await outbox.take_due(162.0, 60)]


async def test_an_operator_cancels_a_queued_write(outbox: Outbox) -> None:
    clock = ManualClock(start=1_000_000.0)
    delivery = Delivery(outbox, {"crm": Flaky(down=5)}, clock, WritebackSettings())
    pending = write()
    await outbox.record(request_for(), [pending], clock.now(), 60)
    await delivery.send(pending)
    assert await outbox.cancel(pending.id, clock.now()) is True
    clock.advance(3600)
    assert pending.id not in [w.id for w in await delivery.deliver_due()]
    assert await outbox.cancel(pending.id, clock.now()) is False
