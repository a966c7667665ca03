from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.base import Connector
from demo.services.instruments import Instruments
from demo.services.soap import soap_service
from gateway.planned import PlanStore
from tests.support.backends import (
    service_desk_collections,
    soap_source,
    write_csv,
    write_fixed_width,
    write_postgres,
    write_sqlite,
)
from tests.support.build import make_connector
from tests.support.demo_estate import DemoEstate, running_estate
from tests.support.legacy_graphql import GRAPHQL_SOURCE, LegacyGraphql
from tests.support.legacy_rest import REST_SOURCE, LegacyRest
from tests.support.plan_check import CHECK
from tests.support.postgres import PostgresServer
from tests.support.redis import RedisServer
from tests.support.servers import serve


def pytest_configure(config: pytest.Config) -> None:
    # every request the suite sends is answered by both executors and compared
    PlanStore.observer = CHECK


def pytest_terminal_summary(terminalreporter: Any) -> None:
    declined = ", ".join(f"{n} {why}" for why, n in CHECK.declined.most_common())
    terminalreporter.write_line(
        f"compiled plans: {CHECK.requests} requests seen, {CHECK.compared} compared over "
        f"{len(CHECK.documents)} documents, {len(CHECK.mismatches)} mismatches"
        + (f"; not compared: {declined}" if declined else "")
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if CHECK.mismatches:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def legacy_rest() -> Iterator[LegacyRest]:
    """A legacy REST system on a real socket; ``.base_url`` says where."""
    system = LegacyRest()
    with serve(system.app) as url:
        system.base_url = url  # type: ignore[attr-defined]
        yield system


@pytest.fixture
def rest_system(legacy_rest: LegacyRest) -> LegacyRest:
    legacy_rest.reset()
    return legacy_rest


@pytest.fixture(scope="session")
def legacy_graphql() -> Iterator[tuple[str, LegacyGraphql]]:
    """A system that speaks GraphQL, on a real socket: (its base URL, the system)."""
    system = LegacyGraphql()
    with serve(system.app) as url:
        yield url, system


@pytest.fixture
def graphql_system(legacy_graphql: tuple[str, LegacyGraphql]) -> tuple[str, LegacyGraphql]:
    legacy_graphql[1].reset()
    return legacy_graphql


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def service_desk() -> Iterator[tuple[str, Instruments]]:
    """The demo service-desk SOAP server holding the contract estate: (base URL, its counters)."""
    instruments = Instruments()
    app = instruments.middleware(soap_service(service_desk_collections(), instruments))
    with serve(app) as url:
        yield url, instruments


@pytest.fixture(scope="session")
def demo_estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoEstate]:
    """600 demo customers in five systems, the served ones on real sockets."""
    yield from running_estate(tmp_path_factory.mktemp("demo-estate"), customers=600, seed=7)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


BACKENDS = ["rest", "soap", "sql-sqlite", "sql-postgres", "csv", "fixed_width", "graphql"]


async def backend_source(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> dict[str, Any]:
    if kind == "rest":
        system: LegacyRest = request.getfixturevalue("rest_system")
        return {**REST_SOURCE, "base_url": system.base_url}  # type: ignore[attr-defined]
    if kind == "soap":
        url, instruments = request.getfixturevalue("service_desk")
        instruments.latency, instruments.fail_rate = 0.0, 0.0
        return soap_source(url)
    if kind == "sql-sqlite":
        return write_sqlite(tmp_path / "estate.db")
    if kind == "sql-postgres":
        server: PostgresServer = request.getfixturevalue("postgres")
        return await write_postgres(server.url, f"t_{uuid.uuid4().hex[:12]}")
    if kind == "csv":
        return write_csv(tmp_path)
    if kind == "graphql":
        url, _ = request.getfixturevalue("graphql_system")
        return {**copy.deepcopy(GRAPHQL_SOURCE), "url": f"{url}/graphql"}
    return write_fixed_width(tmp_path)


@pytest.fixture(params=BACKENDS)
async def connector(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Connector]:
    """The contract estate behind a real backend of each kind, read through its connector."""
    block = await backend_source(request.param, request, tmp_path)
    async with make_connector("estate", block, tmp_path) as built:
        yield built
