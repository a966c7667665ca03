"""The REST connector: against a live HTTP server, and (respx) for shapes of answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from connectors.errors import SourceBadResponse, SourceTimeout, SourceUnavailable
from connectors.rest import RestConfig, RestConnector, escape
from tests.support.build import make_connector
from tests.support.legacy_rest import REST_SOURCE, LegacyRest
from tests.support.servers import free_port


def rest(base_url: str, **entities: Any) -> dict[str, Any]:
    return {"kind": "rest", "base_url": base_url, "entities": entities or REST_SOURCE["entities"]}


def person(**templates: Any) -> dict[str, Any]:
    return {**templates, "fields": {"key": "id", "email": "emailAddress"}}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("../admin", "..%2Fadmin"),
        ("a?b=c", "a%3Fb%3Dc"),
        ("..", "%2E%2E"),
        ("x#y", "x%23y"),
        ("ann@x.com", "ann%40x.com"),
        ("Zoë", "Zo%C3%AB"),
    ],
)
def test_escape_keeps_values_inside_their_segment(value: str, expected: str) -> None:
    assert escape(value) == expected


async def test_hostile_keys_never_change_the_path_or_query(rest_system: LegacyRest) -> None:
    block = rest(rest_system.base_url, person=person(get="/contacts/{key}"))
    async with make_connector("crm", block) as crm:
        found = await crm.fetch("person", "key", ["../admin", "a?b=c&ids=P-1", "..", "P-1"])
    assert found["P-1"][0].key == "P-1"
    assert all(found[v] == [] for v in ("../admin", "a?b=c&ids=P-1", ".."))
    assert sorted(rest_system.paths) == sorted(
        [
            "/contacts/..%2Fadmin",
            "/contacts/a%3Fb%3Dc%26ids%3DP-1",
            "/contacts/%2E%2E",
            "/contacts/P-1",
        ]
    )


async def test_batch_endpoint_is_one_call_per_chunk(rest_system: LegacyRest) -> None:
    block = {**rest(rest_system.base_url), "batch_size": 2}
    async with make_connector("crm", block) as crm:
        found = await crm.fetch("person", "key", ["P-1", "P-2", "P-ü", "P-4", "P-9"])
    assert [len(found[k]) for k in ("P-1", "P-2", "P-ü", "P-4", "P-9")] == [1, 1, 1, 1, 0]
    assert rest_system.calls["contacts"] == 3


async def test_single_gets_respect_the_concurrency_limit(rest_system: LegacyRest) -> None:
    rest_system.delay = 0.05
    try:
        block = {
            **rest(rest_system.base_url, person=person(get="/contacts/{key}")),
            "concurrency": 2,
        }
        async with make_connector("crm", block) as crm:
            found = await crm.fetch("person", "key", [f"P-{i}" for i in range(10)])
    finally:
        rest_system.delay = 0.0
    assert rest_system.calls["contact"] == 10
    assert rest_system.max_in_flight == 2
    assert len(found["P-1"]) == 1


async def test_a_500_names_the_source_and_status(rest_system: LegacyRest) -> None:
    block = rest(rest_system.base_url, person=person(get="/broken?k={key}"))
    async with make_connector("crm", block) as crm:
        with pytest.raises(
            SourceBadResponse, match=r"crm: GET /broken\?k=P-1: HTTP 500: database"
        ) as err:
            await crm.fetch("person", "key", ["P-1"])
    assert err.value.status == 500


async def test_html_instead_of_json(rest_system: LegacyRest) -> None:
    block = rest(rest_system.base_url, person=person(get="/html?k={key}"))
    async with make_connector("crm", block) as crm:
        with pytest.raises(SourceBadResponse, match="not JSON .*text/html.*<html><body>Login"):
            await crm.fetch("person", "key", ["P-1"])


async def test_json_that_is_not_a_record(rest_system: LegacyRest) -> None:
    block = rest(rest_system.base_url, person=person(get="/scalar?k={key}"))
    async with make_connector("crm", block) as crm:
        with pytest.raises(SourceBadResponse, match="expected an object or a list, got 42"):
            await crm.fetch("person", "key", ["P-1"])


async def test_timeout(rest_system: LegacyRest) -> None:
    block = {**rest(rest_system.base_url, person=person(get="/slow?k={key}")), "timeout": "200ms"}
    async with make_connector("crm", block) as crm:
        with pytest.raises(SourceTimeout, match=r"crm: GET /slow\?k=P-1: no answer within 0.2s"):
            await crm.fetch("person", "key", ["P-1"])


async def test_connection_refused() -> None:
    block = rest(f"http://127.0.0.1:{free_port()}", person=person(get="/contacts/{key}"))
    async with make_connector("crm", block) as crm:
        with pytest.raises(SourceUnavailable, match="crm: GET /contacts/P-1: ConnectError"):
            await crm.fetch("person", "key", ["P-1"])
        assert not (await crm.health()).ok


@respx.mock
async def test_headers_dotted_fields_and_envelopes() -> None:
    route = respx.get("http://crm.test/api/people", params={"mail": "a@b.c"}).respond(
        json={"data": {"results": [{"id": 7, "contact": {"email": "a@b.c"}, "mod": 1767225600}]}}
    )
    config = RestConfig.model_validate(
        {
            "kind": "rest",
            "base_url": "http://crm.test/api",
            "http_client": "httpx",  # respx mocks httpx
            "headers": {"X-Api-Key": "k1"},
            "entities": {
                "person": {
                    "get": "/people/{key}",
                    "items": "data.results",
                    "lookup": {"email": "/people?mail={value}"},
                    "fields": {"key": "id", "email": "contact.email", "updated_at": "mod"},
                }
            },
        }
    )
    async with RestConnector.from_config("crm", config, base_dir=Path()) as crm:
        [found] = (await crm.fetch("person", "email", ["a@b.c"]))["a@b.c"]
    assert route.calls.last.request.headers["X-Api-Key"] == "k1"
    assert found.key == "7" and found.data["email"] == "a@b.c"
    assert found.source_fields["email"] == "contact.email"
    assert found.updated_at is not None and found.updated_at.year == 2026


@respx.mock
async def test_not_found_is_an_empty_answer() -> None:
    respx.get("http://crm.test/people/X").respond(404, text="<h1>nope</h1>")
    async with RestConnector(
        "crm",
        RestConfig.model_validate(
            {
                "kind": "rest",
                "base_url": "http://crm.test",
                "entities": {"person": person(get="/people/{key}")},
            }
        ),
        httpx.AsyncClient(base_url="http://crm.test"),
    ) as crm:
        assert await crm.fetch("person", "key", ["X"]) == {"X": []}


@respx.mock
async def test_a_look_up_by_a_derived_key_sends_the_key() -> None:
    route = respx.get("http://crm.test/people", params={"soundex": "M600"}).respond(
        json=[{"id": 1, "last": "Mayer"}]
    )
    config = RestConfig.model_validate(
        {
            "kind": "rest",
            "base_url": "http://crm.test",
            "http_client": "httpx",
            "entities": {
                "person": {
                    "get": "/people/{key}",
                    "lookup": {"family_sound": "/people?soundex={value}"},
                    "send": {"family_sound": "phonetic"},
                    "fields": {"key": "id", "family_name": "last"},
                }
            },
        }
    )
    async with RestConnector.from_config("crm", config, base_dir=Path()) as crm:
        found = await crm.fetch("person", "family_sound", ["Meyer", "Maier", "123"])
    assert route.call_count == 1  # Meyer and Maier sound alike: one call
    assert [r.key for r in found["Meyer"]] == [r.key for r in found["Maier"]] == ["1"]
    assert found["123"] == []


def test_a_derived_key_is_sent_only_for_a_declared_look_up() -> None:
    config = RestConfig.model_validate(
        {
            "kind": "rest",
            "base_url": "http://crm.test",
            "entities": {
                "person": {
                    "get": "/p/{key}",
                    "send": {"postcode": "postcode"},
                    "fields": {"key": "id"},
                }
            },
        }
    )
    assert [m for _, m in config.problems()] == ["not one of the entity's lookup templates"]
