"""Estimating the model from unlabelled pairs, as Splink does.

- ``u`` from random pairs: two records drawn at random are almost always two people, so how
  often random pairs meet each level estimates ``u``;
- ``m`` and the prior by expectation-maximisation over the candidate pairs the blocking
  look-ups produce, with ``u`` held fixed: each pair's match probability under the current
  parameters (E), then ``m`` as the probability-weighted share of each level (M), until the
  parameters stop moving.

Pairs come as an integer matrix, one row per pair and one column per comparison, holding the
index of the level met (0 = null, which counts for neither m nor u).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Estimate", "estimate_m", "level_shares"]

Levels = npt.NDArray[np.int_]
Floats = npt.NDArray[np.float64]

_FLOOR = 1e-6  # no level is impossible: a zero would make one comparison a veto
_PRIOR_CEILING = 0.99  # candidates that all match say the blocking is too tight, not p = 1


def level_shares(
    levels: Levels, counts: Sequence[int], weights: Floats | None = None
) -> list[Floats]:
    """Per comparison, the (weighted) share of pairs meeting each non-null level.

    ``counts`` holds each comparison's number of non-null levels; returned arrays have that
    length and sum to 1."""
    shares = []
    for column, count in enumerate(counts):
        met = levels[:, column]
        w = np.ones(len(met)) if weights is None else weights
        seen = np.bincount(met, weights=w, minlength=count + 1)[1:].astype(np.float64)
        seen = seen + _FLOOR * max(float(seen.sum()), 1.0)
        shares.append(seen / seen.sum())
    return shares


@dataclass(frozen=True, slots=True)
class Estimate:
    m: list[Floats]
    prior: float
    iterations: int
    converged: bool
    # per comparison, the expected number of matching pairs whose level was not null: how
    # much evidence its m rests on (0: none, its m is only the start)
    evidence: list[float]


def estimate_m(
    levels: Levels,
    u: Sequence[Floats],
    m_start: Sequence[Floats],
    prior_start: float,
    max_iterations: int = 50,
    tolerance: float = 1e-5,
    fixed: Sequence[bool] | None = None,
    household: Sequence[bool] | None = None,
    given: Sequence[bool] | None = None,
) -> Estimate:
    """``m`` and the prior that best explain ``levels`` with ``u`` held fixed.

    ``fixed`` marks comparisons whose ``m`` stays as given (those a blocking rule required
    to agree: every pair agrees on them, which says nothing, so they count for nothing
    here). ``household`` marks the comparisons of values a household shares: a pair with no
    evidence for from the others (nor from the given name, ``given``, alone) is two people of
    one household, never a match, as at query time (:meth:`MatchModel.weigh`)."""
    m = [np.asarray(x, dtype=np.float64) for x in m_start]
    log_ratio = [np.log(mi) - np.log(ui) for mi, ui in zip(m, u, strict=True)]
    prior = prior_start
    counts = [len(x) for x in u]
    held = list(fixed) if fixed is not None else [False] * len(counts)
    shared = list(household) if household is not None else [False] * len(counts)
    named = list(given) if given is not None else [False] * len(counts)
    iteration = 0
    p: Floats = np.full(len(levels), prior)
    for iteration in range(1, max_iterations + 1):
        # E: each pair's log odds of being one person
        odds = np.full(len(levels), np.log(prior / (1 - prior)))
        personal = np.zeros(len(levels))
        by_name = np.full(len(levels), -np.inf)
        for column, ratio in enumerate(log_ratio):
            if held[column]:
                continue  # every pair agrees on it here: no evidence, as Splink deactivates it
            met = levels[:, column]
            contribution = np.where(met > 0, ratio[np.maximum(met - 1, 0)], 0.0)
            odds += contribution
            if not shared[column]:
                personal += contribution
                if named[column]:
                    by_name = contribution
        p = 1.0 / (1.0 + np.exp(-np.clip(odds, -700, 700)))
        if household is not None and any(shared):
            p = np.where(np.maximum(personal, by_name) > 0, p, 0.0)
        # M: m as each level's share among the pairs, weighted by p
        new_m = level_shares(levels, counts, p)
        new_m = [old if keep else new for old, new, keep in zip(m, new_m, held, strict=True)]
        new_prior = float(np.clip(p.mean(), _FLOOR, _PRIOR_CEILING))
        moved = max(
            max(float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True)),
            abs(new_prior - prior),
        )
        m, prior = new_m, new_prior
        log_ratio = [np.log(mi) - np.log(ui) for mi, ui in zip(m, u, strict=True)]
        if moved < tolerance:
            return Estimate(m, prior, iteration, True, _evidence(levels, p, held))
    return Estimate(m, prior, iteration, False, _evidence(levels, p, held))


def _evidence(levels: Levels, p: Floats, held: Sequence[bool]) -> list[float]:
    return [
        0.0 if keep else float(p[levels[:, column] > 0].sum()) for column, keep in enumerate(held)
    ]
