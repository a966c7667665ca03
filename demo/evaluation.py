"""How well identity resolution finds each person of the demo estate: pairwise precision and
recall against the generator's ground truth.

For each ground-truth person (or a sample), resolution starts from one of the person's records
chosen at random, in a random system; the records it links are compared with the person's
records. Over all people, a pair of records is counted once per evaluated person:

- precision = linked pairs that are truly one person / all linked pairs
- recall    = true pairs that were linked / all true pairs

It also counts over-merges (a resolved customer holding records of two or more people), and
among them those of a household sharing one phone and those reached through a placeholder.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gateway.config import Settings
from gateway.identity import Seed
from gateway.runtime import Runtime, batch_settings

__all__ = ["Report", "evaluate", "load_truth"]

RecordId = tuple[str, str]


@dataclass
class Report:
    people: int = 0
    true_pairs: int = 0
    linked_pairs: int = 0
    correct_pairs: int = 0
    over_merged: int = 0
    household_merges: int = 0
    not_found: int = 0
    incomplete: int = 0
    source_failures: int = 0
    calls: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.linked_pairs if self.linked_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    def lines(self) -> list[str]:
        return [
            f"people evaluated: {self.people}",
            f"pairwise precision: {self.precision:.4f} ({self.correct_pairs}/{self.linked_pairs})",
            f"pairwise recall: {self.recall:.4f} ({self.correct_pairs}/{self.true_pairs})",
            f"over-merged customers: {self.over_merged} (households sharing a phone:"
            f" {self.household_merges})",
            f"starts that found nothing: {self.not_found}; stopped by a bound: {self.incomplete};"
            f" with a source failing: {self.source_failures}",
            f"backend calls: {self.calls} ({self.calls / max(self.people, 1):.2f} per customer)",
        ]


def load_truth(path: Path) -> dict[str, set[RecordId]]:
    truth: dict[str, set[RecordId]] = {}
    for line in path.read_text("utf-8").splitlines():
        entry = json.loads(line)
        person = entry.pop("person")
        truth[person] = {(source, key) for source, keys in entry.items() for key in keys}
    return truth


def _pairs(records: Iterable[RecordId]) -> set[frozenset[RecordId]]:
    items = sorted(records)
    return {frozenset((a, b)) for i, a in enumerate(items) for b in items[i + 1 :]}


async def evaluate(
    settings: Settings,
    truth: dict[str, set[RecordId]],
    households: set[frozenset[str]] | None = None,
    sample: int | None = None,
    seed: int = 1,
    batch: int = 100,
) -> Report:
    """Resolve each (sampled) person from a random record of theirs and score the result."""
    rng = random.Random(seed)
    people = sorted(p for p, records in truth.items() if records)
    if sample is not None and sample < len(people):
        people = sorted(rng.sample(people, sample))
    owner = {record: person for person, records in truth.items() for record in records}
    report = Report()
    async with Runtime(batch_settings(settings)) as runtime:
        for start in range(0, len(people), batch):
            chunk = people[start : start + batch]
            context = runtime.context()  # one "request" per chunk: its look-ups share batches
            starts = [rng.choice(sorted(truth[p])) for p in chunk]
            found = await context.resolver.resolve_many([Seed(source=s, key=k) for s, k in starts])
            report.calls += sum(context.recording.calls.values())
            for person, identity in zip(chunk, found, strict=True):
                _score(
                    report,
                    person,
                    identity.keys() if identity else None,
                    truth,
                    owner,
                    households or set(),
                )
                if identity is not None and not identity.complete:
                    report.incomplete += 1
                if identity is not None and identity.failed:
                    report.source_failures += 1
    return report


def _score(
    report: Report,
    person: str,
    linked: frozenset[RecordId] | None,
    truth: dict[str, set[RecordId]],
    owner: dict[RecordId, str],
    households: set[frozenset[str]],
) -> None:
    report.people += 1
    true_pairs = _pairs(truth[person])
    report.true_pairs += len(true_pairs)
    if linked is None:
        report.not_found += 1
        return
    linked_pairs = _pairs(linked)
    report.linked_pairs += len(linked_pairs)
    report.correct_pairs += len(linked_pairs & true_pairs)
    owners = {owner.get(record, "?") for record in linked}
    if len(owners) > 1:
        report.over_merged += 1
        household = any(frozenset(pair) in households for pair in _pairs_of(owners))
        if household:
            report.household_merges += 1
        if len(report.examples) < 10 or household:
            kind = " (a household sharing a phone)" if household else ""
            report.examples.append(f"{person}: linked records of {sorted(owners)}{kind}")


def _pairs_of(people: set[str]) -> Iterable[tuple[str, str]]:
    items = sorted(people)
    return ((a, b) for i, a in enumerate(items) for b in items[i + 1 :])
