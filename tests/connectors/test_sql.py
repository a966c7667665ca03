"""The SQL connector: batching, typing of values, read-only SQLite, failures of the database."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from connectors.errors import SourceError, SourceMisconfigured, SourceTimeout, SourceUnavailable
from connectors.sql import SqlConnector
from tests.support.backends import write_postgres, write_sqlite
from tests.support.build import make_connector
from tests.support.postgres import PostgresServer
from tests.support.servers import free_port


def count_statements(connector: Any) -> list[str]:
    seen: list[str] = []
    sa.event.listen(
        connector.engine.sync_engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *rest: seen.append(statement),
    )
    return seen


async def test_lookups_are_batched_in_chunks(tmp_path: Path) -> None:
    block = {**write_sqlite(tmp_path / "b.db"), "batch_size": 2}
    async with make_connector("billing", block, tmp_path) as billing:
        await billing.fetch("person", "key", ["P-1"])  # reads the table's columns once
        statements = count_statements(billing)
        found = await billing.fetch("person", "key", ["P-1", "P-2", "P-ü", "P-4", "P-9"])
    assert sum(len(v) for v in found.values()) == 4
    assert len([s for s in statements if "IN" in s]) == 3


async def test_integer_keys_never_match_non_numbers(tmp_path: Path) -> None:
    path = tmp_path / "accounts.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE accounts (account_no INTEGER PRIMARY KEY, email TEXT)")
        db.execute("INSERT INTO accounts VALUES (1042, 'ann@example.com')")
    block = {
        "kind": "sql",
        "url": f"sqlite+aiosqlite:///{path.name}",
        "entities": {
            "person": {"table": "accounts", "fields": {"key": "account_no", "email": "email"}}
        },
    }
    async with make_connector("billing", block, tmp_path) as billing:
        found = await billing.fetch("person", "key", ["1042", "1042 OR 1=1", "' OR 1=1 --"])
    assert [r.data["email"] for r in found["1042"]] == ["ann@example.com"]
    assert found["1042"][0].key == "1042"
    assert found["1042 OR 1=1"] == [] and found["' OR 1=1 --"] == []


async def test_hostile_value_leaves_the_table_intact(tmp_path: Path) -> None:
    block = write_sqlite(tmp_path / "b.db")
    async with make_connector("billing", block, tmp_path) as billing:
        await billing.fetch("person", "key", ["x'); DROP TABLE people; --"])
    with sqlite3.connect(tmp_path / "b.db") as db:
        assert db.execute("SELECT count(*) FROM people").fetchone() == (4,)


def join_sqlite_workers() -> None:
    """aiosqlite stops the thread of a connection that failed to open from that thread, which
    then answers the test's event loop: wait for it while the loop is still open."""
    for thread in threading.enumerate():
        if thread.name.endswith("(_connection_worker_thread)"):
            thread.join(5)


async def test_sqlite_is_opened_read_only_and_never_created(tmp_path: Path) -> None:
    block = {**write_sqlite(tmp_path / "b.db"), "url": "sqlite+aiosqlite:///missing.db"}
    async with make_connector("billing", block, tmp_path) as billing:
        with pytest.raises(SourceUnavailable, match="billing: reading table people"):
            await billing.fetch("person", "key", ["P-1"])
        assert not (await billing.health()).ok
    join_sqlite_workers()
    assert not (tmp_path / "missing.db").exists()


async def test_a_missing_column_is_named(tmp_path: Path) -> None:
    block = write_sqlite(tmp_path / "b.db")
    block["entities"]["person"]["fields"]["email"] = "emial"
    async with make_connector("billing", block, tmp_path) as billing:
        with pytest.raises(SourceMisconfigured, match="table 'people' has no column 'emial'"):
            await billing.fetch("person", "key", ["P-1"])


async def test_a_missing_table_is_named(tmp_path: Path) -> None:
    block = write_sqlite(tmp_path / "b.db")
    block["entities"]["person"]["table"] = "peple"
    async with make_connector("billing", block, tmp_path) as billing:
        with pytest.raises(SourceMisconfigured, match="no table or view 'peple'"):
            await billing.fetch("person", "key", ["P-1"])


@pytest.mark.postgres
async def test_postgres_timeout(postgres: PostgresServer) -> None:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    block = await write_postgres(postgres.url, schema)
    engine = create_async_engine(postgres.url)
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(
                f'CREATE VIEW "{schema}".slow_people AS SELECT p.* FROM "{schema}".people p, '
                "pg_sleep(2)"
            )
        )
    await engine.dispose()
    block["entities"]["person"]["table"] = "slow_people"
    block["timeout"] = "300ms"
    async with make_connector("billing", block) as billing:
        with pytest.raises(SourceTimeout, match="billing: person by key: no answer within 0.3s"):
            await billing.fetch("person", "key", ["P-1"])


@pytest.mark.postgres
async def test_postgres_down() -> None:
    block = {
        "kind": "sql",
        "url": f"postgresql+asyncpg://c360@127.0.0.1:{free_port()}/postgres",
        "entities": {"person": {"table": "people", "fields": {"key": "id"}}},
    }
    async with make_connector("billing", block) as billing:
        assert isinstance(billing, SqlConnector)
        with pytest.raises(SourceUnavailable, match="billing: reading table people"):
            await billing.fetch("person", "key", ["P-1"])
        health = await billing.health()
    assert not health.ok


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(b"this is not a database header" + bytes(100), id="garbage-header"),
        pytest.param(b"", id="emptied"),
    ],
)
async def test_a_damaged_sqlite_file_is_unhealthy(tmp_path: Path, damage: bytes) -> None:
    block = write_sqlite(tmp_path / "b.db")
    async with make_connector("billing", block, tmp_path) as billing:
        assert (await billing.health()).ok
        data = (tmp_path / "b.db").read_bytes()
        (tmp_path / "b.db").write_bytes(damage + data[len(damage) :] if damage else b"")
        health = await billing.health()
        with pytest.raises(SourceError):
            await billing.fetch("person", "key", ["P-1"])
    assert not health.ok


async def test_a_dropped_table_is_unhealthy(tmp_path: Path) -> None:
    block = write_sqlite(tmp_path / "b.db")
    async with make_connector("billing", block, tmp_path) as billing:
        assert (await billing.health()).ok
        with sqlite3.connect(tmp_path / "b.db") as db:
            db.execute("DROP TABLE people")
        health = await billing.health()
    assert not health.ok and "people" in health.detail
