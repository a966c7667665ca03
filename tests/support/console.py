"""Driving the console in a browser: signing in, searching, reading panels, screenshots."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.support.demo_estate import DemoEstate

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

# where the screenshots go: docs/console when C360_SCREENSHOTS=docs/console asks for them (to
# refresh docs/console.md's pictures); elsewhere a temporary folder, so that the suite never
# changes the work tree
SHOTS = Path(os.environ.get("C360_SCREENSHOTS") or Path(tempfile.gettempdir()) / "c360-console")


def sign_in(page: Page, url: str, credential: str) -> None:
    page.goto(f"{url}/console/")
    page.get_by_label("API key or token").fill(credential)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("searchbox", name="Find a customer").wait_for()


def search(page: Page, term: str) -> Locator:
    """Types ``term`` and presses Enter; the status line once the search has answered."""
    box = page.get_by_role("searchbox", name="Find a customer")
    box.fill(term)
    box.press("Enter")
    status = page.locator("#results-status")
    status.filter(has_not_text="Searching").filter(has_text=re.compile(r"\w")).wait_for()
    return status


def open_customer(page: Page, url: str, customer_id: str) -> None:
    page.goto(f"{url}/console/#/customer/{customer_id}")
    loaded(page)


def go(page: Page, fragment: str) -> None:
    """Moves within the page (the credential, held in its memory, stays)."""
    page.evaluate("fragment => { location.hash = fragment }", fragment)


def loaded(page: Page) -> None:
    """Waits until every panel of the customer page has its answer."""
    page.locator(
        "#view-customer[aria-busy=false]:not([hidden]), #view-not-found:not([hidden])"
    ).wait_for()


def panel(page: Page, name: str) -> Locator:
    return page.locator(f"#panel-{name}")


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def people(demo: DemoEstate) -> list[dict[str, Any]]:
    lines = (demo.folder / "ground_truth.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def crm_contacts(folder: Path) -> dict[str, dict[str, Any]]:
    contacts = json.loads((folder / "crm.json").read_text("utf-8"))["contacts"]
    return {c["id"]: c for c in contacts}
