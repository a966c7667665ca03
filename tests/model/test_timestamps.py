from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from model.timestamps import age_seconds, iso_utc, parse_timestamp


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-22T10:15:02Z", datetime(2026, 11, 22, 10, 15, 2, tzinfo=UTC)),
        ("2026-11-22 10:15:02", datetime(2026, 11, 22, 10, 15, 2, tzinfo=UTC)),
        (date(2026, 11, 22), datetime(2026, 11, 22, tzinfo=UTC)),
        (1795342502, datetime(2026, 11, 22, 10, 15, 2, tzinfo=UTC)),
        (1795342502000, datetime(2026, 11, 22, 10, 15, 2, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (True, None),
    ],
)
def test_parse_timestamp(value: object, expected: datetime | None) -> None:
    assert parse_timestamp(value) == expected


def test_iso_utc_is_to_the_second_with_z() -> None:
    assert iso_utc(1795342502.75) == "2026-11-22T10:15:02Z"


def test_age_is_to_a_tenth_and_never_negative() -> None:
    assert age_seconds(100.0, 141.04) == 41.0
    assert age_seconds(100.0, 99.0) == 0.0
