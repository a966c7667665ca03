"""One system's copy of one person: the address it holds, when it last touched the record."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from demo.mess import chance
from demo.population import NOW, Address, Person


@dataclass(frozen=True, slots=True)
class Copy:
    address: Address
    email: str
    updated_at: datetime


def copy_of(person: Person, rng: random.Random) -> Copy:
    """What a system knows: maybe the old address (before the move), maybe a stale email."""
    if chance(rng, "stale_record"):
        since = (person.moved_at or NOW) - timedelta(days=rng.randint(400, 1500))
        address = person.previous_address or person.address
        return Copy(address, person.old_email, max(since, person.created_at))
    if person.previous_address and person.moved_at and chance(rng, "kept_old_address"):
        before = person.moved_at - timedelta(days=rng.randint(1, 300))
        return Copy(person.previous_address, person.email, max(before, person.created_at))
    start = person.moved_at or person.created_at
    span = max(int((NOW - start).total_seconds()), 1)
    return Copy(person.address, person.email, start + timedelta(seconds=rng.randrange(span)))


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def covered(people: list[Person], rng: random.Random, share: float) -> list[Person]:
    """The people one system knows, in the order it met them (its own keys follow that order)."""
    chosen = [p for p in people if rng.random() < share]
    rng.shuffle(chosen)
    return chosen
