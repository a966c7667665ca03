"""Candidates from several sources -> one value, the rule that chose it, and the values that lost.

Rules, per attribute (``survivorship:`` in the config):

- ``priority``: the first listed source that holds a value wins; sources not listed follow in
  config order; several values in one source: the most recent.
- ``most_recent``: the value of the record updated last; a record with no update time ranks
  below every record with one.
- ``most_frequent``: the value most records agree on (compared normalised); a tie goes to the
  most recent of the tied values.

Every tie left after a rule goes to the source listed first in the config, then the lower
record key, so the same records always give the same answer. An empty value never wins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gateway.rules import RuleName
from model.records import Record

__all__ = ["Candidate", "Choice", "pick"]

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


def pick(
    candidates: Sequence[Candidate],
    rule: RuleName,
    source_order: Sequence[str] | Mapping[str, int],
    priority: Sequence[str] = (),
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

    def stable(c: Candidate) -> tuple[int, str]:
        return (order.get(c.record.source, len(order)), c.record.key)

    def recency(c: Candidate) -> tuple[int, datetime]:
        stamp = c.record.updated_at
        return (stamp is not None, stamp or _NEVER)

    if rule == "priority":
        ranks = {name: i for i, name in enumerate(priority)}
        winner = min(
            present,
            key=lambda c: (
                ranks.get(c.record.source, len(ranks)),
                order.get(c.record.source, len(order)),
                _negated(recency(c)),
                c.record.key,
            ),
        )
    elif rule == "most_frequent":
        counts = Counter(c.same_as for c in present)
        top = max(counts.values())
        tied = [c for c in present if counts[c.same_as] == top]
        winner = min(tied, key=lambda c: (_negated(recency(c)), stable(c)))
    else:
        winner = min(present, key=lambda c: (_negated(recency(c)), stable(c)))
    losers: dict[Hashable, Candidate] = {}
    for candidate in sorted(present, key=stable):
        if candidate.same_as != winner.same_as:
            losers.setdefault(candidate.same_as, candidate)
    agreeing = [c.record for c in sorted(present, key=stable) if c.same_as == winner.same_as]
    return Choice(winner.value, winner.record, rule, list(losers.values()), agreeing)


def _negated(recency: tuple[int, datetime]) -> tuple[int, float]:
    """Sort key that puts the most recent first under ``min``."""
    present, stamp = recency
    return (-present, -stamp.timestamp() if present else 0.0)
