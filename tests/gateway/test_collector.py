"""A request leaves nothing for the garbage collector: its objects are freed when it ends
(what lets ``server.gc_threshold`` space the collector's passes out), and start-up tunes the
collector."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from gateway.app import create_app
from gateway.clock import ManualClock
from gateway.collector import tune_collector
from gateway.planned import PlanStore
from tests.gateway.test_plans import CONFIG, CUSTOMER
from tests.support.gateway import settings_from
from tests.support.legacy_rest import LegacyRest


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector's settings restored after the test."""
    thresholds = gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)
    gc.unfreeze()


def _cycles() -> Counter[str]:
    """The kinds of objects only the collector could free, left since it last ran."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        return Counter(type(found).__name__ for found in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.collect()


async def _post(app: Any, body: bytes) -> bytes:
    """One request straight to the ASGI app: no client library whose own objects count."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"c360.test"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return b"".join(chunks)


async def test_a_planned_request_over_rest_leaves_no_reference_cycle(
    tmp_path: Path, rest_system: LegacyRest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PlanStore, "observer", None)  # the check reruns requests its own way
    settings = settings_from(tmp_path, CONFIG, CRM_URL=rest_system.base_url)
    app = create_app(settings, clock=ManualClock())
    body = orjson.dumps({"query": CUSTOMER, "variables": {"k": "P-1"}})
    async with app.router.lifespan_context(app):
        for _ in range(2):  # the general executor answers, then the plan is compiled
            await _post(app, body)
        gc.collect()
        gc.disable()
        try:
            answers = [await _post(app, body) for _ in range(5)]
            left = _cycles()
        finally:
            gc.enable()
    assert all(b'"number":"O-1"' in answer for answer in answers)
    assert sum(rest_system.calls.values()) >= 7, "every request reached the legacy system"
    assert left == Counter()


def test_start_up_freezes_what_it_built_and_spaces_the_passes_out(collector: None) -> None:
    tune_collector(12_345)
    assert gc.get_threshold()[0] == 12_345
    assert gc.get_freeze_count() > 0
