"""Which people of a generated estate share a phone (a household), recomputed from its seed."""

from __future__ import annotations

import random

from demo.population import population

__all__ = ["households"]


def households(customers: int, seed: int) -> set[frozenset[str]]:
    """Pairs of person ids sharing one phone number."""
    by_phone: dict[str, list[str]] = {}
    for person in population(random.Random(f"{seed}:people"), customers):
        by_phone.setdefault(person.phone, []).append(person.id)
    pairs: set[frozenset[str]] = set()
    for ids in by_phone.values():
        pairs |= {frozenset((a, b)) for i, a in enumerate(ids) for b in ids[i + 1 :]}
    return pairs
