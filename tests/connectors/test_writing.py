"""Writes back into each kind of system: values in the system's conventions, conditional
writes, refusals with the system's message, and config errors with file, line and key path."""

from __future__ import annotations

import json
import sqlite3
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from connectors.errors import NotWritable, SourceBadResponse, WriteConflict, WriteRejected
from connectors.graphql import GraphqlConfig, GraphqlConnector
from connectors.rest import RestConfig, RestConnector
from connectors.soap import SoapConfig, SoapConnector
from connectors.writing import Change, source_value
from gateway.config import ConfigError, load_settings
from tests.support.backends import soap_source, write_postgres, write_sqlite
from tests.support.build import make_connector
from tests.support.postgres import PostgresServer


@pytest.mark.parametrize(
    ("layout", "shown"),
    [
        ("e164", "+12176702732"),
        ("international", "+1 217-670-2732"),
        ("national", "(217) 670-2732"),
        ("digits", "2176702732"),
    ],
)
def test_a_phone_leaves_in_the_system_format(layout: str, shown: str) -> None:
    assert source_value("phone", "+12176702732", layout) == shown


def test_a_date_leaves_in_the_system_format() -> None:
    assert source_value("birth_date", date(1984, 3, 7), "%d.%m.%Y") == "07.03.1984"
    assert source_value("birth_date", date(1984, 3, 7), None) == "1984-03-07"


def rest(**write: Any) -> RestConnector:
    block = {
        "kind": "rest",
        "base_url": "http://crm.test",
        "http_client": "httpx",
        "entities": {
            "person": {
                "get": "/contacts/{key}",
                "fields": {
                    "key": "id",
                    "phone": "phoneNumber",
                    "city": "address.city",
                    "updated_at": "lastModified",
                },
                "write": {"path": "/contacts/{key}", "fields": ["phone", "city"], **write},
            }
        },
    }
    config = RestConfig.model_validate(block)
    return RestConnector("crm", config, httpx.AsyncClient(base_url="http://crm.test"))


@respx.mock
async def test_rest_patches_the_mapped_fields_with_the_version_read() -> None:
    route = respx.patch("http://crm.test/contacts/C%2F1").respond(200, json={})
    crm = rest(format={"phone": "national"}, version="updated_at")
    change = Change("C/1", {"phone": "+12176702732", "city": "Lyon"}, expected="2024-01-01T00:00Z")
    await crm.write("person", change)
    sent = route.calls.last.request
    assert json.loads(sent.content) == {
        "phoneNumber": "(217) 670-2732",
        "address": {"city": "Lyon"},
    }
    assert sent.headers["If-Match"] == "2024-01-01T00:00Z"


@pytest.mark.parametrize(
    ("status", "error"),
    [(412, WriteConflict), (409, WriteConflict), (422, WriteRejected), (503, SourceBadResponse)],
)
@respx.mock
async def test_rest_answers_become_outcomes(status: int, error: type[Exception]) -> None:
    respx.patch("http://crm.test/contacts/C-1").respond(status, json={"error": "phone: too short"})
    with pytest.raises(error) as raised:
        await rest().write("person", Change("C-1", {"phone": "+12176702732"}))
    if error is WriteRejected:
        assert raised.value.public_message == "crm: phone: too short"  # type: ignore[attr-defined]


async def test_sql_updates_one_row_in_a_transaction_conditionally(tmp_path: Path) -> None:
    block = write_sqlite(tmp_path / "b.db")
    block["entities"]["person"]["write"] = {
        "fields": ["phone"],
        "format": {"phone": "digits"},
        "version": "updated_at",
        "stamp": "updated_at",
    }
    at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    async with make_connector("billing", block, tmp_path) as billing:
        [before] = (await billing.fetch("person", "key", ["P-1"]))["P-1"]
        version = str(before.data["updated_at"])
        await billing.write("person", Change("P-1", {"phone": "+12176702732"}, version, at))
        with pytest.raises(WriteConflict):
            await billing.write("person", Change("P-1", {"phone": "+13125550000"}, version, at))
        with pytest.raises(WriteRejected):
            await billing.write("person", Change("nope", {"phone": "+13125550000"}, None, at))
        [after] = (await billing.fetch("person", "key", ["P-1"]))["P-1"]
    assert after.updated_at == at
    with sqlite3.connect(tmp_path / "b.db") as db:
        row = db.execute("SELECT phone FROM people WHERE id = 'P-1'").fetchone()
    assert row == ("2176702732",)


async def _unique_given_names(database: str, tmp_path: Path, request: Any) -> dict[str, Any]:
    """The test estate with one more rule in the database: given names are unique."""
    if database == "sqlite":
        block = write_sqlite(tmp_path / "b.db")
        with sqlite3.connect(tmp_path / "b.db") as db:
            db.execute("CREATE UNIQUE INDEX one_family ON people (first_name)")
        return block
    server: PostgresServer = request.getfixturevalue("postgres")
    schema = f"t_{tmp_path.name[-12:].replace('-', '_').lower()}"
    block = await write_postgres(server.url, schema)
    engine = create_async_engine(server.url)
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(f'CREATE UNIQUE INDEX one_family ON "{schema}".people (first_name)')
        )
    await engine.dispose()
    return block


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_a_broken_database_rule_is_named_by_the_field_not_the_schema(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    block = await _unique_given_names(database, tmp_path, request)
    block["entities"]["person"]["write"] = {"fields": ["given_name", "city"]}
    at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    async with make_connector("billing", block, tmp_path) as billing:
        with pytest.raises(WriteRejected) as raised:
            # Bob's given name, already held by another row
            await billing.write(
                "person", Change("P-1", {"given_name": "Bob", "city": "X"}, None, at)
            )
    said = raised.value.public_message  # type: ignore[attr-defined]
    assert said == "billing: given_name: already taken by another record"
    for hidden in ("people", "first_name", "one_family", "Bob", "UNIQUE", "constraint"):
        assert hidden not in said


def soap(**write: Any) -> SoapConnector:
    block = soap_source("http://desk.test")
    block["entities"]["person"]["write"] = {"operation": "UpdateContact", **write}
    config = SoapConfig.model_validate(block)
    return SoapConnector("desk", config, httpx.AsyncClient())


FAULT = (
    '<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body><Fault>'
    "<faultcode>soap:{code}</faultcode><faultstring>{reason}</faultstring></Fault></Body></Envelope>"
)


@respx.mock
async def test_soap_calls_the_update_operation_with_nested_elements() -> None:
    route = respx.post("http://desk.test/soap").respond(
        200, text="<Envelope><Body><UpdateContactResponse/></Body></Envelope>"
    )
    desk = soap(fields=["phone", "given_name"], format={"phone": "national"})
    await desk.write("person", Change("SD-1", {"phone": "+12176702732", "given_name": "<Ann>"}))
    sent = route.calls.last.request.content.decode()
    assert "<tns:ContactId>SD-1</tns:ContactId>" in sent
    assert "<tns:Phone>(217) 670-2732</tns:Phone>" in sent
    assert "<tns:Name><tns:First>&lt;Ann&gt;</tns:First></tns:Name>" in sent


@pytest.mark.parametrize(
    ("code", "error"), [("Client.Conflict", WriteConflict), ("Client", WriteRejected)]
)
@respx.mock
async def test_soap_faults_become_outcomes(code: str, error: type[Exception]) -> None:
    respx.post("http://desk.test/soap").respond(
        500, text=FAULT.format(code=code, reason="Phone: not a number")
    )
    with pytest.raises(error, match="Phone: not a number"):
        await soap(fields=["phone"]).write("person", Change("SD-1", {"phone": "+12176702732"}))


@respx.mock
async def test_graphql_runs_the_mutation_template_and_reads_a_conflict() -> None:
    block = {
        "kind": "graphql",
        "url": "http://mkt.test/graphql",
        "entities": {
            "person": {
                "queries": {"key": {"query": "query ($id: ID!) { contact(id: $id) { id } }"}},
                "fields": {"key": "id", "email": "email", "updated_at": "changed"},
                "write": {
                    "fields": ["email"],
                    "version": "updated_at",
                    "mutation": "mutation ($key: ID!, $changes: In!, $expected: String) "
                    "{ update(id: $key, changes: $changes, expected: $expected) { id } }",
                },
            }
        },
    }
    connector = GraphqlConnector("mkt", GraphqlConfig.model_validate(block), httpx.AsyncClient())
    conflict = {"data": None, "errors": [{"message": "stale", "extensions": {"code": "CONFLICT"}}]}
    route = respx.post("http://mkt.test/graphql").mock(
        side_effect=[
            httpx.Response(200, json={"data": {"update": {"id": "1"}}}),
            httpx.Response(200, json=conflict),
        ]
    )
    await connector.write("person", Change("1", {"email": "ann@x.com"}, expected="v1"))
    assert json.loads(route.calls.last.request.content)["variables"] == {
        "key": "1",
        "changes": {"email": "ann@x.com"},
        "expected": "v1",
    }
    with pytest.raises(WriteConflict):
        await connector.write("person", Change("1", {"email": "ann@x.com"}, expected="v0"))


async def test_an_entity_without_write_is_not_writable(tmp_path: Path) -> None:
    block = write_sqlite(tmp_path / "b.db")
    async with make_connector("billing", block, tmp_path) as billing:
        assert billing.writes("person") == frozenset()
        with pytest.raises(NotWritable):
            await billing.write("person", Change("P-1", {"phone": "+12176702732"}))


def test_config_errors_name_the_line_and_key_path(tmp_path: Path) -> None:
    path = tmp_path / "c360.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            sources:
              crm:
                kind: rest
                base_url: http://127.0.0.1:9101
                entities:
                  person:
                    get: /contacts/{key}
                    fields: {key: id, phone: phoneNumber}
                    write:
                      path: /contacts
                      fields: [phone, email]
                      format: {phone: dots}
              loyalty:
                kind: csv
                entities:
                  person:
                    file: members.csv
                    fields: {key: NO}
                    write: {fields: [email]}
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={})
    shown = str(raised.value).splitlines()
    assert (
        f"{path}:10: sources.crm.entities.person.write.path: must hold {{key}} exactly once, and nothing else"
        in shown
    )
    assert (
        f"{path}:11: sources.crm.entities.person.write.fields.1: 'email' is not one of the entity's fields"
        in shown
    )
    assert any(
        line.startswith(
            f"{path}:12: sources.crm.entities.person.write.format.phone: a phone format is one of"
        )
        for line in shown
    )
    assert (
        f"{path}:19: sources.loyalty.entities.person.write: this kind of source is read-only: not writable here"
        in shown
    )
