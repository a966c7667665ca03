"""People's names as legacy systems hold them, and how alike two of them are.

Names are compared after normalisation (case, accents, punctuation, spacing) and with common
nicknames mapped to the formal name, so that ``"Bob  O'Brien"`` and ``"O'BRIEN, Robert"``
agree while two members of one household (same family name, different given names) do not.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import JaroWinkler

__all__ = ["NICKNAMES", "PersonName", "name_of", "name_similarity", "normalize_name"]

# nickname -> formal given name: widely used English short forms
NICKNAMES: Mapping[str, str] = {
    "bob": "robert",
    "rob": "robert",
    "bobby": "robert",
    "robbie": "robert",
    "bill": "william",
    "will": "william",
    "billy": "william",
    "liam": "william",
    "liz": "elizabeth",
    "beth": "elizabeth",
    "eliza": "elizabeth",
    "betty": "elizabeth",
    "kate": "katherine",
    "kathy": "katherine",
    "kat": "katherine",
    "katie": "katherine",
    "maggie": "margaret",
    "meg": "margaret",
    "peggy": "margaret",
    "jim": "james",
    "jimmy": "james",
    "jen": "jennifer",
    "jenny": "jennifer",
    "mike": "michael",
    "mick": "michael",
    "chris": "christopher",
    "alex": "alexander",
    "sasha": "alexander",
    "nick": "nicholas",
    "pat": "patricia",
    "trish": "patricia",
    "dan": "daniel",
    "danny": "daniel",
    "sue": "susan",
    "susie": "susan",
    "tony": "anthony",
    "becky": "rebecca",
    "becca": "rebecca",
    "tom": "thomas",
    "tommy": "thomas",
    "vicky": "victoria",
    "tori": "victoria",
    "joe": "joseph",
    "joey": "joseph",
    "sam": "samantha",
    "ben": "benjamin",
    "jon": "jonathan",
    "annie": "ann",
    "rick": "richard",
    "dick": "richard",
    "ted": "theodore",
    "theo": "theodore",
    "josie": "josefine",
    "pepe": "jose",
    "fanny": "francoise",
    "luke": "lucas",
    "millie": "amelia",
    "lena": "elena",
    "sofi": "sofia",
}


@dataclass(frozen=True, slots=True)
class PersonName:
    given: str | None
    family: str | None

    @property
    def full(self) -> str:
        return " ".join(part for part in (self.given, self.family) if part)


def normalize_name(text: str) -> str:
    """Lower case, no accents or punctuation, single spaces: ``Zoë O'Brien`` -> ``zoe obrien``."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    kept = "".join(
        ch if ch.isalnum() or ch.isspace() else ("" if ch == "'" else " ") for ch in plain
    )
    return " ".join(kept.casefold().split())


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


def _given(text: str | None) -> str:
    tokens = normalize_name(text or "").split()
    return NICKNAMES.get(tokens[0], tokens[0]) if tokens else ""


def name_similarity(a: PersonName, b: PersonName) -> float:
    """0..1: how alike two names are, as the lower of the family names' and the given names'
    Jaro-Winkler likeness (nicknames resolved). Both parts must agree: members of a household
    share the family name, namesakes in a town share both, two spellings of one person share
    both closely (``Katherine``/``Katherien``, ``Robert``/``Bob``)."""
    family_a, family_b = normalize_name(a.family or ""), normalize_name(b.family or "")
    given_a, given_b = _given(a.given), _given(b.given)
    if not (family_a and family_b) or not (given_a and given_b):
        return 0.0
    return min(JaroWinkler.similarity(family_a, family_b), JaroWinkler.similarity(given_a, given_b))
