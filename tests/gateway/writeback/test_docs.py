"""docs/write-back.md: its configuration loads, its audit line has the shape written."""

from __future__ import annotations

import json
from pathlib import Path

from gateway.config import load_settings
from tests.docs.blocks import ROOT, fenced

PAGE = ROOT / "docs" / "write-back.md"


def test_the_configuration_example_loads(tmp_path: Path) -> None:
    [example] = fenced(PAGE, "yaml")
    path = tmp_path / "c360.yaml"
    path.write_text(example, encoding="utf-8")
    settings = load_settings(path, environ={})
    assert settings.writable
    assert {
        n: sorted(s.config.entities["person"].write.fields) for n, s in settings.sources.items()
    } == {  # type: ignore[attr-defined]
        "crm": ["city", "phone"],
        "billing": ["phone"],
        "service_desk": ["email", "phone"],
    }
    assert settings.writeback.max_backoff == 600


def test_the_audit_example_has_the_keys_the_log_writes() -> None:
    [example] = fenced(PAGE, "json")
    entry = json.loads(example)
    assert {"operation", "principal", "role", "purpose", "customers", "writes"} <= set(entry)
    assert set(entry["writes"][0]) == {"source", "record", "status", "before", "after"}
