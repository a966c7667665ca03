"""The call-center console and the GraphiQL page, served from this package."""

from __future__ import annotations

from gateway.console.headers import CONTENT_SECURITY_POLICY, PAGE_HEADERS, PageHeaders
from gateway.console.pages import console_routes, graphiql_page

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "PAGE_HEADERS",
    "PageHeaders",
    "console_routes",
    "graphiql_page",
]
