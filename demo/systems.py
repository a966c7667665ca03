"""The CRM, service-desk, loyalty and dealer systems' data, each in its own conventions."""

from __future__ import annotations

import csv
import json
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

from demo.copies import copy_of, covered, stamp
from demo.mess import COVERAGE, chance, messy_email, messy_given_name, messy_phone
from demo.names import (
    AGENTS,
    DEALERS,
    NOTE_BODIES,
    SEGMENTS,
    SERVICE_WORK,
    TICKET_SUBJECTS,
    VEHICLES,
)
from demo.population import NOW, Person

Truth = dict[str, dict[str, list[str]]]


def write_json(path: Path, document: Any) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")), "utf-8")


def write_crm(path: Path, people: list[Person], rng: random.Random, truth: Truth) -> None:
    """Sales CRM (REST/JSON): camelCase contacts with nested addresses."""
    contacts: list[dict[str, Any]] = []
    for n, person in enumerate(covered(people, rng, COVERAGE["crm"]), start=1):
        copy = copy_of(person, rng)
        key = f"C-{n:06d}"
        contacts.append(
            {
                "id": key,
                "firstName": messy_given_name(rng, person.given_name),
                "lastName": person.family_name,
                "emailAddress": messy_email(rng, copy.email),
                "phoneNumber": messy_phone(rng, person.phone, ("paren", "intl", "dashes")),
                "birthDate": person.birth_date.isoformat() if rng.random() < 0.7 else None,
                "address": {
                    "street": copy.address.street,
                    "city": copy.address.city,
                    "state": copy.address.state,
                    "postalCode": copy.address.postcode,
                    "country": copy.address.country,
                },
                "createdAt": stamp(person.created_at),
                "lastModified": stamp(copy.updated_at),
            }
        )
        truth[person.id].setdefault("crm", []).append(key)
    write_json(path, {"contacts": contacts})


def write_service_desk(path: Path, people: list[Person], rng: random.Random, truth: Truth) -> None:
    """Service desk (SOAP): contacts known by email and phone only; cases; case notes."""
    contacts: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for n, person in enumerate(covered(people, rng, COVERAGE["service_desk"]), start=1):
        copy = copy_of(person, rng)
        key = f"SD-{n:06d}"
        contacts.append(
            {
                "ContactId": key,
                "Name": {
                    "First": messy_given_name(rng, person.given_name),
                    "Last": person.family_name,
                },
                "Email": messy_email(rng, copy.email),
                "Phone": messy_phone(rng, person.phone, ("paren", "digits")),
                "Modified": stamp(copy.updated_at),
            }
        )
        truth[person.id].setdefault("service_desk", []).append(key)
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
            case_id = f"CS-{len(cases) + 200001}"
            opened = NOW - timedelta(days=rng.randint(0, 900), minutes=rng.randint(0, 1440))
            status = (
                "closed"
                if opened < NOW - timedelta(days=30)
                else rng.choice(("open", "pending", "closed"))
            )
            case: dict[str, Any] = {
                "CaseId": case_id,
                "ContactId": key,
                "Subject": rng.choice(TICKET_SUBJECTS),
                "Status": status,
                "Channel": rng.choice(("phone", "email", "chat", "web")),
                "Priority": rng.choice(("low", "normal", "normal", "high")),
                "Opened": stamp(opened),
            }
            if status == "closed":
                case["Closed"] = stamp(opened + timedelta(hours=rng.randint(1, 240)))
            cases.append(case)
            for k in range(rng.randint(1, 3)):
                notes.append(
                    {
                        "NoteId": f"{case_id}-N{k + 1}",
                        "CaseId": case_id,
                        "ContactId": key,  # denormalised: the desk lists a contact's notes
                        "Author": rng.choice(AGENTS),
                        "Body": rng.choice(NOTE_BODIES),
                        "Created": stamp(opened + timedelta(hours=k * 6 + 1)),
                    }
                )
    write_json(
        path,
        {
            "Contact": {
                "key": "ContactId",
                "plural": "Contacts",
                "lookups": {"Email": "email", "Phone": "phone"},
                "records": contacts,
            },
            "Case": {
                "key": "CaseId",
                "plural": "Cases",
                "lookups": {"ContactId": "exact"},
                "records": cases,
            },
            "Note": {
                "key": "NoteId",
                "plural": "Notes",
                "lookups": {"CaseId": "exact", "ContactId": "exact"},
                "records": notes,
            },
        },
    )


LOYALTY_COLUMNS = [
    "LOYALTY_NO",
    "EMAIL",
    "FIRST_NAME",
    "LAST_NAME",
    "POSTCODE",
    "TIER",
    "POINTS",
    "SEGMENT",
    "ENROLLED",
    "CONSENT_EMAIL",
    "CONSENT_EMAIL_DATE",
    "CONSENT_SMS",
    "CONSENT_SMS_DATE",
    "CONSENT_POST",
    "CONSENT_POST_DATE",
    "CHANGED",
]


def write_loyalty(path: Path, people: list[Person], rng: random.Random, truth: Truth) -> None:
    """Marketing and loyalty: the nightly export, latin-1 and semicolon-separated."""
    with path.open("w", encoding="latin-1", newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(LOYALTY_COLUMNS)
        for n, person in enumerate(covered(people, rng, COVERAGE["loyalty"]), start=770001):
            copy = copy_of(person, rng)
            enrolled = person.created_at + timedelta(days=rng.randint(0, 300))
            consents: list[str] = []
            for _channel in ("email", "sms", "post"):
                answer = rng.choice(("Y", "Y", "N", ""))
                when = enrolled + timedelta(days=rng.randint(0, 400)) if answer else None
                consents += [answer, when.date().isoformat() if when and when < NOW else ""]
            points = rng.randint(0, 40000)
            tier = "gold" if points > 20000 else "silver" if points > 5000 else "bronze"
            key = f"L-{n}"
            writer.writerow(
                [
                    key,
                    messy_email(rng, copy.email),
                    messy_given_name(rng, person.given_name),
                    person.family_name.upper(),
                    copy.address.postcode,
                    tier,
                    points,
                    rng.choice(SEGMENTS),
                    enrolled.date().isoformat(),
                    *consents,
                    copy.updated_at.strftime("%d.%m.%Y %H:%M"),
                ]
            )
            truth[person.id].setdefault("loyalty", []).append(key)


VISIT_COLUMNS = {
    "VISIT_ID": "1-10",
    "VIN": "11-27",
    "DEALER_ID": "28-33",
    "VISIT_DATE": "34-43",
    "MILEAGE": "44-50",
    "AMOUNT": "51-60",
    "WORK": "61-100",
}


def _vin(rng: random.Random) -> str:
    alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # no I, O, Q, as in real VINs
    return "".join(rng.choice(alphabet) for _ in range(17))


Workshop = dict[str, list[tuple[str, str, str]]]  # person id -> (day, work, amount) billed


def write_dealer(folder: Path, people: list[Person], rng: random.Random, truth: Truth) -> Workshop:
    """Dealer management (REST behind an API key) and its fixed-width export of service visits.

    Returns the visits that billing also invoiced (the same event in two systems)."""
    billed: Workshop = {}
    dealers = [
        {"dealerId": f"D{n:03d}", "name": name, "city": city, "phone": f"+1555010{n:04d}"}
        for n, (name, city) in enumerate(DEALERS, start=1)
    ]
    owners: list[dict[str, Any]] = []
    vehicles: list[dict[str, Any]] = []
    visits: list[tuple[str, ...]] = []
    for n, person in enumerate(covered(people, rng, COVERAGE["dealer"]), start=1):
        dealer = rng.choice(dealers)["dealerId"]
        key = f"OW-{n:06d}"
        phone = (
            None
            if chance(rng, "dealer_no_phone")
            else messy_phone(rng, person.phone, ("intl", "dashes"))
        )
        copy = copy_of(person, rng)
        owners.append(
            {
                "ownerId": key,
                "dealerId": dealer,
                "name": f"{person.family_name}, {messy_given_name(rng, person.given_name)}",
                "phone": phone,
                "street": copy.address.street,
                "postcode": copy.address.postcode,
                "city": copy.address.city,
                "updatedAt": stamp(copy.updated_at),
            }
        )
        truth[person.id].setdefault("dealer", []).append(key)
        for _ in range(rng.choice((1, 1, 1, 2))):
            make, model = rng.choice(VEHICLES)
            vin = _vin(rng)
            bought = NOW - timedelta(days=rng.randint(30, 2500))
            vehicles.append(
                {
                    "vin": vin,
                    "ownerId": key,
                    "dealerId": dealer,
                    "make": make,
                    "model": model,
                    "year": bought.year - rng.randint(0, 1),
                    "purchaseDate": bought.date().isoformat(),
                }
            )
            mileage = 0
            for _ in range(rng.randint(0, 4)):
                mileage += rng.randint(3000, 20000)
                work, price = rng.choice(SERVICE_WORK)
                when = bought + timedelta(days=rng.randint(30, max(31, (NOW - bought).days)))
                day = min(when, NOW).date().isoformat()
                if price != "0.00" and rng.random() < 0.5:
                    billed.setdefault(person.id, []).append((day, work, price))
                visits.append(
                    (
                        f"V{len(visits) + 1:09d}",
                        vin,
                        dealer,
                        day,
                        str(mileage),
                        price,
                        work,
                    )
                )
    write_json(folder / "dealer.json", {"dealers": dealers, "owners": owners, "vehicles": vehicles})
    widths = [(int(a), int(b)) for a, b in (span.split("-") for span in VISIT_COLUMNS.values())]
    with (folder / "service_visits.txt").open("w", encoding="ascii", newline="\n") as out:
        out.write(f"SERVICE VISITS EXPORT {NOW.date().isoformat()} RECORDS {len(visits)}\n")
        for visit in visits:
            out.write(
                "".join(
                    value.ljust(end - start + 1)[: end - start + 1]
                    for (start, end), value in zip(widths, visit, strict=True)
                ).rstrip()
            )
            out.write("\n")
    return billed
