"""The contract estate written into each backend kind, and the source config that reads it."""

from __future__ import annotations

import copy
import csv
import sqlite3
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from demo.services.soap import SoapCollection
from tests.support.dataset import ORDERS, PEOPLE

SQL_SCHEMA = [
    """CREATE TABLE people (id VARCHAR(40) PRIMARY KEY, first_name VARCHAR(80),
       last_name VARCHAR(80), email VARCHAR(120), phone VARCHAR(40), city VARCHAR(80),
       updated_at TIMESTAMP)""",
    """CREATE TABLE orders (order_id VARCHAR(40) PRIMARY KEY, account_no VARCHAR(40),
       total NUMERIC(10, 2), currency CHAR(3), placed_at DATE)""",
]

SQL_ENTITIES: dict[str, Any] = {
    "person": {
        "table": "people",
        "by": {"email": "email"},
        "fields": {
            "key": "id",
            "given_name": "first_name",
            "family_name": "last_name",
            "email": "email",
            "phone": "phone",
            "city": "city",
            "updated_at": "updated_at",
        },
    },
    "order": {
        "table": "orders",
        "by": {"customer_no": "account_no"},
        "fields": {
            "key": "order_id",
            "customer_ref": "account_no",
            "total": "total",
            "currency": "currency",
            "placed_at": "placed_at",
        },
    },
}

FILE_PERSON_FIELDS = {
    "key": "ID",
    "given_name": "FIRST",
    "family_name": "LAST",
    "email": "EMAIL",
    "phone": "PHONE",
    "city": "CITY",
    "updated_at": "UPDATED",
}
FILE_ORDER_FIELDS = {
    "key": "ORDER_ID",
    "customer_ref": "ACCOUNT",
    "total": "TOTAL",
    "currency": "CURRENCY",
    "placed_at": "PLACED",
}


def _people_rows() -> list[tuple[str, ...]]:
    return [
        (p.key, p.given_name, p.family_name, p.email, p.phone, p.city, p.updated_at) for p in PEOPLE
    ]


def _order_rows() -> list[tuple[str, ...]]:
    return [(o.key, o.customer, o.total, o.currency, o.placed_at) for o in ORDERS]


def write_sqlite(path: Path) -> dict[str, Any]:
    with sqlite3.connect(path) as db:
        for statement in SQL_SCHEMA:
            db.execute(statement)
        db.executemany("INSERT INTO people VALUES (?, ?, ?, ?, ?, ?, ?)", _people_rows())
        db.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", _order_rows())
    return {
        "kind": "sql",
        "url": f"sqlite+aiosqlite:///{path}",
        "entities": copy.deepcopy(SQL_ENTITIES),
    }


async def write_postgres(url: str, schema: str) -> dict[str, Any]:
    """Load the estate into its own PostgreSQL schema, so each test starts from a clean one."""
    people = [(*row[:6], datetime.fromisoformat(row[6])) for row in _people_rows()]
    orders = [
        (*row[:2], Decimal(row[2]), row[3], date.fromisoformat(row[4])) for row in _order_rows()
    ]
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            await conn.execute(sa.text(f'SET search_path TO "{schema}"'))
            for statement in SQL_SCHEMA:
                await conn.execute(sa.text(statement))
            await conn.execute(
                sa.text("INSERT INTO people VALUES (:a, :b, :c, :d, :e, :f, :g)"),
                [dict(zip("abcdefg", row, strict=True)) for row in people],
            )
            await conn.execute(
                sa.text("INSERT INTO orders VALUES (:a, :b, :c, :d, :e)"),
                [dict(zip("abcde", row, strict=True)) for row in orders],
            )
    finally:
        await engine.dispose()
    entities = {
        name: {**copy.deepcopy(spec), "schema": schema} for name, spec in SQL_ENTITIES.items()
    }
    return {"kind": "sql", "url": url, "entities": entities}


def write_csv(folder: Path, encoding: str = "utf-8", delimiter: str = ",") -> dict[str, Any]:
    with (folder / "people.csv").open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(["ID", "FIRST", "LAST", "EMAIL", "PHONE", "CITY", "UPDATED"])
        writer.writerows(_people_rows())
    with (folder / "orders.csv").open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(["ORDER_ID", "ACCOUNT", "TOTAL", "CURRENCY", "PLACED"])
        writer.writerows(_order_rows())
    return {
        "kind": "csv",
        "directory": str(folder),
        "encoding": encoding,
        "delimiter": delimiter,
        "entities": {
            "person": {
                "file": "people.csv",
                "by": {"email": "EMAIL"},
                "fields": FILE_PERSON_FIELDS,
            },
            "order": {
                "file": "orders.csv",
                "by": {"customer_no": "ACCOUNT"},
                "fields": FILE_ORDER_FIELDS,
            },
        },
    }


PEOPLE_COLUMNS = {
    "ID": (1, 8),
    "FIRST": (9, 20),
    "LAST": (21, 32),
    "EMAIL": (33, 62),
    "PHONE": (63, 78),
    "CITY": (79, 98),
    "UPDATED": (99, 117),
}
ORDER_COLUMNS = {
    "ORDER_ID": (1, 8),
    "ACCOUNT": (9, 16),
    "TOTAL": (17, 26),
    "CURRENCY": (27, 29),
    "PLACED": (30, 39),
}


def fixed_width_line(columns: dict[str, tuple[int, int]], values: tuple[str, ...]) -> str:
    return "".join(
        v.ljust(end - start + 1) for (start, end), v in zip(columns.values(), values, strict=True)
    )


def write_fixed_width(folder: Path) -> dict[str, Any]:
    people = ["PEOPLE EXPORT 2026-11-22"] + [
        fixed_width_line(PEOPLE_COLUMNS, r) for r in _people_rows()
    ]
    orders = [fixed_width_line(ORDER_COLUMNS, r) for r in _order_rows()]
    (folder / "people.txt").write_text("\n".join(people) + "\n", encoding="utf-8")
    (folder / "orders.txt").write_text("\n".join(orders) + "\n", encoding="utf-8")

    def spans(columns: dict[str, tuple[int, int]]) -> dict[str, str]:
        return {name: f"{start}-{end}" for name, (start, end) in columns.items()}

    return {
        "kind": "fixed_width",
        "directory": str(folder),
        "entities": {
            "person": {
                "file": "people.txt",
                "skip_lines": 1,
                "columns": spans(PEOPLE_COLUMNS),
                "by": {"email": "EMAIL"},
                "fields": FILE_PERSON_FIELDS,
            },
            "order": {
                "file": "orders.txt",
                "columns": spans(ORDER_COLUMNS),
                "by": {"customer_no": "ACCOUNT"},
                "fields": FILE_ORDER_FIELDS,
            },
        },
    }


def service_desk_collections() -> list[SoapCollection]:
    """The contract estate as the demo service-desk server's collections."""
    contacts = [
        {
            "ContactId": p.key,
            "Name": {"First": p.given_name, "Last": p.family_name},
            "Email": p.email,
            "Phone": p.phone,
            "Address": {"City": p.city},
            "Modified": p.updated_at,
        }
        for p in PEOPLE
    ]
    orders = [
        {
            "OrderId": o.key,
            "CustomerId": o.customer,
            "Total": o.total,
            "Currency": o.currency,
            "Placed": o.placed_at,
        }
        for o in ORDERS
    ]
    return [
        SoapCollection("Contact", "Contacts", "ContactId", contacts, {"Email": "email"}),
        SoapCollection("Order", "Orders", "OrderId", orders, {"CustomerId": "exact"}),
    ]


def soap_source(base_url: str) -> dict[str, Any]:
    return {
        "kind": "soap",
        "url": f"{base_url}/soap",
        "namespace": "urn:c360-demo:service-desk",
        "entities": {
            "person": {
                "operations": {
                    "key": {
                        "operation": "GetContacts",
                        "parameter": "ContactId",
                        "batch": True,
                        "items": "Contacts/Contact",
                    },
                    "email": {
                        "operation": "FindContactsByEmail",
                        "parameter": "Email",
                        "items": "Contacts/Contact",
                    },
                },
                "fields": {
                    "key": "ContactId",
                    "given_name": "Name/First",
                    "family_name": "Name/Last",
                    "email": "Email",
                    "phone": "Phone",
                    "city": "Address/City",
                    "updated_at": "Modified",
                },
            },
            "order": {
                "operations": {
                    "key": {
                        "operation": "GetOrders",
                        "parameter": "OrderId",
                        "batch": True,
                        "items": "Orders/Order",
                    },
                    "customer_no": {
                        "operation": "FindOrdersByCustomerId",
                        "parameter": "CustomerId",
                        "batch": True,
                        "match": "customer_ref",
                        "items": "Orders/Order",
                    },
                },
                "fields": {
                    "key": "OrderId",
                    "customer_ref": "CustomerId",
                    "total": "Total",
                    "currency": "Currency",
                    "placed_at": "Placed",
                },
            },
        },
    }
