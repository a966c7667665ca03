"""The console's "edit contact" action in Debian's chromium, against a served demo estate of
its own (the change is real: it stays in the systems): each system's outcome is listed, the
golden record shows the new value, the form passes axe, and a role without the allow is told."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.app import create_app
from tests.gateway.console.conftest import aside
from tests.gateway.console.test_accessibility import AXE, violations
from tests.gateway.test_security import new_key, secured
from tests.support.browser import Watched, offline_page
from tests.support.console import loaded, open_customer, panel, people, shot, sign_in
from tests.support.demo_estate import DemoEstate, running_estate
from tests.support.servers import serve

WRITERS = ("crm", "billing", "service_desk")


@pytest.fixture(scope="module")
def editable(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, DemoEstate, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("edit-console")
    for estate in running_estate(folder / "estate", customers=120, seed=23):
        roles = {"agent": {"allow": ["*", "Mutation.updateContact"]}, "viewer": {}}
        settings = secured(estate, folder, roles=roles)
        keys = {role: aside(new_key(folder, role)) for role in roles}
        with serve(create_app(settings)) as url:
            yield url, estate, keys


def test_an_agent_edits_a_phone_and_sees_each_system_outcome(
    editable: tuple[str, DemoEstate, dict[str, str]], browser: object
) -> None:
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing ({AXE}): run scripts/install", pytrace=False)
    url, estate, keys = editable
    person = next(p for p in people(estate) if all(p.get(s) for s in WRITERS))
    with offline_page(browser, bypass_csp=True) as checked:  # type: ignore[arg-type]
        page = checked.page
        sign_in(page, url, keys["agent"])
        open_customer(page, url, f"crm:{person['crm'][0]}")
        golden = panel(page, "golden")
        golden.get_by_text("Edit contact").click()
        golden.get_by_label("New phone").fill("(312) 555-0177")
        golden.get_by_role("button", name="Save to every system").click()
        table = golden.get_by_role("table", name="What each system did")
        table.wait_for()
        rows = {
            row.get_attribute("data-source"): row.get_attribute("data-status")
            for row in table.locator("tbody tr").all()
        }
        assert all(rows.get(s) == "written" for s in WRITERS), rows
        golden.locator("[data-field=phone] .value", has_text="+13125550177").wait_for()
        loaded(page)
        assert violations(page) == [], "edit contact"
        shot(page, "edit-contact")
        checked.assert_clean()


def test_a_role_without_the_allow_is_told_and_nothing_is_written(
    editable: tuple[str, DemoEstate, dict[str, str]], watched: Watched
) -> None:
    url, estate, keys = editable
    page = watched.page
    key = [p for p in people(estate) if p.get("crm")][-1]["crm"][0]
    before = estate.instruments["crm"].writes
    sign_in(page, url, keys["viewer"])
    open_customer(page, url, f"crm:{key}")
    golden = panel(page, "golden")
    golden.get_by_text("Edit contact").click()
    golden.get_by_label("New email").fill("someone@example.org")
    golden.get_by_role("button", name="Save to every system").click()
    golden.get_by_text("Your role may not change contact details.").wait_for()
    assert estate.instruments["crm"].writes == before
