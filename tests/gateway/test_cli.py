"""``c360`` as a user runs it: a real process, a real socket."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from demo.estate import generate
from tests.support.backends import write_csv
from tests.support.ports import free_run
from tests.support.servers import free_port, serve

THREE_MISTAKES = """\
sources:
  loyalty:
    kind: csv
    directory: .
    reload_check: often
    entities:
      person:
        file: people.csv
        fields: {key: ID, emial: EMAIL}
      persona:
        file: people.csv
        fields: {key: ID}
"""


def c360(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_check_prints_every_problem_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "c360.yaml").write_text(THREE_MISTAKES)
    result = c360("check", "c360.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "c360.yaml:5: sources.loyalty.reload_check: 'often' is not a duration such as 2s, 500ms or 5m",
        "c360.yaml:9: sources.loyalty.entities.person.fields.emial: not a field of person (did you mean 'email'?)",
        "c360.yaml:10: sources.loyalty.entities.persona: not an entity of the catalogue (did you mean 'person'?)",
        "3 problems in c360.yaml",
    ]
    assert result.stdout == ""


def test_check_valid_prints_one_line(tmp_path: Path) -> None:
    (tmp_path / "c360.yaml").write_text(
        THREE_MISTAKES.replace("often", "5s")
        .replace("emial", "email")
        .replace("persona", "order")
        .replace(
            "file: people.csv\n        fields: {key: ID}\n",
            "file: orders.csv\n        fields: {key: ORDER_ID}\n",
        )
    )
    result = c360("check", "c360.yaml", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "c360.yaml: valid; 1 sources: loyalty (csv); 2 entities\n"


def test_check_warns_of_state_a_fleet_would_keep_apart(tmp_path: Path) -> None:
    (tmp_path / "c360.yaml").write_text(KEYED + "server:\n  replicas: 3\n")
    result = c360("check", "c360.yaml", cwd=tmp_path)
    shared = KEYED.replace("sqlite+aiosqlite:///c360-keys.db", "postgresql+asyncpg://c/keys")
    (tmp_path / "shared.yaml").write_text(
        shared.replace("  enabled: true\n", "  enabled: true\n  rate_limits: redis://r:6379\n")
        + "server: {replicas: 3}\ncache: {backend: redis://r:6379}\n"
    )
    clean = c360("check", "shared.yaml", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("c360.yaml: valid;")
    warned = [line.split(" kept in ")[0] for line in result.stderr.splitlines()]
    assert warned == [
        "c360.yaml:13: server.replicas: warning: 3 gateways, cache",
        "c360.yaml:13: server.replicas: warning: 3 gateways, rate limits",
        "c360.yaml:13: server.replicas: warning: 3 gateways, API keys",
        "c360.yaml:13: server.replicas: warning: 3 gateways, live-update event bus",
        "c360.yaml:13: server.replicas: warning: 3 gateways, automatic persisted queries",
    ]
    assert (clean.returncode, clean.stderr) == (0, "")


def test_check_warns_of_state_the_workers_of_one_machine_would_keep_apart(
    tmp_path: Path,
) -> None:
    (tmp_path / "c360.yaml").write_text(KEYED + "server:\n  replicas: 1\n  workers: 2\n")
    result = c360("check", "c360.yaml", cwd=tmp_path)
    assert result.returncode == 0
    warned = [line.split(" kept in ")[0] for line in result.stderr.splitlines()]
    # the SQLite key store is one file on one machine: the workers share it
    assert warned == [
        "c360.yaml:14: server.workers: warning: 2 gateways, cache",
        "c360.yaml:14: server.workers: warning: 2 gateways, rate limits",
        "c360.yaml:14: server.workers: warning: 2 gateways, live-update event bus",
        "c360.yaml:14: server.workers: warning: 2 gateways, automatic persisted queries",
    ]


def test_serve_refuses_no_workers(tmp_path: Path) -> None:
    (tmp_path / "c360.yaml").write_text(KEYED)
    result = c360("serve", "--config", "c360.yaml", "--workers", "0", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, "c360 serve: --workers must be 1 or more\n")


def test_schema_prints_sdl(tmp_path: Path) -> None:
    result = c360("schema", cwd=tmp_path)
    assert result.returncode == 0
    assert "record(source: String!, entity: String!, key: String!): SourceRecord" in result.stdout


def test_serve_answers_over_a_real_socket(tmp_path: Path) -> None:
    write_csv(tmp_path)
    (tmp_path / "c360.yaml").write_text(
        "sources:\n  loyalty:\n    kind: csv\n    entities:\n"
        "      person: {file: people.csv, by: {email: EMAIL}, fields: {key: ID, email: EMAIL}}\n"
    )
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gateway.cli",
            "serve",
            "--config",
            "c360.yaml",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        body = None
        for _ in range(200):
            try:
                body = httpx.post(
                    f"http://127.0.0.1:{port}/graphql",
                    json={
                        "query": '{ records(source: "loyalty", entity: "person", by: "email", '
                        'value: "ann@example.com") { key } }'
                    },
                ).json()
                break
            except httpx.TransportError:
                time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(20)
    assert body is not None
    assert body["data"] == {"records": [{"key": "P-1"}, {"key": "P-4"}]}
    # uvicorn shuts down gracefully, then re-raises the signal it caught
    assert process.returncode in (0, -signal.SIGTERM)


KEYED = """\
sources:
  loyalty:
    kind: csv
    directory: .
    entities: {person: {file: people.csv, fields: {key: ID}}}
security:
  enabled: true
  api_keys: {store: "sqlite+aiosqlite:///c360-keys.db"}
  roles:
    agent: {sources: "*"}
    dealer: {sources: [loyalty], row_scope: dealer}
"""


def test_keys_commands_as_the_security_docs_write_them(tmp_path: Path) -> None:
    (tmp_path / "c360.yaml").write_text(KEYED)
    create = ["keys", "create", "--config", "c360.yaml", "--role", "dealer"]
    made = c360(*create, "--dealer-id", "D042", "--name", "North Motors portal", cwd=tmp_path)
    other_order = c360(
        "keys", "--config", "c360.yaml", "create", "--role", "agent", "--name", "x", cwd=tmp_path
    )
    listed = c360("keys", "list", "--config", "c360.yaml", cwd=tmp_path)
    key_id = made.stdout.split("_")[1]
    revoked = c360("keys", "revoke", "--config", "c360.yaml", key_id, cwd=tmp_path)
    assert made.returncode == 0 and made.stdout.startswith("c360_"), made.stderr
    assert other_order.returncode == 0, other_order.stderr
    assert f"{key_id}  dealer dealer D042  North Motors portal" in listed.stdout
    assert revoked.stdout == f"revoked {key_id}\n"


def test_a_dealer_key_needs_its_dealer_id(tmp_path: Path) -> None:
    (tmp_path / "c360.yaml").write_text(KEYED)
    refused = c360(
        "keys", "create", "--config", "c360.yaml", "--role", "dealer", "--name", "n", cwd=tmp_path
    )
    listed = c360("keys", "list", "--config", "c360.yaml", cwd=tmp_path)
    assert refused.returncode == 2 and "--dealer-id" in refused.stderr
    assert refused.stdout == "" and listed.stdout == ""


def test_the_bundled_configs_check_clean_as_shipped(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("C360_DEMO_DATA", raising=False)
    root = Path(__file__).resolve().parents[2]
    for config in ("demo/c360.yaml", "examples/quickstart/c360.yaml"):
        result = c360("check", str(root / config), cwd=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith("c360.yaml: valid; ")


SLOW = """\
sources:
  loyalty:
    kind: csv
    entities: {person: {file: gone.csv, by: {email: EMAIL}, fields: {key: ID, email: EMAIL}}}
server: {header_timeout: 300ms, body_timeout: 300ms}
"""


def raw(port: int, data: bytes, *, close: bool = False) -> bytes:
    """Send ``data`` and read until the server closes the connection (or ``close`` it now)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(data)
        if close:
            return b""
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def test_serve_logs_one_json_stream_and_bounds_slow_clients(tmp_path: Path) -> None:
    (tmp_path / "c360.yaml").write_text(SLOW)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gateway.cli",
            "serve",
            "--config",
            "c360.yaml",
            "--port",
            str(port),
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    query = '{ records(source: "loyalty", entity: "person", by: "email", value: "ann@example.com") { key } }'
    try:
        for _ in range(200):
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/graphql", params={"query": query})
                break
            except httpx.TransportError:
                time.sleep(0.05)
        unfinished_headers = raw(port, b"POST /graphql HTTP/1.1\r\nHost: c360\r\nContent-")
        short_body = raw(
            port,
            b"POST /graphql HTTP/1.1\r\nHost: c360\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n" + b'{"query": ',
        )
        raw(
            port,
            b"POST /graphql HTTP/1.1\r\nHost: c360\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n{",
            close=True,
        )
        after = httpx.get(f"http://127.0.0.1:{port}/healthz")
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    assert answer.json()["errors"][0]["extensions"]["code"] == "SOURCE_UNAVAILABLE"
    assert unfinished_headers == b""  # closed, unanswered
    head, _, body = short_body.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert json.loads(body)["errors"][0]["extensions"] == {"code": "REQUEST_TIMEOUT"}
    assert after.status_code == 200
    lines = [json.loads(line) for line in stderr.splitlines()]  # every line is JSON
    messages = [(line["level"], line["logger"], line["message"]) for line in lines]
    assert ("warning", "c360.sources", "source loyalty failed: SOURCE_UNAVAILABLE") in messages
    assert ("info", "uvicorn.access", "GET /graphql 200") in messages
    assert (
        "info",
        "c360.http",
        "closed a connection: request headers not complete in time",
    ) in messages
    assert [m for m in messages if m[0] in ("error", "critical")] == []
    assert "ann@example.com" not in stderr and "Traceback" not in stderr


def test_eval_identity_leaves_the_demo_estate_alone(tmp_path: Path) -> None:
    demo = tmp_path / ".c360-demo"
    generate(demo, customers=40, seed=42)
    before = {p.name: p.read_bytes() for p in demo.iterdir()}
    refused = c360("eval-identity", "--data", ".c360-demo", "--customers", "30", cwd=tmp_path)
    ran = subprocess.run(
        [
            *(sys.executable, "-m", "gateway.cli", "eval-identity", "--customers", "30"),
            *("--sample", "10", "--services-port", str(free_run(3))),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert refused.returncode == 1
    assert "holds 40 customers (seed 42), not 30 (seed 42)" in refused.stderr
    assert ran.returncode == 0, ran.stderr
    assert f"estate: 30 customers, seed 42, in {tmp_path / '.c360-eval'}" in ran.stdout
    assert {p.name: p.read_bytes() for p in demo.iterdir()} == before


class HeldContacts:
    """A REST system whose contact look-ups wait until the test lets them go."""

    def __init__(self) -> None:
        self.arrived, self.release = threading.Event(), threading.Event()
        self.app = Starlette(routes=[Route("/contacts", self.contacts)])

    async def contacts(self, request: Request) -> JSONResponse:
        self.arrived.set()
        await asyncio.to_thread(self.release.wait, 60)
        return JSONResponse({"items": [{"id": "C-1", "email": request.query_params["email"]}]})


def worker_pids(parent: int) -> list[int]:
    """The uvicorn workers of a ``--workers`` server (its resource tracker left out)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [
        int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def test_serve_workers_share_one_port_and_finish_requests_on_sigterm(tmp_path: Path) -> None:
    system = HeldContacts()
    with serve(system.app) as url:
        (tmp_path / "c360.yaml").write_text(
            f"sources:\n  crm:\n    kind: rest\n    base_url: {url}\n    entities:\n"
            "      person: {batch: '/contacts?ids={keys}', lookup: {email: '/contacts?email={value}'},\n"
            "               items: items, fields: {key: id, email: email}}\n"
        )
        port = free_port()
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gateway.cli", "serve", "--config", "c360.yaml"),
                *("--port", str(port), "--workers", "2"),
            ],
            cwd=tmp_path,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(process.stderr or []), daemon=True)
        reader.start()
        query = (
            '{ records(source: "crm", entity: "person", by: "email", value: "a@x.com") { key } }'
        )
        try:
            wait_until_served(port, process)
            workers = worker_pids(process.pid)
            answer: list[httpx.Response] = []
            asking = threading.Thread(
                target=lambda: answer.append(
                    httpx.post(
                        f"http://127.0.0.1:{port}/graphql", json={"query": query}, timeout=60
                    )
                )
            )
            asking.start()
            assert system.arrived.wait(60)
            process.send_signal(signal.SIGTERM)
            while sum('"Shutting down"' in line for line in list(lines)) < 2:
                assert process.poll() is None or reader.is_alive(), "".join(lines)
                time.sleep(0.02)
            system.release.set()
            asking.join(60)
            process.wait(60)
        finally:
            system.release.set()
            process.kill()
            process.wait(20)
            reader.join(20)
            if process.stderr is not None:
                process.stderr.close()
    assert len(workers) == 2
    assert any("2 gateways, cache kept in each process's memory" in line for line in lines)
    assert answer[0].json()["data"] == {"records": [{"key": "C-1"}]}
    assert process.returncode in (0, -signal.SIGTERM)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def wait_until_served(port: int, process: subprocess.Popen[str]) -> None:
    for _ in range(600):
        assert process.poll() is None, f"c360 serve exited with {process.returncode}"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"nothing served on port {port}")
