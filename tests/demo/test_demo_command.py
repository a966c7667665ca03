"""``c360 demo`` as a new user runs it: five systems served, every source answering."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.ports import free_run

FIRST_KEYS = {
    "crm": ("person", "C-000001"),
    "billing": ("person", "100001"),
    "service_desk": ("person", "SD-000001"),
    "loyalty": ("person", "L-770001"),
    "campaigns": ("campaign_response", "CR-0000001"),
    "dealer": ("person", "OW-000001"),
    "dealer_visits": ("service_visit", "V000000001"),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("demo")
    base = free_run(5)
    log = (folder / "demo.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gateway.cli",
            "demo",
            "--port",
            str(base),
            "--services-port",
            str(base + 1),
            "--customers",
            "300",
            "--data",
            str(folder / "estate"),
            "--log-level",
            "warning",
        ],
        cwd=folder,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{base}"
    try:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError(f"c360 demo exited: {(folder / 'demo.log').read_text()}")
            try:
                httpx.get(f"{url}/healthz", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url, folder / "estate"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        log.close()
    for port in range(base + 1, base + 5):  # the served systems stopped with it
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/_stats", timeout=2)


def query(url: str, text: str) -> dict:
    response = httpx.post(f"{url}/graphql", json={"query": text}, timeout=30)
    return response.json()


def test_sources_list_the_five_systems(demo: tuple[str, Path]) -> None:
    url, _ = demo
    body = query(url, "{ sources { name kind system entities { name } } }")
    sources = body["data"]["sources"]
    assert [s["name"] for s in sources] == list(FIRST_KEYS)
    assert {s["system"] for s in sources} == {
        "Sales CRM",
        "Orders and billing",
        "Service desk",
        "Marketing and loyalty",
        "Dealer management",
    }
    assert {s["kind"] for s in sources} == {"rest", "sql", "soap", "csv", "fixed_width", "graphql"}


def test_a_record_from_each_source(demo: tuple[str, Path]) -> None:
    url, _ = demo
    fields = " ".join(
        f'{name}: record(source: "{name}", entity: "{entity}", key: "{key}") {{ key source }}'
        for name, (entity, key) in FIRST_KEYS.items()
    )
    body = query(url, f"{{ {fields} }}")
    assert "errors" not in body
    assert body["data"] == {
        name: {"key": key, "source": name} for name, (_, key) in FIRST_KEYS.items()
    }


def test_served_systems_count_their_calls(demo: tuple[str, Path]) -> None:
    url, _ = demo
    crm_port = int(url.rsplit(":", 1)[1]) + 1
    before = httpx.get(f"http://127.0.0.1:{crm_port}/_stats").json()["calls"]
    query(url, '{ record(source: "crm", entity: "person", key: "C-000002") { key } }')
    after = httpx.get(f"http://127.0.0.1:{crm_port}/_stats").json()["calls"]
    assert after - before == 1
