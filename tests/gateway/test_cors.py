"""CORS: allowed origins (exact and patterns) get their headers, preflights are answered before
authentication and GraphQL, a disallowed origin gets no CORS header, and off by default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from gateway.config import ConfigError
from gateway.cors import Cors, CorsSettings, origin_pattern
from tests.support.gateway import gateway, settings_from

MEMBERS = """\
sources:
  loyalty:
    kind: csv
    entities: {person: {file: members.csv, by: {email: EMAIL}, fields: {key: ID, email: EMAIL}}}
"""
CORS = """\
server:
  cors:
    origins: ["https://app.example.com", "https://*.example.com", "http://localhost:*"]
    credentials: true
    max_age: 5m
"""
SECURED = """\
security:
  enabled: true
  api_keys: {store: "sqlite+aiosqlite:///keys.db"}
  roles: {agent: {}}
"""
QUERY = {"query": "{ __typename }"}


def members(tmp_path: Path) -> Path:
    (tmp_path / "members.csv").write_text("ID,EMAIL\n1,a@example.com\n")
    return tmp_path


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://app.example.com", True),
        ("https://shop.eu.example.com", True),
        ("http://localhost:5173", True),
        ("http://localhost", True),
        ("https://example.com", False),  # the bare domain is not a subdomain
        ("http://app.example.com", False),  # another scheme
        ("https://app.example.com.evil.test", False),
        ("https://evilexample.com", False),
        ("http://localhost.evil.test:80", False),
    ],
)
def test_origin_patterns(origin: str, allowed: bool) -> None:
    patterns = [origin_pattern(p) for p in ("https://*.example.com", "http://localhost:*")]
    patterns.append(origin_pattern("https://app.example.com"))
    assert any(p.match(origin) for p in patterns) is allowed


async def test_an_allowed_origin_gets_its_headers(tmp_path: Path) -> None:
    settings = settings_from(members(tmp_path), MEMBERS + CORS)
    async with gateway(settings) as client:
        response = await client.post(
            "/graphql", json=QUERY, headers={"origin": "https://shop.example.com"}
        )
    assert response.json()["data"] == {"__typename": "Query"}
    headers = response.headers
    assert headers["access-control-allow-origin"] == "https://shop.example.com"
    assert headers["access-control-allow-credentials"] == "true"
    assert "etag" in headers["access-control-expose-headers"]
    assert "Origin" in headers["vary"]


async def test_a_disallowed_origin_gets_no_cors_header(tmp_path: Path) -> None:
    settings = settings_from(members(tmp_path), MEMBERS + CORS)
    async with gateway(settings) as client:
        simple = await client.post("/graphql", json=QUERY, headers={"origin": "https://evil.test"})
        preflight = await client.options(
            "/graphql",
            headers={"origin": "https://evil.test", "access-control-request-method": "POST"},
        )
    assert simple.status_code == 200  # the server answers; the browser withholds it
    assert preflight.status_code == 403
    for response in (simple, preflight):
        assert not [h for h in response.headers if h.startswith("access-control-")]
    assert simple.headers["vary"] == "Origin"  # what an allowed origin gets differs


async def test_a_preflight_is_answered_before_authentication(tmp_path: Path) -> None:
    settings = settings_from(members(tmp_path), MEMBERS + CORS + SECURED)
    async with gateway(settings) as client:
        preflight = await client.options(
            "/graphql",
            headers={
                "origin": "http://localhost:8080",
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type, x-api-key",
            },
        )
        refused = await client.post(
            "/graphql", json=QUERY, headers={"origin": "http://localhost:8080"}
        )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:8080"
    assert preflight.headers["access-control-max-age"] == "300"
    assert "x-api-key" in preflight.headers["access-control-allow-headers"]
    assert "POST" in preflight.headers["access-control-allow-methods"]
    # the page can read why it was refused
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == "http://localhost:8080"


async def test_a_preflight_for_a_header_not_allowed_is_refused(tmp_path: Path) -> None:
    settings = settings_from(members(tmp_path), MEMBERS + CORS)
    async with gateway(settings) as client:
        preflight = await client.options(
            "/graphql",
            headers={
                "origin": "https://app.example.com",
                "access-control-request-method": "POST",
                "access-control-request-headers": "x-forwarded-host",
            },
        )
    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers


async def test_cors_is_off_by_default(tmp_path: Path) -> None:
    async with gateway(settings_from(members(tmp_path), MEMBERS)) as client:
        response = await client.post(
            "/graphql", json=QUERY, headers={"origin": "https://app.example.com"}
        )
        preflight = await client.options(
            "/graphql",
            headers={"origin": "https://app.example.com", "access-control-request-method": "POST"},
        )
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-origin" not in preflight.headers


def test_a_bad_origin_is_a_config_error_with_its_line(tmp_path: Path) -> None:
    bad = CORS.replace('"http://localhost:*"', '"localhost:*"')
    with pytest.raises(ConfigError) as raised:
        settings_from(members(tmp_path), MEMBERS + bad)
    [problem] = raised.value.problems
    assert problem.line == 7  # the line of `origins:`
    assert problem.path.startswith("server.cors.origins")
    assert "'localhost:*' is not an origin" in problem.message


async def test_websockets_pass_untouched() -> None:
    seen: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    settings = CorsSettings(origins=("https://app.example.com",))
    scope = {"type": "websocket", "path": "/graphql", "headers": [(b"origin", b"https://x.test")]}
    await Cors(app, settings)(scope, _never, _never)
    assert seen == [scope]


async def _never(*_: object) -> Any:
    raise AssertionError("the layer itself must neither receive nor send")
