"""People's names as legacy systems hold them, and how alike two of them are.

Names are compared in their standard forms (:mod:`forms.names`: case, accents, punctuation,
particles) with nicknames and name variants resolved (:mod:`forms.nicknames`), so that
``"Bob  O'Brien"`` and ``"O'BRIEN, Robert"`` agree while two members of one household (same
family name, different given names) do not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import JaroWinkler

from forms import NameVariants, family_form, plain

__all__ = ["PersonName", "name_of", "name_similarity", "normalize_name"]


@dataclass(frozen=True, slots=True)
class PersonName:
    given: str | None
    family: str | None

    @property
    def full(self) -> str:
        return " ".join(part for part in (self.given, self.family) if part)


def normalize_name(text: str) -> str:
    """Lower case, no accents or punctuation, single spaces: ``Zoë O'Brien`` -> ``zoe obrien``."""
    return plain(text)


def name_of(data: Mapping[str, Any]) -> PersonName | None:
    """The name a record holds: given and family fields, or one ``full_name`` field written
    ``"Family, Given"`` or ``"Given Family"``."""
    given, family = data.get("given_name"), data.get("family_name")
    if given or family:
        return PersonName(
            str(given).strip() if given else None, str(family).strip() if family else None
        )
    full = str(data.get("full_name") or "").strip()
    if not full:
        return None
    if "," in full:
        family_part, _, given_part = full.partition(",")
        return PersonName(given_part.strip() or None, family_part.strip() or None)
    *given_parts, last = full.split()
    return PersonName(" ".join(given_parts) or None, last)


def _given_similarity(a: str, b: str, variants: NameVariants) -> float:
    if variants.equivalent(a, b):
        return 1.0
    return max(
        (JaroWinkler.similarity(x, y) for x in variants.formals(a) for y in variants.formals(b)),
        default=0.0,
    )


def name_similarity(a: PersonName, b: PersonName, variants: NameVariants | None = None) -> float:
    """0..1: how alike two names are, as the lower of the family names' and the given names'
    Jaro-Winkler likeness (nicknames resolved through ``variants``, the shipped tables by
    default). Both parts must agree: members of a household share the family name, namesakes
    in a town share both, two spellings of one person share both closely
    (``Katherine``/``Katherien``, ``Robert``/``Bob``)."""
    family_a, family_b = family_form(a.family or ""), family_form(b.family or "")
    if not (family_a and family_b) or not (a.given and b.given):
        return 0.0
    given = _given_similarity(a.given, b.given, variants or NameVariants.built_in())
    return min(JaroWinkler.similarity(family_a, family_b), given)
