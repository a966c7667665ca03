"""Where each piece of state lives for a config, and the warnings for a fleet that keeps some
of it in memory."""

from __future__ import annotations

import re
from pathlib import Path

from gateway.shared_state import STATE, fleet_warnings
from tests.support.gateway import settings_from

HOOKED_AND_SECURED = """\
sources:
  crm:
    kind: rest
    base_url: http://127.0.0.1:9
    webhook_secret: a-secret-of-sixteen-or-more
    entities:
      person: {batch: '/contacts?ids={keys}', items: items, fields: {key: id, email: email}}
security:
  enabled: true
  api_keys: {store: "sqlite+aiosqlite:///keys.db"}
  audit: {path: audit.log}
  roles: {agent: {}}
"""

SHARED = """
cache: {backend: "redis://127.0.0.1:6390/0"}
"""


def test_one_gateway_has_nothing_to_warn_about(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, HOOKED_AND_SECURED)
    assert fleet_warnings(settings, 1) == []


def test_a_fleet_in_memory_is_told_every_piece_it_keeps_apart(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, HOOKED_AND_SECURED)
    apart = [(w.state, w.setting) for w in fleet_warnings(settings, 3)]
    assert apart == [
        ("cache", "cache.backend"),
        ("rate limits", "security.rate_limits"),
        ("webhook replay guard", "cache.backend"),
        ("API keys", "security.api_keys.store"),
        ("audit log", "security.audit.path"),
        ("live-update event bus", "cache.backend"),
        ("automatic persisted queries", "cache.backend"),
    ]
    workers = [w.state for w in fleet_warnings(settings, 3, one_machine=True)]
    assert "API keys" not in workers and "audit log" not in workers and "cache" in workers


def test_a_fleet_on_redis_and_postgresql_keeps_nothing_apart(tmp_path: Path) -> None:
    text = (
        HOOKED_AND_SECURED.replace(
            '"sqlite+aiosqlite:///keys.db"', '"postgresql+asyncpg://c360@127.0.0.1/c360"'
        )
        .replace("audit.log", '"-"')
        .replace(
            "  enabled: true\n", '  enabled: true\n  rate_limits: "redis://127.0.0.1:6390/0"\n'
        )
    )
    settings = settings_from(tmp_path, text + SHARED)
    assert fleet_warnings(settings, 3) == []


def test_the_operations_page_names_every_piece_of_state_and_its_setting() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    section = page.split("## Shared state", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([^|]+?) \| `([^`]+)` \|", section, re.M)
    assert rows == [(state.name, state.setting) for state in STATE]


def test_a_sqlite_outbox_is_shared_by_the_workers_of_one_machine_only() -> None:
    from gateway.config import load_settings

    demo = Path(__file__).resolve().parents[2] / "demo" / "c360.yaml"
    settings = load_settings(demo, environ={})
    assert settings.writable
    assert "write-back outbox" in [w.state for w in fleet_warnings(settings, 3)]
    workers = fleet_warnings(settings, 2, one_machine=True)
    assert "write-back outbox" not in [w.state for w in workers]
