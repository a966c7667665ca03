"""Debian's chromium driven by Playwright, for the pages the gateway serves.

The browser is the system one (``/usr/bin/chromium``, installed by ``scripts/install``); Playwright
never downloads its own. Every page runs with the network beyond 127.0.0.1 cut off: each such
request is aborted and remembered, so a test can assert that the page needed none. Content
Security Policy violations and uncaught script errors are remembered too.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 800}


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's chromium under Playwright; fails the test (never skips) when either is missing."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(
            f"the browser tests need Debian's chromium at {CHROMIUM}: run scripts/install "
            "(apt-get install chromium)",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "the browser tests need Playwright's Python package: run scripts/install "
            "(pip install -e '.[test]')",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watched:
    """A page, and what it tried that it should not have."""

    page: Page
    outside: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.outside == [], f"the page asked beyond 127.0.0.1: {self.outside}"
        assert self.problems == [], self.problems


@contextmanager
def offline_page(browser: Browser, bypass_csp: bool = False) -> Iterator[Watched]:
    """A fresh context (no cookies, no storage) and page at 1280x800, offline but for 127.0.0.1.
    ``bypass_csp`` lets a test add a checking script of its own to the page."""
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=bypass_csp)  # type: ignore[arg-type]
    page = context.new_page()
    watched = Watched(page)

    def local_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            watched.outside.append(route.request.url)
            route.abort()

    context.route("**/*", local_only)
    page.on(
        "console",
        lambda message: (
            watched.problems.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: watched.problems.append(f"script error: {error}"))
    try:
        yield watched
    finally:
        context.close()
