from __future__ import annotations

from pathlib import Path

import pytest

from forms.nicknames import CULTURES, NameFileError, NameVariants, parse_groups, read_groups


def test_shipped_tables_hold_several_cultures() -> None:
    variants = NameVariants.built_in()
    assert variants.equivalent("Maggie", "Margaret")  # English
    assert variants.equivalent("Alejandro", "Alex")  # Spanish
    assert variants.equivalent("Paco", "Francisco")
    assert variants.equivalent("Hans", "Johannes")  # German
    assert variants.equivalent("Sasha", "Aleksandr")  # Russian
    assert variants.equivalent("Kees", "Cornelis")  # Dutch
    assert len(CULTURES) >= 5


def test_a_shared_nickname_does_not_join_its_formal_names() -> None:
    variants = NameVariants.built_in()
    assert variants.equivalent("Alex", "Alexander") and variants.equivalent("Alex", "Alejandro")
    assert not variants.equivalent("Alexander", "Alejandro")
    assert not variants.equivalent("Robert", "William")


def test_case_accents_and_further_given_names_do_not_matter() -> None:
    variants = NameVariants.built_in()
    assert variants.equivalent("JOSÉ", "Pepe")
    assert variants.equivalent("Maggie Ann", "margaret")
    assert not variants.equivalent("", "")


def test_the_formal_name_where_there_is_one() -> None:
    variants = NameVariants.built_in()
    assert variants.formal("Paco") == "francisco"
    assert variants.formal("Liam") == "william"
    assert variants.formal("Alex") == "alex"  # short for several: stays itself
    assert variants.formal("Zebulon") == "zebulon"
    assert variants.formal_among(["Maggie", "Margaret", "Meg"]) == "Margaret"
    assert variants.formal_among(["Bob", "Robert"]) == "Robert"
    assert variants.formal_among(["Alex", "Sam"]) is None


def test_extended_with_a_file_of_groups(tmp_path: Path) -> None:
    path = tmp_path / "extra.txt"
    path.write_text("# ours\nzebulon, zeb, lonnie\n\nsiobhan, shiv  # Irish\n", encoding="utf-8")
    built_in = NameVariants.built_in()
    assert not built_in.equivalent("Zeb", "Zebulon")
    variants = built_in.extended(read_groups(path))
    assert variants.equivalent("Zeb", "Zebulon") and variants.equivalent("Shiv", "Siobhán")
    assert variants.equivalent("Maggie", "Margaret")  # the shipped tables still hold


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("ann, annie\nbob", 2, "at least two"),
        ("ann, , annie", 1, "empty name"),
        ("r2d2, artoo", 1, "not a given name"),
        ("ann, ANN", 1, "at least two"),
    ],
)
def test_a_bad_group_names_its_file_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(NameFileError, match=message) as caught:
        parse_groups(text, "extra.txt")
    assert (caught.value.file, caught.value.line) == ("extra.txt", line)
    assert str(caught.value).startswith(f"extra.txt:{line}: ")


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(NameFileError, match="cannot read"):
        read_groups(tmp_path / "absent.txt")
