"""Survivorship rules: each rule, ties, empty values, missing timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.survivorship import Candidate, pick
from model.records import Record

ORDER = ["crm", "billing", "loyalty"]


def cand(
    source: str,
    value: object,
    updated: str | None = None,
    key: str = "1",
    comparable: object = None,
) -> Candidate:
    stamp = datetime.fromisoformat(updated).replace(tzinfo=UTC) if updated else None
    record = Record(source, "person", key, {}, {}, stamp)
    return Candidate(value, record, comparable)


def test_priority_takes_the_first_listed_source_with_a_value() -> None:
    choice = pick(
        [cand("crm", "a@x"), cand("loyalty", "b@x"), cand("billing", None)],
        "priority",
        ORDER,
        priority=["loyalty", "crm"],
    )
    assert choice is not None and choice.value == "b@x" and choice.rule == "priority"
    assert [c.value for c in choice.losers] == ["a@x"]


def test_priority_falls_back_to_unlisted_sources_in_config_order() -> None:
    choice = pick([cand("loyalty", "c"), cand("billing", "b")], "priority", ORDER, ["crm"])
    assert choice is not None and choice.record.source == "billing"


def test_most_recent_wins_by_update_time() -> None:
    choice = pick(
        [cand("crm", "old", "2024-01-01"), cand("loyalty", "new", "2026-01-01")],
        "most_recent",
        ORDER,
    )
    assert choice is not None and choice.value == "new"


def test_missing_timestamps_rank_below_any_timestamp() -> None:
    choice = pick(
        [cand("crm", "undated"), cand("loyalty", "dated", "2001-01-01")], "most_recent", ORDER
    )
    assert choice is not None and choice.value == "dated"


def test_most_recent_tie_goes_to_the_source_listed_first() -> None:
    choice = pick(
        [cand("loyalty", "l", "2026-01-01"), cand("billing", "b", "2026-01-01")],
        "most_recent",
        ORDER,
    )
    assert choice is not None and choice.value == "b"


def test_no_timestamps_at_all_falls_back_to_source_order_then_key() -> None:
    choice = pick(
        [cand("billing", "b2", key="2"), cand("billing", "b1", key="1")], "most_recent", ORDER
    )
    assert choice is not None and choice.value == "b1"


def test_most_frequent_compares_normalised_values() -> None:
    candidates = [
        cand("crm", "Ann@X.com", comparable="ann@x.com"),
        cand("billing", "ann@x.com", comparable="ann@x.com"),
        cand("loyalty", "bob@x.com", "2026-06-01", comparable="bob@x.com"),
    ]
    choice = pick(candidates, "most_frequent", ORDER)
    assert choice is not None and choice.value in ("Ann@X.com", "ann@x.com")
    assert [r.source for r in choice.agreeing] == ["crm", "billing"]
    assert [c.value for c in choice.losers] == ["bob@x.com"]


def test_most_frequent_tie_goes_to_the_most_recent() -> None:
    choice = pick(
        [cand("crm", "a", "2020-01-01"), cand("loyalty", "b", "2025-01-01")], "most_frequent", ORDER
    )
    assert choice is not None and choice.value == "b"


def test_an_empty_value_never_wins() -> None:
    newest_but_empty = [
        cand("crm", "  ", "2026-01-01"),
        cand("billing", "", "2026-02-01"),
        cand("loyalty", "kept", "2000-01-01"),
    ]
    for rule in ("priority", "most_recent", "most_frequent"):
        choice = pick(newest_but_empty, rule, ORDER, ["crm"])  # type: ignore[arg-type]
        assert choice is not None and choice.value == "kept", rule


def test_nothing_to_pick() -> None:
    assert pick([cand("crm", None), cand("billing", [])], "most_recent", ORDER) is None
    assert pick([], "priority", ORDER) is None


def test_losers_are_distinct_values_in_source_order() -> None:
    choice = pick(
        [
            cand("loyalty", "x", "2020-01-01"),
            cand("billing", "x", "2019-01-01"),
            cand("crm", "y", "2026-01-01"),
        ],
        "most_recent",
        ORDER,
    )
    assert choice is not None and choice.value == "y"
    assert [(c.record.source, c.value) for c in choice.losers] == [("billing", "x")]
