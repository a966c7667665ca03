"""``c360 identity train``: estimate the model from the sources' own records.

1. A bounded sample of each source's person records, read through its connector.
2. Candidate pairs: each sampled record's blocking look-ups, asked of the sources as they are
   at query time (one batched call per source and look-up), each found record a pair.
3. ``u`` from random pairs of every record read (sampled, or found by a look-up); ``m`` by
   EM over each blocking rule's candidate pairs in turn, holding fixed the comparisons of
   the fields that rule required to agree (their agreement there says nothing), each
   comparison's ``m`` the rules' estimates weighted by the matching pairs that had values
   for it (the default where none had); the prior, the chance that two random records are
   one person, from each rule's share of matches with the blocking's own evidence taken out
   (:mod:`gateway.linkage.prior`); term frequencies of the comparisons that ask for them.

A source that fails, or a sample with no record, is reported and no model is made.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from connectors.base import Connector, Record
from connectors.errors import SourceError, UnsupportedLookup
from forms import NameVariants
from gateway.linkage.comparisons import Prepared
from gateway.linkage.defaults import DEFAULT_PRIOR, default_model
from gateway.linkage.em import Floats, estimate_m, level_shares
from gateway.linkage.model import GIVEN_NAME, ComparisonModel, LevelParameters, MatchModel
from gateway.linkage.prior import random_prior
from gateway.linkage.settings import BlockingRule, MatchingSettings
from gateway.matching import BLOCKING_FIELDS, asked_of, key_of

__all__ = ["Training", "train"]

PERSON = "person"
Pair = tuple[tuple[str, str], tuple[str, str]]
MAX_PAIRS = 300_000
RANDOM_PAIRS = 200_000
MAX_FREQUENT = 1000  # term frequencies kept per comparison: the most common values
MIN_EVIDENCE = 1.0  # expected matching pairs an m estimate needs to replace the default


@dataclass
class Training:
    """What a training run read and found; ``model`` is None when it could not train."""

    sampled: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    candidate_pairs: int = 0
    random_pairs: int = 0
    iterations: int = 0
    converged: bool = False
    model: MatchModel | None = None

    def lines(self) -> list[str]:
        out = [f"sampled {n:,} person records of {source}" for source, n in self.sampled.items()]
        out += [f"not sampled: {reason}" for reason in self.skipped]
        out += [f"problem: {problem}" for problem in self.problems]
        if self.model is not None:
            out.append(
                f"{self.candidate_pairs:,} candidate pairs, {self.random_pairs:,} random pairs;"
                f" EM {'converged' if self.converged else 'stopped'} after"
                f" {self.iterations} iterations; prior {self.model.prior:.4g}"
            )
        return out


async def train(
    matching: MatchingSettings,
    sources: Mapping[str, Connector],
    version: str,
    seed: int = 1,
    variants: NameVariants | None = None,
) -> Training:
    """Train on a sample of at most ``matching.sample`` records per source."""
    report = Training()
    records: list[Record] = []
    for name, connector in sources.items():
        if PERSON not in connector.entities:
            continue
        try:
            found = await connector.sample(PERSON, matching.sample)
        except UnsupportedLookup as exc:
            report.skipped.append(f"{name}: {exc.detail}")
            continue
        except SourceError as exc:
            report.problems.append(f"{name} failed: {exc}")
            continue
        if not found:
            report.problems.append(f"{name} has no person record")
        report.sampled[name] = len(found)
        records += found
    if report.problems or not records:
        if not records and not report.problems:
            report.problems.append("no source could list its records: nothing to train on")
        return report
    comparisons = matching.built()
    start = default_model(comparisons, variants)
    rng = random.Random(seed)
    by_rule, found = await _candidate_pairs(matching, sources, records, report)
    if report.problems:
        return report
    # every record read, sampled or found by a look-up: a source that cannot list its
    # records is known by what the look-ups found of it
    pool = {(r.source, r.key): r for r in [*records, *found]}
    prepared = {rid: start.prepare(record.data) for rid, record in pool.items()}
    ids = list(pool)
    draws = min(RANDOM_PAIRS, len(ids) * (len(ids) - 1) // 2)
    randoms = [(rng.choice(ids), rng.choice(ids)) for _ in range(draws)]
    u_start = [np.array([p.u for p in c.levels]) for c in start.comparisons]
    u = _u_shares(np.array([start.levels(prepared[a], prepared[b]) for a, b in randoms]), u_start)
    m_start = [np.array([p.m for p in c.levels]) for c in start.comparisons]
    prior_start = min(0.5, DEFAULT_PRIOR * 5)
    estimated: list[list[tuple[Floats, float]]] = [[] for _ in comparisons]
    sessions: list[tuple[BlockingRule, float, float]] = []
    every: set[Pair] = set()
    for rule, pairs in by_rule:
        chosen = sorted(pairs)
        if len(chosen) > MAX_PAIRS:
            chosen = sorted(rng.sample(chosen, MAX_PAIRS))
        every.update(chosen)
        if not chosen:
            continue
        levels = np.array([start.levels(prepared[a], prepared[b]) for a, b in chosen])
        blocked = [_blocked_by(rule, c.field) for c in comparisons]
        session = estimate_m(
            levels,
            u,
            m_start,
            prior_start,
            fixed=blocked,
            household=[c.household for c in comparisons],
            given=[c.field == GIVEN_NAME for c in comparisons],
        )
        report.iterations = max(report.iterations, session.iterations)
        report.converged = session.converged and (report.converged or len(sessions) == 0)
        sessions.append((rule, session.prior, session.prior * len(chosen)))
        for i, held in enumerate(blocked):
            if not held:
                estimated[i].append((session.m[i], session.evidence[i]))
    if not every:
        report.problems.append("the blocking rules found no candidate pair: nothing to train on")
        return report
    m = [_combined(found, m_start[i]) for i, found in enumerate(estimated)]
    prior = random_prior(
        sessions, comparisons, m, [(pool[a].data, pool[b].data) for a, b in randoms]
    )
    report.candidate_pairs, report.random_pairs = len(every), len(randoms)
    sample = list(prepared.values())
    models = []
    for i, comparison in enumerate(comparisons):
        params = tuple(LevelParameters(float(p), float(x)) for p, x in zip(m[i], u[i], strict=True))
        frequencies: dict[str, float] = {}
        if comparison.term_frequency:
            frequencies = _frequencies([v[i] for v in sample], params[0].u)
        models.append(ComparisonModel(comparison, params, frequencies))
    trained = {
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "records": len(records),
        "candidate_pairs": len(every),
        "random_pairs": len(randoms),
        "em_iterations": report.iterations,
    }
    report.model = MatchModel(tuple(models), prior, version, trained)
    return report


def _u_shares(levels: npt.NDArray[np.int_], u_start: Sequence[Floats]) -> list[Floats]:
    """Each level's share among the random pairs; the default ``u`` of a comparison that no
    random pair had values on both sides for (a field only one system holds)."""
    shares = level_shares(levels, [len(u) for u in u_start])
    return [
        share if (levels[:, column] > 0).any() else u_start[column]
        for column, share in enumerate(shares)
    ]


def _combined(estimates: Sequence[tuple[Floats, float]], start: Floats) -> Floats:
    """The rules' estimates of one comparison's ``m``, each weighted by the matching pairs it
    saw values for; the default where no rule saw any (a rule whose pairs all lack the value
    says nothing of it)."""
    evidence = sum(weight for _, weight in estimates)
    if evidence < MIN_EVIDENCE:
        return start
    return sum((m * weight for m, weight in estimates), np.zeros_like(start)) / evidence


def _blocked_by(rule: BlockingRule, field: str) -> bool:
    """Whether the rule made every pair it found agree on ``field``."""
    return any(key == field or BLOCKING_FIELDS.get(key) == field for key in rule.by)


async def _candidate_pairs(
    matching: MatchingSettings,
    sources: Mapping[str, Connector],
    records: Sequence[Record],
    report: Training,
) -> tuple[list[tuple[BlockingRule, set[Pair]]], list[Record]]:
    """Each sampled record paired with what its blocking look-ups find, rule by rule."""
    by_rule: list[tuple[BlockingRule, set[Pair]]] = []
    found_records: list[Record] = []
    for rule in matching.blocking:
        pairs: set[Pair] = set()
        by_rule.append((rule, pairs))
        connector = sources.get(rule.source)
        if connector is None or PERSON not in connector.entities:
            report.problems.append(f"blocking rule {rule.name}: no person entity in {rule.source}")
            continue
        values = sorted({v for r in records if (v := asked_of(r.data, rule.lookup))})
        try:
            answers = await connector.fetch(PERSON, rule.lookup, values)
        except SourceError as exc:
            report.problems.append(f"{rule.source} failed: {exc}")
            continue
        for record in records:
            value = asked_of(record.data, rule.lookup)
            mine = (record.source, record.key)
            for other in answers.get(value, []) if value else []:
                theirs = (other.source, other.key)
                if theirs == mine or not all(
                    key_of(other.data, k) == key_of(record.data, k) for k in rule.by[1:]
                ):
                    continue
                found_records.append(other)
                pairs.add((min(mine, theirs), max(mine, theirs)))
    return by_rule, found_records


def _frequencies(values: Sequence[Prepared | None], u_exact: float) -> dict[str, float]:
    """The share of each value more common than an average exact agreement implies."""
    counts = Counter(v.value for v in values if v is not None)
    total = sum(counts.values())
    common = [(value, n / total) for value, n in counts.most_common(MAX_FREQUENT) if n > 1]
    return {value: share for value, share in common if share > u_exact}
