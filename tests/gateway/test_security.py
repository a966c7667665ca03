"""Who may see what, over the demo estate: keys, tokens, dealer isolation, attacks, audit."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from gateway.config import Settings
from gateway.security.keys import KeyStore
from gateway.security.settings import SecuritySettings
from tests.support.demo_estate import DemoEstate
from tests.support.gateway import gateway

SECRET = "a-test-signing-secret-of-32-characters!"


def secured(demo: DemoEstate, folder: Path, **overrides: Any) -> Settings:
    security = SecuritySettings.model_validate(
        {
            "enabled": True,
            "api_keys": {"store": f"sqlite+aiosqlite:///{folder / 'keys.db'}"},
            "jwt": {"secret": SECRET, "issuer": "https://idp.test", "audience": "c360"},
            "audit": {"path": str(folder / "audit.log"), "queue": 16},
            "roles": {
                "agent": {"sources": "*"},
                "dealer": {
                    "sources": ["dealer", "dealer_visits", "crm"],
                    "row_scope": "dealer",
                    "deny": ["Query.record", "Query.records", "Customer.birthDate"],
                    "mask": {"Customer.phone": "last4"},
                    "introspection": False,
                    "limits": {"depth": 8, "aliases": 5, "tokens": 400, "cost": 5000},
                },
            },
            **overrides,
        }
    )
    return dataclasses.replace(demo.settings, security=security)


def with_limits(settings: Settings, role: str, **limits: Any) -> Settings:
    """The settings with one role's limits changed."""
    policy = settings.security.roles[role]
    roles = {
        **settings.security.roles,
        role: policy.model_copy(update={"limits": policy.limits.model_copy(update=limits)}),
    }
    return dataclasses.replace(
        settings, security=settings.security.model_copy(update={"roles": roles})
    )


async def new_key(folder: Path, role: str, dealer: str | None = None) -> str:
    store = KeyStore.open(f"sqlite+aiosqlite:///{folder / 'keys.db'}", folder)
    try:
        return (await store.create(role, f"test {role} {dealer}", dealer))[1]
    finally:
        await store.aclose()


def token(**claims: Any) -> str:
    body = {
        "sub": "agent-7",
        "roles": ["agent"],
        "iss": "https://idp.test",
        "aud": "c360",
        "exp": int(time.time()) + 600,
        **claims,
    }
    return jwt.encode(body, SECRET, algorithm="HS256")


async def ask(
    client: httpx.AsyncClient, query: str, headers: dict[str, str], **variables: Any
) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )


def owners(demo: DemoEstate) -> dict[str, list[dict[str, Any]]]:
    """Dealer id -> the ground-truth people whose dealer record names that dealer."""
    dealer = {
        o["ownerId"]: o["dealerId"]
        for o in json.loads((demo.folder / "dealer.json").read_text())["owners"]
    }
    found: dict[str, list[dict[str, Any]]] = {}
    for line in (demo.folder / "ground_truth.jsonl").read_text().splitlines():
        person = json.loads(line)
        if "dealer" in person and "crm" in person:
            found.setdefault(dealer[person["dealer"][0]], []).append(person)
    return found


@pytest.fixture
async def secure(
    demo_estate: DemoEstate, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, Path]]:
    async with gateway(secured(demo_estate, tmp_path)) as client:
        yield client, tmp_path


async def test_no_or_bad_credentials_are_refused_without_echo(
    secure: tuple[httpx.AsyncClient, Path],
) -> None:
    client, folder = secure
    query = "{ sources { name } }"
    missing = await ask(client, query, {})
    wrong = await ask(client, query, {"X-API-Key": "c360_deadbeef0000_not-a-real-secret"})
    key = await new_key(folder, "agent")
    ok = await ask(client, query, {"X-API-Key": key})
    assert (
        missing.status_code == 401
        and missing.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    )
    assert wrong.status_code == 401 and "not-a-real-secret" not in wrong.text
    assert ok.status_code == 200 and ok.json()["data"]["sources"]


async def test_a_revoked_key_stops_working(secure: tuple[httpx.AsyncClient, Path]) -> None:
    client, folder = secure
    key = await new_key(folder, "agent")
    assert (await ask(client, "{ sources { name } }", {"X-API-Key": key})).status_code == 200
    store = KeyStore.open(f"sqlite+aiosqlite:///{folder / 'keys.db'}", folder)
    try:
        key_id = key.split("_")[1]
        assert await store.revoke(key_id)
        assert [k.revoked_at is not None for k in await store.list() if k.id == key_id] == [True]
    finally:
        await store.aclose()
    assert (await ask(client, "{ sources { name } }", {"X-API-Key": key})).status_code == 401


@pytest.mark.parametrize(
    ("bearer", "reason"),
    [
        (token(), None),
        (
            jwt.encode(
                {
                    "sub": "x",
                    "roles": ["agent"],
                    "iss": "https://idp.test",
                    "aud": "c360",
                    "exp": int(time.time()) + 600,
                },
                "another-secret-of-thirty-two-chars!!",
                algorithm="HS256",
            ),
            "signature",
        ),
        (token(exp=int(time.time()) - 10), "expired"),
        (token(aud="someone-else"), "audience"),
        (token(iss="https://evil.test"), "issuer"),
        (
            jwt.encode(
                {
                    "sub": "x",
                    "roles": ["agent"],
                    "iss": "https://idp.test",
                    "aud": "c360",
                    "exp": int(time.time()) + 600,
                },
                None,
                algorithm="none",
            ),
            "not accepted",
        ),
        ("not.a.token", "malformed"),
    ],
)
async def test_tokens(
    secure: tuple[httpx.AsyncClient, Path], bearer: str, reason: str | None
) -> None:
    client, _ = secure
    response = await ask(client, "{ sources { name } }", {"Authorization": f"Bearer {bearer}"})
    if reason is None:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 401 and reason in response.json()["errors"][0]["message"]
        assert bearer not in response.text


async def test_dealer_sees_only_its_own_customers(
    demo_estate: DemoEstate, secure: tuple[httpx.AsyncClient, Path]
) -> None:
    client, folder = secure
    by_dealer = owners(demo_estate)
    mine, theirs = sorted(by_dealer)[:2]
    d1 = {"X-API-Key": await new_key(folder, "dealer", mine)}
    d2 = {"X-API-Key": await new_key(folder, "dealer", theirs)}
    phones = {
        o["ownerId"]: o["phone"]
        for o in json.loads((demo_estate.folder / "dealer.json").read_text())["owners"]
    }
    other = next(p for p in by_dealer[theirs] if phones[p["dealer"][0]])
    crm = {
        c["id"]: c for c in json.loads((demo_estate.folder / "crm.json").read_text())["contacts"]
    }[other["crm"][0]]
    lookups = [
        ('customer(sourceKey: {source: "dealer", key: $v}) { id }', other["dealer"][0]),
        ("customer(id: $v) { id }", f"crm:{other['crm'][0]}"),
        ("customer(email: $v) { id }", crm["emailAddress"].strip()),
        ("customer(phone: $v) { id }", crm["phoneNumber"]),
    ]
    for field, value in lookups:
        query = f"query ($v: String!) {{ {field} }}".replace(
            "$v: String!) { customer(id:", "$v: ID!) { customer(id:"
        )
        theirs_answer = (await ask(client, query, d2, v=value)).json()
        mine_answer = (await ask(client, query, d1, v=value)).json()
        assert mine_answer["data"] == {"customer": None} and "errors" not in mine_answer, (
            field,
            mine_answer,
        )
        if "email" not in field:  # the dealer system holds no email: D2 finds it by the others
            assert theirs_answer["data"]["customer"], (field, theirs_answer)
    family = crm["lastName"]
    search = (
        await ask(
            client,
            """query ($s: String!) { customers(search: $s, first: 20) {
        edges { node { id identities { source key } timeline(first: 5) { edges { node { sources { key } } } }
        phone } } } }""",
            d1,
            s=family[:3],
        )
    ).json()
    assert "errors" not in search, search["errors"]
    text = json.dumps(search)
    for record in [*other["dealer"], *other["crm"]]:
        assert record not in text, record
    for edge in search["data"]["customers"]["edges"]:
        node = edge["node"]
        assert {i["source"] for i in node["identities"]} <= {"dealer", "crm"}
        assert node["phone"] is None or node["phone"].startswith("*")


async def test_forbidden_sources_never_reach_a_dealer(
    demo_estate: DemoEstate, secure: tuple[httpx.AsyncClient, Path]
) -> None:
    client, folder = secure
    by_dealer = owners(demo_estate)
    dealer_id = sorted(by_dealer)[0]
    person = next(p for p in by_dealer[dealer_id] if "billing" in p and "loyalty" in p)
    headers = {"X-API-Key": await new_key(folder, "dealer", dealer_id)}
    answer = (
        await ask(
            client,
            """query ($k: String!) @provenance { customer(sourceKey: {source: "dealer", key: $k}) {
        id email phone name { full } identities { source } orders(first: 5) { totalCount } loyalty { tier } } }""",
            headers,
            k=person["dealer"][0],
        )
    ).json()
    customer = answer["data"]["customer"]
    assert {i["source"] for i in customer["identities"]} <= {"dealer", "crm"}
    assert customer["orders"]["totalCount"] == 0 and customer["loyalty"] is None
    text = json.dumps(answer)
    for source in ("billing", "loyalty", "service_desk"):
        assert f'"source": "{source}"' not in text and all(
            k not in text for k in person.get(source, [])
        )
    conflicts = [
        c for e in answer["extensions"]["provenance"].values() for c in e.get("conflicts", [])
    ]
    assert all(c["source"] in ("dealer", "crm") for c in conflicts)


async def test_query_attacks_are_refused(secure: tuple[httpx.AsyncClient, Path]) -> None:
    client, folder = secure
    dealer = {"X-API-Key": await new_key(folder, "dealer", "D001")}
    deep = '{ customer(id: "crm:C-000001") { vehicles { serviceVisits { amount } } timeline { edges { node { sources { key } } } } } }'
    depth_bomb = '{ __type(name: "Customer") { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } }'
    aliases = "{ " + " ".join(f"a{i}: sources {{ name }}" for i in range(6)) + " }"
    cases = {
        "depth": (depth_bomb, "QUERY_TOO_DEEP"),
        "aliases": (aliases, "TOO_MANY_ALIASES"),
        "tokens": ("{ " + " ".join(["sources { name }"] * 120) + " }", "QUERY_TOO_LARGE"),
        "introspection": ("{ __schema { queryType { name } } }", "FORBIDDEN"),
        "denied field": (
            '{ record(source: "crm", entity: "person", key: "C-000001") { key } }',
            "FORBIDDEN",
        ),
    }
    for name, (query, code) in cases.items():
        response = await ask(client, query, dealer)
        body = response.json()
        assert body.get("data") is None and body["errors"][0]["extensions"]["code"] == code, (
            name,
            body,
        )
    assert (await ask(client, deep, dealer)).status_code == 200
    huge = await client.post(
        "/graphql",
        content=b'{"query": "' + b"{" * 1_000_001 + b'"}',
        headers={**dealer, "content-type": "application/json"},
    )
    assert huge.status_code == 413
    batch = await client.post(
        "/graphql", json=[{"query": "{ sources { name } }"}] * 50, headers=dealer
    )
    assert batch.status_code == 400 and "sources" not in batch.text


async def test_purpose_header_with_cr_lf_is_refused(secure: tuple[httpx.AsyncClient, Path]) -> None:
    client, folder = secure
    key = await new_key(folder, "agent")
    app = client._transport.app  # type: ignore[attr-defined]
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "headers": [
            (b"x-api-key", key.encode()),
            (b"c360-purpose", b"care\r\nX-Admin: yes"),
            (b"content-type", b"application/json"),
        ],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("t", 80),
        "client": ("t", 1),
    }

    async def receive() -> dict[str, Any]:
        return {
            "type": "http.request",
            "body": b'{"query":"{ sources { name } }"}',
            "more_body": False,
        }

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    assert sent[0]["status"] == 400
    assert b"C360-Purpose" in sent[1]["body"]


async def test_rate_limit_answers_429_with_retry_after(
    demo_estate: DemoEstate, tmp_path: Path
) -> None:
    settings = secured(demo_estate, tmp_path)
    settings = with_limits(settings, "agent", rate=1.0, burst=3)
    async with gateway(settings) as client:
        key = {"X-API-Key": await new_key(tmp_path, "agent")}
        answers = [await ask(client, "{ sources { name } }", key) for _ in range(5)]
    assert [a.status_code for a in answers][:3] == [200, 200, 200]
    assert answers[4].status_code == 429 and int(answers[4].headers["retry-after"]) >= 1


async def test_ten_thousand_audited_requests_lose_no_line(
    demo_estate: DemoEstate, tmp_path: Path
) -> None:
    settings = secured(demo_estate, tmp_path)
    settings = with_limits(settings, "agent", rate=1e6, burst=100000)
    query = '{ record(source: "crm", entity: "person", key: "C-000001") { key data } }'
    async with gateway(settings) as client:
        headers = {"X-API-Key": await new_key(tmp_path, "agent"), "C360-Purpose": "load test"}

        async def worker(n: int) -> int:
            ok = 0
            for _ in range(n):
                response = await client.post("/graphql", json={"query": query}, headers=headers)
                ok += response.status_code == 200
            return ok

        done = sum(await asyncio.gather(*(worker(250) for _ in range(40))))
    lines = (tmp_path / "audit.log").read_text().splitlines()
    assert done == 10_000 and len(lines) == 10_000
    entry = json.loads(lines[-1])
    assert entry["purpose"] == "load test" and entry["role"] == "agent"
    assert "SourceRecord.data" in entry["fields"] and entry["outcome"] == "ok"


async def test_trusted_documents_for_dealer_keys(demo_estate: DemoEstate, tmp_path: Path) -> None:
    import hashlib

    trusted = "{ sources { name } }"
    (tmp_path / "trusted.json").write_text(json.dumps([trusted]))
    settings = secured(demo_estate, tmp_path, trusted_documents=str(tmp_path / "trusted.json"))
    roles = {
        **settings.security.roles,
        "dealer": settings.security.roles["dealer"].model_copy(update={"trusted_only": True}),
    }
    settings = dataclasses.replace(
        settings, security=settings.security.model_copy(update={"roles": roles})
    )
    digest = hashlib.sha256(trusted.encode()).hexdigest()
    async with gateway(settings) as client:
        dealer = {"X-API-Key": await new_key(tmp_path, "dealer", "D001")}
        agent = {"X-API-Key": await new_key(tmp_path, "agent")}
        by_hash = await client.post(
            "/graphql",
            headers=dealer,
            json={"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}},
        )
        own_text = await ask(client, "{ sources { kind } }", dealer)
        trusted_text = await ask(client, trusted, dealer)
        unknown = await client.post(
            "/graphql",
            headers=dealer,
            json={"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
        )
        agent_text = await ask(client, "{ sources { kind } }", agent)
    assert by_hash.json()["data"]["sources"] and trusted_text.json()["data"]["sources"]
    assert (
        own_text.status_code == 403
        and own_text.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    )
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert agent_text.status_code == 200  # the agent role may send its own queries


async def test_tokens_signed_with_keys_from_a_jwks_url(
    demo_estate: DemoEstate, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from tests.support.servers import serve

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    fetched = []

    async def keys(request: Any) -> JSONResponse:
        fetched.append(1)
        return JSONResponse({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]})

    with serve(Starlette(routes=[Route("/jwks", keys)])) as url:
        settings = secured(
            demo_estate,
            tmp_path,
            jwt={"jwks_url": f"{url}/jwks", "issuer": "https://idp.test", "audience": "c360"},
        )
        claims = {
            "sub": "agent-9",
            "roles": ["agent"],
            "iss": "https://idp.test",
            "aud": "c360",
            "exp": int(time.time()) + 600,
        }
        good = jwt.encode(claims, private, algorithm="RS256", headers={"kid": "k1"})
        unknown = jwt.encode(claims, private, algorithm="RS256", headers={"kid": "k2"})
        hs_forged = jwt.encode(claims, "x" * 40, algorithm="HS256")
        async with gateway(settings) as client:
            ok = await ask(client, "{ sources { name } }", {"Authorization": f"Bearer {good}"})
            again = await ask(client, "{ sources { name } }", {"Authorization": f"Bearer {good}"})
            no_key = await ask(
                client, "{ sources { name } }", {"Authorization": f"Bearer {unknown}"}
            )
            forged = await ask(
                client, "{ sources { name } }", {"Authorization": f"Bearer {hs_forged}"}
            )
    assert ok.status_code == 200 and again.status_code == 200
    assert no_key.status_code == 401 and forged.status_code == 401
    assert len(fetched) <= 2  # cached; fetched again only for the unknown kid


@pytest.mark.postgres
async def test_keys_in_postgresql(postgres: Any) -> None:
    store = KeyStore.open(postgres.url, Path("."))
    try:
        info, key = await store.create("dealer", "pg portal", "D007")
        principal = await store.verify(key)
        assert (
            principal is not None and principal.dealer_id == "D007" and principal.role == "dealer"
        )
        assert await store.verify(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
        assert await store.revoke(info.id) and await store.verify(key) is None
    finally:
        await store.aclose()


def test_check_names_unknown_sources_of_roles(demo_estate: DemoEstate, tmp_path: Path) -> None:
    from gateway.config import ConfigError, load_settings

    text = (
        (demo_estate.settings.path).read_text()
        + """
security:
  enabled: true
  jwt: {issuer: x}
  roles:
    dealer: {sources: [dealer, warehouse]}
"""
    )
    config = tmp_path / "c360.yaml"
    config.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ={"C360_DEMO_DATA": str(demo_estate.folder)})
    messages = [p.message for p in caught.value.problems]
    assert "no source 'warehouse'" in messages
    assert "needs `secret` (HS256) or `jwks_url`" in messages


async def test_rate_limits_shared_through_redis(
    demo_estate: DemoEstate, tmp_path: Path, redis_server: Any
) -> None:
    redis_server.flush()
    settings = secured(demo_estate, tmp_path, rate_limits=redis_server.url)
    settings = with_limits(settings, "agent", rate=0.5, burst=2)
    key = {"X-API-Key": await new_key(tmp_path, "agent")}
    async with gateway(settings) as first, gateway(settings) as second:
        answers = [
            await ask(first, "{ sources { name } }", key),
            await ask(second, "{ sources { name } }", key),
            await ask(first, "{ sources { name } }", key),
        ]
    assert [a.status_code for a in answers] == [200, 200, 429]  # one bucket for both gateways
    assert int(answers[2].headers["retry-after"]) >= 1


async def test_the_graphiql_page_is_open_but_a_get_query_is_not(
    secure: tuple[httpx.AsyncClient, Path],
) -> None:
    client, _ = secure
    page = await client.get("/graphql", headers={"accept": "text/html"})
    query = await client.get(
        "/graphql", params={"query": "{ sources { name } }"}, headers={"accept": "text/html"}
    )
    plain = await client.get("/graphql", params={"query": "{ sources { name } }"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert query.status_code == 401 and plain.status_code == 401


async def test_mutations_need_an_explicit_allow(demo_estate: DemoEstate, tmp_path: Path) -> None:
    settings = secured(demo_estate, tmp_path)
    admin = settings.security.roles["agent"].model_copy(
        update={"allow": ["*", "Mutation.invalidate"]}
    )
    roles = {**settings.security.roles, "admin": admin}
    settings = dataclasses.replace(
        settings, security=settings.security.model_copy(update={"roles": roles})
    )
    mutation = (
        'mutation { invalidate(source: "crm", entity: "person", keys: ["C-000001"]) { keys } }'
    )
    async with gateway(settings) as client:
        agent = await ask(client, mutation, {"X-API-Key": await new_key(tmp_path, "agent")})
        allowed = await ask(client, mutation, {"X-API-Key": await new_key(tmp_path, "admin")})
    assert (
        agent.status_code == 403 and agent.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    )
    assert allowed.json()["data"]["invalidate"]["keys"] == 1
