"""The red-team reproductions, run as a partner dealer against the served demo with its CRM
failing: does any answer give away a phone number or an email of a customer outside the
dealer's scope?

    python bench/red_team.py [--customers 2000] [--dealer D001] [--sample 150]

Steps: generate the demo estate, serve its systems and a gateway over demo/c360.yaml with the
security block of docs/security.md (dealer role: row scope, masks, no introspection), make a
dealer key with `c360 keys create`, make the CRM fail (`PUT /_chaos {"fail_rate": 1.0}`), then
send every reproduction of the hardening findings: look-ups of other dealers' customers by
dealer key, phone and email, searches spelling out their emails prefix by prefix, masks and
provenance of the dealer's own customers, cost through variables, a 120 KB query, guesses
for suggestions. The same look-ups run once more with the CRM healthy. Every answer body is
searched for the digits of each out-of-scope person's phones (the last 10, ignoring spaces,
dashes, dots and brackets) and for their emails (any case). A control request by an agent, who
may see everyone, must be found leaking, or the search itself is broken.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from demo.estate import generate
from demo.runner import DEMO_CONFIG, demo_environment, start_services, stop_services

SECURITY = """
security:
  enabled: true
  api_keys: {store: "sqlite+aiosqlite:///keys.db"}
  audit: {path: audit.log}
  roles:
    agent: {sources: "*"}
    dealer:
      sources: [dealer, dealer_visits, crm]
      row_scope: dealer
      allow: ["Query.customer", "Query.customers", "Customer.*", "PersonName.*",
              "Vehicle.*", "ServiceVisit.*", "Dealer.*", "TimelineEvent.*", "*Connection.*",
              "*Edge.*", "PageInfo.*", "SourceRef.*", "SourceIdentity.*", "MatchInfo.*",
              "ContactPoint.*", "FieldProvenance.*", "ConflictInfo.*"]
      deny: [Customer.birthDate, Customer.consents]
      mask: {Customer.phone: last4, Customer.email: domain}
      introspection: false
      limits: {depth: 8, aliases: 10, tokens: 2000, cost: 5000, rate: 1000/s, burst: 1000}
"""

WHOLE = """query ($k: String!) @provenance {
  customer(sourceKey: {source: "dealer", key: $k}, maxAge: 0) {
    id name { full } email phone emails { value } phones { value }
    identities { source key matchedBy { identifier value } via { source key } }
    provenance(field: "phone") { field conflicts { source value } }
    vehicles { vin } timeline(first: 5) { edges { node { channel kind title } } } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Estate:
    """Who is in the dealer's scope, and every phone and email of those who are not."""

    inside: set[str] = field(default_factory=set)
    phones: dict[str, str] = field(default_factory=dict)  # last 10 digits -> person
    emails: dict[str, str] = field(default_factory=dict)  # lower-case email -> person
    owners: dict[str, list[str]] = field(default_factory=dict)  # dealer -> owner ids
    owner_phone: dict[str, str] = field(default_factory=dict)
    person_email: dict[str, str] = field(default_factory=dict)


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)[-10:]


def read_estate(folder: Path, dealer: str) -> tuple[Estate, dict[str, str]]:
    """The estate seen from ``dealer``; also record -> person, for choosing targets."""
    found = Estate()
    dealer_json = json.loads((folder / "dealer.json").read_text())
    owner_dealer = {o["ownerId"]: o["dealerId"] for o in dealer_json["owners"]}
    for owner in dealer_json["owners"]:
        found.owners.setdefault(owner["dealerId"], []).append(owner["ownerId"])
        found.owner_phone[owner["ownerId"]] = owner.get("phone") or ""
    person_of: dict[str, str] = {}
    records: dict[str, dict[str, list[str]]] = {}
    for line in (folder / "ground_truth.jsonl").read_text().splitlines():
        person = json.loads(line)
        records[person["person"]] = person
        for source, keys in person.items():
            if source != "person":
                for key in keys:
                    person_of[f"{source}:{key}"] = person["person"]
        if any(owner_dealer.get(o) == dealer for o in person.get("dealer", [])):
            found.inside.add(person["person"])
    values: dict[str, tuple[set[str], set[str]]] = {}  # person -> (phones, emails)

    def add(record: str, phone: Any, email: Any) -> None:
        person = person_of.get(record)
        if person is None:
            return
        phones, emails = values.setdefault(person, (set(), set()))
        if phone and len(digits(str(phone)).strip("0")) >= 7:
            phones.add(digits(str(phone)))
        if email and "@" in str(email):
            emails.add(str(email).strip().lower())
            found.person_email.setdefault(person, str(email).strip())

    for contact in json.loads((folder / "crm.json").read_text())["contacts"]:
        add(f"crm:{contact['id']}", contact.get("phoneNumber"), contact.get("emailAddress"))
    for owner in dealer_json["owners"]:
        add(f"dealer:{owner['ownerId']}", owner.get("phone"), None)
    with sqlite3.connect(folder / "billing.db") as db:
        for account, phone, email in db.execute("select account_no, phone, email from accounts"):
            add(f"billing:{account}", phone, email)
    shared_phones = {p for person in found.inside for p in values.get(person, ((), ()))[0]}
    shared_emails = {e for person in found.inside for e in values.get(person, ((), ()))[1]}
    for person, (phones, emails) in values.items():
        if person in found.inside:
            continue
        for phone in phones - shared_phones:  # a household's phone, shared with a customer
            found.phones[phone] = person
        for email in emails - shared_emails:
            found.emails[email] = person
    return found, person_of


class Checker:
    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self.answers = 0
        self.leaks: list[tuple[str, str, str]] = []  # (request, kind, person)

    def leaks_in(self, body: str) -> list[tuple[str, str]]:
        flat = re.sub(r"[\s\-().+]", "", body)
        found = [("phone", p) for d, p in self.estate.phones.items() if d in flat]
        low = body.lower()
        found += [("email", p) for e, p in self.estate.emails.items() if e in low]
        return found

    def check(self, name: str, body: str) -> None:
        self.answers += 1
        for kind, person in self.leaks_in(body):
            self.leaks.append((name, kind, person))


@contextmanager
def served(folder: Path, work: Path) -> Iterator[tuple[str, str, dict[str, str]]]:
    ports = {"crm": free_port(), "service_desk": free_port(), "dealer": free_port()}
    services = start_services(folder, ports, "0", 0.0)
    environ = {**os.environ, **demo_environment(folder, ports)}
    config = work / "c360.yaml"
    config.write_text(DEMO_CONFIG.read_text() + SECURITY)
    port = free_port()
    gateway = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--config", str(config), "--port",
         str(port), "--log-level", "warning"],
        env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz").raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/graphql", f"http://127.0.0.1:{ports['crm']}", environ
    finally:
        gateway.terminate()
        gateway.wait(30)
        stop_services(services)


def new_key(work: Path, environ: dict[str, str], role: str, dealer: str | None) -> str:
    extra = ["--dealer-id", dealer] if dealer else []
    made = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "keys", "create", "--config",
         str(work / "c360.yaml"), "--role", role, "--name", f"red team {role}", *extra],
        env=environ, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return made.stdout.strip()


def attacks(estate: Estate, dealer: str, sample: int) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(name, query, variables) of every reproduction."""
    others = [o for d, owners in sorted(estate.owners.items()) if d != dealer for o in owners]
    step = max(1, len(others) // sample)
    targets = others[::step][:sample]
    by_key = 'query ($k: String!) { customer(sourceKey: {source: "dealer", key: $k}, maxAge: 0) { id name { full } phone } }'  # noqa: E501
    for owner in targets:
        yield "other dealer's customer by dealer key", by_key, {"k": owner}
        yield "same, all fields", WHOLE, {"k": owner}
        phone = estate.owner_phone.get(owner) or ""
        if digits(phone).strip("0"):
            query = "query ($v: String!) { customer(phone: $v, maxAge: 0) { id phone identities { matchedBy { value } } } }"  # noqa: E501
            yield "other dealer's customer by phone", query, {"v": phone}
    for person, email in list(estate.person_email.items())[
        :: max(1, len(estate.person_email) // 40)
    ]:
        if person in estate.inside:
            continue
        query = "query ($v: String!) { customer(email: $v, maxAge: 0) { id email } }"
        yield "someone else by email", query, {"v": email}
        search = "query ($s: String!) { customers(search: $s, first: 20) { edges { node { id email phone emails { value } } } } }"  # noqa: E501
        for end in range(2, min(len(email), 12)):
            yield "email spelled out by search", search, {"s": email[:end]}
    for owner in estate.owners.get(dealer, [])[:sample]:
        yield "own customer: masks and provenance", WHOLE, {"k": owner}
        birth = 'query ($k: String!) { customer(sourceKey: {source: "dealer", key: $k}) { provenance(field: "birthDate") { conflicts { value } } } }'  # noqa: E501
        yield "own customer: provenance of a denied field", birth, {"k": owner}
    pages = 'query ($n: Int) { customers(search: "Sm", first: $n) { edges { node { timeline(first: $n) { edges { node { title } } } } } } }'  # noqa: E501
    yield "cost through variables", pages, {"n": 100}
    wide = (
        "{ "
        + " ".join(f'f{i}: customer(id: "crm:C-{i:06}") {{ id phone }}' for i in range(3000))
        + " }"
    )
    yield "120 KB query of 3,000 fields", wide, {}
    yield "suggestions", '{ customer(id: "crm:C-000001") { phon emial } }', {}
    yield "introspection", "{ __schema { types { name fields { name } } } }", {}
    yield "raw record", '{ record(source: "crm", entity: "person", key: "C-000001") { data } }', {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--dealer", default="D001")
    parser.add_argument("--sample", type=int, default=150, help="other dealers' owners tried")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="c360-red-team-"))
    try:
        return run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path) -> int:
    folder = work / "estate"
    generate(folder, args.customers, args.seed)
    estate, _ = read_estate(folder, args.dealer)
    print(
        f"estate: {args.customers} customers; {len(estate.inside)} in {args.dealer}'s scope; "
        f"{len(estate.phones)} phones and {len(estate.emails)} emails of people outside it"
    )
    checker = Checker(estate)
    codes: dict[str, dict[int, int]] = {}
    with served(folder, work) as (url, crm, environ):
        dealer = {"X-API-Key": new_key(work, environ, "dealer", args.dealer)}
        agent = {"X-API-Key": new_key(work, environ, "agent", None)}
        with httpx.Client(timeout=60) as client:
            control_owner = next(
                o
                for d, os_ in estate.owners.items()
                if d != args.dealer
                for o in os_
                if digits(estate.owner_phone.get(o) or "").strip("0")
            )
            control = client.post(
                url, json={"query": WHOLE, "variables": {"k": control_owner}}, headers=agent
            )
            assert Checker(estate).leaks_in(control.text), (
                f"the search finds nothing: {control.text}"
            )
            print("control: an agent's answer about another dealer's customer is found leaking")
            for phase, fail_rate in (("CRM failing", 1.0), ("CRM healthy", 0.0)):
                client.put(f"{crm}/_chaos", json={"fail_rate": fail_rate}).raise_for_status()
                started = time.perf_counter()
                for name, query, variables in attacks(estate, args.dealer, args.sample):
                    sent = time.perf_counter()
                    answer = client.post(
                        url, json={"query": query, "variables": variables}, headers=dealer
                    )
                    if name.startswith("120 KB"):
                        code = answer.json()["errors"][0]["extensions"]["code"]
                        took = time.perf_counter() - sent
                        print(f"{phase}: 120 KB query refused in {took:.3f} s: {code}")
                    codes.setdefault(f"{phase}: {name}", {}).setdefault(answer.status_code, 0)
                    codes[f"{phase}: {name}"][answer.status_code] += 1
                    checker.check(f"{phase}: {name}", answer.text)
                took = time.perf_counter() - started
                print(f"{phase}: {checker.answers} answers so far, {took:.1f} s")
    for name, by_status in codes.items():
        print(f"  {name}: {dict(sorted(by_status.items()))}")
    print(f"answers checked: {checker.answers}; leaks: {len(checker.leaks)}")
    for name, kind, person in checker.leaks[:20]:
        print(f"  LEAK {kind} of {person} in: {name}")
    return 1 if checker.leaks else 0


if __name__ == "__main__":
    sys.exit(main())
