"""Parameters that work before any training: m and u of each level by the kind of comparison.

They are deliberately plain: agreement is strong evidence, a near miss (a typo) is weaker
evidence, a disagreement counts against, a missing value counts for nothing. Training on the
sources' own records (``c360 identity train``) replaces them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from forms import NameVariants
from gateway.linkage.comparisons import Comparison
from gateway.linkage.model import ComparisonModel, LevelParameters, MatchModel

__all__ = ["DEFAULT_PRIOR", "DEFAULT_VERSION", "default_model", "default_parameters"]

DEFAULT_PRIOR = 0.02  # one candidate in fifty found by a blocking look-up is the same person
DEFAULT_VERSION = "default-1"

# kind -> level -> (m, u)
_BY_KIND: Mapping[str, Mapping[str, tuple[float, float]]] = {
    "name": {
        "exact": (0.86, 0.004),
        "nickname": (0.02, 0.001),
        "swapped": (0.02, 0.0005),
        "levenshtein:1": (0.04, 0.001),
        "jaro_winkler:0.92": (0.02, 0.003),
        "levenshtein:2": (0.01, 0.002),
        "jaro_winkler:0.8": (0.01, 0.02),
        "else": (0.02, 0.9685),
    },
    "text": {
        "exact": (0.85, 0.002),
        "levenshtein:1": (0.05, 0.0005),
        "jaro_winkler:0.92": (0.03, 0.002),
        "levenshtein:2": (0.02, 0.001),
        "jaro_winkler:0.8": (0.02, 0.02),
        "else": (0.03, 0.9745),
    },
    "code": {
        "exact": (0.9, 0.002),
        "levenshtein:1": (0.05, 0.005),
        "levenshtein:2": (0.02, 0.02),
        "else": (0.03, 0.973),
    },
    "date": {
        "exact": (0.9, 0.0002),
        "levenshtein:1": (0.05, 0.002),
        "day_month_swapped": (0.01, 0.0001),
        "same_year": (0.02, 0.012),
        "else": (0.02, 0.9857),
    },
    "exact": {"exact": (0.9, 0.0005), "else": (0.1, 0.9995)},
}
# a level a config adds that its kind does not list: by the family of its test
_FALLBACK = {
    "exact": (0.85, 0.002),
    "nickname": (0.02, 0.001),
    "swapped": (0.02, 0.0005),
    "levenshtein": (0.03, 0.003),
    "jaro_winkler": (0.02, 0.01),
    "day_month_swapped": (0.01, 0.0001),
    "same_year": (0.02, 0.012),
    "else": (0.03, 0.95),
}


def default_parameters(comparison: Comparison) -> tuple[LevelParameters, ...]:
    table = _BY_KIND[comparison.kind]
    found = []
    for label in comparison.levels:
        m, u = table.get(label) or _FALLBACK[label.partition(":")[0]]
        found.append(LevelParameters(m, u))
    return tuple(found)


def default_model(
    comparisons: Sequence[Comparison], variants: NameVariants | None = None
) -> MatchModel:
    """The untrained model of these comparisons (given names compared by ``variants``)."""
    return MatchModel(
        tuple(ComparisonModel(c, default_parameters(c)) for c in comparisons),
        DEFAULT_PRIOR,
        DEFAULT_VERSION,
        variants=variants or NameVariants.built_in(),
    )
