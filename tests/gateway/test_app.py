"""The app end to end: a REST system declared in YAML alone, queried through /graphql."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.support.dataset import HUGE
from tests.support.gateway import gateway, graphql, settings_from
from tests.support.legacy_rest import LegacyRest
from tests.support.servers import free_port

NEW_SYSTEM = """\
sources:
  warranty:
    kind: rest
    base_url: ${WARRANTY_URL}
    timeout: 2s
    entities:
      person:
        get: /contacts/{key}
        lookup:
          email: /contacts?email={value}
        items: items
        fields:
          key: id
          given_name: name.first
          email: emailAddress
          city: address.city
          updated_at: lastModified
      order:
        get: /orders/{key}
        children:
          customer_no: /customers/{value}/orders
        items: items
        fields: {key: orderId, total: total.amount, currency: total.currency}
"""

RECORD = """query ($source: String!, $key: String!) {
  record(source: $source, entity: "person", key: $key) {
    source entity key updatedAt data fields { name value sourceField }
  }
}"""


async def test_a_new_rest_system_works_from_config_alone(
    tmp_path: Path, rest_system: LegacyRest
) -> None:
    settings = settings_from(tmp_path, NEW_SYSTEM, WARRANTY_URL=rest_system.base_url)
    async with gateway(settings) as client:
        body = await graphql(client, RECORD, source="warranty", key="P-ü")
        orders = await graphql(
            client,
            """{ records(source: "warranty", entity: "order",
            by: "customer_no", value: "P-1") { key data } }""",
        )
    record = body["data"]["record"]
    assert record["data"] == {
        "key": "P-ü",
        "given_name": "Zoë",
        "email": "zoe@example.com",
        "city": "Zürich",
        "updated_at": "2026-03-04T12:00:00Z",
    }
    assert record["updatedAt"] == "2026-03-04T12:00:00+00:00"
    assert {"name": "city", "value": "Zürich", "sourceField": "address.city"} in record["fields"]
    assert [o["key"] for o in orders["data"]["records"]] == ["O-1", "O-2"]
    assert orders["data"]["records"][0]["data"]["total"] == "19.90"
    assert rest_system.calls["contact"] == 1 and rest_system.calls["orders"] == 1


async def test_children_that_do_not_repeat_their_parent_key(
    tmp_path: Path, rest_system: LegacyRest
) -> None:
    # /customers/{id}/orders need not say whose they are: the value asked says it
    no_ref = NEW_SYSTEM.replace(
        "        items: items\n        fields: {key: orderId,",
        "        belongs_to: {entity: person, by: customer_no}\n"
        "        items: items\n        fields: {key: orderId,",
    )
    settings = settings_from(tmp_path, no_ref, WARRANTY_URL=rest_system.base_url)
    async with gateway(settings) as client:
        body = await graphql(
            client,
            """{ customer(sourceKey: {source: "warranty", key: "P-1"}) {
                orders { edges { node { number total } } } } }""",
        )
    orders = body["data"]["customer"]["orders"]["edges"]
    assert sorted(o["node"]["number"] for o in orders) == ["O-1", "O-2"]


async def test_not_found_is_null(tmp_path: Path, rest_system: LegacyRest) -> None:
    settings = settings_from(tmp_path, NEW_SYSTEM, WARRANTY_URL=rest_system.base_url)
    async with gateway(settings) as client:
        body = await graphql(client, RECORD, source="warranty", key="../../etc/passwd")
    assert body["data"] == {"record": None} and "errors" not in body
    assert body["extensions"]["sources"] == {"warranty": {"status": "ok", "calls": 1}}
    assert rest_system.paths == ["/contacts/..%2F..%2Fetc%2Fpasswd"]


async def test_a_source_down_is_a_clear_error_naming_it(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, NEW_SYSTEM, WARRANTY_URL=f"http://127.0.0.1:{free_port()}")
    async with gateway(settings) as client:
        body = await graphql(client, RECORD, source="warranty", key="P-1")
    [error] = body["errors"]
    assert body["data"] == {"record": None}
    assert error["extensions"] == {"code": "SOURCE_UNAVAILABLE", "source": "warranty"}
    assert error["message"] == "warranty: unavailable"  # no URL, no key
    assert error["path"] == ["record"]


async def test_bad_arguments(tmp_path: Path, rest_system: LegacyRest) -> None:
    settings = settings_from(tmp_path, NEW_SYSTEM, WARRANTY_URL=rest_system.base_url)
    async with gateway(settings) as client:
        unknown = await graphql(client, RECORD, source="'; DROP --", key="P-1")
        huge = await graphql(client, RECORD, source="warranty", key=HUGE)
        entity = await graphql(
            client,
            """{ record(source: "warranty", entity: "ticket",
            key: "1") { key } }""",
        )
    assert unknown["errors"][0]["extensions"] == {"code": "UNKNOWN_SOURCE", "source": "'; DROP --"}
    assert "configured: warranty" in unknown["errors"][0]["message"]
    assert huge["errors"][0]["message"] == (
        "key is 100000 characters long; at most 4096 are accepted"
    )
    assert entity["errors"][0]["extensions"]["code"] == "UNSUPPORTED_LOOKUP"
    assert entity["errors"][0]["message"] == (
        "warranty: does not serve entity 'ticket' (serves order, person)"
    )
    assert rest_system.calls.total() == 0


async def test_malformed_graphql(tmp_path: Path, rest_system: LegacyRest) -> None:
    settings = settings_from(tmp_path, NEW_SYSTEM, WARRANTY_URL=rest_system.base_url)
    async with gateway(settings) as client:
        syntax = await client.post("/graphql", json={"query": "{ record(source: "})
        no_field = await client.post("/graphql", json={"query": "{ nope }"})
        not_json = await client.post(
            "/graphql", content=b"\xff{", headers={"content-type": "application/json"}
        )
    assert syntax.json()["data"] is None
    assert syntax.json()["errors"][0]["message"] == "Syntax Error: Unexpected <EOF>."
    assert no_field.json()["errors"][0]["message"] == "Cannot query field 'nope' on type 'Query'."
    assert not_json.status_code == 400
    assert not_json.json()["errors"][0]["message"] == (
        "the body is not valid JSON (str is not valid UTF-8)"
    )


async def test_healthz_and_graphiql(tmp_path: Path, rest_system: LegacyRest) -> None:
    settings = settings_from(tmp_path, NEW_SYSTEM, WARRANTY_URL=rest_system.base_url)
    async with gateway(settings) as client:
        health = await client.get("/healthz")
        ide = await client.get("/graphql", headers={"accept": "text/html"})
    assert health.json() == {"status": "ok"}
    assert ide.status_code == 200 and "graphiql" in ide.text.lower()


SUMMARIES = {
    "SOURCE_BAD_RESPONSE": "answered with an error",
    "SOURCE_TIMEOUT": "did not answer in time",
    "SOURCE_UNAVAILABLE": "unavailable",
}
FAILING = {
    "rest-500": (
        """\
sources:
  crm:
    kind: rest
    base_url: ${URL}
    entities: {person: {get: "/broken?k={key}", fields: {key: id}}}
""",
        "SOURCE_BAD_RESPONSE",
        "crm: GET /broken?k=P-1: HTTP 500: database exploded stack",
    ),
    "rest-html": (
        """\
sources:
  crm:
    kind: rest
    base_url: ${URL}
    entities: {person: {get: "/html?k={key}", fields: {key: id}}}
""",
        "SOURCE_BAD_RESPONSE",
        "crm: GET /html?k=P-1: not JSON (text/html; charset=utf-8): <html><body>Login</body></html>",
    ),
    "rest-timeout": (
        """\
sources:
  crm:
    kind: rest
    base_url: ${URL}
    timeout: 100ms
    entities: {person: {get: "/slow?k={key}", fields: {key: id}}}
""",
        "SOURCE_TIMEOUT",
        "crm: GET /slow?k=P-1: no answer within 0.1s",
    ),
    "sqlite-missing": (
        """\
sources:
  billing:
    kind: sql
    url: sqlite+aiosqlite:///nowhere.db
    entities: {person: {table: accounts, fields: {key: id}}}
""",
        "SOURCE_UNAVAILABLE",
        "billing: reading table accounts: (sqlite3.OperationalError) unable to open database file",
    ),
    "csv-missing": (
        """\
sources:
  loyalty:
    kind: csv
    entities: {person: {file: members.csv, fields: {key: ID}}}
""",
        "SOURCE_UNAVAILABLE",
        "loyalty: cannot read {tmp}/members.csv: No such file or directory",
    ),
}


@pytest.mark.parametrize("case", sorted(FAILING))
async def test_every_failure_is_a_graphql_error_naming_the_source(
    case: str, tmp_path: Path, rest_system: LegacyRest, caplog: pytest.LogCaptureFixture
) -> None:
    """The client reads the source and the kind of failure; the detail goes to the log."""
    caplog.set_level(logging.DEBUG, logger="c360.graphql")
    text, code, message = FAILING[case]
    settings = settings_from(tmp_path, text, URL=rest_system.base_url)
    [source] = settings.sources
    async with gateway(settings) as client:
        body = await graphql(client, RECORD, source=source, key="P-1")
        health = await client.get("/healthz")
    assert body["data"] == {"record": None}
    [error] = body["errors"]
    assert error["extensions"] == {"code": code, "source": source}
    assert error["message"] == f"{source}: {SUMMARIES[code]}"
    assert message.format(tmp=tmp_path) in caplog.text
    assert health.status_code == 200


async def test_readyz_does_not_show_where_the_config_lives(
    tmp_path: Path, rest_system: LegacyRest
) -> None:
    settings = settings_from(tmp_path, NEW_SYSTEM, WARRANTY_URL=rest_system.base_url)
    async with gateway(settings) as client:
        ready = await client.get("/readyz")
    assert ready.status_code == 200 and set(ready.json()) == {"status", "sources"}
    assert str(tmp_path) not in ready.text and "c360.yaml" not in ready.text


UNREADABLE = """\
sources:
  loyalty:
    kind: csv
    critical: true
    entities: {person: {file: members.csv, by: {email: EMAIL}, fields: {key: ID, email: EMAIL}}}
  billing:
    kind: sql
    url: sqlite+aiosqlite:///billing.db
    entities: {person: {table: accounts, fields: {key: id}}}
"""


async def test_sources_that_cannot_be_read_are_unhealthy(tmp_path: Path) -> None:
    (tmp_path / "members.csv").write_text("ID,EMAIL\n")  # the export job wrote its header only
    (tmp_path / "billing.db").write_bytes(b"garbage, not a database header" * 200)
    settings = settings_from(tmp_path, UNREADABLE)
    async with gateway(settings) as client:
        ready = await client.get("/readyz")
        body = await graphql(client, RECORD, source="loyalty", key="1")
    assert ready.status_code == 503
    assert ready.json()["sources"]["loyalty"]["ok"] is False
    assert ready.json()["sources"]["billing"]["ok"] is False
    assert body["errors"][0]["extensions"] == {"code": "SOURCE_UNAVAILABLE", "source": "loyalty"}


async def test_an_export_without_its_header_puts_no_row_in_the_error(tmp_path: Path) -> None:
    (tmp_path / "members.csv").write_text("L-1,ann.lee@example.com\nL-2,bob.ng@example.com\n")
    settings = settings_from(tmp_path, UNREADABLE)
    async with gateway(settings) as client:
        body = await graphql(client, RECORD, source="loyalty", key="L-2")
        ready = await client.get("/readyz")
    [error] = body["errors"]
    assert error["extensions"] == {"code": "SOURCE_MISCONFIGURED", "source": "loyalty"}
    for shown in (str(body), ready.text):
        assert "example.com" not in shown and "L-1" not in shown
