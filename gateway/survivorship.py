"""Candidates from several sources -> one value, the rule that chose it, and the values that lost.

Rules, per attribute (``survivorship:`` in the config), each a named strategy of :data:`RULES`:

- ``priority``: the first listed source that holds a value wins; sources not listed follow in
  config order; several values in one source: the most recent.
- ``most_recent``: the value of the record updated last; a record with no update time ranks
  below every record with one.
- ``most_frequent``: the value most records agree on, where agreeing is the attribute's
  :class:`~gateway.voting.Likeness` (normal forms equal; for names and addresses also
  nicknames, case and typos within one edit); a tie goes to the group holding the most recent
  value. The group's best-written member is shown.

Every tie left after a rule goes to the source listed first in the config, then the lower
record key, so the same records always give the same answer. An empty value never wins.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gateway.rules import RuleName
from gateway.voting import EXACT, Likeness
from model.records import Record

__all__ = ["RULES", "Candidate", "Choice", "pick"]

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One source record's value for an attribute; ``comparable`` says when two values agree."""

    value: Any
    record: Record
    comparable: Hashable = None

    @property
    def same_as(self) -> Hashable:
        return self.value if self.comparable is None else self.comparable


@dataclass(frozen=True, slots=True)
class Choice:
    value: Any
    record: Record
    rule: RuleName
    losers: list[Candidate] = field(default_factory=list)
    agreeing: list[Record] = field(default_factory=list)


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return bool(isinstance(value, list | tuple | dict | set) and not value)


@dataclass(frozen=True, slots=True)
class _Ranks:
    """What every rule may rank by: config order of sources, the rule's priority list, and
    how the attribute's values agree."""

    order: Mapping[str, int]
    priority: Mapping[str, int]
    likeness: Likeness

    def stable(self, c: Candidate) -> tuple[int, str]:
        return (self.order.get(c.record.source, len(self.order)), c.record.key)

    def newest_first(self, c: Candidate) -> tuple[tuple[int, float], tuple[int, str]]:
        stamp = c.record.updated_at
        recency = (-1, -stamp.timestamp()) if stamp is not None else (0, 0.0)
        return recency, self.stable(c)


# A rule: the candidates holding a value -> the group that wins (its members agree), and the
# member shown with the value shown.
Rule = Callable[[list[Candidate], _Ranks], tuple[list[Candidate], Candidate, Any]]


def _groups(present: list[Candidate], ranks: _Ranks) -> list[list[Candidate]]:
    """The candidates in groups of agreeing values, each group in stable order."""
    groups: list[list[Candidate]] = []
    for candidate in sorted(present, key=ranks.stable):
        for group in groups:
            if any(ranks.likeness.alike(candidate, member) for member in group):
                group.append(candidate)
                break
        else:
            groups.append([candidate])
    return groups


def _group_of(winner: Candidate, present: list[Candidate], ranks: _Ranks) -> list[Candidate]:
    return next(g for g in _groups(present, ranks) if winner in g)


def _priority(present: list[Candidate], ranks: _Ranks) -> tuple[list[Candidate], Candidate, Any]:
    def rank(c: Candidate) -> tuple[int, int, tuple[int, float], str]:
        recency, (order, key) = ranks.newest_first(c)
        return (ranks.priority.get(c.record.source, len(ranks.priority)), order, recency, key)

    winner = min(present, key=rank)
    return _group_of(winner, present, ranks), winner, winner.value


def _most_recent(present: list[Candidate], ranks: _Ranks) -> tuple[list[Candidate], Candidate, Any]:
    winner = min(present, key=ranks.newest_first)
    return _group_of(winner, present, ranks), winner, winner.value


def _most_frequent(
    present: list[Candidate], ranks: _Ranks
) -> tuple[list[Candidate], Candidate, Any]:
    groups = _groups(present, ranks)
    top = max(len(g) for g in groups)
    tied = [g for g in groups if len(g) == top]
    group = min(tied, key=lambda g: min(ranks.newest_first(c) for c in g))
    if ranks.likeness is EXACT:
        newest = min(group, key=ranks.newest_first)
        return group, newest, newest.value
    shown, value = ranks.likeness.best(group)
    return group, shown, value


RULES: Mapping[str, Rule] = {
    "priority": _priority,
    "most_recent": _most_recent,
    "most_frequent": _most_frequent,
}


def pick(
    candidates: Sequence[Candidate],
    rule: RuleName,
    source_order: Sequence[str] | Mapping[str, int],
    priority: Sequence[str] = (),
    likeness: Likeness = EXACT,
) -> Choice | None:
    """The surviving value, or None when every candidate is empty."""
    present = [c for c in candidates if not _empty(c.value)]
    if not present:
        return None
    order = (
        source_order
        if isinstance(source_order, Mapping)
        else {name: i for i, name in enumerate(source_order)}
    )
    ranks = _Ranks(order, {name: i for i, name in enumerate(priority)}, likeness)
    group, shown, value = RULES[rule](present, ranks)
    losers: dict[Hashable, Candidate] = {}
    for candidate in sorted(present, key=ranks.stable):
        if candidate not in group:
            losers.setdefault(candidate.same_as, candidate)
    agreeing = [c.record for c in sorted(group, key=ranks.stable)]
    return Choice(value, shown.record, rule, list(losers.values()), agreeing)
