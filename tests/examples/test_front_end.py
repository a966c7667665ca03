"""The example front-end app (examples/front-end) in Debian's chromium, served from one origin
and calling c360 on another: it works for an origin c360 allows, the browser blocks it for
another."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from starlette.applications import Starlette
from starlette.staticfiles import StaticFiles

from gateway.app import create_app
from gateway.cors import CorsSettings
from tests.gateway.console.test_accessibility import AXE, violations
from tests.support.browser import Watched, chromium, offline_page
from tests.support.demo_estate import DemoEstate
from tests.support.servers import serve

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

APP = Path(__file__).parents[2] / "examples" / "front-end"


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    with offline_page(browser) as page:
        yield page
        page.assert_clean()


def static_site() -> Starlette:
    """The example app as any web server serves it: its files, nothing else."""
    site = Starlette()
    site.mount("/", StaticFiles(directory=APP, html=True))
    return site


def first_contact(demo: DemoEstate) -> tuple[str, str]:
    """A CRM contact's key and email."""
    contact = json.loads((demo.folder / "crm.json").read_text("utf-8"))["contacts"][0]
    return contact["id"], contact["emailAddress"]


def ask(page: Page, who: str) -> str:
    """Looks ``who`` up in the app; the status line once it has its answer."""
    page.get_by_label("Email address or CRM key").fill(who)
    page.get_by_role("button", name="Look up").click()
    page.wait_for_function(
        "() => { const s = document.getElementById('status').textContent;"
        " return s && !s.startsWith('Asking'); }"
    )
    return page.get_by_role("status").inner_text()


def test_the_app_works_from_an_origin_the_demo_allows(
    demo_estate: DemoEstate, watched: Watched
) -> None:
    page = watched.page
    key, email = first_contact(demo_estate)
    with serve(create_app(demo_estate.settings)) as c360, serve(static_site()) as site:
        assert site != c360  # another port: another origin
        page.goto(f"{site}/?endpoint={c360}/graphql")
        first = ask(page, key)
        name = page.locator("#customer-name").inner_text()
        shown_email = page.locator("#customer-email").inner_text()
        again = ask(page, key)
        by_email = ask(page, email)
        if not AXE.is_file():
            pytest.fail(f"axe-core is missing ({AXE}): run scripts/install", pytrace=False)
        found = violations(page)
    assert found == [], "the app with a customer shown, against axe-core's WCAG 2.1 AA rules"
    assert first == "Found (sent with its text over POST, which registered it)."
    assert again.startswith("Found (sent by hash over GET; Cache-Control: private, max-age=")
    assert by_email.startswith("Found (sent by hash over GET")
    assert shown_email == email.lower()
    assert name.strip() != ""


def test_the_browser_blocks_the_app_from_an_origin_not_allowed(
    demo_estate: DemoEstate, browser: Browser
) -> None:
    key, _ = first_contact(demo_estate)
    with serve(static_site()) as allowed_site, serve(static_site()) as other_site:
        only = CorsSettings(origins=(allowed_site,))
        server = demo_estate.settings.server.model_copy(update={"cors": only})
        settings = dataclasses.replace(demo_estate.settings, server=server)
        with serve(create_app(settings)) as c360:
            outcomes = {}
            for site in (other_site, allowed_site):
                with offline_page(browser) as watched:
                    console: list[str] = []
                    watched.page.on("console", lambda message: console.append(message.text))
                    watched.page.goto(f"{site}/?endpoint={c360}/graphql")
                    outcomes[site] = (ask(watched.page, key), console)
                    watched.assert_clean()
    blocked, console = outcomes[other_site]
    assert blocked == f"c360 could not be read from {other_site}: is it in server.cors.origins?"
    assert any("blocked by CORS policy" in line for line in console), console
    assert outcomes[allowed_site][0].startswith("Found")
