"""``c360 check --probe``: declared formats tried on each source's first records."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

CONFIG = """\
sources:
  desk:
    kind: csv
    entities:
      person:
        file: desk.csv
        fields: {key: ID, full_name: NAME, birth_date: BORN}
        parse:
          full_name: "{family}, {given}"
          birth_date: "%d/%m/%Y"
  crm:
    kind: sql
    url: sqlite+aiosqlite:///crm.db
    entities:
      person:
        table: people
        fields: {key: id, birth_date: dob, postcode: pc}
        parse: {birth_date: "%Y%m%d", postcode: {country: GB}}
"""


def c360(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def estate(folder: Path, desk_dates: list[str]) -> None:
    rows = [f'D{i},"LEE, Ann",{born}' for i, born in enumerate(desk_dates)]
    (folder / "desk.csv").write_text("\n".join(["ID,NAME,BORN", *rows]) + "\n", encoding="utf-8")
    with sqlite3.connect(folder / "crm.db") as db:
        db.execute("CREATE TABLE people (id TEXT, dob TEXT, pc TEXT)")
        db.executemany(
            "INSERT INTO people VALUES (?, ?, ?)",
            [("C1", "19840307", "sw1a1aa"), ("C2", "19610409", "M1 1AE")],
        )
    (folder / "c360.yaml").write_text(CONFIG, encoding="utf-8")


def test_a_format_that_cannot_read_the_first_values_is_reported(tmp_path: Path) -> None:
    estate(tmp_path, ["1984-03-07", "07/03/1984", "1961-04-09"])
    result = c360("check", "--probe", "c360.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "c360.yaml:10: sources.desk.entities.person.parse.birth_date: 2 of the first 3 values"
        " cannot be read as declared (written like 9999-99-99)",
        "1 problem found by the probe",
    ]
    assert "1984" not in result.stderr  # values are never printed, only their shape
    assert result.stdout == "c360.yaml: valid; 2 sources: desk (csv), crm (sql); 2 entities\n"


def test_formats_that_read_every_value(tmp_path: Path) -> None:
    estate(tmp_path, ["07/03/1984", "09/04/1961"])
    result = c360("check", "--probe", "--probe-rows", "5", "c360.yaml", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[1] == "probe: 8 values of 4 declared fields read as declared"


def test_without_probe_no_source_is_read(tmp_path: Path) -> None:
    estate(tmp_path, ["1984-03-07"])
    result = c360("check", "c360.yaml", cwd=tmp_path)
    assert result.returncode == 0 and "probe" not in result.stdout
