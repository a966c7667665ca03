from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from connectors._mapping import build_record, dotted, parse_timestamp
from connectors.base import EntitySpec


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-22T10:15:02Z", datetime(2026, 11, 22, 10, 15, 2, tzinfo=UTC)),
        ("2026-11-22 10:15:02", datetime(2026, 11, 22, 10, 15, 2, tzinfo=UTC)),
        (date(2026, 11, 22), datetime(2026, 11, 22, tzinfo=UTC)),
        (1795342502, datetime(2026, 11, 22, 10, 15, 2, tzinfo=UTC)),
        (1795342502000, datetime(2026, 11, 22, 10, 15, 2, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (True, None),
    ],
)
def test_parse_timestamp(value: object, expected: datetime | None) -> None:
    assert parse_timestamp(value) == expected


def test_dotted_paths() -> None:
    doc = {"a": {"b": [{"c": 1}]}}
    assert dotted(doc, "a.b.0.c") == 1
    assert dotted(doc, "a.b.1.c") is None
    assert dotted(doc, "a.x.y") is None


def test_a_row_without_its_key_is_skipped() -> None:
    spec = EntitySpec("person", frozenset({"key"}), {"key": "id", "email": "mail"})
    assert build_record("crm", spec, {"mail": "a@b.c"}) is None
    record = build_record("crm", spec, {"id": 7, "mail": "  "})
    assert record is not None and record.key == "7" and "email" not in record.data
