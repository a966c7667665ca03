"""The orders and billing database (SQLite): accounts, orders, lines, invoices, payments."""

from __future__ import annotations

import random
import sqlite3
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from demo.copies import copy_of, covered, stamp
from demo.mess import COVERAGE, messy_email, messy_given_name, messy_phone
from demo.names import PRODUCTS
from demo.population import NOW, Person

SCHEMA = """
CREATE TABLE accounts (account_no INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
  email TEXT, phone TEXT, street TEXT, city TEXT, state TEXT, postcode TEXT, country TEXT,
  created_at TEXT, updated_at TEXT);
CREATE TABLE orders (order_id TEXT PRIMARY KEY, account_no INTEGER NOT NULL, placed_at TEXT,
  status TEXT, total NUMERIC, currency TEXT);
CREATE TABLE order_lines (line_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, sku TEXT,
  description TEXT, quantity INTEGER, unit_price NUMERIC, amount NUMERIC);
CREATE TABLE invoices (invoice_no TEXT PRIMARY KEY, account_no INTEGER NOT NULL, order_id TEXT,
  issued_at TEXT, due_at TEXT, amount NUMERIC, currency TEXT, status TEXT);
CREATE TABLE payments (payment_id TEXT PRIMARY KEY, invoice_no TEXT NOT NULL, paid_at TEXT,
  amount NUMERIC, method TEXT);
"""

INDEXES = """
CREATE INDEX accounts_email ON accounts (email);
CREATE INDEX accounts_phone ON accounts (phone);
CREATE INDEX orders_account ON orders (account_no);
CREATE INDEX lines_order ON order_lines (order_id);
CREATE VIEW order_lines_by_account AS
  SELECT l.*, o.account_no FROM order_lines l JOIN orders o ON o.order_id = l.order_id;
CREATE INDEX invoices_account ON invoices (account_no);
CREATE INDEX payments_invoice ON payments (invoice_no);
CREATE TABLE account_changes (change_no INTEGER PRIMARY KEY AUTOINCREMENT, account_no INTEGER,
  changed_at TEXT, email TEXT, phone TEXT);
CREATE TRIGGER accounts_changed AFTER UPDATE ON accounts BEGIN
  INSERT INTO account_changes (account_no, changed_at, email, phone)
  VALUES (new.account_no, new.updated_at, new.email, new.phone);
END;
"""

STATUSES = ("delivered", "delivered", "delivered", "shipped", "processing", "cancelled", "returned")


def write_billing(
    path: Path,
    people: list[Person],
    rng: random.Random,
    truth: dict[str, dict[str, list[str]]],
    workshop: dict[str, list[tuple[str, str, str]]],
) -> None:
    """``workshop``: dealer visits billing also invoiced, per person (day, work, amount)."""
    accounts: list[tuple[object, ...]] = []
    orders: list[tuple[object, ...]] = []
    lines: list[tuple[object, ...]] = []
    invoices: list[tuple[object, ...]] = []
    payments: list[tuple[object, ...]] = []
    for n, person in enumerate(covered(people, rng, COVERAGE["billing"]), start=100001):
        copy = copy_of(person, rng)
        a = copy.address
        accounts.append(
            (
                n,
                messy_given_name(rng, person.given_name),
                person.family_name,
                messy_email(rng, copy.email),
                messy_phone(rng, person.phone, ("digits",)),
                a.street,
                a.city,
                a.state,
                a.postcode,
                a.country,
                stamp(person.created_at),
                stamp(copy.updated_at),
            )
        )
        truth[person.id].setdefault("billing", []).append(str(n))
        for day, work, charged in workshop.get(person.id, []):
            order_id = f"SO-{len(orders) + 1000001}"
            orders.append((order_id, n, f"{day}T12:00:00Z", "delivered", charged, "USD"))
            lines.append(
                (f"{order_id}-1", order_id, "WORKSHOP", f"Workshop: {work}", 1, charged, charged)
            )
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4, 6))):
            order_id = f"SO-{len(orders) + 1000001}"
            span = max(int((NOW - person.created_at).total_seconds()), 1)
            placed = person.created_at + timedelta(seconds=rng.randrange(span))
            status = rng.choice(STATUSES)
            total = Decimal(0)
            for i in range(rng.randint(1, 4)):
                sku, description, price = rng.choice(PRODUCTS)
                quantity = rng.choice((1, 1, 1, 2, 3))
                amount = Decimal(price) * quantity
                total += amount
                lines.append(
                    (
                        f"{order_id}-{i + 1}",
                        order_id,
                        sku,
                        description,
                        quantity,
                        price,
                        str(amount),
                    )
                )
            orders.append((order_id, n, stamp(placed), status, str(total), "USD"))
            if status == "cancelled":
                continue
            invoice_no = f"INV-{len(invoices) + 5000001}"
            due = placed + timedelta(days=30)
            paid = rng.random() < 0.85 or due > NOW
            state = "paid" if paid else ("overdue" if due < NOW else "open")
            invoices.append(
                (
                    invoice_no,
                    n,
                    order_id,
                    stamp(placed + timedelta(hours=1)),
                    due.date().isoformat(),
                    str(total),
                    "USD",
                    state,
                )
            )
            if state == "paid":
                when = placed + timedelta(days=rng.randint(0, 25), hours=2)
                payments.append(
                    (
                        f"PAY-{len(payments) + 7000001}",
                        invoice_no,
                        stamp(when),
                        str(total),
                        rng.choice(("card", "card", "paypal", "transfer")),
                    )
                )
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        db.executemany("INSERT INTO accounts VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", accounts)
        db.executemany("INSERT INTO orders VALUES (?,?,?,?,?,?)", orders)
        db.executemany("INSERT INTO order_lines VALUES (?,?,?,?,?,?,?)", lines)
        db.executemany("INSERT INTO invoices VALUES (?,?,?,?,?,?,?,?)", invoices)
        db.executemany("INSERT INTO payments VALUES (?,?,?,?,?)", payments)
        db.executescript(INDEXES)
        db.commit()
    finally:
        db.close()
