"""Fellegi-Sunter scores: partial weights add up, null weighs nothing, frequent values weigh less."""

from __future__ import annotations

import math

import pytest

from gateway.linkage.comparisons import Comparison
from gateway.linkage.defaults import default_model
from gateway.linkage.model import ComparisonModel, LevelParameters, MatchModel

GIVEN = Comparison.of("given_name", "given_name", "name")
FAMILY = Comparison.of("family_name", "family_name", "name", ["exact"], term_frequency=True)
BIRTH = Comparison.of("birth_date", "birth_date", "date")


def model() -> MatchModel:
    base = default_model([GIVEN, BIRTH])
    family = ComparisonModel(
        FAMILY, (LevelParameters(0.9, 0.01), LevelParameters(0.1, 0.99)), {"smith": 0.04}
    )
    return MatchModel((*base.comparisons, family), 0.01, "test-1")


def score(a: dict[str, str], b: dict[str, str]) -> tuple[float, dict[str, float], dict[str, str]]:
    m = model()
    found = m.score(m.prepare(a), m.prepare(b))
    return (
        found.weight,
        {p.comparison: p.weight for p in found.parts},
        {p.comparison: p.level for p in found.parts},
    )


def test_the_waterfall_adds_up_to_the_match_weight() -> None:
    m = model()
    ann = {"given_name": "Ann", "family_name": "Zbyszewski", "birth_date": "1980-02-03"}
    annie = {"given_name": "Anne", "family_name": "Zbyszewski", "birth_date": "1980-03-02"}
    waterfall = m.score(m.prepare(ann), m.prepare(annie))
    total = waterfall.prior + sum(p.weight for p in waterfall.parts)
    assert waterfall.weight == pytest.approx(total)
    assert waterfall.prior == pytest.approx(math.log2(0.01 / 0.99))
    assert [p.level for p in waterfall.parts] == ["levenshtein:1", "day_month_swapped", "exact"]
    assert waterfall.probability == pytest.approx(1 / (1 + 2**-waterfall.weight))
    assert waterfall.model_version == "test-1"
    assert "birth_date day_month_swapped" in waterfall.describe()


def test_a_missing_value_is_no_evidence() -> None:
    _, parts, levels = score(
        {"given_name": "Ann"}, {"given_name": "Ann", "birth_date": "1990-01-01"}
    )
    assert levels["birth_date"] == "null" and parts["birth_date"] == 0.0


def test_a_disagreement_is_evidence_against() -> None:
    _, parts, _ = score({"birth_date": "1990-01-01"}, {"birth_date": "1971-07-30"})
    assert parts["birth_date"] < 0


def test_a_shared_common_value_weighs_less_than_a_rare_one() -> None:
    _, common, _ = score({"family_name": "Smith"}, {"family_name": "SMITH"})
    _, rare, _ = score({"family_name": "Zbyszewski"}, {"family_name": "Zbyszewski"})
    assert common["family_name"] == pytest.approx(math.log2(0.9 / 0.04))
    assert rare["family_name"] == pytest.approx(math.log2(0.9 / 0.01))
    assert common["family_name"] < rare["family_name"]


def test_parameters_must_match_the_levels() -> None:
    with pytest.raises(ValueError, match="1 parameters for 2 levels"):
        ComparisonModel(FAMILY, (LevelParameters(0.9, 0.1),))
    with pytest.raises(ValueError, match="prior"):
        MatchModel((), 1.5, "x")
