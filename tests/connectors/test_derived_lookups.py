"""Look-ups by a derived key: a standard-form postcode, the sound of a family name."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from connectors.sql import SqlConfig
from tests.support.build import make_connector
from tests.support.postgres import PostgresServer

ROWS = [
    ("1", "Meyer", "SW1A 1AA"),
    ("2", "Maier", "sw1a1aa"),
    ("3", "Smith", "M1 1AE"),
    ("4", "van der Berg", "not a postcode"),
]
BY = {
    "postcode": {"column": "PC", "match": "postcode", "country": "GB"},
    "family_sound": {"column": "LAST", "match": "phonetic"},
}
FIELDS = {"key": "ID", "family_name": "LAST", "postcode": "PC"}


def csv_block(folder: Path) -> dict[str, Any]:
    lines = ["ID,LAST,PC", *(",".join(row) for row in ROWS)]
    (folder / "people.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {
        "kind": "csv",
        "directory": str(folder),
        "entities": {"person": {"file": "people.csv", "by": BY, "fields": FIELDS}},
    }


def sql_block(folder: Path) -> dict[str, Any]:
    with sqlite3.connect(folder / "people.db") as db:
        db.execute("CREATE TABLE people (ID TEXT, LAST TEXT, PC TEXT)")
        db.executemany("INSERT INTO people VALUES (?, ?, ?)", ROWS)
    return {
        "kind": "sql",
        "url": f"sqlite+aiosqlite:///{folder / 'people.db'}",
        "entities": {"person": {"table": "people", "by": BY, "fields": FIELDS}},
    }


@pytest.mark.parametrize("block", [csv_block, sql_block], ids=["csv index", "sql expression"])
async def test_postcodes_spaced_or_not_find_each_other(tmp_path: Path, block: Any) -> None:
    async with make_connector("s", block(tmp_path)) as source:
        found = await source.fetch("person", "postcode", ["sw1a 1aa", "M11AE", "XYZ", "B1 1AA"])
    assert sorted(r.key for r in found["sw1a 1aa"]) == ["1", "2"]
    assert [r.key for r in found["M11AE"]] == ["3"]
    assert found["XYZ"] == found["B1 1AA"] == []


@pytest.mark.parametrize("block", [csv_block, sql_block], ids=["csv index", "sql expression"])
async def test_family_names_that_sound_alike_find_each_other(tmp_path: Path, block: Any) -> None:
    async with make_connector("s", block(tmp_path)) as source:
        found = await source.fetch("person", "family_sound", ["MAYER", "Berg", "Jones", "42"])
    assert sorted(r.key for r in found["MAYER"]) == ["1", "2"]
    assert [r.key for r in found["Berg"]] == ["4"]  # "van der Berg": particles left out
    assert found["Jones"] == found["42"] == []


def test_phonetic_look_ups_need_a_database_that_can_compute_the_key() -> None:
    config = SqlConfig.model_validate(
        {
            "kind": "sql",
            "url": "postgresql+asyncpg://u:p@127.0.0.1/db",
            "entities": {"person": {"table": "people", "by": BY, "fields": FIELDS}},
        }
    )
    [(path, message)] = list(config.problems())
    assert path == ("entities", "person", "by", "family_sound")
    assert "need SQLite" in message


@pytest.mark.postgres
async def test_postcodes_by_an_sql_expression_on_postgresql(postgres: PostgresServer) -> None:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_async_engine(postgres.url)
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        await conn.execute(sa.text(f'CREATE TABLE "{schema}".people (ID TEXT, LAST TEXT, PC TEXT)'))
        await conn.execute(
            sa.text(f'INSERT INTO "{schema}".people VALUES (:a, :b, :c)'),
            [dict(zip("abc", row, strict=True)) for row in ROWS],
        )
    await engine.dispose()
    by = {"postcode": {**BY["postcode"], "column": "pc"}}
    block = {
        "kind": "sql",
        "url": postgres.url,
        "entities": {
            "person": {
                "table": "people",
                "schema": schema,
                "by": by,
                "fields": {"key": "id", "family_name": "last", "postcode": "pc"},
            }
        },
    }
    async with make_connector("s", block) as source:
        found = await source.fetch("person", "postcode", ["sw1a 1aa", "M11AE", "XYZ"])
    assert sorted(r.key for r in found["sw1a 1aa"]) == ["1", "2"]
    assert [r.key for r in found["M11AE"]] == ["3"]
    assert found["XYZ"] == []
