from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from gateway.app import create_app
from gateway.security.keys import KeyStore
from tests.gateway.test_security import new_key, owners, secured
from tests.support.browser import Watched, chromium, offline_page
from tests.support.demo_estate import DemoEstate
from tests.support.servers import serve

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's chromium. One per test: Playwright's synchronous driver holds the thread's event
    loop while it runs, which the asynchronous tests beside these need free."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    """A fresh page with the network beyond 127.0.0.1 cut off; it must not have needed it."""
    with offline_page(browser) as page:
        yield page
        page.assert_clean()


def aside(work: Any) -> Any:
    """Runs a coroutine to its end on a loop of its own (the browser holds this thread's)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


@dataclass
class Console:
    """The demo behind a gateway with security on, and keys for it."""

    url: str
    folder: Path
    demo: DemoEstate
    agent_keys: tuple[str, str]
    dealer_keys: dict[str, str]

    def revoke(self, key: str) -> None:
        async def revoke() -> None:
            store = KeyStore.open(f"sqlite+aiosqlite:///{self.folder / 'keys.db'}", self.folder)
            try:
                assert await store.revoke(key.split("_")[1])
            finally:
                await store.aclose()

        aside(revoke())

    def crm_contact(self, key: str) -> dict[str, Any]:
        contacts = json.loads((self.demo.folder / "crm.json").read_text("utf-8"))["contacts"]
        return next(c for c in contacts if c["id"] == key)

    @property
    def common_prefix(self) -> str:
        """The two letters most family names of the CRM start with."""
        contacts = json.loads((self.demo.folder / "crm.json").read_text("utf-8"))["contacts"]
        return Counter(c["lastName"][:2] for c in contacts).most_common(1)[0][0]


@pytest.fixture(scope="module")
def secured_console(
    demo_estate: DemoEstate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Console]:
    folder = tmp_path_factory.mktemp("console")
    agents = (aside(new_key(folder, "agent")), aside(new_key(folder, "agent")))
    dealers = {d: aside(new_key(folder, "dealer", d)) for d in sorted(owners(demo_estate))[:2]}
    with serve(create_app(secured(demo_estate, folder))) as url:
        yield Console(url, folder, demo_estate, agents, dealers)
