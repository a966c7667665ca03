"""One small estate, written into every kind of backend the contract suite runs against.

Each backend holds the same people and orders under its own field names; the contract tests
read them back through the connectors and expect the same canonical records.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    key: str
    given_name: str
    family_name: str
    email: str
    phone: str
    city: str
    updated_at: str


@dataclass(frozen=True)
class Order:
    key: str
    customer: str
    total: str
    currency: str
    placed_at: str


PEOPLE = [
    Person(
        "P-1", "Ann", "Lee", "ann@example.com", "+15550100001", "Springfield", "2026-01-02T10:00:00"
    ),
    Person(
        "P-2", "Bob", "Ng", "bob@example.com", "+15550100002", "Shelbyville", "2026-02-03T11:30:00"
    ),
    Person(
        "P-ü", "Zoë", "Müller", "zoe@example.com", "+15550100003", "Zürich", "2026-03-04T12:00:00"
    ),
    # Shares Ann's email: a look-up by email finds two records.
    Person(
        "P-4",
        "Annie",
        "Lee",
        "ann@example.com",
        "+15550100004",
        "Springfield",
        "2025-12-01T09:00:00",
    ),
]

ORDERS = [
    Order("O-1", "P-1", "19.90", "EUR", "2026-02-01"),
    Order("O-2", "P-1", "5.00", "EUR", "2026-02-10"),
    Order("O-3", "P-2", "120.00", "USD", "2026-03-01"),
]

HOSTILE = [
    "' OR 1=1 --",
    "'; DROP TABLE people; --",
    "../../etc/passwd",
    "..",
    "a?b=c&ids=P-1",
    "P-1#frag",
    "%2e%2e%2f",
    "\u202e\u0000",
    "名前",
]

HUGE = "x" * 100_000
