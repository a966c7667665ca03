from __future__ import annotations

from datetime import date, datetime

import pytest

from forms.dates import check_format, read_date


def test_one_declared_format() -> None:
    assert read_date("07/03/1984", ["%d/%m/%Y"]) == date(1984, 3, 7)
    assert read_date(" 19840307 ", ["%Y%m%d"]) == date(1984, 3, 7)


def test_several_formats_each_tried() -> None:
    formats = ["%d/%m/%Y", "%Y%m%d", "%d %b %Y"]
    assert read_date("19840307", formats) == read_date("7 Mar 1984", formats) == date(1984, 3, 7)


def test_two_formats_reading_two_dates_is_no_date() -> None:
    assert read_date("07/03/1984", ["%d/%m/%Y", "%m/%d/%Y"]) is None
    assert read_date("13/03/1984", ["%d/%m/%Y", "%m/%d/%Y"]) == date(1984, 3, 13)


def test_without_formats_iso_dates_and_date_objects() -> None:
    assert read_date("1984-03-07") == date(1984, 3, 7)
    assert read_date("1984-03-07T10:00:00Z") == date(1984, 3, 7)
    assert read_date(date(1984, 3, 7)) == date(1984, 3, 7)
    assert read_date(datetime(1984, 3, 7, 23, 0)) == date(1984, 3, 7)


@pytest.mark.parametrize(
    ("value", "formats"),
    [
        ("07/03/1984", []),
        ("1984-02-30", []),
        ("31/02/1984", ["%d/%m/%Y"]),
        ("", ["%Y"]),
        (None, []),
        ("yesterday", ["%d/%m/%Y"]),
    ],
)
def test_what_cannot_be_read_is_none(value: object, formats: list[str]) -> None:
    assert read_date(value, formats) is None


def test_formats_are_checked() -> None:
    assert check_format("%d.%m.%Y") == "%d.%m.%Y"
    with pytest.raises(ValueError, match="no % directive"):
        check_format("DD/MM/YYYY")
