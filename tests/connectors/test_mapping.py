from __future__ import annotations

from connectors._mapping import build_record, dotted
from connectors.base import EntitySpec


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
