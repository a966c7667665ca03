"""The console against axe-core's WCAG 2.1 A/AA rules (labels, contrast, names, landmarks) in
each of its views at 1280x800, and its focus order from the keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.gateway.console.conftest import Console
from tests.support.browser import Watched, offline_page
from tests.support.console import go, loaded, panel, search, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

AXE = Path(__file__).with_name("npm") / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture
def checked(browser: Browser) -> Iterator[Watched]:
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing ({AXE}): run scripts/install", pytrace=False)
    with offline_page(browser, bypass_csp=True) as page:  # to add axe's script to the page
        yield page
        page.assert_clean()


def violations(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("rules => axe.run(document, {runOnly: rules})", RULES)
    return [
        {"rule": v["id"], "help": v["help"], "where": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
    ]


def test_every_view_passes_axe(secured_console: Console, checked: Watched) -> None:
    page = checked.page
    page.goto(f"{secured_console.url}/console/")
    page.get_by_label("API key or token").wait_for()
    assert violations(page) == [], "sign-in"
    sign_in(page, secured_console.url, secured_console.agent_keys[1])
    search(page, secured_console.common_prefix)
    assert violations(page) == [], "search results"
    page.locator("#results a").first.press("Enter")
    loaded(page)
    assert violations(page) == [], "customer"
    panel(page, "golden").locator(".badge").first.click()
    assert violations(page) == [], "provenance"
    page.keyboard.press("Escape")
    go(page, "#/customer/crm:C-999999")
    loaded(page)
    assert violations(page) == [], "not found"


def test_the_keyboard_moves_through_the_customer_in_reading_order(
    secured_console: Console, watched: Watched
) -> None:
    page = watched.page
    sign_in(page, secured_console.url, secured_console.agent_keys[1])
    search(page, secured_console.common_prefix)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    loaded(page)
    stops = []
    for _ in range(6):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("document.activeElement.textContent.trim()"))
    assert stops[0] == "Back to the search"
    assert stops[1].startswith("Read live") and "golden record" in stops[1]
    assert [s.split(":")[1].strip().split(" ")[0] for s in stops[2:4]] == ["name", "email"]
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"  # back to the search box
