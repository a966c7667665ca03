"""How well identity resolution reproduces labelled data: ``c360 eval-identity --truth FILE``.

The truth names which records are one person, in any of these forms:

- JSON lines of clusters: ``{"records": ["crm:C1", "billing:B7"]}`` (or ``"person"`` with
  ``"<source>": [keys]`` entries, as the demo's ground truth);
- JSON lines of pairs: ``{"a": "crm:C1", "b": "billing:B7"}``;
- CSV with a header ``source,key,cluster`` (or ``record,cluster``), or pairs ``a,b``.

Pairs are closed transitively into clusters. Each labelled record is resolved on its own,
through the gateway, as a caller would; the records of the customer it resolves to are the
predicted cluster. Over all of them:

- precision = predicted pairs that are truly one person / predicted pairs;
- recall = true pairs predicted / true pairs.

A predicted pair is two labelled records that some resolution put in one customer.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.identity import Identity, IdentityResolver, Match, Seed

__all__ = ["Outcome", "TruthError", "evaluate_truth", "load_clusters"]

RecordId = tuple[str, str]
Pair = tuple[RecordId, RecordId]


class TruthError(ValueError):
    """The truth file cannot be read; the message names the file and line."""


def _record(text: Any, where: str) -> RecordId:
    source, sep, key = str(text).partition(":")
    if not sep or not source or not key:
        raise TruthError(f"{where}: {text!r} is not <source>:<key>")
    return source, key


def _rows(path: Path) -> Iterable[tuple[str, dict[str, Any]]]:
    text = path.read_text("utf-8")
    if path.suffix.lower() == ".csv":
        for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            yield f"{path}:{number}", dict(row)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TruthError(f"{path}:{number}: not JSON: {exc.msg}") from None
        if not isinstance(entry, dict):
            raise TruthError(f"{path}:{number}: expected a JSON object")
        yield f"{path}:{number}", entry


def load_clusters(path: Path) -> list[set[RecordId]]:
    """The clusters of one-person records that ``path`` describes (see the module doc)."""
    parent: dict[RecordId, RecordId] = {}

    def find(x: RecordId) -> RecordId:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(records: list[RecordId]) -> None:
        for record in records:
            find(record)
        for other in records[1:]:
            parent[find(other)] = find(records[0])

    named: dict[str, list[RecordId]] = {}
    for where, entry in _rows(path):
        if "a" in entry and "b" in entry:
            join([_record(entry["a"], where), _record(entry["b"], where)])
        elif "records" in entry and isinstance(entry["records"], list):
            join([_record(r, where) for r in entry["records"]])
        elif "cluster" in entry and ("record" in entry or "key" in entry):
            record = (
                _record(entry["record"], where)
                if "record" in entry
                else (str(entry.get("source") or ""), str(entry["key"]))
            )
            named.setdefault(str(entry["cluster"]), []).append(record)
        elif "person" in entry:
            join(
                [
                    (source, str(key))
                    for source, keys in entry.items()
                    if source != "person" and isinstance(keys, list)
                    for key in keys
                ]
            )
        else:
            raise TruthError(f"{where}: expected a pair (a, b), records, or cluster and record")
    for records in named.values():
        join(records)
    clusters: dict[RecordId, set[RecordId]] = {}
    for record in parent:
        clusters.setdefault(find(record), set()).add(record)
    return list(clusters.values())


def pairs_of(records: Iterable[RecordId]) -> set[Pair]:
    items = sorted(records)
    return {(a, b) for i, a in enumerate(items) for b in items[i + 1 :]}


@dataclass
class Outcome:
    records: int = 0
    true_pairs: set[Pair] = field(default_factory=set)
    predicted: set[Pair] = field(default_factory=set)
    not_found: int = 0
    matches: dict[RecordId, Match] = field(default_factory=dict)  # how each record was linked

    @property
    def correct(self) -> int:
        return len(self.predicted & self.true_pairs)

    @property
    def precision(self) -> float:
        return self.correct / len(self.predicted) if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / len(self.true_pairs) if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def lines(self) -> list[str]:
        return [
            f"records resolved: {self.records:,} (found nothing: {self.not_found})",
            f"pairwise precision: {self.precision:.4f} ({self.correct}/{len(self.predicted)})",
            f"pairwise recall: {self.recall:.4f} ({self.correct}/{len(self.true_pairs)})",
            f"pairwise F1: {self.f1:.4f}",
        ]


async def evaluate_truth(
    clusters: list[set[RecordId]],
    resolver_for: Any,
    sample: int | None = None,
    seed: int = 1,
) -> Outcome:
    """Resolve each labelled record (or a sample) with a fresh resolver from
    ``resolver_for()``, and compare the customers found with ``clusters``."""
    owner = {record: i for i, cluster in enumerate(clusters) for record in cluster}
    records = sorted(owner)
    if sample is not None and sample < len(records):
        records = sorted(random.Random(seed).sample(records, sample))
    outcome = Outcome()
    outcome.true_pairs = set().union(*(pairs_of(c) for c in clusters)) if clusters else set()
    for source, key in records:
        resolver: IdentityResolver = resolver_for()
        identity = await resolver.resolve(Seed(source=source, key=key))
        outcome.records += 1
        if identity is None:
            outcome.not_found += 1
            continue
        _collect(outcome, identity, owner)
    if sample is not None:  # only the pairs a sampled record is part of
        asked = set(records)
        outcome.true_pairs = {p for p in outcome.true_pairs if p[0] in asked or p[1] in asked}
        outcome.predicted = {p for p in outcome.predicted if p[0] in asked or p[1] in asked}
    return outcome


def _collect(outcome: Outcome, identity: Identity, owner: Mapping[RecordId, int]) -> None:
    labelled = [rid for rid in sorted(identity.keys()) if rid in owner]
    outcome.predicted |= pairs_of(labelled)
    for link in identity.links:
        rid = (link.record.source, link.record.key)
        if link.match.rule != "seed":
            outcome.matches.setdefault(rid, link.match)
