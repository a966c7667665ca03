"""Fault injection against the demo's real systems: a system stopped, hanging, failing again
and again, and back; what the answer, the breaker, /readyz and /metrics say."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from connectors.options import CachePolicy, ResiliencePolicy
from demo.services.instruments import Instruments
from demo.services.systems import crm as crm_app
from demo.services.systems import service_desk as desk_app
from gateway.clock import ManualClock
from gateway.config import Settings
from tests.schema.test_customer import billing_orders
from tests.support.demo_estate import DemoEstate
from tests.support.gateway import gateway, graphql
from tests.support.servers import free_port, serve

WHOLE = """query Whole($key: String!) { customer(sourceKey: {source: "crm", key: $key}) {
  id name { full } email orders(first: 3) { totalCount } tickets { number status }
  loyalty { tier } vehicles { vin } } }"""


def with_source(settings: Settings, name: str, **config: Any) -> Settings:
    source = settings.sources[name]
    updated = source.config.model_copy(update=config)
    return dataclasses.replace(
        settings, sources={**settings.sources, name: dataclasses.replace(source, config=updated)}
    )


def a_person_of_the_service_desk(demo: DemoEstate) -> dict[str, Any]:
    for line in (demo.folder / "ground_truth.jsonl").read_text().splitlines():
        person: dict[str, Any] = json.loads(line)
        if {"crm", "service_desk", "billing", "loyalty"} <= set(person):
            return person
    raise AssertionError("no such person")


def a_customer_of_the_service_desk(demo: DemoEstate) -> str:
    return str(a_person_of_the_service_desk(demo)["crm"][0])


async def test_a_stopped_system_costs_only_its_fields(demo_estate: DemoEstate) -> None:
    dead = f"http://127.0.0.1:{free_port()}/soap"
    settings = with_source(demo_estate.settings, "service_desk", url=dead)
    person = a_person_of_the_service_desk(demo_estate)
    async with gateway(settings) as client:
        body = await graphql(client, WHOLE, key=person["crm"][0])
    customer = body["data"]["customer"]
    assert customer["tickets"] is None  # served by the service desk alone
    assert customer["name"]["full"] and customer["email"] and customer["loyalty"]["tier"]
    assert customer["orders"]["totalCount"] == billing_orders(demo_estate, person["billing"])
    [error] = body["errors"]
    assert error["extensions"] == {"code": "SOURCE_UNAVAILABLE", "source": "service_desk"}
    assert body["extensions"]["sources"]["service_desk"]["status"] == "source_unavailable"
    assert body["extensions"]["sources"]["billing"]["status"] == "ok"


def retries(source: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value("c360_backend_retries_total", {"source": source}) or 0.0


async def test_a_hanging_system_costs_one_timeout_and_no_retry(demo_estate: DemoEstate) -> None:
    before = retries("service_desk")
    instruments = Instruments(latency=5.0)
    app = instruments.middleware(desk_app(demo_estate.folder, instruments))
    with serve(app) as url:
        settings = with_source(demo_estate.settings, "service_desk", url=f"{url}/soap", timeout=0.3)
        async with gateway(settings) as client:
            body = await graphql(client, WHOLE, key=a_customer_of_the_service_desk(demo_estate))
    assert body["data"]["customer"]["tickets"] is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"SOURCE_TIMEOUT"}
    assert body["extensions"]["sources"]["service_desk"] == {"status": "source_timeout", "calls": 2}
    assert retries("service_desk") == before  # a time-out is never tried again


async def test_the_breaker_opens_stops_asking_and_closes_when_the_system_is_back(
    demo_estate: DemoEstate,
) -> None:
    port = free_port()
    instruments = Instruments()
    app = instruments.middleware(crm_app(demo_estate.folder, instruments))
    settings = with_source(
        demo_estate.settings,
        "crm",
        base_url=f"http://127.0.0.1:{port}",
        cache=CachePolicy(enabled=False),
        resilience=ResiliencePolicy(retries=0, failures=2, window=30, cooldown=0.5),
    )
    query = '{ record(source: "crm", entity: "person", key: "C-000001") { key } }'
    clock = ManualClock()
    async with gateway(settings, clock=clock) as client:
        codes = []
        for _ in range(4):  # the CRM is down
            body = await graphql(client, query)
            codes.append(body["errors"][0]["extensions"]["code"])
        with serve(app, port):
            still_open = await graphql(client, query)
            assert instruments.calls == 0  # an open breaker does not even ask
            clock.advance(0.6)  # the cooldown passes
            probe = await graphql(client, query)
            after = await graphql(client, query)
            ready = (await client.get("/readyz")).json()
    assert codes == ["SOURCE_UNAVAILABLE", "SOURCE_UNAVAILABLE", "CIRCUIT_OPEN", "CIRCUIT_OPEN"]
    assert still_open["errors"][0]["extensions"]["code"] == "CIRCUIT_OPEN"
    assert probe["data"]["record"]["key"] == "C-000001" and after["data"]["record"]
    assert instruments.calls == 2
    assert ready["sources"]["crm"]["breaker"] == "closed"


async def test_readyz_follows_the_critical_sources(demo_estate: DemoEstate) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    optional = with_source(demo_estate.settings, "crm", base_url=dead)
    critical = with_source(optional, "crm", base_url=dead, critical=True)
    async with gateway(optional) as client:
        fine = await client.get("/readyz")
    async with gateway(critical) as client:
        down = await client.get("/readyz")
    assert fine.status_code == 200 and fine.json()["sources"]["crm"]["ok"] is False
    assert down.status_code == 503 and down.json()["status"] == "not ready"
    assert down.json()["sources"]["billing"] == {
        "ok": True,
        "detail": "",
        "breaker": "closed",
        "critical": False,
    }


async def test_metrics_parse_with_prometheus_client(demo_estate: DemoEstate) -> None:
    async with gateway(demo_estate.settings) as client:
        await graphql(client, WHOLE, key=a_customer_of_the_service_desk(demo_estate))
        text = (await client.get("/metrics")).text
    families = {f.name: f for f in text_string_to_metric_families(text)}
    for name in (
        "c360_requests",
        "c360_request_seconds",
        "c360_backend_calls",
        "c360_backend_seconds",
        "c360_breaker_state",
        "c360_cache_events",
    ):
        assert name in families, name
    requests = [
        s for s in families["c360_requests"].samples if s.labels.get("operation") == "Whole"
    ]
    assert requests and requests[0].value >= 1
