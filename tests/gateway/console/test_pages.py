"""The console's and GraphiQL's pages: served from the package with their security headers,
and built so that data is never markup and nothing is kept in the browser's storage."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from gateway.console.pages import STATIC
from tests.support.demo_estate import DemoEstate
from tests.support.gateway import gateway

PAGES = [*STATIC.glob("*.html"), STATIC.parent / "graphiql.html"]
SCRIPTS = [*STATIC.glob("js/*.js"), STATIC / "graphiql.js"]


async def test_pages_carry_the_security_headers(demo_estate: DemoEstate) -> None:
    async with gateway(demo_estate.settings) as client:
        bare = await client.get("/console")
        console = await client.get("/console/")
        module = await client.get("/console/js/main.js")
        graphiql = await client.get("/graphql", headers={"accept": "text/html"})
    assert bare.status_code in (307, 308) and bare.headers["location"].endswith("/console/")
    for page in (console, graphiql):
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer"
    assert module.headers["content-type"].startswith("text/javascript")
    assert "c360 console" in console.text and "c360 GraphiQL" in graphiql.text


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.inline.append("<script> without src")
        if tag == "style" or "style" in names:
            self.inline.append(f"inline style on <{tag}>")
        self.inline.extend(f"{name} on <{tag}>" for name in names if name.startswith("on"))
        if (tag in ("script", "link") and "src" in names) or (tag == "link" and "href" in names):
            target = dict(attrs).get("src") or dict(attrs).get("href") or ""
            if re.match(r"^(https?:)?//", target):
                self.inline.append(f"{target} is not served by the gateway")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_hold_no_inline_script_style_or_outside_file(page) -> None:
    markup = _Markup()
    markup.feed(page.read_text("utf-8"))
    assert markup.inline == []


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_never_write_markup_nor_keep_data_in_the_browser(script) -> None:
    comments = re.compile(r"/\*.*?\*/|^\s*//[^\n]*", re.DOTALL | re.MULTILINE)
    code = comments.sub("", script.read_text("utf-8"))
    for banned in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "localStorage",
        "sessionStorage",
        "indexedDB",
        "document.cookie",
    ):
        assert banned not in code, f"{script.name} uses {banned}"


def test_every_module_is_preloaded_with_the_page() -> None:
    page = (STATIC / "index.html").read_text("utf-8")
    preloaded = set(re.findall(r'<link rel="modulepreload" href="(js/[a-z]+\.js)"', page))
    modules = {f"js/{p.name}" for p in STATIC.glob("js/*.js")} - {"js/main.js"}
    assert preloaded == modules  # no import waterfall on a first load
