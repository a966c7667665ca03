"""The model file: read back as written; refused with a line when it does not fit the config."""

from __future__ import annotations

from gateway.linkage.comparisons import Comparison
from gateway.linkage.defaults import default_model
from gateway.linkage.model import ComparisonModel, MatchModel
from gateway.linkage.modelfile import dump_model, parse_model

COMPARISONS = [
    Comparison.of("family_name", "family_name", "name", term_frequency=True),
    Comparison.of("birth_date", "birth_date", "date"),
]


def trained() -> MatchModel:
    base = default_model(COMPARISONS)
    family = ComparisonModel(COMPARISONS[0], base.comparisons[0].levels, {"smith": 0.0121})
    return MatchModel((family, base.comparisons[1]), 0.061, "crm-7", {"records": 5000})


def test_a_written_model_reads_back_the_same() -> None:
    text = dump_model(trained())
    model, problems = parse_model(text, COMPARISONS)
    assert problems == [] and model is not None
    assert model.version == "crm-7" and model.prior == 0.061
    assert model.comparisons[0].term_frequencies == {"smith": 0.0121}
    assert model.comparisons[1].levels == trained().comparisons[1].levels
    assert "family_name:\n    levels:\n      exact: {m: 0.86, u: 0.004}" in text


def test_problems_name_their_line() -> None:
    text = dump_model(trained()).replace("u: 0.0002}", "u: 2}")
    _, problems = parse_model(text, COMPARISONS)
    [problem] = problems
    assert problem.path == ("comparisons", "birth_date", "levels", "exact", "u")
    assert text.splitlines()[problem.line - 1].strip().startswith("exact: {m: 0.9, u: 2}")


def test_another_format_malformed_text_and_other_comparisons_are_refused() -> None:
    text = dump_model(trained())
    _, problems = parse_model(text.replace("c360-identity-model/1", "splink/4"), COMPARISONS)
    assert "this gateway reads 'c360-identity-model/1'" in problems[0].message
    _, problems = parse_model("format: [unclosed", COMPARISONS)
    assert "not valid YAML" in problems[0].message
    _, problems = parse_model(text, [*COMPARISONS, Comparison.of("email", "email", "exact")])
    assert [p.message for p in problems] == ["lacks 'email'"]
    _, problems = parse_model(text, COMPARISONS[:1])
    assert problems[0].message == "the config declares no comparison of this name"
    other = [COMPARISONS[0], Comparison.of("birth_date", "birth_date", "date", ["exact"])]
    _, problems = parse_model(text, other)
    assert "are not the config's (exact, else)" in problems[0].message
