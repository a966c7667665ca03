"""The console in Debian's chromium against the served demo: finding a customer from a messy
phone, the whole customer with provenance, a stopped system, and script-looking data."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from connectors.options import CachePolicy
from demo.services.instruments import Instruments
from demo.services.systems import crm as crm_app
from gateway.app import create_app
from gateway.hooks import signature
from tests.gateway.console.conftest import Console
from tests.gateway.test_resilience import with_source
from tests.gateway.test_security import token
from tests.support.browser import Watched
from tests.support.console import (
    crm_contacts,
    go,
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
    assert re.sub(r"\D", "", phone)[-4:] not in page.url  # the term stays out of the URL
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
    stored = page.evaluate("localStorage.length + sessionStorage.length + document.cookie.length")
    assert stored == 0 and page.context.cookies() == []  # nothing kept in the browser


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
    # survivorship shows a name written all in lower case in proper case; the text is the same
    assert title == shown == result and title.lower() == expected.lower()
    assert page.locator("main script, main img").count() == 0
    assert page.evaluate("window.pwned") is None


def test_read_live_asks_only_that_panels_system_again(
    demo_estate: DemoEstate, secured_console: Console, watched: Watched
) -> None:
    page, person = watched.page, known_everywhere(demo_estate)
    sign_in(page, secured_console.url, token())
    go(page, f"#/customer/crm:{person['crm'][0]}")
    loaded(page)
    demo_estate.reset_counts()
    cases = panel(page, "cases")
    cases.get_by_role("button", name=re.compile("^Read live")).click()
    cases.get_by_text("Read live just now.").wait_for()
    assert "FindCasesByContactId" in demo_estate.instruments["service_desk"].by_route
    assert demo_estate.instruments["crm"].calls == demo_estate.instruments["dealer"].calls == 0


def test_the_timeline_filters_by_channel_and_pages(
    demo_estate: DemoEstate, secured_console: Console, watched: Watched
) -> None:
    page, person = watched.page, known_everywhere(demo_estate)
    sign_in(page, secured_console.url, token())
    go(page, f"#/customer/crm:{person['crm'][0]}")
    loaded(page)
    timeline = panel(page, "timeline")
    counter = timeline.locator(".pager [role=status]")
    total = int(counter.inner_text().rsplit(" ", 1)[1])
    assert counter.inner_text() == f"Events 1\u201310 of {total}" and total > 10
    first_page = timeline.locator(".events li").all_inner_texts()
    timeline.get_by_role("button", name="Older").click()
    counter.filter(has_text="Events 11\u2013").wait_for()
    assert set(timeline.locator(".events li").all_inner_texts()).isdisjoint(first_page)
    for channel in ("commerce", "marketing", "dealer"):
        timeline.get_by_label(channel).uncheck()
        page.locator("#panel-timeline[aria-busy=false]").wait_for()
    channels = {li.get_attribute("data-channel") for li in timeline.locator(".events li").all()}
    assert channels == {"SERVICE"}
    assert int(counter.inner_text().rsplit(" ", 1)[1]) < total
    assert counter.inner_text().startswith("Events 1\u2013")  # a new filter starts at the newest


def test_an_older_copy_standing_in_for_a_stopped_system_is_marked_stale(
    demo_estate: DemoEstate, watched: Watched
) -> None:
    page = watched.page
    key = next(p for p in people(demo_estate) if set(p) == {"crm", "person"})["crm"][0]
    port = free_port()
    always_expired = CachePolicy(ttl=0, stale_for=3600)
    settings = with_source(
        demo_estate.settings, "crm", base_url=f"http://127.0.0.1:{port}", cache=always_expired
    )
    with serve(create_app(settings)) as url:
        with serve(crm_app(demo_estate.folder, Instruments()), port):
            open_customer(page, url, f"crm:{key}")
            fresh = panel(page, "golden").locator("[data-field=name] .badge").inner_text()
        go(page, "#/")
        go(page, f"#/customer/crm:{key}")
        loaded(page)
        badge = panel(page, "golden").locator("[data-field=name] .badge")
        banner = page.get_by_role("alert").filter(has_text="Sales CRM").inner_text()
    assert "stale" not in fresh and badge.inner_text().startswith("crm stale")
    assert "stale" in (badge.get_attribute("class") or "")
    assert "(crm) did not answer: its values below are older copies, marked stale" in banner


def test_the_open_customer_follows_a_change_reported_by_a_webhook(
    demo_estate: DemoEstate, secured_console: Console, watched: Watched
) -> None:
    page, key = watched.page, "C-000001"
    sign_in(page, secured_console.url, token())
    go(page, f"#/customer/crm:{key}")
    loaded(page)
    body = json.dumps({"entity": "person", "keys": [key]}).encode()
    headers = {"X-C360-Signature": signature("demo-crm-webhook-secret", body)}
    hooked = httpx.post(
        f"{secured_console.url}/hooks/invalidate/crm", content=body, headers=headers
    )
    assert hooked.status_code == 200
    updated = page.get_by_text("Updated just now: a system reported a change.")
    updated.wait_for(timeout=5_000)
    assert page.locator("#customer-title").inner_text() != "Customer"
