"""The gateway app driven in-process: lifespan run, requests through httpx.ASGITransport."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from gateway.app import create_app
from gateway.clock import Clock, ManualClock
from gateway.config import Settings, load_settings


def settings_from(tmp_path: Path, yaml_text: str, **env: str) -> Settings:
    path = tmp_path / "c360.yaml"
    path.write_text(textwrap.dedent(yaml_text), encoding="utf-8")
    return load_settings(path, environ=env)


@asynccontextmanager
async def gateway(
    settings: Settings, *, clock: Clock | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """The app, its lifespan run, on a clock that moves only when the test moves it."""
    app = create_app(settings, clock=clock if clock is not None else ManualClock())
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://c360.test"
        ) as client,
    ):
        yield client


async def graphql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    body: dict[str, Any] = response.json()
    return body
