from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.support.browser import Watched, chromium, offline_page

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
