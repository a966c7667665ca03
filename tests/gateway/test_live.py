"""customerChanged over graphql-transport-ws and GraphQL over SSE, on real sockets."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from graphql import GraphQLError

from gateway.clock import ManualClock
from gateway.config import CacheSettings, ServerSettings, Settings
from gateway.events import CustomerChanged
from gateway.live import LiveSettings, Subscribers
from gateway.security.principal import Principal
from tests.docs.blocks import ROOT, fenced
from tests.gateway.test_cli import wait_until_served
from tests.gateway.test_security import new_key, owners, secured, with_limits
from tests.support.backends import write_csv
from tests.support.demo_estate import DemoEstate
from tests.support.live import (
    LiveGateway,
    live_gateway,
    receive,
    sse_events,
    sse_subscription,
    subscribe,
    ws_session,
)
from tests.support.redis import RedisServer
from tests.support.servers import free_port

SECRET = "a-shared-secret-of-the-crm"


def live_settings(demo: DemoEstate, folder: Path, per_principal: int = 3) -> Settings:
    settings = secured(demo, folder)
    crm = settings.sources["crm"]
    crm = dataclasses.replace(crm, config=crm.config.model_copy(update={"webhook_secret": SECRET}))
    live = LiveSettings(per_principal=per_principal, heartbeat=30.0)
    return dataclasses.replace(
        settings,
        sources={**settings.sources, "crm": crm},
        server=settings.server.model_copy(update={"live": live}),
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def served(demo_estate: DemoEstate, tmp_path: Path, clock: ManualClock) -> Iterator[LiveGateway]:
    with live_gateway(live_settings(demo_estate, tmp_path), clock) as gateway:
        yield gateway


def dealer_customers(demo: DemoEstate) -> tuple[str, str, str]:
    """A dealer, one of its customers' CRM keys and a CRM key of another dealer's customer."""
    by_dealer = owners(demo)
    mine, theirs = sorted(by_dealer)[:2]
    return mine, by_dealer[mine][0]["crm"][0], by_dealer[theirs][0]["crm"][0]


async def test_a_webhook_reaches_a_ws_subscriber_which_rereads_only_that_source(
    served: LiveGateway, tmp_path: Path
) -> None:
    key = await new_key(tmp_path, "agent")
    async with ws_session(served, {"X-API-Key": key}) as socket:
        await subscribe(socket, "1", "crm:C-000001")
        now = await receive(socket)
        hooked = await served.hook("crm", SECRET, "person", "C-000001")
        changed = await receive(socket, within=1.0)  # within a second of the webhook
    assert hooked.status_code == 200
    assert now["type"] == changed["type"] == "next"
    assert changed["payload"]["data"] == now["payload"]["data"]
    sources = changed["payload"]["extensions"]["sources"]
    assert sources["crm"]["calls"] >= 1
    assert {name: s["calls"] for name, s in sources.items() if name != "crm"} == {
        name: 0 for name in sources if name != "crm"
    }


async def test_a_webhook_reaches_an_sse_subscriber(served: LiveGateway, tmp_path: Path) -> None:
    key = await new_key(tmp_path, "agent")
    async with sse_subscription(served, key, "crm:C-000001") as response:
        events = sse_events(response)
        first = await asyncio.wait_for(anext(events), 5)
        await served.hook("crm", SECRET, "person", "C-000001")
        second = await asyncio.wait_for(anext(events), 1.0)
    assert response.headers["content-type"].startswith("text/event-stream")
    assert first[0] == second[0] == "next"
    assert json.loads(second[1])["data"]["customerChanged"]["id"] == "crm:C-000001"


async def test_a_dealer_hears_nothing_of_another_dealers_customer(
    served: LiveGateway, demo_estate: DemoEstate, tmp_path: Path
) -> None:
    dealer, own, other = dealer_customers(demo_estate)
    key = await new_key(tmp_path, "dealer", dealer)
    async with ws_session(served, {"X-API-Key": key}) as socket:
        await subscribe(socket, "theirs", f"crm:{other}")
        hidden = await receive(socket)
        await subscribe(socket, "none", "crm:C-999999")
        missing = await receive(socket)
        await served.hook("crm", SECRET, "person", other)
        await subscribe(socket, "mine", f"crm:{own}")
        mine = await receive(socket)
    assert hidden == {"id": "theirs", "type": "complete"}
    assert missing == {"id": "none", "type": "complete"}  # exactly like "not found"
    assert mine["id"] == "mine" and mine["type"] == "next"  # nothing came in between
    assert mine["payload"]["data"]["customerChanged"]["phone"].startswith("*")  # masked


async def test_too_many_subscriptions_get_a_clear_error(
    served: LiveGateway, tmp_path: Path
) -> None:
    key = await new_key(tmp_path, "agent")
    async with (
        ws_session(served, {"X-API-Key": key}) as one,
        ws_session(served, {"X-API-Key": key}) as two,
    ):
        for op in ("a", "b"):
            await subscribe(one, op, "crm:C-000001")
            assert (await receive(one))["type"] == "next"
        await subscribe(two, "c", "crm:C-000002")
        assert (await receive(two))["type"] == "next"
        await subscribe(two, "d", "crm:C-000002")
        refused = await receive(two)
    assert refused["type"] == "error"
    [error] = refused["payload"]
    assert error["extensions"] == {"code": "TOO_MANY_SUBSCRIPTIONS", "limit": 3}
    assert "at most 3" in error["message"]


async def test_open_websockets_are_bounded_per_caller(
    demo_estate: DemoEstate, tmp_path: Path, clock: ManualClock
) -> None:
    from websockets.exceptions import ConnectionClosed

    settings = live_settings(demo_estate, tmp_path)
    live = settings.server.live.model_copy(update={"connections_per_principal": 2})
    settings = dataclasses.replace(
        settings, server=settings.server.model_copy(update={"live": live})
    )
    with live_gateway(settings, clock) as served:
        key, other = await new_key(tmp_path, "agent"), await new_key(tmp_path, "agent")
        async with (
            ws_session(served, {"X-API-Key": key}),
            ws_session(served, {"X-API-Key": key}) as second,
        ):
            with pytest.raises(ConnectionClosed) as closed:
                async with ws_session(served, {"X-API-Key": key}) as third:
                    await receive(third)
            async with ws_session(served, {"X-API-Key": other}) as theirs:
                await subscribe(theirs, "1", "crm:C-000001")  # another caller is not held back
                assert (await receive(theirs))["type"] == "next"
            await second.close()
            await served.on_server(served.runtime.subscribers.connections_at_most(1))
            async with ws_session(served, {"X-API-Key": key}) as again:
                await subscribe(again, "2", "crm:C-000001")
                assert (await receive(again))["type"] == "next"
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013


async def test_credentials_are_checked_at_connection_init(
    served: LiveGateway, tmp_path: Path
) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    for payload in ({}, {"X-API-Key": "c360_deadbeef0000_not-a-real-secret"}):
        async with connect(served.ws_url(), subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
            await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
            with pytest.raises(ConnectionClosed) as closed:
                await receive(socket)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_limits_apply_to_subscriptions(served: LiveGateway, tmp_path: Path) -> None:
    key = await new_key(tmp_path, "dealer", "D-1")
    aliases = " ".join(f"a{i}: id" for i in range(20))
    query = f"subscription($id: ID!) {{ customerChanged(id: $id) {{ {aliases} }} }}"
    async with ws_session(served, {"X-API-Key": key}) as socket:
        await subscribe(socket, "wide", "crm:C-000001", query)
        refused = await receive(socket)
    assert refused["type"] == "error"
    assert "alias" in refused["payload"][0]["message"].lower()


async def test_the_heartbeat_runs_on_the_gateways_clock(
    served: LiveGateway, clock: ManualClock, tmp_path: Path
) -> None:
    key = await new_key(tmp_path, "agent")
    async with ws_session(served, {"X-API-Key": key}) as socket:
        await served.on_server(_advance(clock, 30.0))
        beat = await receive(socket, within=5)
    assert beat == {"type": "ping", "payload": {"heartbeat": True}}


async def _advance(clock: ManualClock, seconds: float) -> None:
    clock.advance(seconds)


async def _tasks() -> int:
    return len(asyncio.all_tasks())


@pytest.fixture
def unthrottled(
    demo_estate: DemoEstate, tmp_path: Path, clock: ManualClock
) -> Iterator[LiveGateway]:
    """The served gateway, with a rate limit agents never reach."""
    settings = live_settings(demo_estate, tmp_path)
    settings = with_limits(settings, "agent", rate=1e6, burst=100_000)
    with live_gateway(settings, clock) as gateway:
        yield gateway


async def test_a_thousand_subscribe_and_disconnect_cycles_leave_no_task(
    unthrottled: LiveGateway, tmp_path: Path
) -> None:
    served = unthrottled
    key = await new_key(tmp_path, "agent")
    async with ws_session(served, {"X-API-Key": key}) as socket:  # warm the cache
        await subscribe(socket, "warm", "crm:C-000001")
        await receive(socket)
    await served.on_server(served.runtime.subscribers.idle())
    before = await served.on_server(_tasks())
    for _ in range(1000):
        async with ws_session(served, {"X-API-Key": key}) as socket:
            await subscribe(socket, "1", "crm:C-000001")
            assert (await receive(socket))["type"] == "next"
    await served.on_server(served.runtime.subscribers.idle(), within=10)
    after = await served.on_server(_tasks())
    assert len(served.runtime.subscribers) == 0 and not served.runtime.events.feeds
    assert after <= before


async def test_the_documented_subscription_and_publish_call_work(
    served: LiveGateway, tmp_path: Path
) -> None:
    page = ROOT / "docs" / "front-end.md"
    [query] = [q for q in fenced(page, "graphql") if "customerChanged" in q]
    [publish] = [p for p in fenced(page, "python") if "events.publish" in p]
    [live] = [y for y in fenced(page, "yaml") if "live:" in y]
    key = await new_key(tmp_path, "agent")
    async with ws_session(served, {"X-API-Key": key}) as socket:
        await subscribe(socket, "1", "crm:C-000001", query)
        now = await receive(socket)
        await served.on_server(_run(publish, served.runtime))
        changed = await receive(socket, within=1.0)
    assert now["payload"]["data"] == changed["payload"]["data"]
    assert changed["payload"]["data"]["customerChanged"]["orders"]["totalCount"] >= 0
    server = ServerSettings.model_validate(yaml.safe_load(live)["server"])
    assert server.live == LiveSettings(per_principal=8, heartbeat=15.0)


async def _run(snippet: str, runtime: object) -> None:
    code = "async def published(runtime):\n" + textwrap.indent(snippet, "    ")
    scope: dict[str, object] = {"CustomerChanged": CustomerChanged}
    exec(code, scope)  # the docs' own example
    await scope["published"](runtime)  # type: ignore[operator]


def test_a_stopping_gateway_completes_its_event_streams(tmp_path: Path) -> None:
    write_csv(tmp_path)
    (tmp_path / "c360.yaml").write_text(
        "sources:\n  loyalty:\n    kind: csv\n    entities:\n"
        "      person: {file: people.csv, by: {email: EMAIL}, fields: {key: ID, email: EMAIL}}\n"
    )
    port = free_port()
    command = ("-m", "gateway.cli", "serve", "--config", "c360.yaml", "--port", str(port))
    process = subprocess.Popen([sys.executable, *command], cwd=tmp_path)
    query = 'subscription { customerChanged(id: "loyalty:P-1") { email } }'
    events: list[str] = []
    try:
        wait_until_served(port, process)  # type: ignore[arg-type]
        with httpx.stream(
            "POST",
            f"http://127.0.0.1:{port}/graphql",
            json={"query": query},
            headers={"accept": "text/event-stream"},
            timeout=30,
        ) as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    events.append(line[6:].strip())
                    if len(events) == 1:  # subscribed: the customer as it is now
                        process.send_signal(signal.SIGTERM)
        process.wait(30)
    finally:
        process.kill()
        process.wait(20)
    assert events == ["next", "complete"]
    assert process.returncode in (0, -signal.SIGTERM)


async def test_a_page_may_open_a_websocket_from_an_origin_cors_allows(
    served: LiveGateway,
) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    async with connect(
        served.ws_url(), origin="http://localhost:5173", subprotocols=["graphql-transport-ws"]
    ) as socket:  # type: ignore[arg-type,list-item]
        assert socket.subprotocol == "graphql-transport-ws"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            served.ws_url(),
            origin="https://elsewhere.example",
            subprotocols=["graphql-transport-ws"],
        ):  # type: ignore[arg-type,list-item]
            pass
    assert refused.value.response.status_code == 403


async def test_a_webhook_to_one_gateway_reaches_a_subscriber_of_another_over_redis(
    demo_estate: DemoEstate, tmp_path: Path, redis_server: RedisServer
) -> None:
    redis_server.flush()
    settings = live_settings(demo_estate, tmp_path)
    settings = dataclasses.replace(settings, cache=CacheSettings(backend=redis_server.url))
    key = await new_key(tmp_path, "agent")
    with (
        live_gateway(settings, ManualClock()) as one,
        live_gateway(settings, ManualClock()) as other,
    ):
        async with ws_session(other, {"X-API-Key": key}) as socket:
            await subscribe(socket, "1", "crm:C-000001")
            now = await receive(socket)
            hooked = await one.hook("crm", SECRET, "person", "C-000001")
            changed = await receive(socket, within=1.0)
    assert hooked.status_code == 200 and now["type"] == changed["type"] == "next"
    assert changed["payload"]["extensions"]["sources"]["crm"]["calls"] >= 1


def test_callers_without_credentials_are_bounded_by_their_address() -> None:
    subscribers = Subscribers(1)
    anonymous = Principal("anonymous", "anonymous", "guest")
    with subscribers.hold(None, "127.0.0.2"), subscribers.hold(anonymous, "127.0.0.3"):
        with pytest.raises(GraphQLError) as refused, subscribers.hold(None, "127.0.0.2"):
            pass
        assert len(subscribers) == 2
    assert refused.value.extensions == {"code": "TOO_MANY_SUBSCRIPTIONS", "limit": 1}
    assert len(subscribers) == 0


async def test_a_field_the_role_may_not_read_refuses_the_subscription(
    served: LiveGateway, tmp_path: Path
) -> None:
    key = await new_key(tmp_path, "dealer", "D-1")
    query = "subscription($id: ID!) { customerChanged(id: $id) { id birthDate } }"
    async with ws_session(served, {"X-API-Key": key}) as socket:
        await subscribe(socket, "born", "crm:C-000001", query)
        refused = await receive(socket)
        ended = await receive(socket)
    # refused before it runs (as a 403 over HTTP): no data, the field named, then the end
    assert refused["type"] == "next" and refused["payload"]["data"] is None
    [error] = refused["payload"]["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN" and "Customer.birthDate" in error["message"]
    assert ended == {"id": "born", "type": "complete"}


async def test_operations_over_a_websocket_draw_from_the_principals_rate_limit(
    demo_estate: DemoEstate, tmp_path: Path, clock: ManualClock
) -> None:
    settings = with_limits(live_settings(demo_estate, tmp_path), "agent", rate=0.01, burst=3)
    key = await new_key(tmp_path, "agent")
    with live_gateway(settings, clock) as gateway:
        async with ws_session(gateway, {"X-API-Key": key}) as socket:
            answers = []
            for op in "abcde":
                message = {
                    "id": op,
                    "type": "subscribe",
                    "payload": {"query": "{ sources { name } }"},
                }
                await socket.send(json.dumps(message))
                answer = await receive(socket)
                if answer["type"] == "next":
                    assert (await receive(socket))["type"] == "complete"
                answers.append(answer)
    assert [a["type"] for a in answers[:2]] == ["next", "next"]
    refused = answers[-1]
    assert refused["type"] == "error", refused
    assert refused["payload"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_a_revoked_key_runs_nothing_more_over_its_open_websocket(
    served: LiveGateway, tmp_path: Path
) -> None:
    key = await new_key(tmp_path, "agent")
    query = {"query": "{ sources { name } }"}
    async with ws_session(served, {"X-API-Key": key}) as socket:
        await socket.send(json.dumps({"id": "before", "type": "subscribe", "payload": query}))
        before = await receive(socket)
        await receive(socket)  # complete
        assert served.runtime.keys is not None
        assert await served.on_server(served.runtime.keys.revoke(key.split("_")[1]))
        await socket.send(json.dumps({"id": "after", "type": "subscribe", "payload": query}))
        after = await receive(socket)
    assert before["type"] == "next"
    assert after["type"] == "error", after
    assert after["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_revoked_key_hears_no_more_changes_on_its_subscription(
    served: LiveGateway, tmp_path: Path
) -> None:
    key = await new_key(tmp_path, "agent")
    async with ws_session(served, {"X-API-Key": key}) as socket:
        await subscribe(socket, "1", "crm:C-000001")
        now = await receive(socket)
        assert served.runtime.keys is not None
        assert await served.on_server(served.runtime.keys.revoke(key.split("_")[1]))
        await served.hook("crm", SECRET, "person", "C-000001")
        after = await receive(socket)
    assert now["type"] == "next"
    assert after["type"] == "next" and after["payload"].get("data") is None, after
    assert after["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_revoked_key_hears_no_more_changes_over_sse(
    served: LiveGateway, tmp_path: Path
) -> None:
    key = await new_key(tmp_path, "agent")
    async with sse_subscription(served, key, "crm:C-000001") as response:
        events = sse_events(response)
        first = await asyncio.wait_for(anext(events), 5)
        assert served.runtime.keys is not None
        assert await served.on_server(served.runtime.keys.revoke(key.split("_")[1]))
        await served.hook("crm", SECRET, "person", "C-000001")
        second = await asyncio.wait_for(anext(events), 5)
    assert first[0] == "next"
    assert second[0] == "complete", second
