"""The prior: how likely two records drawn at random are one person.

EM over one blocking rule's candidate pairs finds the share of matches *among those pairs*,
which agree on the rule's keys by construction. At query time every comparison counts,
the blocking keys' agreement included, so the model's prior must be that of random pairs.
Bayes gives one from the other, as Splink does after each training session::

    odds(match | agree on the keys) = odds(match) * P(agree | one person) / P(agree | two people)

``P(agree | two people)`` is counted on random pairs; ``P(agree | one person)`` is the ``m`` of
the comparison reading the key's field at the levels the key implies (``exact`` for a field
as written, every level but ``else`` for a derived key such as ``birth_year``), 1 when no
comparison reads it. The rules' priors are averaged in log odds, each weighted by the
matches it found.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from gateway.linkage.comparisons import Comparison
from gateway.linkage.em import Floats
from gateway.linkage.settings import BlockingRule
from gateway.matching import BLOCKING_FIELDS, BLOCKING_KEYS, key_of

__all__ = ["random_prior"]

Session = tuple[BlockingRule, float, float]  # a rule, its share of matches, the matches found
_FLOOR = 1e-9


def random_prior(
    sessions: Sequence[Session],
    comparisons: Sequence[Comparison],
    m: Sequence[Floats],
    randoms: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
) -> float:
    """The probability that two random records are one person, from the training sessions."""
    total = weight = 0.0
    for rule, share, matches in sessions:
        share = min(max(share, _FLOOR), 1 - _FLOOR)
        agree_u = max(_agreeing(rule, randoms), 1 / (len(randoms) + 1))
        agree_m = math.prod(_agree_m(key, comparisons, m) for key in rule.by)
        odds = math.log(share / (1 - share)) + math.log(agree_u) - math.log(agree_m)
        total += odds * max(matches, _FLOOR)
        weight += max(matches, _FLOOR)
    odds = total / weight
    return min(max(1 / (1 + math.exp(-odds)), _FLOOR), 0.5)


def _agreeing(
    rule: BlockingRule, randoms: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]
) -> float:
    """The share of random pairs that agree on every key of the rule."""
    if not randoms:
        return 1.0
    agree = 0
    for a, b in randoms:
        if all((x := key_of(a, key)) and x == key_of(b, key) for key in rule.by):
            agree += 1
    return agree / len(randoms)


def _agree_m(key: str, comparisons: Sequence[Comparison], m: Sequence[Floats]) -> float:
    """How often two records of one person agree on a blocking key, by the model's ``m``."""
    field = BLOCKING_FIELDS.get(key, key)
    for comparison, shares in zip(comparisons, m, strict=True):
        if comparison.field != field:
            continue
        if key in BLOCKING_KEYS:
            return max(float(shares[:-1].sum()), _FLOOR)  # every level but else
        return max(float(shares[0]), _FLOOR)  # exact
    return 1.0
