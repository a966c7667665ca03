"""The customer-changed event bus: in-process, over Redis between gateways, fed by the webhooks."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from gateway.clock import ManualClock
from gateway.events import CustomerChanged, EventBus, RedisEventBus
from gateway.hooks import signature
from tests.gateway.test_caching import HOOKED
from tests.support.demo_estate import DemoEstate
from tests.support.gateway import gateway, settings_from
from tests.support.redis import RedisServer

CHANGE = CustomerChanged("crm", "person", ("C-000001",), cause="write-back")


async def test_a_published_change_reaches_every_listener_stamped_with_the_time() -> None:
    bus = EventBus(ManualClock(start=1_800_000_000.0))
    async with bus.listen() as first, bus.listen() as second:
        await bus.publish(CHANGE)
        got = [await asyncio.wait_for(anext(feed), 1) for feed in (first, second)]
    assert got[0] == got[1]
    assert (got[0].keys, got[0].cause, got[0].at) == (("C-000001",), "write-back", 1_800_000_000.0)
    assert not bus.feeds  # a listener that left is forgotten


async def test_closing_the_bus_ends_every_feed_and_a_slow_feed_keeps_the_newest() -> None:
    bus = EventBus(queue_size=2)
    async with bus.listen() as feed:
        for key in ("a", "b", "c"):
            await bus.publish(CustomerChanged("crm", "person", (key,)))
        await bus.aclose()
        keys = [event.keys[0] async for event in feed]
    assert keys == ["b", "c"] and feed.dropped == 1


def test_a_change_touches_a_customer_by_its_records_or_its_id() -> None:
    records = {("crm", "person", "C-000001"), ("billing", "order", "O-1")}
    assert CHANGE.touches(records, "crm:C-9")
    assert not CustomerChanged("crm", "person", ("C-2",)).touches(records, "crm:C-9")
    assert CustomerChanged("crm", "person", ("C-2",), customer="crm:C-9").touches(set(), "crm:C-9")
    assert CustomerChanged.from_json(CHANGE.to_json()) == CHANGE


async def test_two_gateways_on_one_redis_hear_each_others_changes(
    redis_server: RedisServer,
) -> None:
    one, other = RedisEventBus(redis_server.url), RedisEventBus(redis_server.url)
    try:
        async with one.listen() as here, other.listen() as there:
            await one.publish(CHANGE)
            heard = [await asyncio.wait_for(anext(feed), 1) for feed in (here, there)]
    finally:
        await one.aclose()
        await other.aclose()
    assert [event.keys for event in heard] == [CHANGE.keys, CHANGE.keys]


async def test_an_invalidation_webhook_publishes_the_change(
    demo_estate: DemoEstate, tmp_path: Path
) -> None:
    url = demo_estate.settings.sources["crm"].config.base_url  # type: ignore[attr-defined]
    body = json.dumps({"entity": "person", "keys": ["C-000001", "C-000002"]}).encode()
    secret = "a-shared-secret-of-the-crm"
    async with gateway(settings_from(tmp_path, HOOKED, CRM_URL=url)) as client:
        runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
        async with runtime.events.listen() as feed:
            forged = {"X-C360-Signature": signature("wrong", body)}
            await client.post("/hooks/invalidate/crm", content=body, headers=forged)
            signed = {"X-C360-Signature": signature(secret, body)}
            await client.post("/hooks/invalidate/crm", content=body, headers=signed)
            event = await asyncio.wait_for(anext(feed), 1)
    assert (event.source, event.entity, event.cause) == ("crm", "person", "webhook")
    assert event.keys == ("C-000001", "C-000002")
    assert feed.dropped == 0 and feed._queue.empty()  # the forged hook published nothing
