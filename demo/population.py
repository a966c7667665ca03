"""The people behind the demo estate: who they really are, before any system got them wrong."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from demo.mess import chance
from demo.names import CITIES, EMAIL_DOMAINS, FAMILY_NAMES, GIVEN_NAMES, STREETS

# The estate's "today": fixed, so that the same seed always writes the same bytes.
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

_GIVEN = tuple(GIVEN_NAMES)


@dataclass(frozen=True, slots=True)
class Address:
    street: str
    city: str
    state: str
    postcode: str
    country: str = "US"


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    given_name: str
    family_name: str
    birth_date: date
    email: str
    old_email: str
    phone: str  # E.164
    address: Address
    previous_address: Address | None  # set when the person moved
    moved_at: datetime | None
    created_at: datetime


def _address(rng: random.Random) -> tuple[Address, str]:
    city, state, prefix, area = rng.choice(CITIES)
    street = f"{rng.randint(1, 9999)} {rng.choice(STREETS)}"
    postcode = f"{prefix}{rng.randint(0, 99):02d}"
    return Address(street, city, state, postcode), area


def _moment(rng: random.Random, days_back_from: int, days_back_to: int) -> datetime:
    seconds = rng.randint(days_back_to * 86400, days_back_from * 86400)
    return (NOW - timedelta(seconds=seconds)).replace(microsecond=0)


def _email_local(given: str, family: str, rng: random.Random) -> str:
    ascii_given = given.encode("ascii", "ignore").decode().lower() or "member"
    ascii_family = family.encode("ascii", "ignore").decode().lower().replace("'", "") or "x"
    return rng.choice(
        (
            f"{ascii_given}.{ascii_family}",
            f"{ascii_given[0]}{ascii_family}",
            f"{ascii_given}{ascii_family[:3]}",
        )
    )


def population(rng: random.Random, count: int) -> list[Person]:
    people: list[Person] = []
    for n in range(1, count + 1):
        household = people[-1] if people and chance(rng, "family_phone") else None
        given = rng.choice(_GIVEN)
        family = household.family_name if household else rng.choice(FAMILY_NAMES)
        address, area = _address(rng)
        if household:
            address, phone = household.address, household.phone
        else:
            phone = f"+1{area}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        local = _email_local(given, family, rng)
        domain = rng.choice(EMAIL_DOMAINS)
        email = f"{local}{n}@{domain}"
        moved = chance(rng, "moved")
        previous = _address(rng)[0] if moved else None
        people.append(
            Person(
                id=f"T{n:07d}",
                given_name=given,
                family_name=family,
                birth_date=date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 64)),
                email=email,
                old_email=f"{local}.{n}@oldmail.example",
                phone=phone,
                address=address,
                previous_address=previous,
                moved_at=_moment(rng, 700, 20) if moved else None,
                created_at=_moment(rng, 3650, 720),
            )
        )
    return people
