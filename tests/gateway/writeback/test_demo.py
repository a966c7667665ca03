"""Write-back against the served demo: each system's own store read back after a change.

The CRM, the service desk and the dealer system run on real sockets (the CRM on a port of its
own, so it can be stopped and started again); billing is its SQLite file; the gateway is the
app with its lifespan, security on, on a clock only the test moves.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from demo.estate import generate
from demo.runner import DEMO_CONFIG
from demo.services.instruments import Instruments
from demo.services.systems import DEFAULT_DEALER_KEY, SERVICES
from gateway.app import create_app
from gateway.clock import ManualClock
from gateway.config import Settings, load_settings
from gateway.runtime import Runtime
from gateway.security.settings import SecuritySettings
from tests.support.servers import free_port, serve

UPDATE = """
mutation ($id: ID!, $phone: String, $email: String, $key: String) {
  updateContact(customerId: $id, phone: $phone, email: $email, idempotencyKey: $key) {
    customerId replayed systems { source record status code message }
  }
}"""


@dataclass
class Estate:
    folder: Path
    settings: Settings
    instruments: dict[str, Instruments]
    crm_port: int
    stack: ExitStack

    def crm_up(self) -> None:
        app = self.instruments["crm"].middleware(
            SERVICES["crm"](self.folder, self.instruments["crm"])
        )
        self.crm = ExitStack()
        self.crm.enter_context(serve(app, self.crm_port))

    def crm_down(self) -> None:
        self.crm.close()


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Estate]:
    folder = tmp_path_factory.mktemp("writeback-estate")
    generate(folder, customers=150, seed=17)
    instruments = {name: Instruments() for name in SERVICES}
    with ExitStack() as stack:
        urls = {
            name: stack.enter_context(
                serve(instruments[name].middleware(build(folder, instruments[name])))
            )
            for name, build in SERVICES.items()
            if name != "crm"
        }
        port = free_port()
        environ = {
            "C360_DEMO_DATA": str(folder),
            "CRM_URL": f"http://127.0.0.1:{port}",
            "SERVICE_DESK_URL": urls["service_desk"],
            "DEALER_URL": urls["dealer"],
            "CAMPAIGNS_URL": urls["campaigns"],
            "DEALER_API_KEY": DEFAULT_DEALER_KEY,
        }
        security = SecuritySettings.model_validate(
            {
                "enabled": True,
                "api_keys": {"store": f"sqlite+aiosqlite:///{folder / 'keys.db'}"},
                "audit": {"path": str(folder / "audit.log"), "queue": 16},
                "roles": {
                    "agent": {
                        "allow": ["*", "Mutation.updateContact", "Mutation.setConsent"],
                        "mask": {"Customer.email": "domain"},
                    },
                    "dealer": {"sources": ["dealer", "crm"], "row_scope": "dealer"},
                },
            }
        )
        settings = dataclasses.replace(
            load_settings(DEMO_CONFIG, environ=environ), security=security
        )
        built = Estate(folder, settings, instruments, port, stack)
        built.crm_up()
        yield built
        built.crm_down()


@asynccontextmanager
async def gateway(
    estate: Estate, clock: ManualClock
) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    app = create_app(estate.settings, clock=clock)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://c360.test"
        ) as client,
    ):
        yield client, app.state.runtime


async def key_for(runtime: Runtime, role: str, dealer: str | None = None) -> dict[str, str]:
    assert runtime.keys is not None
    _, key = await runtime.keys.create(role, f"test {role}", dealer)
    return {"X-API-Key": key, "C360-Purpose": "customer asked"}


async def ask(
    client: httpx.AsyncClient, headers: dict[str, str], query: str, **variables: Any
) -> dict[str, Any]:
    answer = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    return dict(answer.json())


IDENTITIES = "query ($id: ID!) { customer(id: $id) { identities { source key } } }"


async def linked(
    estate: Estate, client: httpx.AsyncClient, headers: dict[str, str], *systems: str
) -> dict[str, str]:
    """A customer not used by another test whose records the gateway links in ``systems``:
    the record key in each (the customer id is the CRM one)."""
    used: set[str] = estate.__dict__.setdefault("used", set())
    for line in (estate.folder / "ground_truth.jsonl").read_text("utf-8").splitlines():
        truth = json.loads(line)
        if not all(truth.get(s) for s in systems) or truth["crm"][0] in used:
            continue
        answer = await ask(client, headers, IDENTITIES, id=f"crm:{truth['crm'][0]}")
        found = {i["source"]: i["key"] for i in answer["data"]["customer"]["identities"]}
        if set(systems) <= set(found):
            used.add(truth["crm"][0])
            return found
    raise AssertionError(f"no customer linked in {systems}")


def crm_contact(estate: Estate, key: str) -> dict[str, Any]:
    answer = httpx.get(f"http://127.0.0.1:{estate.crm_port}/contacts/{key}")
    return dict(answer.json())


def billing_phone(estate: Estate, account: str) -> str:
    with sqlite3.connect(estate.folder / "billing.db") as db:
        [(phone,)] = db.execute("SELECT phone FROM accounts WHERE account_no = ?", (int(account),))
    return str(phone)


def billing_changes(estate: Estate) -> int:
    with sqlite3.connect(estate.folder / "billing.db") as db:
        [(count,)] = db.execute("SELECT count(*) FROM account_changes")
    return int(count)


def desk_phone(estate: Estate, contact: str) -> str:
    url = estate.settings.sources["service_desk"].config.url  # type: ignore[attr-defined]
    envelope = (
        '<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:t="urn:c360-demo:service-desk"><Body><t:GetContacts>'
        f"<t:ContactId>{contact}</t:ContactId></t:GetContacts></Body></Envelope>"
    )
    text = httpx.post(url, content=envelope).text
    return text.split("<tns:Phone>")[1].split("</tns:Phone>")[0]


def statuses(answer: dict[str, Any]) -> dict[str, str]:
    assert "errors" not in answer, answer
    return {s["source"]: s["status"].lower() for s in answer["data"]["updateContact"]["systems"]}


async def test_a_new_phone_reaches_every_system_that_holds_one(estate: Estate) -> None:
    async with gateway(estate, ManualClock()) as (client, runtime):
        agent = await key_for(runtime, "agent")
        keys = await linked(estate, client, agent, "crm", "billing", "service_desk")
        answer = await ask(client, agent, UPDATE, id=f"crm:{keys['crm']}", phone="312 555 0142")
        read = await ask(
            client,
            agent,
            'query ($id: ID!) { customer(id: $id) { phone provenance(field: "phone") { rule } } }',
            id=f"crm:{keys['crm']}",
        )
    outcome = statuses(answer)
    assert {outcome["crm"], outcome["billing"], outcome["service_desk"]} == {"written"}
    assert crm_contact(estate, keys["crm"])["phoneNumber"] == "(312) 555-0142"
    assert billing_phone(estate, keys["billing"]) == "3125550142"
    assert desk_phone(estate, keys["service_desk"]) == "(312) 555-0142"
    customer = read["data"]["customer"]
    assert customer["phone"] == "+13125550142"
    assert customer["provenance"]["rule"].startswith("written by c360 at ")


async def test_a_stopped_crm_gets_its_write_once_back_even_across_a_restart(
    estate: Estate,
) -> None:
    clock = ManualClock()
    async with gateway(estate, clock) as (client, runtime):
        agent = await key_for(runtime, "agent")
        keys = await linked(estate, client, agent, "crm", "billing", "service_desk")
        estate.crm_down()
        try:
            answer = await ask(
                client, agent, UPDATE, id=f"crm:{keys['crm']}", phone="(415) 555-0199"
            )
        finally:
            estate.crm_up()
    outcome = statuses(answer)
    assert outcome["crm"] == "queued"
    assert outcome["billing"] == outcome["service_desk"] == "written"
    before = estate.instruments["crm"].writes
    async with gateway(estate, clock) as (client, runtime):  # a gateway started anew
        assert runtime.courier is not None
        clock.advance(estate.settings.writeback.backoff + 1)
        delivered = await runtime.courier.next_pass()
    assert [(w.source, w.status) for w in delivered] == [("crm", "written")]
    assert estate.instruments["crm"].writes == before + 1
    assert crm_contact(estate, keys["crm"])["phoneNumber"] == "(415) 555-0199"


async def test_the_same_idempotency_key_writes_once_per_system(estate: Estate) -> None:
    crm, desk = estate.instruments["crm"], estate.instruments["service_desk"]
    async with gateway(estate, ManualClock()) as (client, runtime):
        agent = await key_for(runtime, "agent")
        keys = await linked(estate, client, agent, "crm", "billing", "service_desk")
        counts = crm.writes, desk.writes, billing_changes(estate)
        asked = {"id": f"crm:{keys['crm']}", "phone": "(646) 555-0123", "key": "call-7781"}
        first = await ask(client, agent, UPDATE, **asked)
        again = await ask(client, agent, UPDATE, **asked)
        other = await ask(client, agent, UPDATE, **{**asked, "phone": "(646) 555-0999"})
    assert statuses(first) == statuses(again)
    assert again["data"]["updateContact"]["replayed"] is True
    assert (crm.writes, desk.writes, billing_changes(estate)) == (
        counts[0] + 1,
        counts[1] + 1,
        counts[2] + 1,
    )
    assert other["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_a_dealer_key_is_refused(estate: Estate) -> None:
    async with gateway(estate, ManualClock()) as (client, runtime):
        agent = await key_for(runtime, "agent")
        keys = await linked(estate, client, agent, "crm", "dealer")
        dealer = await key_for(runtime, "dealer", "D001")
        writes = estate.instruments["crm"].writes, estate.instruments["dealer"].writes
        answer = await ask(client, dealer, UPDATE, id=f"crm:{keys['crm']}", phone="2125550100")
    assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert answer.get("data") is None
    assert (estate.instruments["crm"].writes, estate.instruments["dealer"].writes) == writes


async def test_a_concurrent_change_in_the_crm_is_a_conflict_and_the_crm_value_stays(
    estate: Estate,
) -> None:
    async with gateway(estate, ManualClock()) as (client, runtime):
        agent = await key_for(runtime, "agent")
        keys = await linked(estate, client, agent, "crm", "billing", "service_desk")
        # someone edits the contact in the CRM itself, after c360 read it
        async with httpx.AsyncClient() as crm_user:
            edited = await crm_user.patch(
                f"http://127.0.0.1:{estate.crm_port}/contacts/{keys['crm']}",
                json={"phoneNumber": "(202) 555-0111"},
            )
        edited.raise_for_status()
        answer = await ask(client, agent, UPDATE, id=f"crm:{keys['crm']}", phone="(202) 555-0177")
    outcome = statuses(answer)
    assert outcome["crm"] == "conflict"
    assert outcome["billing"] == outcome["service_desk"] == "written"
    [crm] = [s for s in answer["data"]["updateContact"]["systems"] if s["source"] == "crm"]
    assert crm["code"] == "WRITE_CONFLICT"
    assert crm_contact(estate, keys["crm"])["phoneNumber"] == "(202) 555-0111"


async def test_a_refused_value_touches_no_system_and_an_unknown_customer_is_not_found(
    estate: Estate,
) -> None:
    writes = {name: i.writes for name, i in estate.instruments.items()}
    async with gateway(estate, ManualClock()) as (client, runtime):
        agent = await key_for(runtime, "agent")
        keys = await linked(estate, client, agent, "crm", "service_desk")
        bad_phone = await ask(client, agent, UPDATE, id=f"crm:{keys['crm']}", phone="12")
        bad_email = await ask(client, agent, UPDATE, id=f"crm:{keys['crm']}", email="ann@")
        unknown = await ask(client, agent, UPDATE, id="crm:C-999999", phone="3125550100")
    assert bad_phone["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert bad_email["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert {name: i.writes for name, i in estate.instruments.items()} == writes


async def test_every_write_has_an_audit_line_with_values_masked(estate: Estate) -> None:
    log = estate.folder / "audit.log"
    async with gateway(estate, ManualClock()) as (client, runtime):
        agent = await key_for(runtime, "agent")
        keys = await linked(estate, client, agent, "crm", "service_desk")
        lines_before = len(log.read_text("utf-8").splitlines()) if log.exists() else 0
        answer = await ask(
            client, agent, UPDATE, id=f"crm:{keys['crm']}", email="new.address@example.org"
        )
    written = [s for s in answer["data"]["updateContact"]["systems"]]
    lines = [json.loads(line) for line in log.read_text("utf-8").splitlines()[lines_before:]]
    [entry] = [line for line in lines if line.get("operation") == "updateContact"]
    assert entry["principal"].startswith("api_key:") and entry["purpose"] == "customer asked"
    assert {(w["source"], w["record"], w["status"]) for w in entry["writes"]} == {
        (s["source"], s["record"], s["status"].lower()) for s in written
    }
    assert all(w["after"]["email"] == "***@example.org" for w in entry["writes"])


async def test_a_consent_held_only_in_an_export_is_reported_not_writable(estate: Estate) -> None:
    async with gateway(estate, ManualClock()) as (client, runtime):
        agent = await key_for(runtime, "agent")
        keys = await linked(estate, client, agent, "crm", "loyalty")
        answer = await ask(
            client,
            agent,
            """mutation ($id: ID!) { setConsent(customerId: $id, channel: SMS, granted: false,
               purpose: "marketing") { systems { source record status code } } }""",
            id=f"crm:{keys['crm']}",
        )
    [loyalty] = answer["data"]["setConsent"]["systems"]
    assert (loyalty["source"], loyalty["record"]) == ("loyalty", keys["loyalty"])
    assert (loyalty["status"], loyalty["code"]) == ("NOT_WRITABLE", "NOT_WRITABLE")


async def test_a_new_address_reaches_the_crm_nested_and_billing_by_column(estate: Estate) -> None:
    async with gateway(estate, ManualClock()) as (client, runtime):
        agent = await key_for(runtime, "agent")
        keys = await linked(estate, client, agent, "crm", "billing")
        answer = await ask(
            client,
            agent,
            """mutation ($id: ID!) { updateContact(customerId: $id, address: {line1: "12 Elm St",
               city: "Springfield", postcode: "62704", region: "IL", country: "US"}) {
               systems { source status } } }""",
            id=f"crm:{keys['crm']}",
        )
    outcome = {s["source"]: s["status"] for s in answer["data"]["updateContact"]["systems"]}
    assert outcome["crm"] == outcome["billing"] == "WRITTEN"
    assert crm_contact(estate, keys["crm"])["address"]["street"] == "12 Elm St"
    with sqlite3.connect(estate.folder / "billing.db") as db:
        [row] = db.execute(
            "SELECT street, city, postcode FROM accounts WHERE account_no = ?",
            (int(keys["billing"]),),
        )
    assert row == ("12 Elm St", "Springfield", "62704")


async def test_a_value_a_system_refuses_shows_its_message_beside_the_systems_that_took_it(
    estate: Estate,
) -> None:
    async with gateway(estate, ManualClock()) as (client, runtime):
        agent = await key_for(runtime, "agent")
        keys = await linked(estate, client, agent, "crm", "billing", "service_desk")
        # a valid Icelandic number: seven digits, fewer than the CRM and the desk accept
        answer = await ask(client, agent, UPDATE, id=f"crm:{keys['crm']}", phone="+354 555 1234")
    systems = {s["source"]: s for s in answer["data"]["updateContact"]["systems"]}
    assert systems["billing"]["status"] == "WRITTEN"
    for source in ("crm", "service_desk"):
        assert systems[source]["status"] == "FAILED"
        assert systems[source]["code"] == "WRITE_REJECTED"
        assert "a phone number needs at least 10 digits" in systems[source]["message"]


async def test_an_idempotency_key_replays_only_for_the_principal_that_used_it(
    estate: Estate,
) -> None:
    # a dealer role that may write, as docs/write-back.md allows: its row scope holds
    roles = dict(estate.settings.security.roles)
    dealer = roles["dealer"]
    roles["dealer"] = dealer.model_copy(update={"allow": [*dealer.allow, "Mutation.updateContact"]})
    security = estate.settings.security.model_copy(update={"roles": roles})
    settings = dataclasses.replace(estate.settings, security=security)
    app = create_app(settings, clock=ManualClock())
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://c360.test"
        ) as client,
    ):
        runtime: Runtime = app.state.runtime
        agent = await key_for(runtime, "agent")
        outsider = await key_for(runtime, "dealer", "D-NONE")  # a dealer with no customer
        keys = await linked(estate, client, agent, "crm", "billing")
        asked = {"id": f"crm:{keys['crm']}", "phone": "(646) 555-0144", "key": "call-9113"}
        first = await ask(client, agent, UPDATE, **asked)
        replayed = await ask(client, outsider, UPDATE, **asked)
    assert "errors" not in first, first
    assert replayed.get("data") is None, replayed
    assert replayed["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert keys["crm"] not in json.dumps(replayed)
