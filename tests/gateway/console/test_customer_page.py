"""The console in Debian's chromium against the served demo: finding a customer from a messy
phone, the whole customer with provenance, a stopped system, and script-looking data."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from demo.services.instruments import Instruments
from demo.services.systems import crm as crm_app
from gateway.app import create_app
from tests.gateway.console.conftest import Console
from tests.gateway.test_resilience import with_source
from tests.gateway.test_security import token
from tests.support.browser import Watched
from tests.support.console import (
    crm_contacts,
    loaded,
    open_customer,
    panel,
    people,
    search,
    shot,
    sign_in,
)
from tests.support.demo_estate import DemoEstate
from tests.support.servers import free_port, serve

EVERY = {"crm", "billing", "service_desk", "loyalty", "dealer"}


def known_everywhere(demo: DemoEstate) -> dict[str, Any]:
    contacts = crm_contacts(demo.folder)
    return next(
        p
        for p in people(demo)
        if set(p) >= EVERY and len(re.sub(r"\D", "", contacts[p["crm"][0]]["phoneNumber"])) == 11
    )


def messy(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)[-10:]
    return f" 1 ({digits[:3]}) {digits[3:6]}.{digits[6:]} "


def test_a_messy_phone_finds_the_whole_customer_with_provenance(
    demo_estate: DemoEstate, secured_console: Console, watched: Watched
) -> None:
    page, person = watched.page, known_everywhere(demo_estate)
    phone = crm_contacts(demo_estate.folder)[person["crm"][0]]["phoneNumber"]
    sign_in(page, secured_console.url, token())
    status = search(page, messy(phone))
    assert status.inner_text() == "1 customer found."
    shot(page, "search")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    loaded(page)
    identities = panel(page, "identities").locator("tbody tr").all_inner_texts()
    for source in EVERY:
        assert any(person[source][0] in row for row in identities), (source, identities)
    systems_with_records = {
        chip
        for name in ("orders", "cases", "loyalty", "vehicles", "timeline")
        for chip in panel(page, name).locator(".chip").all_inner_texts()
    }
    assert len(systems_with_records & EVERY) >= 4, systems_with_records
    shot(page, "customer")
    phone_badge = panel(page, "golden").locator("[data-field=phone] .badge")
    source, record = (
        phone_badge.get_attribute("data-source"),
        phone_badge.get_attribute("data-record"),
    )
    assert source in EVERY and record in person[source]
    phone_badge.click()
    popover = page.get_by_role("dialog", name="Where the phone came from")
    assert f"({source})" in popover.inner_text() and record in popover.inner_text()
    assert popover.get_by_role("row").count() >= 2  # the values the other systems hold
    shot(page, "provenance")
    page.keyboard.press("Escape")
    assert popover.is_hidden() and phone_badge.evaluate("b => b === document.activeElement")


def test_the_service_desk_stopped_shows_a_banner_and_only_cases_unavailable(
    demo_estate: DemoEstate, watched: Watched
) -> None:
    page, person = watched.page, known_everywhere(demo_estate)
    dead = f"http://127.0.0.1:{free_port()}/soap"
    settings = with_source(demo_estate.settings, "service_desk", url=dead)
    with serve(create_app(settings)) as url:
        open_customer(page, url, f"crm:{person['crm'][0]}")
        banner = page.get_by_role("alert").filter(has_text="Service desk")
        assert "(service_desk) is not answering" in banner.inner_text()
        assert "Unavailable: Service desk is not answering" in panel(page, "cases").inner_text()
        assert panel(page, "cases").locator("article").count() == 0
        assert panel(page, "orders").locator("tbody tr").count() >= 1
        assert panel(page, "vehicles").locator("article").count() >= 1
        assert panel(page, "golden").locator("[data-field=name] .value").inner_text()
        shot(page, "failure-banner")


def test_a_crm_name_holding_markup_is_shown_as_text(
    demo_estate: DemoEstate, watched: Watched, tmp_path: Path
) -> None:
    page = watched.page
    contacts = crm_contacts(demo_estate.folder)
    only_crm = next(p for p in people(demo_estate) if set(p) == {"crm", "person"})
    contact = contacts[only_crm["crm"][0]]
    contact["firstName"] = "<script>window.pwned = 1</script>"
    contact["lastName"] = '<img src=x onerror="window.pwned = 2">'
    (tmp_path / "crm.json").write_text(json.dumps({"contacts": list(contacts.values())}))
    with serve(crm_app(tmp_path, Instruments())) as crm_url:
        settings = with_source(demo_estate.settings, "crm", base_url=crm_url)
        with serve(create_app(settings)) as url:
            open_customer(page, url, f"crm:{contact['id']}")
            title = page.locator("#customer-title").inner_text()
            shown = panel(page, "golden").locator("[data-field=name] .value").inner_text()
            search(page, contact["emailAddress"].strip())
            result = page.locator("#results .result-name").first.inner_text()
    expected = f"{contact['firstName']} {contact['lastName']}"
    assert title == shown == result == expected
    assert page.locator("main script, main img").count() == 0
    assert page.evaluate("window.pwned") is None
