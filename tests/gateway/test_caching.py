"""Caching in front of the demo's real systems: shared Redis, single-flight, batching, stale
answers while a system is down, live reads on demand, invalidation."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections import Counter

from connectors.options import CachePolicy, ResiliencePolicy
from demo.services.instruments import Instruments
from demo.services.systems import crm as crm_app
from gateway.clock import ManualClock
from gateway.config import CacheSettings, Settings
from gateway.hooks import signature
from tests.support.demo_estate import DemoEstate
from tests.support.gateway import gateway, graphql, settings_from
from tests.support.redis import RedisServer
from tests.support.runtime import Gateway
from tests.support.servers import free_port, serve

CUSTOMER = """query ($key: String!, $ticketsAge: Int) {
  customer(sourceKey: {source: "crm", key: $key}) {
    id name { full } email phone identities { source key }
    orders(first: 5) { totalCount edges { node { number lines { sku } } } }
    tickets(maxAge: $ticketsAge) { number status notes { body } }
    loyalty { tier } vehicles { vin serviceVisits { visitedAt } } timeline(first: 5) { totalCount }
    campaignResponses { totalCount }
  } }"""


def first_crm_key(demo: DemoEstate, rank: int = 0) -> str:
    lines = (demo.folder / "ground_truth.jsonl").read_text().splitlines()
    truth = [json.loads(line) for line in lines]
    rich = [t for t in truth if {"crm", "service_desk", "loyalty", "dealer"} <= set(t)]
    return rich[rank]["crm"][0]


def backend_calls(demo: DemoEstate) -> int:
    return sum(i.calls for i in demo.instruments.values())


def backend_calls_total() -> float:
    from prometheus_client import REGISTRY

    return sum(
        sample.value
        for family in REGISTRY.collect()
        if family.name == "c360_backend_calls"
        for sample in family.samples
        if sample.name == "c360_backend_calls_total"
    )


async def test_two_gateway_apps_share_redis_and_the_second_calls_no_backend(
    demo_estate: DemoEstate, redis_server: RedisServer
) -> None:
    redis_server.flush()
    key = first_crm_key(demo_estate, 0)
    settings = dataclasses.replace(
        demo_estate.settings, cache=CacheSettings(backend=redis_server.url)
    )
    async with gateway(settings) as first, gateway(settings) as second:
        warm = await graphql(first, CUSTOMER, key=key)
        assert "errors" not in warm
        demo_estate.reset_counts()
        before = backend_calls_total()
        again = await graphql(second, CUSTOMER, key=key)
        assert again["data"] == warm["data"]
        assert {s["calls"] for s in again["extensions"]["sources"].values()} == {0}
        assert backend_calls_total() == before  # no source asked: SQL and files included
        assert backend_calls(demo_estate) == 0  # and no served system saw a request


async def test_a_hundred_concurrent_screens_cost_one_call_per_distinct_value(
    demo_estate: DemoEstate,
) -> None:
    key = first_crm_key(demo_estate, 1)
    gateway_ = Gateway(demo_estate.settings)
    demo_estate.reset_counts()
    try:
        answers = await asyncio.gather(*(gateway_.run(CUSTOMER, key=key) for _ in range(100)))
    finally:
        await gateway_.aclose()
    assert len({json.dumps(a, sort_keys=True) for a, _ in answers}) == 1
    for name, instruments in demo_estate.instruments.items():
        asked: Counter[str] = Counter()
        for request, count in instruments.by_request.items():
            if ":" in request.split("/")[0]:  # SOAP: "Operation:value,value"
                operation, _, values = request.partition(":")
                asked.update(f"{operation}:{v}" for v in values.split(",") for _ in range(count))
            else:
                asked[request] += count
        assert asked and max(asked.values()) == 1, (name, asked.most_common(3))


async def test_a_page_of_customers_costs_one_orders_call_per_system(
    demo_estate: DemoEstate,
) -> None:
    gateway_ = Gateway(demo_estate.settings)
    try:
        data, context = await gateway_.run(
            """{ customers(search: "ma", first: 50) { edges { node { id
                 orders(first: 3) { totalCount } tickets { number } } } } }"""
        )
    finally:
        await gateway_.aclose()
    assert len(data["customers"]["edges"]) >= 20
    assert context.recording.calls[("billing", "order", "customer_no")] == 1
    assert context.recording.calls[("service_desk", "ticket", "contact_no")] == 1


def with_crm(settings: Settings, url: str, policy: CachePolicy) -> Settings:
    crm = settings.sources["crm"]
    config = crm.config.model_copy(update={"base_url": url, "cache": policy})
    sources = {**settings.sources, "crm": dataclasses.replace(crm, config=config)}
    return dataclasses.replace(settings, sources=sources)


CRM_RECORD = '{ record(source: "crm", entity: "person", key: "C-000001") { key } }'


async def test_stale_if_error_while_the_crm_is_down(demo_estate: DemoEstate) -> None:
    port = free_port()
    instruments = Instruments()
    app = instruments.middleware(crm_app(demo_estate.folder, instruments))
    settings = with_crm(
        demo_estate.settings, f"http://127.0.0.1:{port}", CachePolicy(ttl=0.2, stale_for=3600)
    )
    clock = ManualClock()
    gateway_ = Gateway(settings, clock=clock)
    query = '{ customer(sourceKey: {source: "crm", key: "C-000001"}) { id name { full } } }'
    try:
        with serve(app, port):
            live, context = await gateway_.run(query)
            assert context.recording.info[("crm", "person", "C-000001")].cache == "miss"
        clock.advance(0.3)  # past the TTL; the CRM is stopped
        stale, context = await gateway_.run(query)
        assert stale == live
        assert context.recording.info[("crm", "person", "C-000001")].cache == "stale"
        with serve(app, port):  # back, once the breaker that opened lets a probe through
            clock.advance(ResiliencePolicy().cooldown)
            fresh, context = await gateway_.run(query)
            assert context.recording.info[("crm", "person", "C-000001")].cache == "miss"
        assert fresh == live
    finally:
        await gateway_.aclose()


async def test_stale_while_revalidate_answers_at_once_and_refreshes_behind(
    demo_estate: DemoEstate,
) -> None:
    port = free_port()
    instruments = Instruments()
    app = instruments.middleware(crm_app(demo_estate.folder, instruments))
    settings = with_crm(
        demo_estate.settings,
        f"http://127.0.0.1:{port}",
        CachePolicy(ttl=0.2, stale_for=3600, revalidate=True),
    )
    clock = ManualClock()
    gateway_ = Gateway(settings, clock=clock)
    try:
        with serve(app, port):
            await gateway_.run(CRM_RECORD)
            assert instruments.calls == 1
            clock.advance(0.3)
            _, context = await gateway_.run(CRM_RECORD)
            assert context.recording.info[("crm", "person", "C-000001")].cache == "stale"
            await asyncio.gather(*gateway_.background)
            assert instruments.calls == 2  # refreshed in the background
            _, context = await gateway_.run(CRM_RECORD)
            assert context.recording.info[("crm", "person", "C-000001")].cache == "hit"
            assert instruments.calls == 2
    finally:
        await gateway_.aclose()


async def test_max_age_zero_reads_tickets_live_while_loyalty_comes_from_cache(
    demo_estate: DemoEstate,
) -> None:
    key = first_crm_key(demo_estate, 2)
    gateway_ = Gateway(demo_estate.settings)
    try:
        await gateway_.run(CUSTOMER, key=key)
        demo_estate.reset_counts()
        _, context = await gateway_.run(CUSTOMER, key=key, ticketsAge=0)
    finally:
        await gateway_.aclose()
    assert set(demo_estate.instruments["service_desk"].by_route) == {"FindCasesByContactId"}
    assert (
        demo_estate.instruments["crm"].calls == 0 and demo_estate.instruments["dealer"].calls == 0
    )
    states = {k: i.cache for k, i in context.recording.info.items()}
    assert {s for (src, entity, _), s in states.items() if entity == "ticket"} == {"miss"}
    assert {s for (src, entity, _), s in states.items() if entity == "loyalty"} == {"hit"}


async def test_a_timeline_with_max_age_zero_reads_its_systems_live(
    demo_estate: DemoEstate,
) -> None:
    key = first_crm_key(demo_estate, 3)
    query = """query ($key: String!, $age: Int) {
      customer(sourceKey: {source: "crm", key: $key}) { timeline(first: 3, maxAge: $age) {
        totalCount } } }"""
    gateway_ = Gateway(demo_estate.settings)
    try:
        first, _ = await gateway_.run(query, key=key)
        demo_estate.reset_counts()
        await gateway_.run(query, key=key)
        from_cache = backend_calls(demo_estate)
        live, context = await gateway_.run(query, key=key, age=0)
    finally:
        await gateway_.aclose()
    assert from_cache == 0 and live == first
    assert "FindCasesByContactId" in demo_estate.instruments["service_desk"].by_route
    assert demo_estate.instruments["crm"].calls == 0  # the people themselves from cache
    states = {i.cache for (_, entity, _), i in context.recording.info.items() if entity == "ticket"}
    assert states == {"miss"}


HOOKED = """\
sources:
  crm:
    kind: rest
    base_url: ${CRM_URL}
    webhook_secret: a-shared-secret-of-the-crm
    entities:
      person:
        get: /contacts/{key}
        lookup: {email: "/contacts?email={value}"}
        items: items
        fields: {key: id, email: emailAddress}
"""


async def test_signed_webhook_and_mutation_invalidate(demo_estate: DemoEstate, tmp_path) -> None:
    crm = demo_estate.instruments["crm"]
    url = demo_estate.settings.sources["crm"].config.base_url  # type: ignore[attr-defined]
    settings = settings_from(tmp_path, HOOKED, CRM_URL=url)
    body = json.dumps({"entity": "person", "keys": ["C-000001"]}).encode()
    async with gateway(settings) as client:
        await graphql(client, CRM_RECORD)
        before = crm.calls
        await graphql(client, CRM_RECORD)
        assert crm.calls == before  # cached
        forged = await client.post(
            "/hooks/invalidate/crm",
            content=body,
            headers={"X-C360-Signature": signature("wrong", body)},
        )
        unknown = await client.post("/hooks/invalidate/billing", content=body)
        huge = await client.post("/hooks/invalidate/crm", content=b"x" * 1_000_001)
        signed = await client.post(
            "/hooks/invalidate/crm",
            content=body,
            headers={"X-C360-Signature": signature("a-shared-secret-of-the-crm", body)},
        )
        await graphql(client, CRM_RECORD)
        after_hook = crm.calls
        mutation = await graphql(
            client,
            """mutation { invalidate(source: "crm", entity: "person",
            keys: ["C-000001"]) { dropped } }""",
        )
        await graphql(client, CRM_RECORD)
    assert (forged.status_code, unknown.status_code, huge.status_code) == (401, 404, 413)
    assert signed.status_code == 200 and signed.json()["dropped"] >= 1
    assert after_hook == before + 1
    assert mutation["data"]["invalidate"]["dropped"] >= 1
    assert crm.calls == after_hook + 1


async def test_metrics_count_cache_outcomes(demo_estate: DemoEstate, tmp_path) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    url = demo_estate.settings.sources["crm"].config.base_url  # type: ignore[attr-defined]
    settings = settings_from(tmp_path, HOOKED, CRM_URL=url)
    async with gateway(settings) as client:
        await graphql(client, CRM_RECORD)
        await graphql(client, CRM_RECORD)
        text = (await client.get("/metrics")).text
    samples = {
        (s.name, s.labels.get("event") or s.labels.get("outcome")): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("c360_cache_events_total", "hit")] >= 1
    assert samples[("c360_cache_events_total", "miss")] >= 1
    assert samples[("c360_backend_calls_total", "ok")] >= 1
