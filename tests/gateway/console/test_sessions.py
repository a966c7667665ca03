"""The console's sign-in and who sees what, in Debian's chromium: a dealer's masks and row
scope, a session that ends mid-work, and searches or ids that find nothing."""

from __future__ import annotations

import json

from tests.gateway.console.conftest import Console
from tests.gateway.test_security import owners
from tests.support.browser import Watched
from tests.support.console import go, loaded, panel, people, search, sign_in


def test_a_dealer_sees_masked_values_and_no_other_dealers_customer(
    secured_console: Console, watched: Watched
) -> None:
    page, demo = watched.page, secured_console.demo
    by_dealer = owners(demo)
    mine, theirs = sorted(by_dealer)[:2]
    phones = {
        o["ownerId"]: o["phone"]
        for o in json.loads((demo.folder / "dealer.json").read_text())["owners"]
    }
    me = next(p for p in by_dealer[mine] if phones[p["dealer"][0]])
    other = next(p for p in by_dealer[theirs] if phones[p["dealer"][0]])
    sign_in(page, secured_console.url, secured_console.dealer_keys[mine])
    assert search(page, phones[me["dealer"][0]]).inner_text() == "1 customer found."
    page.locator("#results a").first.press("Enter")
    loaded(page)
    phone = panel(page, "golden").locator("[data-field=phone] .value").inner_text()
    digits = "".join(c for c in phones[me["dealer"][0]] if c.isdigit())
    assert phone.startswith("*") and phone.endswith(digits[-4:]) and digits[:-4] not in phone
    assert panel(page, "golden").get_by_text("Not shown for your role").count() == 1  # birthDate
    sources = set(panel(page, "identities").locator(".chip").all_inner_texts())
    assert sources <= {"dealer", "crm"} and "dealer" in sources
    panel(page, "golden").locator("[data-field=phone] .badge").click()
    others = page.get_by_role("dialog").locator("tbody td:nth-child(3)").all_inner_texts()
    assert all(value.startswith("*") for value in others), others
    page.keyboard.press("Escape")
    status = search(page, phones[other["dealer"][0]])
    assert status.inner_text().startswith("No customer matches")
    go(page, f"#/customer/crm:{other['crm'][0]}")
    loaded(page)
    assert page.locator("#view-not-found").is_visible()


def test_an_ended_session_returns_to_sign_in_and_keeps_the_search(
    secured_console: Console, watched: Watched
) -> None:
    page = watched.page
    first, second = secured_console.agent_keys
    crm_key = next(p for p in people(secured_console.demo) if "crm" in p)["crm"][0]
    term = secured_console.crm_contact(crm_key)["lastName"][:4]
    sign_in(page, secured_console.url, first)
    found = search(page, term).inner_text()
    results = page.locator("#results a").all_inner_texts()
    secured_console.revoke(first)
    page.locator("#results a").first.click()
    notice = page.locator("#sign-in-notice")
    notice.filter(has_text="Your session has ended").wait_for()
    assert page.get_by_role("heading", name="Sign in").is_visible()
    page.get_by_label("API key or token").fill(second)
    page.get_by_role("button", name="Sign in").click()
    loaded(page)
    assert page.locator("#view-customer").is_visible()  # resumed where the agent was
    page.get_by_role("link", name="Back to the search").click()
    assert page.get_by_role("searchbox", name="Find a customer").input_value() == term
    assert page.locator("#results-status").inner_text() == found
    assert page.locator("#results a").all_inner_texts() == results
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("heading", name="Sign in").is_visible()
    assert page.locator("#results a").count() == 0 and page.locator("#panels *").count() == 0
    assert page.locator("#q").input_value() == ""  # nothing of the customer left in the page


def test_searches_that_find_nothing_or_too_much_and_unknown_ids_say_so(
    secured_console: Console, watched: Watched
) -> None:
    page = watched.page
    sign_in(page, secured_console.url, secured_console.agent_keys[1])
    assert search(page, "Zzyzx").inner_text() == "No customer matches “Zzyzx”."
    assert search(page, "a").inner_text() == "Type at least two characters."
    many = search(page, secured_console.common_prefix).inner_text()
    assert "customers match; the first 20 are shown" in many
    assert page.locator("#results a").count() == 20
    go(page, "#/customer/crm:C-999999")
    loaded(page)
    assert "No customer has the id “crm:C-999999”" in page.locator("#view-not-found").inner_text()
    go(page, "#/somewhere")
    assert page.get_by_text("There is no such page in the console.").is_visible()
