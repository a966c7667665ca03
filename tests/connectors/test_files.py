"""The file connectors: legacy encodings, malformed rows, reloads, missing files."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest

from connectors._exports import parse_span
from connectors.errors import SourceMisconfigured, SourceUnavailable
from connectors.files import FileExportConnector
from tests.support.backends import write_csv, write_fixed_width
from tests.support.build import make_connector

LOYALTY = {
    "kind": "csv",
    "encoding": "latin-1",
    "delimiter": ";",
    "reload_check": 0,
    "entities": {
        "person": {
            "file": "loyalty.csv",
            "by": {"email": "EMAIL"},
            "fields": {"key": "LOYALTY_NO", "email": "EMAIL", "family_name": "NAME"},
        }
    },
}


def write(path: Path, text: str, encoding: str = "latin-1") -> None:
    path.write_bytes(text.encode(encoding))


async def test_latin1_semicolon_export(tmp_path: Path) -> None:
    write(tmp_path / "loyalty.csv", "LOYALTY_NO;EMAIL;NAME\nL-1;ann@x.com;Müller\n")
    async with make_connector("loyalty", LOYALTY, tmp_path) as loyalty:
        [found] = (await loyalty.fetch("person", "key", ["L-1"]))["L-1"]
    assert found.data["family_name"] == "Müller"


async def test_malformed_rows_are_reported_and_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(
        tmp_path / "loyalty.csv",
        "LOYALTY_NO;EMAIL;NAME\nL-1;ann@x.com;Lee\nL-2;too;many;cells\nL-3;c@x.com;Ng\n",
    )
    with caplog.at_level(logging.WARNING, "c360.connectors"):
        async with make_connector("loyalty", LOYALTY, tmp_path) as loyalty:
            found = await loyalty.fetch("person", "key", ["L-1", "L-2", "L-3"])
            assert isinstance(loyalty, FileExportConnector)
            problems = loyalty.problems("person")
    assert [len(found[k]) for k in ("L-1", "L-2", "L-3")] == [1, 0, 1]
    assert problems == ("loyalty.csv:3: expected 3 fields, found 4; skipped",)
    assert "loyalty.csv:3: expected 3 fields" in caplog.text


async def test_undecodable_line_is_skipped_with_its_line(tmp_path: Path) -> None:
    block = {**LOYALTY, "encoding": "utf-8"}
    (tmp_path / "loyalty.csv").write_bytes(
        b"LOYALTY_NO;EMAIL;NAME\nL-1;a@x.com;M\xfcller\nL-2;b@x.com;Ng\n"
    )
    async with make_connector("loyalty", block, tmp_path) as loyalty:
        found = await loyalty.fetch("person", "key", ["L-1", "L-2"])
        assert isinstance(loyalty, FileExportConnector)
        [problem] = loyalty.problems("person")
    assert found["L-1"] == [] and len(found["L-2"]) == 1
    assert problem.startswith("loyalty.csv:2: not utf-8")


async def test_broken_quoting_skips_only_that_row(tmp_path: Path) -> None:
    write(tmp_path / "loyalty.csv", 'LOYALTY_NO;EMAIL;NAME\nL-1;"a@x.com"x;Lee\nL-2;b@x.com;Ng\n')
    async with make_connector("loyalty", LOYALTY, tmp_path) as loyalty:
        found = await loyalty.fetch("person", "key", ["L-1", "L-2"])
        assert isinstance(loyalty, FileExportConnector)
        [problem] = loyalty.problems("person")
    assert found["L-1"] == [] and len(found["L-2"]) == 1
    assert problem.startswith("loyalty.csv:2: ")


async def test_reloaded_when_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "loyalty.csv"
    write(path, "LOYALTY_NO;EMAIL;NAME\nL-1;a@x.com;Lee\n")
    async with make_connector("loyalty", LOYALTY, tmp_path) as loyalty:
        assert (await loyalty.fetch("person", "key", ["L-9"]))["L-9"] == []
        write(path, "LOYALTY_NO;EMAIL;NAME\nL-1;a@x.com;Lee\nL-9;n@x.com;New\n")
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
        [found] = (await loyalty.fetch("person", "key", ["L-9"]))["L-9"]
    assert found.data["family_name"] == "New"


async def test_missing_file(tmp_path: Path) -> None:
    async with make_connector("loyalty", LOYALTY, tmp_path) as loyalty:
        with pytest.raises(SourceUnavailable, match="loyalty: cannot read .*loyalty.csv"):
            await loyalty.fetch("person", "key", ["L-1"])
        assert not (await loyalty.health()).ok


async def test_missing_column_is_named(tmp_path: Path) -> None:
    write(tmp_path / "loyalty.csv", "LOYALTY;EMAIL;NAME\nL-1;a@x.com;Lee\n")
    async with make_connector("loyalty", LOYALTY, tmp_path) as loyalty:
        with pytest.raises(SourceMisconfigured, match="has no column 'LOYALTY_NO'"):
            await loyalty.fetch("person", "key", ["L-1"])


async def test_fixed_width_short_line_is_reported(tmp_path: Path) -> None:
    block: dict[str, Any] = write_fixed_width(tmp_path)
    with (tmp_path / "orders.txt").open("a", encoding="utf-8") as out:
        out.write("O-9     P-2\n")
    async with make_connector("visits", block, tmp_path) as visits:
        found = await visits.fetch("order", "customer_no", ["P-2"])
        assert isinstance(visits, FileExportConnector)
        problems = visits.problems("order")
    assert [r.key for r in found["P-2"]] == ["O-3"]
    assert problems == ("orders.txt:4: 11 characters, the columns need at least 30; skipped",)


async def test_csv_and_fixed_width_give_the_same_records(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with (
        make_connector("a", write_csv(tmp_path / "a")) as a,
        make_connector("b", write_fixed_width(tmp_path / "b")) as b,
    ):
        left = (await a.fetch("person", "key", ["P-ü"]))["P-ü"][0]
        right = (await b.fetch("person", "key", ["P-ü"]))["P-ü"][0]
    assert left.data == right.data


@pytest.mark.parametrize(("text", "start", "end"), [("1-8", 1, 8), ("9", 9, 9), (" 3 - 4 ", 3, 4)])
def test_column_spans(text: str, start: int, end: int) -> None:
    span = parse_span(text)
    assert (span.start, span.end) == (start, end)


@pytest.mark.parametrize("text", ["0-3", "5-2", "a-b", ""])
def test_bad_column_spans(text: str) -> None:
    with pytest.raises(ValueError, match="column span|positions start"):
        parse_span(text)


@pytest.mark.parametrize("text", ["", "LOYALTY_NO;EMAIL;NAME\n", "LOYALTY_NO;EMAIL;NAME\n\n\n"])
async def test_an_emptied_export_is_an_error_and_unhealthy(tmp_path: Path, text: str) -> None:
    write(tmp_path / "loyalty.csv", text)
    async with make_connector("loyalty", LOYALTY, tmp_path) as loyalty:
        with pytest.raises(SourceUnavailable, match="loyalty: loyalty.csv holds no records"):
            await loyalty.fetch("person", "key", ["L-1"])
        health = await loyalty.health()
    assert not health.ok and health.detail == "loyalty.csv holds no records"


async def test_an_export_emptied_after_a_load_serves_that_load_but_is_unhealthy(
    tmp_path: Path,
) -> None:
    path = tmp_path / "loyalty.csv"
    write(path, "LOYALTY_NO;EMAIL;NAME\nL-1;a@x.com;Lee\n")
    async with make_connector("loyalty", LOYALTY, tmp_path) as loyalty:
        assert (await loyalty.health()).ok
        write(path, "LOYALTY_NO;EMAIL;NAME\n")
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
        [found] = (await loyalty.fetch("person", "key", ["L-1"]))["L-1"]
        emptied = await loyalty.health()
        write(path, "LOYALTY_NO;EMAIL;NAME\nL-1;a@x.com;Lee\nL-2;b@x.com;Ng\n")
        restored = await loyalty.health()
    assert found.data["family_name"] == "Lee"
    assert not emptied.ok
    assert emptied.detail == "loyalty.csv holds no records; serving its last load"
    assert restored.ok


async def test_an_export_without_its_header_line_repeats_no_row(tmp_path: Path) -> None:
    write(tmp_path / "loyalty.csv", "L-1;ann.lee@example.com;Lee\nL-2;bob@example.com;Ng\n")
    async with make_connector("loyalty", LOYALTY, tmp_path) as loyalty:
        with pytest.raises(SourceMisconfigured) as caught:
            await loyalty.fetch("person", "key", ["L-1"])
        health = await loyalty.health()
    message = str(caught.value)
    assert message == (
        "loyalty: loyalty.csv has no column 'LOYALTY_NO', 'EMAIL', 'NAME' (its first line"
        " names none of them: is the header line missing?)"
    )
    assert not health.ok and "ann.lee" not in health.detail
