"""How survivorship tells values that differ only in writing, and which writing it shows.

Systems write one person many ways: ``"PARK"`` (an all-caps export), ``"Mike"`` (a nickname),
``"Mcihael"`` (a typo). A :class:`Likeness` says when two values of an attribute are the same
fact and which member of a group of them is best written. ``most_frequent`` counts records per
group, so a typo held by one system loses to two systems that agree, and then shows the
group's best-written member.

- names: family names equal once plain (case, accents, punctuation) or one edit apart
  (a transposition is one edit); given names one name (``Mike``/``Michael``, from
  :class:`forms.NameVariants`) or one edit apart; a missing given name agrees with any. The
  best written: the formal given name the others stand for, the spelling most members
  share, in proper case; a name held only in capitals is shown in proper case.
- addresses: the same postcode (spaces and case aside) and street lines one edit apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from rapidfuzz.distance import OSA

from forms import NameVariants, plain
from gateway.names import PersonName

if TYPE_CHECKING:
    from gateway.survivorship import Candidate

__all__ = ["ADDRESS_LIKENESS", "EXACT", "NAME_LIKENESS", "Likeness", "proper_case"]


@dataclass(frozen=True, slots=True)
class Likeness:
    """``alike``: whether two values are one fact; ``best``: the member of a group to show
    and the value shown (the member's value, perhaps in better case)."""

    alike: Callable[[Candidate, Candidate], bool]
    best: Callable[[Sequence[Candidate]], tuple[Candidate, Any]]


def _same(a: Candidate, b: Candidate) -> bool:
    return a.same_as == b.same_as


def _first(group: Sequence[Candidate]) -> tuple[Candidate, Any]:
    return group[0], group[0].value


EXACT = Likeness(_same, _first)  # values agree when their normal forms are equal


def _close(a: str, b: str) -> bool:
    return a == b or OSA.distance(a, b, score_cutoff=1) <= 1


def _written_badly(text: str | None) -> bool:
    """All capitals or all lower case: how exports write, not how people do."""
    letters = [ch for ch in text or "" if ch.isalpha()]
    return len(letters) > 1 and (
        all(ch.isupper() for ch in letters) or all(ch.islower() for ch in letters)
    )


def proper_case(text: str) -> str:
    """``"PARK"`` -> ``"Park"``, ``"o'brien-smith"`` -> ``"O'Brien-Smith"``."""
    out, start = [], True
    for ch in text:
        out.append(ch.upper() if start else ch.lower())
        start = not ch.isalpha()
    return "".join(out)


def _names_alike(a: Candidate, b: Candidate) -> bool:
    x, y = a.value, b.value
    if not isinstance(x, PersonName) or not isinstance(y, PersonName):
        return _same(a, b)
    family_x = plain(x.family or "").replace(" ", "")
    family_y = plain(y.family or "").replace(" ", "")
    if not family_x or not family_y or not _close(family_x, family_y):
        return False
    given_x, given_y = plain(x.given or ""), plain(y.given or "")
    if not given_x or not given_y:
        return True
    variants = NameVariants.built_in()
    return variants.equivalent(given_x, given_y) or _close(given_x, given_y)


def _best_name(group: Sequence[Candidate]) -> tuple[Candidate, Any]:
    names = [c.value for c in group if isinstance(c.value, PersonName)]
    if len(names) != len(group):
        return _first(group)
    givens = [n.given for n in names if n.given]
    formal = NameVariants.built_in().formal_among(givens)
    given_counts = Counter(plain(g) for g in givens)
    family_counts = Counter(plain(n.family or "") for n in names if n.family)

    def flaws(name: PersonName) -> tuple[int, int]:
        given, family = plain(name.given or ""), plain(name.family or "")
        wrong = (
            (not given)
            + (formal is not None and given != plain(formal))
            + (given_counts[given] < max(given_counts.values(), default=0))
            + (family_counts[family] < max(family_counts.values(), default=0))
        )
        return wrong, _written_badly(name.given) + _written_badly(name.family)

    ranked = sorted(range(len(group)), key=lambda i: flaws(names[i]))
    chosen = group[ranked[0]]
    return chosen, _recased(names[ranked[0]], names)


def _recased(name: PersonName, others: Sequence[PersonName]) -> PersonName:
    """The name with each part badly written replaced by a member's proper writing of the
    same part, else put in proper case."""

    def better(part: str | None, pick: Callable[[PersonName], str | None]) -> str | None:
        if part is None or not _written_badly(part):
            return part
        for other in others:
            written = pick(other)
            if written and plain(written) == plain(part) and not _written_badly(written):
                return written
        return proper_case(part)

    return replace(
        name,
        given=better(name.given, lambda n: n.given),
        family=better(name.family, lambda n: n.family),
    )


def _postcode(value: Any) -> str:
    return "".join(str(getattr(value, "postcode", None) or "").split()).upper()


def _addresses_alike(a: Candidate, b: Candidate) -> bool:
    if _postcode(a.value) != _postcode(b.value):
        return False
    line_a = plain(str(getattr(a.value, "line1", None) or ""))
    line_b = plain(str(getattr(b.value, "line1", None) or ""))
    return _close(line_a, line_b)


def _best_address(group: Sequence[Candidate]) -> tuple[Candidate, Any]:
    counts: Counter[Hashable] = Counter(
        plain(str(getattr(c.value, "line1", "") or "")) for c in group
    )

    def flaws(c: Candidate) -> tuple[int, int]:
        line = str(getattr(c.value, "line1", "") or "")
        return (counts[plain(line)] < max(counts.values()), _written_badly(line))

    chosen = min(group, key=flaws)
    return chosen, chosen.value


NAME_LIKENESS = Likeness(_names_alike, _best_name)
ADDRESS_LIKENESS = Likeness(_addresses_alike, _best_address)
