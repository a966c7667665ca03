"""Identity resolution measured against the demo's ground truth (the full run: c360 eval-identity)."""

from __future__ import annotations

from demo.evaluation import evaluate, load_truth
from demo.households import households
from tests.support.demo_estate import DemoEstate


async def test_precision_recall_and_no_household_merges(demo_estate: DemoEstate) -> None:
    truth = load_truth(demo_estate.folder / "ground_truth.jsonl")
    pairs = households(demo_estate.customers, demo_estate.seed)
    assert pairs, "the estate has households sharing a phone"
    report = await evaluate(demo_estate.settings, truth, pairs, seed=3)
    assert report.people == sum(1 for records in truth.values() if records)
    assert report.source_failures == 0 and report.not_found == 0
    assert report.precision >= 0.995, report.lines()
    assert report.recall >= 0.98, report.lines()
    assert report.household_merges == 0, report.examples
