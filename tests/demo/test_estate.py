"""The demo generator: deterministic, messy as stated, and its ground truth matches its files."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from pathlib import Path

import pytest

from demo.estate import FILES, generate, is_generated
from demo.mess import COVERAGE


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("estate")
    generate(folder, customers=2000, seed=11)
    return folder


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", customers=300, seed=7)
    generate(tmp_path / "b", customers=300, seed=7)
    generate(tmp_path / "c", customers=300, seed=8)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert (tmp_path / "a" / "crm.json").read_bytes() != (tmp_path / "c" / "crm.json").read_bytes()


def test_manifest(estate: Path) -> None:
    info = is_generated(estate)
    assert info is not None and (info.customers, info.seed) == (2000, 11)


def test_ground_truth_names_real_records(estate: Path) -> None:
    truth = [json.loads(line) for line in (estate / "ground_truth.jsonl").read_text().splitlines()]
    crm = {c["id"] for c in json.loads((estate / "crm.json").read_text())["contacts"]}
    with sqlite3.connect(estate / "billing.db") as db:
        accounts = {str(r[0]) for r in db.execute("SELECT account_no FROM accounts")}
    desk = {
        c["ContactId"]
        for c in json.loads((estate / "service_desk.json").read_text())["Contact"]["records"]
    }
    with (estate / "loyalty_members.csv").open(encoding="latin-1") as f:
        loyalty = {row["LOYALTY_NO"] for row in csv.DictReader(f, delimiter=";")}
    owners = {o["ownerId"] for o in json.loads((estate / "dealer.json").read_text())["owners"]}
    systems = {
        "crm": crm,
        "billing": accounts,
        "service_desk": desk,
        "loyalty": loyalty,
        "dealer": owners,
    }
    assert len(truth) == 2000
    for system, keys in systems.items():
        claimed = [k for person in truth for k in person.get(system, [])]
        assert sorted(claimed) == sorted(keys), system
        share = len(keys) / 2000
        assert abs(share - COVERAGE[system]) < 0.05, (system, share)


def test_the_systems_disagree_as_stated(estate: Path) -> None:
    contacts = json.loads((estate / "crm.json").read_text())["contacts"]
    emails = [c["emailAddress"] for c in contacts]
    phones = [c["phoneNumber"] for c in contacts]
    messy = [e for e in emails if e != e.strip().lower()]
    placeholders = [e for e in emails if e.startswith(("noreply@", "no-reply@", "none@"))]
    assert 0.08 < len(messy) / len(emails) < 0.25
    assert 0.005 < len(placeholders) / len(emails) < 0.04
    assert {bool(re.match(r"^\(\d{3}\) \d{3}-\d{4}$", p)) for p in phones} == {True, False}
    assert any(p.startswith("+1 ") for p in phones)
    shared = [p for p in phones if phones.count(p) > 1 and not p.startswith(("000", "+1 000"))]
    assert shared, "some households share a phone"
    with sqlite3.connect(estate / "billing.db") as db:
        names = dict(db.execute("SELECT account_no, first_name FROM accounts"))
    assert {"Bob", "Liz", "Mike"} & set(names.values()), "nicknames appear"
    owners = json.loads((estate / "dealer.json").read_text())["owners"]
    assert 0.1 < sum(o["phone"] is None for o in owners) / len(owners) < 0.3


def test_loyalty_export_is_latin1_with_semicolons(estate: Path) -> None:
    raw = (estate / "loyalty_members.csv").read_bytes()
    assert raw.startswith(b"LOYALTY_NO;EMAIL;")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_fixed_width_visits_fit_their_columns(estate: Path) -> None:
    lines = (estate / "service_visits.txt").read_text("ascii").splitlines()
    assert lines[0].startswith("SERVICE VISITS EXPORT")
    assert all(
        re.match(r"^V\d{9}[A-Z0-9]{17}D\d{3}  \d{4}-\d{2}-\d{2}", line) for line in lines[1:]
    )


def test_bounds(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="between 1 and 1,000,000"):
        generate(tmp_path, customers=0)
