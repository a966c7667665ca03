"""The pages the gateway serves to a browser: the call-center console at ``/console`` and the
GraphiQL page at ``GET /graphql``. Both are plain files shipped in this package (ES modules,
CSS, and GraphiQL's vendored release files), served with :class:`PageHeaders`: no build step,
no CDN, nothing fetched from anywhere but the gateway itself.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from gateway.console.headers import PAGE_HEADERS, PageHeaders

__all__ = ["STATIC", "console_routes", "graphiql_page"]

STATIC = Path(__file__).with_name("static")
_GRAPHIQL = Path(__file__).with_name("graphiql.html")


def console_routes() -> list[BaseRoute]:
    """``/console/`` (its ``index.html``) and its files; ``/console`` redirects there."""
    files = StaticFiles(directory=STATIC, html=True)
    return [Mount("/console", app=PageHeaders(files), name="console")]


@cache
def _graphiql_html() -> str:
    return _GRAPHIQL.read_text("utf-8")


def graphiql_page() -> HTMLResponse:
    """GraphiQL, its scripts and styles from ``/console/vendor`` (see ``VERSIONS`` there)."""
    return HTMLResponse(_graphiql_html(), headers=dict(PAGE_HEADERS))
