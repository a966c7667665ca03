"""CPU cost of scoring one customer's candidates with the FEBRL 3 example's trained model.

    python examples/febrl3/export.py && python bench/identity_scoring.py [candidates] [rounds]

For each of ``rounds`` customers (a random FEBRL 3 record and its known duplicates as the
linked records), ``candidates`` other records (its duplicates first, then random ones) go
through the same ``Matcher.decide`` resolution uses: prepared once, scored against every
linked record, settled. Prints the median and p90 CPU time (``time.process_time``, so that
other processes on the machine do not count) per customer, with and without preparing the
values (normalising names, dates...), which a resolution does once per record.
"""

from __future__ import annotations

import csv
import random
import statistics
import sys
import time
from pathlib import Path

from gateway.config import load_settings
from gateway.matching import Candidate, Matcher
from model.records import Record

EXAMPLE = Path(__file__).parents[1] / "examples" / "febrl3"


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    settings = load_settings(EXAMPLE / "c360.yaml")
    matching, model = settings.identity.matching, settings.match_model
    assert matching is not None and model is not None
    matcher = Matcher(matching, model)
    spec = settings.sources["febrl"].config.entities["person"]
    with (EXAMPLE / "data" / "people.csv").open(encoding="utf-8") as rows:
        records = [
            Record(
                "febrl",
                "person",
                row["rec_id"],
                {k: row[v] for k, v in spec.fields.items() if row[v]},
                spec.fields,
            )
            for row in csv.DictReader(rows)
        ]
    people: dict[str, list[Record]] = {}
    for record in records:
        people.setdefault(record.key.split("-")[1], []).append(record)
    rule = matching.blocking[0]
    rng = random.Random(1)
    cold, warm = [], []
    for _ in range(rounds):
        person = rng.choice(list(people.values()))
        linked = person[:1]
        others = person[1:] + rng.sample(records, count)
        candidates = [Candidate(rule, "", r) for r in others[:count]]
        cache: dict[tuple[str, str], object] = {}
        started = time.process_time()
        matcher.decide(linked, candidates, cache)  # type: ignore[arg-type]
        cold.append(time.process_time() - started)
        started = time.process_time()
        matcher.decide(linked, candidates, cache)  # type: ignore[arg-type]
        warm.append(time.process_time() - started)
    for name, found in (("with preparing", cold), ("values prepared", warm)):
        ordered = sorted(found)
        print(
            f"{count} candidates, {name}: median {statistics.median(found) * 1000:.3f} ms,"
            f" p90 {ordered[int(0.9 * len(ordered))] * 1000:.3f} ms ({rounds} customers)"
        )


if __name__ == "__main__":
    main()
