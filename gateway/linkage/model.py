"""The Fellegi-Sunter model: how much each comparison's level says for or against a match.

For every level of every comparison the model holds two probabilities:

- ``m``: how often two records of one person meet that level;
- ``u``: how often two records of different people do.

A pair's match weight is the prior's weight plus, per comparison, ``log2(m / u)`` of the
level it meets (the ``null`` level weighs 0: a missing value is no evidence). Where term
frequencies are known, an exact agreement on a common value ("smith") weighs less and one on
a rare value more: its ``u`` becomes the value's frequency. The probability of a match is
``2**w / (1 + 2**w)``. Every score comes as a :class:`Waterfall` whose parts add up to it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from forms import NameVariants
from gateway.linkage.comparisons import Comparison, Prepared, Test

__all__ = [
    "FORMAT",
    "ComparisonModel",
    "LevelParameters",
    "MatchModel",
    "Part",
    "Waterfall",
    "probability_of",
    "weight_of",
]

FORMAT = "c360-identity-model/1"
GIVEN_NAME = "given_name"  # the field whose agreement alone is evidence of the person


def weight_of(probability: float) -> float:
    """The match weight (log2 odds) of a probability."""
    return math.log2(probability / (1 - probability))


def probability_of(weight: float) -> float:
    return 1.0 / (1.0 + math.pow(2.0, -weight))


@dataclass(frozen=True, slots=True)
class LevelParameters:
    m: float
    u: float

    @property
    def weight(self) -> float:
        return math.log2(self.m / self.u)


@dataclass(frozen=True, slots=True)
class ComparisonModel:
    """A comparison with the m and u of each of its levels (``null`` excluded), and the
    term frequencies of its common values."""

    comparison: Comparison
    levels: tuple[LevelParameters, ...]
    term_frequencies: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.levels) != len(self.comparison.levels):
            raise ValueError(
                f"{self.comparison.name}: {len(self.levels)} parameters for"
                f" {len(self.comparison.levels)} levels"
            )

    def weight(self, level: int, value: str | None = None) -> tuple[float, float]:
        """(weight, of which term-frequency adjustment) of a level index (0 = null)."""
        if level == 0:
            return 0.0, 0.0
        params = self.levels[level - 1]
        base = params.weight
        if value is None or self.comparison.levels[level - 1] != "exact":
            return base, 0.0
        frequency = self.term_frequencies.get(value)
        if frequency is None:
            return base, 0.0
        adjustment = math.log2(params.u / frequency)
        return base + adjustment, adjustment


@dataclass(frozen=True, slots=True)
class Part:
    """One comparison's contribution: the level met and its partial weight."""

    comparison: str
    level: str
    weight: float
    term_frequency: float = 0.0  # the part of ``weight`` due to the value's frequency
    household: bool = False  # a comparison of a value one household shares


@dataclass(frozen=True, slots=True)
class Waterfall:
    """A score laid out: the prior's weight, then each comparison's part; they add up to
    :attr:`weight`."""

    prior: float
    parts: tuple[Part, ...]
    model_version: str

    @property
    def weight(self) -> float:
        return self.prior + sum(part.weight for part in self.parts)

    @property
    def probability(self) -> float:
        return probability_of(self.weight)

    @property
    def personal(self) -> float:
        """Evidence of the person, as :meth:`MatchModel.weigh` counts it."""
        own = [part for part in self.parts if not part.household]
        given = [part.weight for part in own if part.comparison == GIVEN_NAME]
        return max(sum(part.weight for part in own), *given, 0.0 if given else float("-inf"))

    def describe(self) -> str:
        """One line per step, as an auditor reads it."""
        lines = [f"prior {self.prior:+.2f}"]
        lines += [f"{p.comparison} {p.level} {p.weight:+.2f}" for p in self.parts]
        lines.append(f"= {self.weight:+.2f} (probability {self.probability:.4f})")
        return "; ".join(lines)


@dataclass(frozen=True, slots=True)
class MatchModel:
    """Comparisons with their parameters, the prior probability that a candidate pair is one
    person, and a version that provenance names."""

    comparisons: tuple[ComparisonModel, ...]
    prior: float
    version: str
    trained: Mapping[str, Any] = field(default_factory=dict)
    variants: NameVariants = field(default_factory=NameVariants.built_in, compare=False, repr=False)
    _tests: dict[str, list[Test]] = field(default_factory=dict, compare=False, repr=False)
    _prior_weight: float = field(default=0.0, compare=False, repr=False)
    # comparisons by the most they can add, strongest first, and what those after each can add
    _order: tuple[int, ...] = field(default=(), compare=False, repr=False)
    _headroom: tuple[float, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.prior < 1:
            raise ValueError(f"prior {self.prior} must be between 0 and 1")
        object.__setattr__(self, "_prior_weight", weight_of(self.prior))
        for c in self.comparisons:
            self._tests[c.comparison.name] = c.comparison.tests()
        most = [max(0.0, *(p.weight for p in c.levels)) for c in self.comparisons]
        order = tuple(sorted(range(len(most)), key=lambda i: -most[i]))
        headroom = [0.0] * (len(order) + 1)
        for position in range(len(order) - 1, -1, -1):
            headroom[position] = headroom[position + 1] + most[order[position]]
        object.__setattr__(self, "_order", order)
        object.__setattr__(self, "_headroom", tuple(headroom))

    @property
    def prior_weight(self) -> float:
        return self._prior_weight

    @property
    def names(self) -> list[str]:
        return [c.comparison.name for c in self.comparisons]

    def prepare(self, data: Mapping[str, Any]) -> tuple[Prepared | None, ...]:
        """A record's values in comparable form, once per record."""
        return tuple(c.comparison.prepare(data, self.variants) for c in self.comparisons)

    def levels(self, a: Sequence[Prepared | None], b: Sequence[Prepared | None]) -> list[int]:
        return [
            c.comparison.level(x, y, self._tests[c.comparison.name])
            for c, x, y in zip(self.comparisons, a, b, strict=True)
        ]

    def weight(self, a: Sequence[Prepared | None], b: Sequence[Prepared | None]) -> float:
        """The match weight alone: what :meth:`score` adds up, without laying it out."""
        return self.weigh(a, b)[0]

    def weigh(
        self, a: Sequence[Prepared | None], b: Sequence[Prepared | None]
    ) -> tuple[float, float]:
        """(match weight, evidence of the person): the second is the weight of the
        comparisons a household does not share, or the given name's alone where it agrees (two
        people of one household differ in given name; a typo in a birth date or an old email
        does not make the same given name someone else's)."""
        weighed = self._sum(a, b, range(len(self.comparisons)), None)
        assert weighed is not None  # no floor: never cut short
        return weighed

    def reaching(
        self, a: Sequence[Prepared | None], b: Sequence[Prepared | None], floor: float
    ) -> tuple[float, float] | None:
        """What :meth:`weigh` returns, or None as soon as the pair cannot reach ``floor``:
        the comparisons that can add most go first, and the rest are skipped once even
        their best levels would not lift the weight to ``floor`` (term frequencies only
        lower an agreement's weight, so the bound holds)."""
        if self._prior_weight + self._headroom[0] < floor:
            return None
        return self._sum(a, b, self._order, floor)

    def _sum(
        self,
        a: Sequence[Prepared | None],
        b: Sequence[Prepared | None],
        order: Iterable[int],
        floor: float | None,
    ) -> tuple[float, float] | None:
        """The comparisons in ``order`` added up; None once ``floor`` is out of reach (with
        ``order`` from the strongest down, :attr:`_headroom` is what the rest can still add)."""
        total = self._prior_weight
        personal = given = 0.0
        for position, i in enumerate(order, start=1):
            x, y = a[i], b[i]
            if x is not None and y is not None:
                c = self.comparisons[i]
                comparison = c.comparison
                part = c.weight(comparison.level(x, y, self._tests[comparison.name]), x.value)[0]
                total += part
                if not comparison.household:
                    personal += part
                    if comparison.field == GIVEN_NAME:
                        given = part
            if floor is not None and total + self._headroom[position] < floor:
                return None
        return total, max(personal, given)

    def score(self, a: Sequence[Prepared | None], b: Sequence[Prepared | None]) -> Waterfall:
        parts = []
        for c, x, y in zip(self.comparisons, a, b, strict=True):
            level = c.comparison.level(x, y, self._tests[c.comparison.name])
            weight, adjustment = c.weight(level, x.value if x is not None else None)
            parts.append(
                Part(
                    c.comparison.name,
                    c.comparison.labels[level],
                    weight,
                    adjustment,
                    c.comparison.household,
                )
            )
        return Waterfall(weight_of(self.prior), tuple(parts), self.version)

    def with_variants(self, variants: NameVariants) -> MatchModel:
        """This model comparing given names by ``variants`` (a config's own name groups)."""
        return replace(self, variants=variants, _tests={})

    def level_names(self) -> dict[str, tuple[str, ...]]:
        return {c.comparison.name: c.comparison.labels for c in self.comparisons}
