"""GraphiQL, served from the package: it loads and runs a query with no network but the gateway's."""

from __future__ import annotations

import hashlib
from base64 import b64encode
from pathlib import Path

from gateway.app import create_app
from gateway.console.pages import STATIC
from tests.support.browser import Watched
from tests.support.demo_estate import DemoEstate
from tests.support.servers import serve


def test_graphiql_runs_a_query_offline(demo_estate: DemoEstate, watched: Watched) -> None:
    page = watched.page
    with serve(create_app(demo_estate.settings)) as url:
        page.goto(f"{url}/graphql")
        page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()
        page.locator(".graphiql-response", has_text='"system": "Service desk"').wait_for()
    assert page.title() == "c360 GraphiQL"
    # the page itself would have asked a CDN for React and GraphiQL: none was asked (watched)


def test_vendored_files_are_the_pinned_releases() -> None:
    vendor = STATIC / "vendor"
    page = (Path(STATIC).parent / "graphiql.html").read_text()
    for line in (vendor / "VERSIONS").read_text().splitlines():
        package, name, digest = line.split()
        actual = b64encode(hashlib.sha384((vendor / name).read_bytes()).digest()).decode()
        assert digest == f"sha384-{actual}", (package, name)
        assert f'integrity="{digest}"' in page, name  # the browser checks it again
        assert (vendor / f"LICENSE.{package.rsplit('@', 1)[0]}").is_file()
    assert "graphiql@" in (vendor / "THIRD-PARTY-NOTICES").read_text()
